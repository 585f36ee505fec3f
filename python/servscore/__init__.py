"""servscore: service-quality scores, classifications and indices from customer-service data.

>>> import servscore as ss
>>> data = ss.datasets.sample(seed=7, n_encounters=500)
>>> scored = ss.score_encounters(data.encounters)
>>> sorted(set(scored["quadrant"].astype(str))) <= ["factory", "freezer", "friendly", "quality", "unknown"]
True
"""

from __future__ import annotations

from . import (
    agreement,
    checklists,
    datasets,
    defection,
    economics,
    impressions,
    interactions,
    internal,
    kano,
    labels,
    lifecycle,
    loyalty,
    needs,
    readers,
    sql,
    standards,
    styles,
    text,
)
from ._core import ConfigError, Error, InputError, __version__
from ._progress import set_progress
from .agreement import fleiss_kappa, icc, kappa, krippendorff_alpha
from .drivers import ipa
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
from .moments import Moments
from .nps import (
    BoxConfig,
    NpsConfig,
    ResponseAccumulator,
    box_cutoffs,
    ces,
    csat,
    mean_score,
    nps,
    nps_diff,
    nps_paired,
    nps_sample_size,
)
from .omega import OmegaResult, SplitHalfResult, omega, split_half
from .pls import PathModel, PlsConfig, PLSResult
from .readers import ReadReport, ReadTable, read_table
from .reliability import (
    AlphaAccumulator,
    AlphaResult,
    ReliabilityWarning,
    average_variance_extracted,
    cronbach_alpha,
    dillon_goldstein_rho,
)
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
from .sql import read_sql

__all__ = [
    "__version__",
    "agreement",
    "fleiss_kappa",
    "icc",
    "kappa",
    "krippendorff_alpha",
    "AlphaAccumulator",
    "AlphaResult",
    "average_variance_extracted",
    "BoxConfig",
    "ces",
    "checklists",
    "ConfigError",
    "cronbach_alpha",
    "omega",
    "OmegaResult",
    "split_half",
    "SplitHalfResult",
    "ReliabilityWarning",
    "csat",
    "datasets",
    "defection",
    "dillon_goldstein_rho",
    "drivers",
    "economics",
    "EncounterConfig",
    "EncounterSummary",
    "Error",
    "ExpectationLevel",
    "get_language",
    "HumanNeed",
    "impressions",
    "Indicator",
    "InputError",
    "interactions",
    "internal",
    "ipa",
    "kano",
    "KanoCategory",
    "lifecycle",
    "LifecycleStage",
    "LostSaleReason",
    "loyalty",
    "LoyaltySegment",
    "mean_score",
    "Moments",
    "needs",
    "nps",
    "nps_diff",
    "nps_paired",
    "box_cutoffs",
    "nps_sample_size",
    "NpsConfig",
    "PathModel",
    "PlsConfig",
    "PLSResult",
    "Quadrant",
    "ReadReport",
    "ReadTable",
    "read_table",
    "readers",
    "labels",
    "RaterDimension",
    "read_sql",
    "reliability",
    "ResponseAccumulator",
    "score_encounters",
    "ServiceSide",
    "servperf",
    "servqual",
    "servqual_form",
    "ServqualAccumulator",
    "ServqualConfig",
    "ServqualItem",
    "ServqualResult",
    "set_language",
    "set_progress",
    "SocialStyle",
    "sql",
    "standards",
    "styles",
    "summarize_encounters",
    "text",
    "TimeElement",
    "zone_of_tolerance",
    "ZotAccumulator",
    "ZotResult",
]


def __getattr__(name: str) -> object:
    # ss.dask / ss.spark load on first use: they need the optional extras servscore[dask] / [spark]
    if name in ("dask", "spark"):
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
