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
from .moments import Moments
from .reliability import AlphaAccumulator, AlphaResult, average_variance_extracted, cronbach_alpha, dillon_goldstein_rho
from .servqual import (
    ServqualAccumulator,
    ServqualConfig,
    ServqualItem,
    ServqualResult,
    ZotAccumulator,
    ZotResult,
    servperf,
    servqual,
    servqual_form,
    zone_of_tolerance,
)
from . import kano
from .nps import BoxConfig, NpsConfig, ResponseAccumulator, ces, csat, mean_score, nps, nps_diff, nps_sample_size
from .pls import PathModel, PlsConfig, PLSResult
from .drivers import ipa
from . import interactions, styles, text
from . import needs, standards
from . import economics, lifecycle, loyalty

__all__ = [
    "zone_of_tolerance",
    "servqual_form",
    "servqual",
    "servperf",
    "ZotResult",
    "ZotAccumulator",
    "ServqualResult",
    "ServqualItem",
    "ServqualConfig",
    "ServqualAccumulator",
    "reliability",
    "dillon_goldstein_rho",
    "cronbach_alpha",
    "average_variance_extracted",
    "AlphaResult",
    "AlphaAccumulator",
    "ConfigError",
    "PLSResult",
    "PathModel",
    "PlsConfig",
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
    "Moments",
    "Quadrant",
    "RaterDimension",
    "ServiceSide",
    "SocialStyle",
    "TimeElement",
    "__version__",
    "datasets",
    "drivers",
    "needs",
    "standards",
    "economics",
    "lifecycle",
    "loyalty",
    "get_language",
    "kano",
    "ipa",
    "score_encounters",
    "set_language",
    "summarize_encounters",
    "BoxConfig",
    "NpsConfig",
    "ResponseAccumulator",
    "ces",
    "csat",
    "mean_score",
    "nps",
    "nps_diff",
    "nps_sample_size",
    "interactions",
    "styles",
    "text",
]
