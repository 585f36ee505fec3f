"""Key-driver analysis and importance-performance analysis (IPA).

Which attributes drive overall satisfaction, and where to act:

- :func:`importance` with ``method="lmg"`` (LMG, Shapley value, general dominance:
  the R2 increment of each predictor averaged over all orders; Lindeman, Merenda &
  Gold 1980; Grömping 2006), ``method="dominance"`` (the same plus conditional and
  complete dominance; Budescu 1993, Azen & Budescu 2003) or
  ``method="relative_weights"`` (Johnson 2000, with the random-variable bootstrap test
  of Tonidandel, LeBreton & Johnson 2009). Shares of both sum to the full model's R2.
- :func:`penalty_reward`: penalty-reward contrast analysis (Brandt 1987) and impact
  asymmetry (Mikulić & Prebežac 2008): basic, performance and exciting attributes.
- :func:`ipa`: Martilla & James (1977) quadrants (concentrate here, keep up the good
  work, low priority, possible overkill) with a scale-centred, data-centred (mean or
  median) or diagonal crosshair; importance stated or derived.

Every number is a configurable default (:class:`DriverConfig`,
:class:`PenaltyRewardConfig`, :class:`IpaConfig`, or keywords).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._checks import check_finite, check_magnitude
from ._core import ConfigError, DriverConfig, InputError, IpaConfig, PenaltyRewardConfig
from ._input import (
    as_matrix,
    is_frame_like,
    is_label,
    names_of,
    numeric_column,
    numeric_matrix,
    resolve_config,
    to_array,
    to_frame,
)
from ._result import Result
from .model import KanoCategory, get_language

__all__ = [
    "DriverConfig",
    "Importance",
    "IpaConfig",
    "IpaResult",
    "PenaltyReward",
    "PenaltyRewardConfig",
    "importance",
    "ipa",
    "penalty_reward",
]

METHODS = (
    "lmg",
    "dominance",
    "relative_weights",
    "correlation",
    "first",
    "last",
    "betasq",
    "pratt",
    "car",
    "genizi",
    "kruskal",
)
#: Code of each method in the compiled core (``ImportanceMetric``); genizi is Johnson's weights.
_METRIC = {
    "lmg": 0,
    "dominance": 0,
    "relative_weights": 1,
    "genizi": 1,
    "first": 2,
    "last": 3,
    "betasq": 4,
    "pratt": 5,
    "car": 6,
    "kruskal": 7,
}
INTERVALS = ("percentile", "bca")
MODELS = ("linear", "logistic")
PSEUDO_R2 = ("mcfadden", "estrella")
IPA_QUADRANTS = ("concentrate_here", "keep_up_good_work", "low_priority", "possible_overkill")
FACTOR_CLASSES = ("basic", "performance", "exciting", "unclassified")
#: Kano category of each penalty-reward class (``unclassified`` has none).
KANO_OF_CLASS = {
    "basic": KanoCategory.must_be,
    "performance": KanoCategory.one_dimensional,
    "exciting": KanoCategory.attractive,
}
_LABELS = {
    "en": {
        "concentrate_here": "Concentrate here",
        "keep_up_good_work": "Keep up the good work",
        "low_priority": "Low priority",
        "possible_overkill": "Possible overkill",
        "performance": "Performance",
        "importance": "Importance",
        "share": "Share of R² (%)",
        "ipa": "Importance-performance analysis",
        "drivers": "Key drivers of {y} (R² = {r2:.3f})",
    },
    "zh": {
        "concentrate_here": "重点改进区",
        "keep_up_good_work": "继续保持区",
        "low_priority": "次要改进区",
        "possible_overkill": "过度投入区",
        "performance": "表现",
        "importance": "重要性",
        "share": "R² 占比 (%)",
        "ipa": "重要性-表现分析",
        "drivers": "{y} 的关键驱动因素 (R² = {r2:.3f})",
    },
}
_QUADRANT_COLOURS = {
    "concentrate_here": "#D55E00",
    "keep_up_good_work": "#009E73",
    "low_priority": "#999999",
    "possible_overkill": "#0072B2",
}


def _text(lang: str | None) -> dict[str, str]:
    return _LABELS["zh" if (lang or get_language()) == "zh" else "en"]


# ------------------------------------------------------------------ input


@dataclasses.dataclass
class _Prepared:
    names: list[str]
    y_name: str
    corr: np.ndarray  # (p+1) x (p+1), outcome last
    x: np.ndarray | None  # raw predictors (rows x p) when given
    y: np.ndarray | None
    w: np.ndarray | None
    info: dict[str, Any]


def _weights(frame: pd.DataFrame | None, weights: Any, n: int) -> np.ndarray | None:
    if weights is None:
        return None
    if isinstance(weights, str) or is_label(frame, weights):
        if frame is None:
            raise InputError("weights: a column name needs a DataFrame input")
        w = numeric_column(frame, weights, name="weights")
    else:
        w = to_array(weights, name="weights")
    if len(w) != n:
        raise InputError(f"weights: expected {n} values (one per row), got {len(w)}")
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        label = frame.index[pos] if frame is not None else pos
        raise InputError(f"weights: row {label!r}: {w[pos]!r}; expected a finite weight >= 0 (missing is not allowed)")
    return np.ascontiguousarray(w, dtype=np.float64)


# ------------------------------------------------------------------ default predictors

#: Column names taken for identifiers, dates and weights (case-insensitive), left out of the
#: default driver list (docs/drivers.md, "Which columns are drivers").
ID_NAME = re.compile(
    r"(?i)^(id|uuid|guid|key|index|row|record|respondent|resp|case)(_?(id|no|nr|number|num))?$"
    r"|(^|[_ .-])(id|uuid|guid|key)$|^(id|uuid|guid)[_ .-]"
)
_CAMEL_ID = re.compile(r"[a-z](Id|ID)$")
DATE_NAME = re.compile(
    # "time" only alone or first: wait_time, handling_time are durations (drivers), not dates
    r"(?i)(^|[_ .-])(date|timestamp|datetime|day|month|year|week|period)$|^time$|^(date|time|timestamp)[_ .-]"
    r"|[_ .-](at|on)$"
)
WEIGHT_NAME = re.compile(r"(?i)^(w|wt|wgt|weight|weights|pw|pweight)$|(^|[_ .-])(weight|weights|wt|wgt)$")
#: Integer values in this range are Excel serial dates (1954-12-03 to 2119-01-11).
EXCEL_SERIAL = (20000.0, 80000.0)
#: Integer values in this range are Unix times in seconds (1973 to 2096).
UNIX_SECONDS = (1e8, 4e9)
#: An integer column with all values distinct is an identifier when it has at least this many rows.
ID_MIN_ROWS = 20


def exclusion_reason(name: Any, values: pd.Series) -> str | None:
    """Why a column is not a default driver (an identifier, a date, a weight, not numeric), or None.

    The rules, in order: a non-numeric dtype (text, categories, datetimes, timedeltas); a name
    that reads as an identifier (``id``, ``*_id``, ``customerId``, ``respondent``, ...), a date or
    time (``date``, ``*_date``, ``created_at``, ``month``, ...) or a weight (``weight``, ``wt``,
    ``pw``, ``*_weight``); integer values that are all Excel serial dates (20000 to 80000) or Unix
    times in seconds; integer values all distinct over at least 20 rows (a row identifier).
    """
    if not (pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_timedelta64_dtype(values.dtype)):
        if pd.api.types.is_datetime64_any_dtype(values.dtype):
            return "date (datetime dtype)"
        return "not numeric"
    text = str(name)
    if ID_NAME.search(text) or _CAMEL_ID.search(text):
        return "identifier (name)"
    if DATE_NAME.search(text):
        return "date (name)"
    if WEIGHT_NAME.search(text):
        return "weight (name)"
    if pd.api.types.is_bool_dtype(values.dtype):
        return None
    v = values.to_numpy(dtype=np.float64, na_value=np.nan)
    v = v[~np.isnan(v)]
    if len(v) == 0 or not np.all(v == np.round(v)):
        return None
    if np.all((v >= EXCEL_SERIAL[0]) & (v <= EXCEL_SERIAL[1])):
        return "date (Excel serial numbers)"
    if np.all((v >= UNIX_SECONDS[0]) & (v <= UNIX_SECONDS[1])):
        return "date (Unix times)"
    if len(v) >= ID_MIN_ROWS and len(np.unique(v)) == len(v):
        return "identifier (distinct integers)"
    return None


def default_predictors(frame: pd.DataFrame, skip: Sequence[Any]) -> tuple[list[Any], dict[str, str]]:
    """The default driver columns of ``frame`` (all but ``skip`` and the excluded) and the
    excluded columns with their reasons (see :func:`exclusion_reason`)."""
    names: list[Any] = []
    excluded: dict[str, str] = {}
    for c in frame.columns:
        if any(c is k or (type(c) is type(k) and c == k) for k in skip):
            continue
        why = exclusion_reason(c, frame[c])
        if why is None:
            names.append(c)
        else:
            excluded[str(c)] = why
    return names, excluded


def _align(frame: pd.DataFrame, v: Any, name: str) -> Any:
    """A pandas Series paired with a pandas frame: aligned on the index (same labels in another
    order are reordered) or an InputError when the labels differ. Other inputs pass unchanged."""
    if not isinstance(v, pd.Series) or v.index.equals(frame.index):
        return v
    if len(v) == len(frame) and v.index.is_unique and frame.index.is_unique and set(v.index) == set(frame.index):
        return v.reindex(frame.index)
    only_x = [i for i in frame.index if i not in v.index][:3]
    only_v = [i for i in v.index if i not in frame.index][:3]
    raise InputError(
        f"{name}: the index of the Series does not match the index of X"
        f" (labels only in X: {only_x}, only in {name}: {only_v}; lengths {len(frame)} and {len(v)});"
        f" align them (e.g. {name}.reindex(X.index)) or pass arrays"
    )


def _outcome(frame: pd.DataFrame, y: Any, x_is_pandas: bool) -> tuple[Any, np.ndarray, str]:
    """The outcome as (label or None, values, name) with the alignment and name-clash checks."""
    if is_label(frame, y):
        return y, numeric_column(frame, y, name="y"), y  # the label as the user gave it (0 stays 0)
    if y is None:
        raise InputError("y: give the outcome as a column name of X or as an array")
    if x_is_pandas:
        y = _align(frame, y, "y")
    yv = to_array(y, name="y")
    name = getattr(y, "name", None)
    if name is not None and name in frame.columns:
        col = numeric_column(frame, name, name="X")
        if len(col) == len(yv) and np.array_equal(col, yv, equal_nan=True):
            return name, col, name  # the outcome column itself, passed as a Series
        raise InputError(
            f"y: the Series is named {name!r} like a column of X with other values; rename it"
            f" (y.rename('overall')) or pass y={name!r} to use the column"
        )
    return None, yv, str(name if name is not None else "y")


def _is_moments(obj: Any) -> bool:
    from .moments import Moments

    return isinstance(obj, Moments)


def _prepare(
    X: Any,
    y: Any,
    *,
    columns: Sequence[str] | None,
    weights: Any,
    cfg: DriverConfig,
    matrix: bool,
) -> _Prepared:
    if _is_moments(X):
        # a mergeable co-moment state: its correlations (listwise or pairwise, as the state
        # was built) and its row counts
        corr_frame = X.corr()
        labels = list(corr_frame.columns)
        if not is_label(corr_frame, y) or y not in labels:
            raise InputError(
                f"y: with a Moments state, give the outcome's column name; columns: {', '.join(map(repr, labels))}"
            )
        used = list(columns) + [y] if columns is not None else labels
        if X.n <= len(used):
            raise InputError(
                f"moments: {X.n} row(s) for {len(used) - 1} predictor(s); expected more rows than predictors + 1"
            )
        var = X.var(ddof=0)
        for c in used:
            if c in var.index and not var[c] > 0:
                raise InputError(f"moments: {c!r} is constant (variance {var[c]}); a constant has no correlation")
        prep = _prepare(corr_frame, y, columns=columns, weights=None, cfg=cfg, matrix=True)
        prep.info.update(
            n_used=float(X.n), n_dropped=int(X.n_dropped), n_missing=int(X.n_missing.sum()), n_rows=int(X.n_rows)
        )
        return prep
    if matrix:
        if isinstance(X, pd.DataFrame):
            labels = list(X.columns)
            if names_of(list(X.index)) != names_of(labels):
                raise InputError(
                    "matrix: the row labels must equal the column labels (a correlation or covariance matrix)"
                )
            mat = X.to_numpy(dtype=np.float64)
        else:
            mat = as_matrix(X, name="matrix")
            labels = [f"x{j}" for j in range(mat.shape[1])]
        if mat.shape[0] != mat.shape[1]:
            raise InputError(f"matrix: expected a square matrix, got {mat.shape[0]} x {mat.shape[1]}")
        if isinstance(y, str) or (isinstance(X, pd.DataFrame) and is_label(X, y)):
            if y not in labels:
                raise InputError(f"y: {y!r} is not a variable of the matrix; variables: {', '.join(map(repr, labels))}")
            yi = labels.index(y)
        elif isinstance(y, (int, np.integer)):
            yi = int(y)
        elif y is None:
            yi = len(labels) - 1
        else:
            raise InputError("y: with a matrix, give the outcome's name or position")
        pred = [c for c in (columns or [lab for lab in labels if lab != labels[yi]])]
        for c in pred:
            if c not in labels:
                raise InputError(f"columns: {c!r} is not a variable of the matrix")
        order = [labels.index(c) for c in pred] + [yi]
        sub = np.ascontiguousarray(mat[np.ix_(order, order)])
        corr = _core.drivers_correlation_from_covariance(sub, names_of(pred))
        return _Prepared(pred, labels[yi], corr, None, None, None, {"n_used": float("nan"), "n_dropped": 0})
    excluded: dict[str, str] = {}
    if is_frame_like(X):
        frame = to_frame(X, name="X")
        if len(frame) == 0:
            raise InputError("X: the input is empty (0 rows)")
        pandas_x = isinstance(X, pd.DataFrame)
        y_label, yv, y_name = _outcome(frame, y, pandas_x)
        if pandas_x:
            weights = _align(frame, weights, "weights")
        skip = ([y_label] if y_label is not None else []) + ([weights] if is_label(frame, weights) else [])
        if columns is None:
            names, excluded = default_predictors(frame, skip)
        else:
            names = list(columns)
        if not names:
            raise InputError("X: no numeric predictor columns")
        x = numeric_matrix(frame, names, name="X")
        w = _weights(frame, weights, len(frame))
    else:
        x = as_matrix(X, name="X")
        if y is None:
            raise InputError("y: give the outcome as an array")
        yv = to_array(y, name="y")
        names = list(columns) if columns is not None else [f"x{j}" for j in range(x.shape[1])]
        if len(names) != x.shape[1]:
            raise InputError(f"columns: expected {x.shape[1]} names, got {len(names)}")
        y_name = str(getattr(y, "name", None) or "y")
        w = _weights(None, weights, x.shape[0])
    if len(yv) != x.shape[0]:
        raise InputError(f"y: expected {x.shape[0]} values (one per row of X), got {len(yv)}")
    yv = np.ascontiguousarray(yv, dtype=np.float64)
    rows = frame.index if is_frame_like(X) else pd.RangeIndex(x.shape[0])
    for vals, cols, what in ((x, names, "X"), (yv, [y_name], "y")):
        check_finite(vals, cols, rows, name=what)  # named by the caller's row labels
        check_magnitude(vals, cols, rows, name=what, limit=1e100)  # squares of 1e160 overflow
    cr = _core.drivers_correlation(x, yv, w, cfg, names_of(names))
    info: dict[str, Any] = {
        k: cr[k] for k in ("n_rows", "n_used", "n_dropped", "n_missing", "sum_weights", "effective_n")
    }
    info["excluded"] = excluded
    return _Prepared(names, y_name, cr["corr"], x, yv, w, info)


def _config(config: Any, **overrides: Any) -> DriverConfig:
    cfg: DriverConfig = resolve_config(config, DriverConfig)
    d = cfg.to_dict()
    for k, v in overrides.items():
        if v is not None:
            d[k] = v
    return DriverConfig.from_dict(d)


# ------------------------------------------------------------------ importance


@dataclasses.dataclass(frozen=True, repr=False)
class Importance(Result):
    """Importance of each predictor for the outcome.

    Attributes
    ----------
    table
        One row per predictor (in input order): ``importance`` (LMG value or raw relative
        weight; they sum to ``r2``), ``share`` (importance / r2), ``rank`` (1 = most
        important), ``r2_alone`` (squared correlation with the outcome), ``beta``
        (standardised coefficient of the full model). LMG sampled: ``se``. Relative weights:
        ``signed_share`` when ``signed=True``; with ``n_bootstrap``: ``ci_low``, ``ci_high``
        (percentile interval of the weight), ``diff_low``, ``diff_high`` (interval of the
        weight minus the random variable's), ``p_value`` and ``significant``.
    method, outcome
        The method and the outcome's name.
    r2
        R2 of the full model.
    exact
        False when LMG was estimated from random permutations (``se`` > 0).
    conditional
        Dominance only: predictors x subset size, the mean R2 increment (conditional dominance).
    complete
        Dominance only: predictors x predictors, 1 when the row completely dominates the
        column, -1 when dominated, 0 when undetermined.
    n_used, n_dropped, n_missing
        Rows used and rows dropped (missing values, zero weight), missing cells; NaN /
        0 from a matrix.
    config
        The :class:`DriverConfig` used.
    """

    table: pd.DataFrame
    method: str
    outcome: str
    r2: float
    exact: bool
    conditional: pd.DataFrame | None
    complete: pd.DataFrame | None
    n_used: float
    n_dropped: int
    n_missing: int
    config: DriverConfig
    excluded: dict[str, str] = dataclasses.field(default_factory=dict)
    model: str = "linear"
    r2_always: float = 0.0
    always: tuple[str, ...] = ()
    sets: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    interval: str | None = None
    n_bootstrap: int = 0
    n_failed: int = 0
    differences: pd.DataFrame | None = None
    dominance_shares: pd.DataFrame | None = None

    def to_frame(self) -> pd.DataFrame:
        """The per-predictor table."""
        return self.table

    @property
    def predictors(self) -> list[str]:
        """The predictors (or sets) ranked, in input order."""
        return [str(i) for i in self.table.index]

    @property
    def shares(self) -> pd.Series:
        """Shares of R2 per predictor (sum to 1)."""
        return self.table["share"]

    def dominance_pairs(self) -> pd.DataFrame:
        """Long table of pairs with a complete, conditional or general dominance relation."""
        rows = []
        names = list(self.table.index)
        gen = self.table["importance"]
        for a in names:
            for b in names:
                if a == b:
                    continue
                level = None
                if self.complete is not None and self.complete.loc[a, b] == 1:
                    level = "complete"
                elif self.conditional is not None and bool(
                    (self.conditional.loc[a] > self.conditional.loc[b] + self.config.dominance_tol).all()
                ):
                    level = "conditional"
                elif gen[a] > gen[b] + self.config.dominance_tol:
                    level = "general"
                if level:
                    rows.append({"dominant": a, "dominated": b, "level": level})
        return pd.DataFrame(rows, columns=["dominant", "dominated", "level"])

    def plot(self, ax: Any = None, *, lang: str | None = None, **kwargs: Any) -> Any:
        """Horizontal bars of each predictor's share of R2 (%), the largest on top; returns the Axes."""
        from .plotting import require_matplotlib, use_language_fonts

        plt = require_matplotlib()
        lang = lang or get_language()
        use_language_fonts(lang)
        t = _text(lang)
        if ax is None:
            _, ax = plt.subplots(figsize=(6.5, 0.38 * len(self.table) + 1.4))
        tab = self.table.sort_values("share", ascending=True)
        share = tab["share"].to_numpy() * 100
        colour = kwargs.pop("color", "#0072B2")
        ax.barh([str(i) for i in tab.index], share, color=colour, **kwargs)
        if "se" in tab.columns and (tab["se"] > 0).any():
            ax.errorbar(
                share, np.arange(len(tab)), xerr=1.96 * tab["se"].to_numpy() / self.r2 * 100, fmt="none", color="0.2"
            )
        for i, v in enumerate(share):
            ax.text(v, i, f" {v:.1f}%", va="center", fontsize="small")
        ax.set_xlabel(t["share"])
        ax.set_xlim(0, max(share.max() * 1.2, 1.0))
        ax.set_title(t["drivers"].format(y=self.outcome, r2=self.r2))
        return ax

    def _summary_lines(self) -> list[str]:
        top = self.table.sort_values("rank").index[:3]
        how = "exact" if self.exact else f"sampled ({self.config.n_permutations} permutations)"
        n = "from a matrix" if math.isnan(self.n_used) else f"n = {int(self.n_used)} ({self.n_dropped} rows dropped)"
        lines = [
            f"{self.method} for {self.outcome}: R2 = {self.r2:.4f}, {how}, {n}",
            "top: " + ", ".join(map(str, top)),
        ]
        lines.append("predictors: " + ", ".join(self.predictors))
        if self.always:
            lines.append(f"always in the model: {', '.join(self.always)} (R2 {self.r2_always:.4f}, not decomposed)")
        for name, members in self.sets.items():
            lines.append(f"set {name}: {', '.join(members)}")
        if self.excluded:
            lines.append("left out: " + ", ".join(f"{c} ({why})" for c, why in self.excluded.items()))
        if self.interval:
            lines.append(
                f"{self.interval} intervals at level {1 - self.config.alpha:g} from {self.n_bootstrap} resamples"
                f" ({self.n_failed} failed), seed {self.config.seed}"
            )
        return lines


def _units(
    names: list[str], sets: Any, always: Any
) -> tuple[list[list[int]], list[int], list[str], dict[str, list[str]], tuple[str, ...]]:
    """Units for the core (sets first, in the order given, then the other predictors), the
    forced-in predictors, the unit labels, the sets by name and the always names."""
    pos = {n: i for i, n in enumerate(names)}

    def index(c: Any, what: str) -> int:
        key = c if c in pos else str(c)
        if key not in pos:
            raise InputError(f"{what}: {c!r} is not a predictor; predictors: {', '.join(map(repr, names))}")
        return pos[key]

    if always is None:
        always_list: list[Any] = []
    elif isinstance(always, str) or not isinstance(always, Sequence):
        always_list = [always]
    else:
        always_list = list(always)
    always_idx = [index(c, "always") for c in always_list]
    set_map: dict[str, list[str]] = {}
    units: list[list[int]] = []
    labels: list[str] = []
    if sets:
        items = sets.items() if isinstance(sets, dict) else ((f"set{k + 1}", v) for k, v in enumerate(sets))
        for label, given in items:
            members = [given] if isinstance(given, str) else list(given)
            if not members:
                raise InputError(f"sets: set {label!r} is empty")
            if str(label) in pos and [str(m) for m in members] != [str(label)]:
                raise InputError(f"sets: the name {label!r} is also a predictor's; name the set differently")
            units.append([index(c, f"sets[{label!r}]") for c in members])
            labels.append(str(label))
            set_map[str(label)] = [names[i] for i in units[-1]]
    used = {i for u in units for i in u}
    clash = used & set(always_idx)
    if clash:
        raise InputError(f"sets, always: {names[min(clash)]!r} is in a set and in always; give it one role")
    if units or always_idx:
        for i, n in enumerate(names):
            if i not in used and i not in always_idx:
                units.append([i])
                labels.append(n)
    return units, always_idx, labels or list(names), set_map, tuple(names[i] for i in always_idx)


def importance(
    X: Any,
    y: Any = None,
    *,
    method: str = "lmg",
    columns: Sequence[str] | None = None,
    weights: Any = None,
    missing: str | None = None,
    matrix: bool = False,
    n: int | None = None,
    signed: bool = False,
    sets: Any = None,
    always: Any = None,
    model: str = "linear",
    pseudo_r2: str = "mcfadden",
    n_bootstrap: int | None = None,
    interval: str = "percentile",
    level: float | None = None,
    seed: int | None = None,
    alpha: float | None = None,
    n_permutations: int | None = None,
    exact_max_predictors: int | None = None,
    config: Any = None,
    workers: int = 1,
) -> Importance:
    """Relative importance of predictors for an outcome (key-driver analysis).

    Parameters
    ----------
    X
        Predictors: a DataFrame (pandas, polars, Arrow; ``columns`` picks them) or a 2-D array.
        Without ``columns``, every column but ``y`` and ``weights`` is a driver except the
        identifier, date and weight columns recognised by name or values (:func:`exclusion_reason`;
        they are listed in ``Importance.excluded`` and in the summary). With ``matrix=True``, a
        square correlation or covariance matrix (a labelled DataFrame) that includes the outcome;
        or a ``servscore.Moments`` co-moment state (its covariance is used).
    n
        With a matrix: the number of observations it came from (reported as ``n_used``).
    y
        The outcome: a column name of X (or of the matrix), or an array / Series. A pandas
        Series is aligned with a pandas X on the index (an ``InputError`` when the labels
        differ); a Series named like another column of X is an ``InputError``.
    method
        ``"lmg"`` (Shapley / general dominance), ``"dominance"`` (LMG plus conditional and
        complete dominance), ``"relative_weights"`` (Johnson; relaimpo's ``genizi`` gives the
        same values and is accepted as ``"genizi"``), ``"first"`` (R2 alone), ``"last"`` (R2 lost
        when dropped from the full model), ``"betasq"`` (squared standardised coefficient),
        ``"pratt"`` (coefficient times correlation), ``"car"`` (squared CAR score),
        ``"kruskal"`` (squared partial correlation averaged over all orders) or
        ``"correlation"`` (squared correlations rescaled to R2, for comparison). These are
        relaimpo's ``type=`` values.
    weights
        Survey weights (a column name or an array; >= 0; rows with weight 0 are dropped).
    missing
        ``"listwise"`` (default: drop rows with any missing value, counted) or ``"pairwise"``
        (each correlation from the rows where both are present).
    signed
        Relative weights: add ``signed_share`` with the sign of the full-model coefficient.
    sets
        Predictor sets ranked together (relaimpo ``groups=``, domir ``.set``): a dict
        ``{name: [columns]}`` (or a list of lists, named set1, set2, ...). The table has one row
        per set (first, in the order given) and per remaining predictor.
    always
        Covariates forced into every model (relaimpo ``always=``, domir ``.all``): their R2
        (``r2_always``) is not decomposed; the others share ``r2 - r2_always``.
    model, pseudo_r2
        ``model="logistic"``: a binary (0 / 1) outcome, a logistic regression per subset and
        its pseudo-R2 (``"mcfadden"`` 1 - LL/LL0 or ``"estrella"``) as the fit statistic of
        ``method="lmg"`` or ``"dominance"`` (as domir with glm); raw data only.
    n_bootstrap, interval, level, seed
        Bootstrap intervals (rows resampled ``n_bootstrap`` times, seeded, in parallel, the same
        for any ``workers``) of every value (``lower``, ``upper``, ``boot_se``) and of every
        difference between two predictors (``differences``, as relaimpo's booteval with
        ``diff = TRUE``): ``interval="percentile"`` or ``"bca"`` (bias-corrected and
        accelerated, one jackknife fit per row). ``method="dominance"`` adds
        ``dominance_shares``: the share of resamples in which one predictor completely,
        conditionally and generally dominates another. Relative weights also run the
        random-variable test (Tonidandel et al. 2009: ``ci_low``, ``ci_high``, ``diff_low``,
        ``diff_high``, ``p_value``, ``significant``). ``level`` (default 0.95) is
        ``1 - alpha``; ``seed`` also seeds LMG permutation sampling.
    n_permutations, exact_max_predictors
        LMG is exact (all 2^p subsets) up to ``exact_max_predictors`` (default 25), sampled
        with this many random orders beyond it (a standard error in ``se``).
    config
        A :class:`DriverConfig` (or dict / JSON); keywords override its keys.
    workers
        Threads (``<= 0``: all cores). Results are identical for any number.

    Raises
    ------
    InputError
        A constant or collinear predictor (named), too few rows (<= predictors + 1), a bad
        weight or value (the message names the column and row), X and y Series whose indexes
        differ.

    Examples
    --------
    >>> import numpy as np, servscore as ss
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 3))
    >>> y = X @ [0.6, 0.3, 0.0] + rng.normal(size=300)
    >>> imp = ss.drivers.importance(X, y, columns=["a", "b", "c"])
    >>> bool(abs(imp.table["importance"].sum() - imp.r2) < 1e-12)
    True
    >>> list(imp.table.sort_values("rank").index)
    ['a', 'b', 'c']
    >>> boot = ss.drivers.importance(X, y, columns=["a", "b", "c"], n_bootstrap=200, seed=1)
    >>> bool((boot.table["lower"] < boot.table["importance"]).all())
    True
    >>> bool(boot.differences.loc[("a", "c"), "lower"] > 0)
    True
    """
    if method not in METHODS:
        raise ConfigError(f"method: {method!r} is not a method; expected one of: {', '.join(METHODS)}")
    if interval not in INTERVALS:
        raise ConfigError(f"interval: {interval!r}; expected one of: {', '.join(INTERVALS)}")
    if model not in MODELS:
        raise ConfigError(f"model: {model!r}; expected one of: {', '.join(MODELS)}")
    if pseudo_r2 not in PSEUDO_R2:
        raise ConfigError(f"pseudo_r2: {pseudo_r2!r}; expected one of: {', '.join(PSEUDO_R2)}")
    if level is not None:
        if alpha is not None:
            raise ConfigError("level, alpha: give one (level = 1 - alpha)")
        if not (isinstance(level, (int, float)) and 0 < level < 1):
            raise ConfigError(f"level: {level!r}; expected a number in (0, 1)")
        alpha = 1.0 - float(level)
    overrides: dict[str, Any] = {
        "missing": missing,
        "n_bootstrap": n_bootstrap,
        "seed": seed,
        "alpha": alpha,
        "n_permutations": n_permutations,
        "exact_max_predictors": exact_max_predictors,
    }
    cfg = _config(config, **overrides)
    prep = _prepare(X, y, columns=columns, weights=weights, cfg=cfg, matrix=matrix)
    names = prep.names
    p = len(names)
    corr = prep.corr
    rxy = corr[:p, p]
    units, always_idx, labels, set_map, always_names = _units(names_of(names), sets, always)
    original = dict(zip(names_of(names), names))  # a predictor keeps its own label (0, 1, ... for pd.DataFrame(array))
    labels = [original.get(lab, lab) for lab in labels]
    grouped = bool(units)
    if grouped and method == "correlation":
        raise ConfigError("method correlation: no sets or always (use first)")
    logistic = model == "logistic"
    if logistic:
        if method not in ("lmg", "dominance"):
            raise ConfigError(f"model logistic: method {method!r}; expected lmg or dominance")
        if prep.x is None or prep.y is None:
            raise InputError("model logistic: fits a logistic regression per subset; give raw data, not a matrix")
        if cfg.n_bootstrap > 0:
            raise ConfigError("model logistic: bootstrap intervals are for linear models (n_bootstrap=0)")
    table = pd.DataFrame(index=pd.Index(labels, name="predictor" if not set_map else "predictor or set"))
    conditional = complete = None
    exact = True
    rw = _core.drivers_relative_weights(corr, cfg, names_of(names))  # also checks collinearity; gives beta and R2
    r2 = float(rw["r2"])
    r2_always = 0.0
    dom_cfg = cfg
    if method != "dominance":
        d = cfg.to_dict()
        d["complete_max_predictors"] = 0
        dom_cfg = DriverConfig.from_dict(d)
    if logistic:
        assert prep.x is not None and prep.y is not None
        r = _core.drivers_dominance_logistic(
            prep.x, prep.y, prep.w, dom_cfg, pseudo_r2 == "estrella", units, always_idx, int(workers), names_of(names)
        )
        r2, r2_always = float(r["r2"]), float(r["r2_always"])
        table["importance"] = r["general"]
    elif method in ("lmg", "dominance"):
        r = _core.drivers_dominance_sets(corr, dom_cfg, units, always_idx, int(workers), names_of(names))
        r2, r2_always = float(r["r2"]), float(r["r2_always"])
        exact = bool(r["exact"])
        table["importance"] = r["general"]
        if not exact:
            table["se"] = r["se"]
    elif method == "correlation":
        r2s = rxy**2
        table["importance"] = r2s / r2s.sum() * r2 if r2s.sum() > 0 else r2s
    elif method == "relative_weights" and not grouped:
        table["importance"] = rw["raw"]
    else:
        table["importance"] = _core.drivers_metric(
            corr, _METRIC[method], cfg, units, always_idx, int(workers), names_of(names)
        )
        if always_idx:
            r2_always = float(_core.drivers_subset_r2(corr, sum(1 << i for i in always_idx)))
    if method == "dominance" and exact:
        q = len(labels)
        conditional = pd.DataFrame(r["conditional"], index=table.index, columns=pd.RangeIndex(q, name="size"))
        if r["complete"].size:
            complete = pd.DataFrame(r["complete"], index=table.index, columns=pd.Index(labels, name="dominated"))
    decomposed = r2 - r2_always
    table["share"] = table["importance"] / decomposed if decomposed > 0 else np.nan
    table["rank"] = table["importance"].rank(ascending=False, method="min").astype(int)
    if not grouped:
        table["r2_alone"] = rxy**2
        if not logistic:
            table["beta"] = rw["beta"]
    if method == "relative_weights" and signed and not grouped:
        table["signed_share"] = table["share"] * rw["sign"]
    differences = shares = None
    n_failed = 0
    if cfg.n_bootstrap > 0:
        if prep.x is None or prep.y is None:
            raise InputError("n_bootstrap: the bootstrap resamples rows; give raw data, not a matrix")
        if method == "correlation":
            raise ConfigError("method correlation: no bootstrap intervals (use first)")
        if method == "relative_weights" and not grouped:
            t = _core.drivers_relative_weights_test(prep.x, prep.y, prep.w, cfg, int(workers))
            for k in ("ci_low", "ci_high", "diff_low", "diff_high", "p_value"):
                table[k] = t[k]
            table["significant"] = table["diff_low"] > 0
        b = _core.drivers_bootstrap(
            prep.x,
            prep.y,
            prep.w,
            cfg,
            _METRIC[method],
            interval == "bca",
            units,
            always_idx,
            method == "dominance",
            int(workers),
            names_of(names),
        )
        table["lower"] = b["lower"]
        table["upper"] = b["upper"]
        table["boot_se"] = b["se"]
        n_failed = int(b["n_failed"])
        pairs = b["pairs"]
        idx = pd.MultiIndex.from_arrays(
            [[labels[i] for i in pairs[:, 0]], [labels[j] for j in pairs[:, 1]]], names=["a", "b"]
        )
        differences = pd.DataFrame(
            {
                "difference": b["diff_estimate"],
                "lower": b["diff_lower"],
                "upper": b["diff_upper"],
                "boot_se": b["diff_se"],
            },
            index=idx,
        )
        differences["significant"] = (differences["lower"] > 0) | (differences["upper"] < 0)
        if method == "dominance" and b["complete_share"].size:
            rows = []
            for i, a_ in enumerate(labels):
                for j, b_ in enumerate(labels):
                    if i != j:
                        rows.append(
                            (
                                a_,
                                b_,
                                float(b["complete_share"][i, j]),
                                float(b["conditional_share"][i, j]),
                                float(b["general_share"][i, j]),
                            )
                        )
            shares = pd.DataFrame(rows, columns=["dominant", "dominated", "complete", "conditional", "general"])
            shares = shares.set_index(["dominant", "dominated"])
    info = prep.info
    if n is not None:
        if prep.x is not None:
            raise InputError("n: only with a matrix input (raw data count their own rows)")
        info["n_used"] = float(n)
    return Importance(
        table=table,
        method=method,
        outcome=prep.y_name,
        r2=r2,
        exact=exact,
        conditional=conditional,
        complete=complete,
        n_used=float(info.get("n_used", float("nan"))),
        n_dropped=int(info.get("n_dropped", 0)),
        n_missing=int(info.get("n_missing", 0)),
        config=cfg,
        excluded=dict(info.get("excluded", {})),
        model=model,
        r2_always=r2_always,
        always=always_names,
        sets=set_map,
        interval=interval if cfg.n_bootstrap > 0 else None,
        n_bootstrap=int(cfg.n_bootstrap),
        n_failed=n_failed,
        differences=differences,
        dominance_shares=shares,
    )


# ------------------------------------------------------------------ penalty-reward


@dataclasses.dataclass(frozen=True, repr=False)
class PenaltyReward(Result):
    """Penalty-reward contrasts per attribute.

    Attributes
    ----------
    table
        One row per attribute: ``n_low``, ``n_high`` (bottom- and top-box answers),
        ``penalty`` (drop in the outcome for a bottom-box answer, vs the middle),
        ``reward`` (rise for a top-box answer), ``asymmetry`` ((|reward| - |penalty|) /
        (|reward| + |penalty|), in [-1, 1]), ``factor_class`` (basic, performance,
        exciting, or unclassified when a box is empty) and ``kano`` (must_be,
        one_dimensional, attractive).
    intercept, r2
        Outcome of the reference (middle) answers and R2 of the dummy regression.
    n_used, n_dropped
        Rows used and rows dropped (a missing value or weight 0).
    """

    table: pd.DataFrame
    intercept: float
    r2: float
    n_used: int
    n_dropped: int
    config: PenaltyRewardConfig
    excluded: dict[str, str] = dataclasses.field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The per-attribute table."""
        return self.table

    def plot(self, ax: Any = None, *, lang: str | None = None, **kwargs: Any) -> Any:
        """Diverging bars: penalty to the left, reward to the right, per attribute; returns the Axes."""
        from .plotting import require_matplotlib, use_language_fonts

        plt = require_matplotlib()
        lang = lang or get_language()
        use_language_fonts(lang)
        if ax is None:
            _, ax = plt.subplots(figsize=(6.5, 0.38 * len(self.table) + 1.4))
        labels = [str(i) for i in self.table.index]
        ax.barh(labels, -self.table["penalty"].fillna(0), color="#D55E00", label="penalty" if lang != "zh" else "惩罚")
        ax.barh(labels, self.table["reward"].fillna(0), color="#009E73", label="reward" if lang != "zh" else "奖励")
        ax.axvline(0, color="0.3", lw=1)
        ax.invert_yaxis()
        ax.legend(fontsize="small")
        return ax

    def _summary_lines(self) -> list[str]:
        counts = self.table["factor_class"].value_counts()
        parts = [f"{int(counts.get(c, 0))} {c}" for c in FACTOR_CLASSES if counts.get(c, 0)]
        lines = [f"n = {self.n_used} ({self.n_dropped} dropped), R2 = {self.r2:.3f}: " + ", ".join(parts)]
        lines.append("attributes: " + ", ".join(map(str, self.table.index)))
        if self.excluded:
            lines.append("left out: " + ", ".join(f"{c} ({why})" for c, why in self.excluded.items()))
        return lines


def penalty_reward(
    X: Any,
    y: Any = None,
    *,
    columns: Sequence[str] | None = None,
    weights: Any = None,
    low_max: float | None = None,
    high_min: float | None = None,
    asymmetry_threshold: float | None = None,
    config: Any = None,
) -> PenaltyReward:
    """Penalty-reward contrast analysis and impact asymmetry of attribute ratings.

    The outcome is regressed (weighted least squares, listwise rows) on a bottom-box dummy
    (rating <= ``low_max``, default 2) and a top-box dummy (rating >= ``high_min``, default 5)
    per attribute; the middle answers are the reference. Penalty = minus the bottom-box
    coefficient, reward = the top-box coefficient; impact asymmetry
    IA = (|reward| - |penalty|) / (|reward| + |penalty|) classifies an attribute as
    exciting (IA > ``asymmetry_threshold``, default 0.2), basic (IA < -threshold) or
    performance (otherwise; |IA| equal to the threshold is performance).

    An attribute without bottom-box (or top-box) answers has no penalty (reward): NaN,
    class ``unclassified``, its dummy left out of the regression.

    Examples
    --------
    >>> import servscore as ss
    >>> df = ss.datasets.sample(seed=1).driver_survey
    >>> pr = ss.drivers.penalty_reward(df, "overall", columns=["wait_time", "friendliness"])
    >>> sorted(pr.table.columns)[:3]
    ['asymmetry', 'factor_class', 'kano']
    """
    cfg: PenaltyRewardConfig = resolve_config(config, PenaltyRewardConfig)
    d = cfg.to_dict()
    for k, v in {"low_max": low_max, "high_min": high_min, "asymmetry_threshold": asymmetry_threshold}.items():
        if v is not None:
            d[k] = v
    cfg = PenaltyRewardConfig.from_dict(d)
    excluded: dict[str, str] = {}
    if is_frame_like(X):
        frame = to_frame(X, name="X")
        if len(frame) == 0:
            raise InputError("X: the input is empty (0 rows)")
        pandas_x = isinstance(X, pd.DataFrame)
        y_label, yv, _ = _outcome(frame, y, pandas_x)
        if pandas_x:
            weights = _align(frame, weights, "weights")
        skip = ([y_label] if y_label is not None else []) + ([weights] if is_label(frame, weights) else [])
        if columns is None:
            names, excluded = default_predictors(frame, skip)
        else:
            names = list(columns)
        if not names:
            raise InputError("X: no numeric attribute columns")
        x = numeric_matrix(frame, names, name="X")
        w = _weights(frame, weights, len(frame))
    else:
        x = as_matrix(X, name="X")
        if y is None:
            raise InputError("y: give the outcome as an array")
        yv = to_array(y, name="y")
        names = list(columns) if columns is not None else [f"x{j}" for j in range(x.shape[1])]
        w = _weights(None, weights, x.shape[0])
    if len(yv) != x.shape[0]:
        raise InputError(f"y: expected {x.shape[0]} values (one per row of X), got {len(yv)}")
    r = _core.drivers_penalty_reward(x, np.ascontiguousarray(yv, dtype=np.float64), w, cfg, names_of(names))
    table = pd.DataFrame(index=pd.Index(names, name="attribute"))
    table["n_low"] = r["n_low"]
    table["n_high"] = r["n_high"]
    table["penalty"] = r["penalty"]
    table["reward"] = r["reward"]
    table["asymmetry"] = r["asymmetry"]
    classes = [FACTOR_CLASSES[int(c)] for c in r["factor_class"]]
    table["factor_class"] = pd.Categorical(classes, categories=list(FACTOR_CLASSES))
    table["kano"] = [KANO_OF_CLASS[c].value if c in KANO_OF_CLASS else None for c in classes]
    return PenaltyReward(
        table=table,
        intercept=float(r["intercept"]),
        r2=float(r["r2"]),
        n_used=int(r["n_used"]),
        n_dropped=int(r["n_dropped"]),
        config=cfg,
        excluded=excluded,
    )


# ------------------------------------------------------------------ IPA


@dataclasses.dataclass(frozen=True, repr=False)
class IpaResult(Result):
    """Importance-performance grid.

    Attributes
    ----------
    table
        One row per attribute: ``performance``, ``importance``, ``quadrant``
        (concentrate_here, keep_up_good_work, low_priority, possible_overkill) and
        ``priority`` (rescaled importance minus rescaled performance: above 0 lies above
        the diagonal).
    performance_cut, importance_cut
        The crosshair.
    crosshair
        ``scale``, ``data_mean``, ``data_median`` or ``diagonal``.
    importance_source
        ``stated`` or the derivation method.
    """

    table: pd.DataFrame
    performance_cut: float
    importance_cut: float
    crosshair: str
    importance_source: str
    config: IpaConfig
    excluded: dict[str, str] = dataclasses.field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The per-attribute table."""
        return self.table

    def plot(self, ax: Any = None, *, lang: str | None = None, **kwargs: Any) -> Any:
        """The IPA grid: attributes placed by performance (x) and importance (y), crosshair lines,
        quadrant labels in the corners (and the diagonal when used); returns the Axes."""
        from .plotting import require_matplotlib, use_language_fonts

        plt = require_matplotlib()
        lang = lang or get_language()
        use_language_fonts(lang)
        t = _text(lang)
        if ax is None:
            _, ax = plt.subplots(figsize=(6.5, 6))
        tab = self.table
        for q in IPA_QUADRANTS:
            m = (tab["quadrant"].astype(str) == q).to_numpy()
            if m.any():
                ax.scatter(
                    tab["performance"].to_numpy()[m],
                    tab["importance"].to_numpy()[m],
                    color=_QUADRANT_COLOURS[q],
                    s=kwargs.get("s", 40),
                    zorder=3,
                )
        for name, row in tab.iterrows():
            ax.annotate(
                str(name),
                (row["performance"], row["importance"]),
                xytext=(4, 3),
                textcoords="offset points",
                fontsize="small",
            )
        px = tab["performance"].to_numpy()
        iy = tab["importance"].to_numpy()
        xpad = max((px.max() - px.min()) * 0.15, 0.05)
        ypad = max((iy.max() - iy.min()) * 0.15, 0.005)
        x0, x1 = min(px.min(), self.performance_cut) - xpad, max(px.max(), self.performance_cut) + xpad
        y0, y1 = min(iy.min(), self.importance_cut) - ypad, max(iy.max(), self.importance_cut) + ypad
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        if self.crosshair == "diagonal":
            c = self.config
            imin = c.importance_min if not math.isnan(c.importance_min) else iy.min()
            imax = c.importance_max if not math.isnan(c.importance_max) else iy.max()
            xs = np.linspace(x0, x1, 50)
            ax.plot(
                xs, imin + (xs - c.scale_min) / (c.scale_max - c.scale_min) * (imax - imin), color="0.3", ls="--", lw=1
            )
        else:
            ax.axvline(self.performance_cut, color="0.3", lw=1, ls="--")
            ax.axhline(self.importance_cut, color="0.3", lw=1, ls="--")
        corners = {
            "concentrate_here": (0.02, 0.98, "left", "top"),
            "keep_up_good_work": (0.98, 0.98, "right", "top"),
            "low_priority": (0.02, 0.02, "left", "bottom"),
            "possible_overkill": (0.98, 0.02, "right", "bottom"),
        }
        for q, (x, y, ha, va) in corners.items():
            ax.text(
                x,
                y,
                t[q],
                transform=ax.transAxes,
                ha=ha,
                va=va,
                color=_QUADRANT_COLOURS[q],
                fontsize="small",
                fontweight="bold",
            )
        ax.set_xlabel(t["performance"])
        src = {"lmg": "LMG", "dominance": "LMG", "relative_weights": "relative weights"}.get(
            self.importance_source, self.importance_source
        )
        ax.set_ylabel(t["importance"] + (f" ({src})" if src != "stated" else ""))
        ax.set_title(t["ipa"])
        return ax

    def _summary_lines(self) -> list[str]:
        conc = self.table.index[self.table["quadrant"].astype(str) == "concentrate_here"]
        return [
            f"crosshair {self.crosshair} at performance {self.performance_cut:.3g}, importance {self.importance_cut:.3g}",
            "concentrate here: " + (", ".join(map(str, conc)) if len(conc) else "none"),
        ] + (["left out: " + ", ".join(f"{c} ({why})" for c, why in self.excluded.items())] if self.excluded else [])


def _named_values(v: Any, name: str) -> tuple[np.ndarray, list[Any] | None]:
    if isinstance(v, dict):
        return np.asarray([float(x) for x in v.values()], dtype=np.float64), list(v)
    if isinstance(v, pd.Series):
        return to_array(v, name=name), list(v.index)
    return to_array(v, name=name), None


def ipa(
    performance: Any,
    importance: Any,
    *,
    crosshair: str = "data_mean",
    y: Any = None,
    columns: Sequence[str] | None = None,
    weights: Any = None,
    scale: tuple[float, float] | None = None,
    importance_range: tuple[float, float] | None = None,
    config: Any = None,
    workers: int = 1,
) -> IpaResult:
    """Importance-performance analysis (Martilla & James 1977).

    Parameters
    ----------
    performance
        Attribute performance: a Series / dict (attribute -> mean rating) or an array; or a
        DataFrame of ratings (one column per attribute; the weighted mean of each column is
        its performance; ``columns`` picks them).
    importance
        Stated importance (Series / dict / array in the same order or by name; a PLS total
        effect can be passed here), an :class:`Importance` result, or the name of a
        derivation from the ratings frame: ``"correlation"`` (Pearson r with ``y``, weighted
        with ``weights`` like performance, each attribute over the rows where it and ``y`` are
        present), ``"lmg"``, ``"relative_weights"`` (raw weights, weighted too), which need ``y``.
    crosshair
        ``"scale"`` (the centre of the rating scale and of the importance range),
        ``"data_mean"`` (default), ``"data_median"`` or ``"diagonal"`` (above the
        iso-priority line, where rescaled importance exceeds rescaled performance, is
        "concentrate here"; the others by the scale centre).
    scale
        The performance rating scale (min, max), default (1, 5).
    importance_range
        Importance scale (min, max) for the ``scale`` and ``diagonal`` crosshairs; default: the
        data's min and max.

    Notes
    -----
    One placement rule with the lifecycle stage flags (C++ ``ipa_quadrant``). Tie rule: a
    performance equal to its cut counts as high, an importance equal to its cut as low (within
    1e-9 relative), so equal importances place nothing in "concentrate here"; on the diagonal
    exactly, an attribute is not "concentrate here".

    Examples
    --------
    >>> import servscore as ss
    >>> r = ss.ipa({"wait": 2.8, "staff": 4.4, "price": 3.7, "decor": 4.5},
    ...            {"wait": 0.30, "staff": 0.25, "price": 0.10, "decor": 0.05})
    >>> r.table["quadrant"].astype(str).to_dict()
    {'wait': 'concentrate_here', 'staff': 'keep_up_good_work', 'price': 'low_priority', 'decor': 'possible_overkill'}
    """
    cfg: IpaConfig = resolve_config(config, IpaConfig)
    d = cfg.to_dict()
    d["crosshair"] = crosshair
    if scale is not None:
        d["scale_min"], d["scale_max"] = float(scale[0]), float(scale[1])
    if importance_range is not None:
        d["importance_min"], d["importance_max"] = float(importance_range[0]), float(importance_range[1])
    cfg = IpaConfig.from_dict(d)
    frame: pd.DataFrame | None = None
    excluded: dict[str, str] = {}
    if is_frame_like(performance):
        frame = to_frame(performance, name="performance")
        if isinstance(performance, pd.DataFrame):
            weights = _align(frame, weights, "weights")
            if y is not None and not is_label(frame, y):
                y = _align(frame, y, "y")
        skip = [y] if is_label(frame, y) else []
        if is_label(frame, weights):
            skip.append(weights)
        if columns is not None:
            names = list(columns)
        else:
            names, excluded = default_predictors(frame, skip)
        ratings = numeric_matrix(frame, names, name="performance")
        w = _weights(frame, weights, len(frame))
        ww = np.ones(len(frame)) if w is None else w
        perf = np.empty(len(names))
        for j, c in enumerate(names):
            ok = ~np.isnan(ratings[:, j]) & (ww > 0)
            if not ok.any():
                raise InputError(f"performance: column {c!r} has no ratings")
            perf[j] = float(np.average(ratings[ok, j], weights=ww[ok]))
        perf_names: list[Any] | None = names
    else:
        perf, perf_names = _named_values(performance, "performance")
        if columns is not None:
            perf_names = list(columns)
    source = "stated"
    if isinstance(importance, str):
        if frame is None or y is None:
            raise InputError(
                f"importance={importance!r} derives importance from ratings: give a ratings DataFrame and y"
            )
        if importance == "correlation":
            # weighted Pearson r of each attribute with y, each pair over its own rows: the
            # compiled co-moments (pairwise policy) with the same weights as performance
            from .moments import Moments

            yv = numeric_column(frame, y, name="y") if is_label(frame, y) else to_array(y, name="y")
            if len(yv) != len(frame):
                raise InputError(f"y: expected {len(frame)} values (one per row), got {len(yv)}")
            ycol = names_of([y])[0] if is_label(frame, y) else "y"
            pnames = list(perf_names or [])  # ratings came from the frame: named
            ycol = ycol if ycol not in pnames else f"{ycol} (y)"
            m = Moments(columns=[*pnames, ycol], missing="pairwise")  # errors name the column and row
            m.update(pd.DataFrame(np.column_stack([ratings, yv]), index=frame.index, columns=m.columns), weights=w)
            imp_vals = np.asarray(m.corr().to_numpy()[:-1, -1], dtype=np.float64)
        elif importance in ("lmg", "relative_weights", "dominance"):
            res = globals()["importance"](
                frame, y, method=importance, columns=perf_names, weights=weights, workers=workers
            )
            imp_vals = res.table["importance"].to_numpy()
        else:
            raise ConfigError(
                f"importance: {importance!r} is not a derivation; expected correlation, lmg, relative_weights"
            )
        source = importance
        imp_names = perf_names
    elif isinstance(importance, Importance):
        imp_vals = importance.table["importance"].to_numpy()
        imp_names = list(importance.table.index)
        source = importance.method
    else:
        imp_vals, imp_names = _named_values(importance, "importance")
    if perf_names is None:
        perf_names = imp_names or [f"attribute_{j + 1}" for j in range(len(perf))]
    if imp_names is not None and perf_names is not None and set(imp_names) == set(perf_names):
        order = {n: i for i, n in enumerate(imp_names)}
        imp_vals = np.asarray([imp_vals[order[n]] for n in perf_names])
    elif (
        imp_names is not None
        and perf_names is not None
        and len(imp_names) == len(perf_names)
        and imp_names != perf_names
    ):
        raise InputError(
            f"importance: attribute names {imp_names} do not match the performance attributes {perf_names}"
        )
    r = _core.drivers_ipa(
        np.ascontiguousarray(perf, dtype=np.float64),
        np.ascontiguousarray(imp_vals, dtype=np.float64),
        cfg,
        names_of(perf_names),
    )
    table = pd.DataFrame(index=pd.Index(perf_names, name="attribute"))
    table["performance"] = perf
    table["importance"] = imp_vals
    table["quadrant"] = pd.Categorical([IPA_QUADRANTS[int(q)] for q in r["quadrant"]], categories=list(IPA_QUADRANTS))
    table["priority"] = r["priority"]
    return IpaResult(
        table=table,
        performance_cut=float(r["performance_cut"]),
        importance_cut=float(r["importance_cut"]),
        crosshair=crosshair,
        importance_source=source,
        config=cfg,
        excluded=excluded,
    )
