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

METHODS = ("lmg", "dominance", "relative_weights", "correlation")
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
    if is_frame_like(X):
        frame = to_frame(X, name="X")
        if len(frame) == 0:
            raise InputError("X: the input is empty (0 rows)")
        if is_label(frame, y):
            y_name = y
            yv = numeric_column(frame, y, name="y")
        else:
            if y is None:
                raise InputError("y: give the outcome as a column name of X or as an array")
            yv = to_array(y, name="y")
            y_name = str(getattr(y, "name", None) or "y")
        skip = [y_name] + ([weights] if is_label(frame, weights) else [])
        if columns is None:
            names = [c for c in frame.columns if c not in skip and pd.api.types.is_numeric_dtype(frame[c].dtype)]
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
    info = {k: cr[k] for k in ("n_rows", "n_used", "n_dropped", "n_missing", "sum_weights", "effective_n")}
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

    def to_frame(self) -> pd.DataFrame:
        """The per-predictor table."""
        return self.table

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
        return [f"{self.method} for {self.outcome}: R2 = {self.r2:.4f}, {how}, {n}", "top: " + ", ".join(map(str, top))]


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
    n_bootstrap: int | None = None,
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
        Predictors: a DataFrame (pandas, polars, Arrow; ``columns`` picks them, default all
        numeric columns but ``y`` and ``weights``) or a 2-D array. With ``matrix=True``, a
        square correlation or covariance matrix (a labelled DataFrame) that includes the
        outcome; or a ``servscore.Moments`` co-moment state (its covariance is used).
    n
        With a matrix: the number of observations it came from (reported as ``n_used``).
    y
        The outcome: a column name of X (or of the matrix), or an array.
    method
        ``"lmg"`` (Shapley / general dominance), ``"dominance"`` (LMG plus conditional and
        complete dominance), ``"relative_weights"`` (Johnson) or ``"correlation"`` (squared
        zero-order correlations rescaled to R2, for comparison).
    weights
        Survey weights (a column name or an array; >= 0; rows with weight 0 are dropped).
    missing
        ``"listwise"`` (default: drop rows with any missing value, counted) or ``"pairwise"``
        (each correlation from the rows where both are present).
    signed
        Relative weights: add ``signed_share`` with the sign of the full-model coefficient.
    n_bootstrap, seed, alpha
        Relative weights: bootstrap replicates of the random-variable test (Tonidandel et
        al. 2009; 0: none), its seed and the level of its intervals. ``seed`` also seeds LMG
        permutation sampling.
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
        weight or value (the message names the column and row).

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
    """
    if method not in METHODS:
        raise ConfigError(f"method: {method!r} is not a method; expected one of: {', '.join(METHODS)}")
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
    table = pd.DataFrame(index=pd.Index(names, name="predictor"))
    conditional = complete = None
    exact = True
    rw = _core.drivers_relative_weights(corr, cfg, names_of(names))  # also checks collinearity; gives beta and R2
    r2 = float(rw["r2"])
    if method in ("lmg", "dominance"):
        run_cfg = cfg
        if method == "lmg":
            d = cfg.to_dict()
            d["complete_max_predictors"] = 0
            run_cfg = DriverConfig.from_dict(d)
        r = _core.drivers_dominance(corr, run_cfg, int(workers), names_of(names))
        r2 = float(r["r2"])
        exact = bool(r["exact"])
        table["importance"] = r["general"]
        if not exact:
            table["se"] = r["se"]
        if method == "dominance" and exact:
            conditional = pd.DataFrame(r["conditional"], index=table.index, columns=pd.RangeIndex(p, name="size"))
            if r["complete"].size:
                complete = pd.DataFrame(r["complete"], index=table.index, columns=pd.Index(names, name="dominated"))
    elif method == "relative_weights":
        table["importance"] = rw["raw"]
    else:
        r2s = rxy**2
        table["importance"] = r2s / r2s.sum() * r2 if r2s.sum() > 0 else r2s
    table["share"] = table["importance"] / r2 if r2 > 0 else np.nan
    table["rank"] = table["importance"].rank(ascending=False, method="min").astype(int)
    table["r2_alone"] = rxy**2
    table["beta"] = rw["beta"]
    if method == "relative_weights":
        if signed:
            table["signed_share"] = table["share"] * rw["sign"]
        if cfg.n_bootstrap > 0:
            if prep.x is None or prep.y is None:
                raise InputError("n_bootstrap: the random-variable test resamples rows; give raw data, not a matrix")
            t = _core.drivers_relative_weights_test(prep.x, prep.y, prep.w, cfg, int(workers))
            for k in ("ci_low", "ci_high", "diff_low", "diff_high", "p_value"):
                table[k] = t[k]
            table["significant"] = table["diff_low"] > 0
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
        return [f"n = {self.n_used} ({self.n_dropped} dropped), R2 = {self.r2:.3f}: " + ", ".join(parts)]


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
    prep_cfg = DriverConfig()
    if is_frame_like(X):
        frame = to_frame(X, name="X")
        if len(frame) == 0:
            raise InputError("X: the input is empty (0 rows)")
        yv = numeric_column(frame, y, name="y") if is_label(frame, y) else to_array(y, name="y")
        skip = [y] if is_label(frame, y) else []
        if is_label(frame, weights):
            skip.append(weights)
        names = (
            list(columns)
            if columns is not None
            else [c for c in frame.columns if c not in skip and pd.api.types.is_numeric_dtype(frame[c].dtype)]
        )
        x = numeric_matrix(frame, names, name="X")
        w = _weights(frame, weights, len(frame))
    else:
        x = as_matrix(X, name="X")
        yv = to_array(y, name="y")
        names = list(columns) if columns is not None else [f"x{j}" for j in range(x.shape[1])]
        w = _weights(None, weights, x.shape[0])
    del prep_cfg
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
        ]


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
    if is_frame_like(performance):
        frame = to_frame(performance, name="performance")
        skip = [y] if is_label(frame, y) else []
        if is_label(frame, weights):
            skip.append(weights)
        names = (
            list(columns)
            if columns is not None
            else [c for c in frame.columns if c not in skip and pd.api.types.is_numeric_dtype(frame[c].dtype)]
        )
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
    )
