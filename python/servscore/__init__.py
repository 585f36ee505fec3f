"""servscore: service-quality scores, classifications and indices from customer-service data.

>>> import servscore as ss
>>> data = ss.datasets.sample(seed=7, n_encounters=500)
>>> scored = ss.score_encounters(data.encounters)
>>> sorted(set(scored["quadrant"].astype(str))) <= ["factory", "freezer", "friendly", "quality", "unknown"]
True
"""

from __future__ import annotations

from . import datasets
from ._core import ConfigError, Error, InputError, __version__
from .encounters import (
    EncounterConfig,
    EncounterSummary,
    Indicator,
    score_encounters,
    summarize_encounters,
)
from .model import (
    ExpectationLevel,
    HumanNeed,
    KanoCategory,
    LifecycleStage,
    LostSaleReason,
    LoyaltySegment,
    Quadrant,
    RaterDimension,
    ServiceSide,
    SocialStyle,
    TimeElement,
    get_language,
    set_language,
)

# areas: add one import line per new area below this line
from . import economics, lifecycle, loyalty

__all__ = [
    "ConfigError",
    "EncounterConfig",
    "EncounterSummary",
    "Error",
    "ExpectationLevel",
    "HumanNeed",
    "Indicator",
    "InputError",
    "KanoCategory",
    "LifecycleStage",
    "LostSaleReason",
    "LoyaltySegment",
    "Quadrant",
    "RaterDimension",
    "ServiceSide",
    "SocialStyle",
    "TimeElement",
    "__version__",
    "datasets",
    "economics",
    "lifecycle",
    "loyalty",
    "get_language",
    "score_encounters",
    "set_language",
    "summarize_encounters",
]
