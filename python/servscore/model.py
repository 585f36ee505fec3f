"""The domain model as ``enum.Enum`` classes.

Each member's value is its stable string name (the one used in JSON configuration
and result tables); members are ``str`` instances, so ``Quadrant.quality ==
"quality"``. English and Chinese labels come from the compiled core, the one place
they are defined::

    >>> from servscore import Quadrant
    >>> Quadrant("FREEZER").label("zh")
    '冷淡型'
    >>> Quadrant.quality.label()
    'Quality'
"""

from __future__ import annotations

import enum
from typing import Literal

from . import _core

Language = Literal["en", "zh"]
_language: Language = "en"


def set_language(lang: str) -> None:
    """Set the default label language, ``"en"`` or ``"zh"``, for labels, plots and reports."""
    global _language  # noqa: PLW0603 - one process-wide default, set by the user
    if lang not in ("en", "zh"):
        raise _core.ConfigError(f"language: {lang!r} is not supported; expected 'en' or 'zh'")
    _language = lang  # type: ignore[assignment]


def get_language() -> Language:
    """The current default label language (``"en"`` unless changed by :func:`set_language`)."""
    return _language


class LabelledEnum(str, enum.Enum):
    """Base of the domain enums: string-valued, with labels and lenient parsing."""

    _kind_: str  # the enum kind in the compiled core's tables

    def __str__(self) -> str:
        return str(self.value)

    def label(self, lang: str | None = None) -> str:
        """The English (``"en"``) or Chinese (``"zh"``) label; default: :func:`get_language`."""
        lang = lang or _language
        if lang not in ("en", "zh"):
            raise _core.ConfigError(f"lang: {lang!r} is not supported; expected 'en' or 'zh'")
        for name, en, zh, _aliases in _core.enum_table(self._kind_):
            if name == self.value:
                return str(zh if lang == "zh" else en)
        raise AssertionError(f"{self!r} missing from the core table")  # pragma: no cover

    @classmethod
    def _missing_(cls, value: object) -> LabelledEnum:
        # Case-insensitive names and aliases ("O" for one_dimensional); the core
        # raises ConfigError listing the valid names otherwise.
        name = _core.parse_enum(cls._kind_, str(value))
        return cls(name)

    @classmethod
    def names(cls) -> list[str]:
        """The stable names, in order."""
        return [m.value for m in cls]


class Quadrant(LabelledEnum):
    """Martin's service quadrant; ``unknown`` when a side score is missing."""

    freezer = "freezer"
    factory = "factory"
    friendly = "friendly"
    quality = "quality"
    unknown = "unknown"


class ServiceSide(LabelledEnum):
    """The procedural and personal sides of service."""

    procedural = "procedural"
    personal = "personal"


class SocialStyle(LabelledEnum):
    """Merrill & Reid interpersonal style."""

    analytical = "analytical"
    amiable = "amiable"
    driver = "driver"
    expressive = "expressive"


class ExpectationLevel(LabelledEnum):
    """Level of the hierarchy of customer expectations."""

    basic = "basic"
    expected = "expected"
    desired = "desired"
    unexpected = "unexpected"


class HumanNeed(LabelledEnum):
    """The ten human needs of the source."""

    welcomed = "welcomed"
    timely_service = "timely_service"
    comfort = "comfort"
    orderly_service = "orderly_service"
    understood = "understood"
    help = "help"
    feel_important = "feel_important"
    appreciated = "appreciated"
    recognized = "recognized"
    respected = "respected"


class RaterDimension(LabelledEnum):
    """SERVQUAL's RATER dimensions."""

    reliability = "reliability"
    assurance = "assurance"
    tangibles = "tangibles"
    empathy = "empathy"
    responsiveness = "responsiveness"


class LoyaltySegment(LabelledEnum):
    """Jones & Sasser satisfaction x loyalty segment; ``terrorist`` is a defector who is a detractor or complained."""

    apostle = "apostle"
    mercenary = "mercenary"
    hostage = "hostage"
    defector = "defector"
    terrorist = "terrorist"


class KanoCategory(LabelledEnum):
    """Kano category; the one-letter codes A, O, M, I, R, Q parse as aliases."""

    attractive = "attractive"
    one_dimensional = "one_dimensional"
    must_be = "must_be"
    indifferent = "indifferent"
    reverse = "reverse"
    questionable = "questionable"


class LifecycleStage(LabelledEnum):
    """The developer's 6+2 customer lifecycle stages."""

    warm_handshake = "warm_handshake"
    tying_the_knot = "tying_the_knot"
    close_contact = "close_contact"
    moving_in = "moving_in"
    caring = "caring"
    taking_responsibility = "taking_responsibility"
    all_the_way_together = "all_the_way_together"
    four_year_appointment = "four_year_appointment"


class TimeElement(LabelledEnum):
    """The nine time elements of service."""

    booking = "booking"
    waiting = "waiting"
    response = "response"
    service = "service"
    after_service = "after_service"
    delivery = "delivery"
    delay = "delay"
    guarantee = "guarantee"
    correction = "correction"


class LostSaleReason(LabelledEnum):
    """The fourteen reasons sales are lost."""

    disinterest = "disinterest"
    making_a_mistake = "making_a_mistake"
    appearing_too_anxious = "appearing_too_anxious"
    talking_down_other_brands = "talking_down_other_brands"
    arguing = "arguing"
    long_winded = "long_winded"
    lack_of_courtesy = "lack_of_courtesy"
    showing_favouritism = "showing_favouritism"
    being_hurried = "being_hurried"
    embarrassing_the_customer = "embarrassing_the_customer"
    misrepresenting_merchandise = "misrepresenting_merchandise"
    lack_of_product_information = "lack_of_product_information"
    wasting_time = "wasting_time"
    getting_too_personal = "getting_too_personal"


#: Every domain enum by its kind name in the compiled core.
ENUMS: dict[str, type[LabelledEnum]] = {
    "quadrant": Quadrant,
    "service_side": ServiceSide,
    "social_style": SocialStyle,
    "expectation_level": ExpectationLevel,
    "human_need": HumanNeed,
    "rater_dimension": RaterDimension,
    "loyalty_segment": LoyaltySegment,
    "kano_category": KanoCategory,
    "lifecycle_stage": LifecycleStage,
    "time_element": TimeElement,
    "lost_sale_reason": LostSaleReason,
}
for _k, _cls in ENUMS.items():
    _cls._kind_ = _k
del _k, _cls
