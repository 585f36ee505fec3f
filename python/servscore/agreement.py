"""Agreement between raters: ICC, Cohen's kappa, Fleiss' kappa and Krippendorff's alpha.

Mystery-shopping audits scored by several auditors, transcripts labelled by several coders:
how far do the raters agree?

- :func:`icc`: the six Shrout & Fleiss (1979) intraclass correlations (ICC1, ICC2, ICC3 and
  their averages ICC1k, ICC2k, ICC3k) with F tests and intervals (McGraw & Wong 1996), as
  ``psych::ICC(x, lmer = FALSE)``. Subjects with a missing rating are left out and counted
  (complete-case, ``missing="listwise"``: psych's ``ICC(na.omit(x), lmer = FALSE)``; psych's
  default ``lmer = TRUE`` instead fits a REML mixed model to incomplete data, not offered here).
- :func:`kappa`: Cohen's kappa of two raters, unweighted, linear, quadratic or with a weight
  matrix, its large-sample standard error and interval (Fleiss, Cohen & Everitt 1969) and the
  z test under H0 (as ``irr::kappa2``); ``variance="psych"`` reproduces ``psych::cohen.kappa``.
- :func:`fleiss_kappa`: Fleiss' (1971) kappa of m raters with its SE and z under H0 and the
  per-category kappas (as ``irr::kappam.fleiss(detail = TRUE)``), and Conger's exact variant.
- :func:`krippendorff_alpha`: Krippendorff's alpha (nominal, ordinal, interval, ratio) from the
  coincidence matrix, missing ratings allowed (Krippendorff 2011).

Data are wide (one row per subject, one column per rater) or long (``subject=``, ``rater=``,
``rating=`` columns), pandas, polars, Arrow or numpy; kappa, Fleiss and Krippendorff take
labels (strings) or numbers. Every statistic comes from a mergeable state
(:class:`IccAccumulator`, :class:`KappaAccumulator`, :class:`FleissAccumulator`,
:class:`KrippendorffAccumulator`): partitions by subject (unit) merge to the one-pass result.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._accumulator import Mergeable
from ._core import ConfigError, InputError
from ._input import is_frame_like, numeric_column, to_frame
from ._result import Result

__all__ = [
    "FleissAccumulator",
    "FleissResult",
    "IccAccumulator",
    "IccResult",
    "KappaAccumulator",
    "KappaResult",
    "KrippendorffAccumulator",
    "KrippendorffResult",
    "fleiss_kappa",
    "icc",
    "kappa",
    "kappa_from_table",
    "krippendorff_alpha",
]

_ICC_TYPES = ("ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k")
_METRICS = ("nominal", "ordinal", "interval", "ratio")
_VARIANCES = ("fleiss_cohen_everitt", "psych")


# ------------------------------------------------------------------------------ input


def _check_level(level: float) -> float:
    try:
        ok = 0.0 < float(level) < 1.0
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ConfigError(f"level: {level!r} is out of range; expected a number in (0, 1)")
    return float(level)


def _check_missing(missing: str) -> None:
    if missing != "listwise":
        raise ConfigError(
            f"missing: {missing!r} is not offered; expected 'listwise' (subjects with a missing rating are left "
            "out and counted)"
        )


def _refuse_unsupported(by: Any, weights: Any) -> None:
    if by is not None:
        raise ConfigError("by: agreement states are not grouped; run one accumulator per group")
    if weights is not None:
        raise ConfigError("weights: agreement statistics take no case weights")


def _wide(
    data: Any,
    *,
    subject: Any = None,
    rater: Any = None,
    rating: Any = None,
    columns: Sequence[Any] | None = None,
    name: str = "ratings",
) -> pd.DataFrame:
    """Subjects x raters as a pandas DataFrame (object or numeric columns), from wide or long input."""
    long = [x is not None for x in (subject, rater, rating)]
    if any(long):
        if not all(long):
            raise ConfigError("subject, rater, rating: long data need all three column names")
        frame = to_frame(data, name=name)
        for c in (subject, rater, rating):
            if c not in frame.columns:
                present = ", ".join(map(str, frame.columns[:30]))
                raise InputError(f"{name}: no column {c!r}; columns present: {present}")
        for c in (subject, rater):
            bad = frame[c].isna().to_numpy()
            if bad.any():
                pos = int(np.flatnonzero(bad)[0])
                raise InputError(f"{name}: column {c!r}, row {_py(frame.index[pos])!r}: missing {c}; expected a key")
        dup = frame.duplicated([subject, rater], keep="first").to_numpy()
        if dup.any():
            pos = int(np.flatnonzero(dup)[0])
            row, subj, who = (_py(v) for v in (frame.index[pos], frame[subject].iloc[pos], frame[rater].iloc[pos]))
            raise InputError(
                f"{name}: row {row!r}: subject {subj!r} is rated twice by rater {who!r}; expected one rating per "
                "subject and rater"
            )
        wide = frame.pivot(index=subject, columns=rater, values=rating)
        wide.columns.name = None
        return wide
    if is_frame_like(data) or isinstance(data, dict):
        frame = to_frame(data, name=name)
        if columns is not None:
            missing = [c for c in columns if c not in frame.columns]
            if missing:
                present = ", ".join(map(str, frame.columns[:30]))
                raise InputError(
                    f"{name}: missing column(s) {', '.join(map(repr, missing))}; columns present: {present}"
                )
            frame = frame[list(columns)]
        return frame
    if isinstance(data, (pd.Series,)) or (isinstance(data, np.ndarray) and data.ndim != 2):
        raise InputError(f"{name}: expected subjects x raters (a 2-D array or a DataFrame), got 1-D data")
    arr = np.asarray(data, dtype=object) if not isinstance(data, np.ndarray) else data
    if arr.ndim != 2:
        raise InputError(f"{name}: expected subjects x raters (a 2-D array), got {arr.ndim} dimension(s)")
    return pd.DataFrame(arr, columns=[f"rater {j + 1}" for j in range(arr.shape[1])])


def _py(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def _numeric_wide(frame: pd.DataFrame, *, name: str = "ratings") -> np.ndarray:
    out = np.empty((len(frame), frame.shape[1]), dtype=np.float64)
    for j, c in enumerate(frame.columns):
        s = frame[c]
        if pd.api.types.is_bool_dtype(s.dtype):
            raise InputError(f"{name}: column {c!r} holds booleans; expected numeric ratings")
        col = numeric_column(frame, c, name=name)
        bad = np.isinf(col)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise InputError(f"{name}: column {c!r}, row {_py(frame.index[pos])!r}: value {col[pos]!r} is not finite")
        out[:, j] = col
    return out


def _num_label(v: Any) -> str:
    return str(int(v)) if float(v).is_integer() and abs(v) < 2**53 else repr(float(v))


def _encode(
    frame: pd.DataFrame, categories: Sequence[Any] | None = None, *, name: str = "ratings"
) -> tuple[list[str], np.ndarray]:
    """Category labels (strings) and int32 codes (subjects x raters, -1 missing)."""
    n, m = frame.shape
    codes = np.full((n, m), -1, dtype=np.int32)
    numeric = all(
        pd.api.types.is_numeric_dtype(frame[c].dtype) and not pd.api.types.is_bool_dtype(frame[c].dtype)
        for c in frame.columns
    )
    if numeric:
        x = frame.to_numpy(dtype=np.float64, na_value=np.nan) if n else np.empty((0, m))
        bad = np.isinf(x)
        if bad.any():
            i, j = (int(v[0]) for v in np.nonzero(bad))
            raise InputError(
                f"{name}: column {frame.columns[j]!r}, row {_py(frame.index[i])!r}: value {x[i, j]!r} is not finite"
            )
        present = np.unique(x[~np.isnan(x)])
        labels = [_num_label(v) for v in present]
        ok = ~np.isnan(x)
        codes[ok] = np.searchsorted(present, x[ok]).astype(np.int32)
    else:
        values = frame.astype(object).to_numpy()
        missing = pd.isna(frame).to_numpy()
        text = np.empty(values.shape, dtype=object)
        for (i, j), v in np.ndenumerate(values):
            if missing[i, j]:
                continue
            if isinstance(v, (float, np.floating)) and (math.isinf(v)):
                raise InputError(
                    f"{name}: column {frame.columns[j]!r}, row {_py(frame.index[i])!r}: value {v!r} is not finite"
                )
            text[i, j] = (
                _num_label(v)
                if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
                else str(v)
            )
        labels = sorted({t for t in text[~missing].tolist()})
        index = {t: c for c, t in enumerate(labels)}
        for (i, j), t in np.ndenumerate(text):
            if not missing[i, j]:
                codes[i, j] = index[t]
    if categories is not None:
        cats = _category_labels(categories)
        allowed = {t: c for c, t in enumerate(cats)}
        remap = np.empty(len(labels) + 1, dtype=np.int32)
        remap[-1] = -1
        for c, t in enumerate(labels):
            if t not in allowed:
                i, j = (int(v[0]) for v in np.nonzero(codes == c))
                raise InputError(
                    f"{name}: column {frame.columns[j]!r}, row {_py(frame.index[i])!r}: value {t!r} is not one of the "
                    f"categories {cats}"
                )
            remap[c] = allowed[t]
        codes = remap[codes]
        labels = cats
    return labels, np.ascontiguousarray(codes)


def _category_labels(categories: Sequence[Any]) -> list[str]:
    cats = [
        _num_label(v) if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) else str(v)
        for v in categories
    ]
    if len(set(cats)) != len(cats) or not cats:
        raise ConfigError(f"categories: {list(categories)!r} must be distinct labels, at least one")
    return cats


def _numbers(labels: Sequence[str]) -> np.ndarray | None:
    try:
        return np.array([float(t) for t in labels], dtype=np.float64)
    except ValueError:
        return None


def _order(labels: Sequence[str], categories: Sequence[Any] | None) -> list[int]:
    """Positions of the state's labels in display order: ``categories`` (each must be present or is
    added as an unused category by the caller), numbers by value, other labels as text."""
    if categories is not None:
        cats = _category_labels(categories)
        where = {t: i for i, t in enumerate(labels)}
        extra = [t for t in labels if t not in set(cats)]
        if extra:
            raise InputError(f"categories: the data hold {extra[0]!r}, which is not one of {cats}")
        return [where.get(t, -1) for t in cats]
    nums = _numbers(labels)
    if nums is not None:
        return [int(i) for i in np.argsort(nums, kind="stable")]
    return sorted(range(len(labels)), key=lambda i: labels[i])


def _square(m: np.ndarray, order: list[int]) -> np.ndarray:
    k = len(order)
    out = np.zeros((k, k), dtype=np.float64)
    for a, i in enumerate(order):
        if i < 0:
            continue
        for b, j in enumerate(order):
            if j >= 0:
                out[a, b] = m[i, j]
    return out


def _ordered_labels(labels: Sequence[str], order: list[int], categories: Sequence[Any] | None) -> list[str]:
    return _category_labels(categories) if categories is not None else [labels[i] for i in order]


# -------------------------------------------------------------------------------- ICC


@dataclasses.dataclass(frozen=True, repr=False)
class IccResult(Result):
    """The six Shrout-Fleiss intraclass correlations.

    Attributes
    ----------
    table
        One row per form (``ICC1``, ``ICC2``, ``ICC3``, ``ICC1k``, ``ICC2k``, ``ICC3k``): ``icc``,
        ``F``, ``df1``, ``df2``, ``p`` (upper-tail F test of ICC = 0), ``lower``, ``upper``.
    n, n_missing, k
        Subjects used, subjects left out (a missing rating), raters.
    level
        Confidence level of the intervals.
    ms_subjects, ms_raters, ms_error, ms_within
        The ANOVA mean squares MSB, MSJ, MSE and the one-way MSW.
    missing
        The missing-data policy, ``"listwise"``.
    """

    table: pd.DataFrame
    n: int
    n_missing: int
    k: int
    level: float
    ms_subjects: float
    ms_raters: float
    ms_error: float
    ms_within: float
    missing: str = "listwise"

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """The six ICC forms with their intervals; returns the Axes."""
        from .plotting import estimate_bars

        t = self.table
        return estimate_bars(
            t["icc"], t["lower"], t["upper"], ax=ax, xlabel="ICC", title="Intraclass correlation", **kwargs
        )

    def to_frame(self) -> pd.DataFrame:
        """The table of the six forms."""
        return self.table

    def __getitem__(self, form: str) -> float:
        """The coefficient of one form: ``r["ICC2"]``."""
        if form not in _ICC_TYPES:
            raise KeyError(f"{form!r}: expected one of {', '.join(_ICC_TYPES)}")
        return float(self.table.loc[form, "icc"])

    def _summary_lines(self) -> list[str]:
        return [
            f"{self.n} subjects x {self.k} raters ({self.n_missing} left out for a missing rating, {self.missing});"
            f" {100 * self.level:g}% intervals",
            f"ICC2 (single random rater, absolute agreement) {self['ICC2']:.4f}, ICC3 (consistency) {self['ICC3']:.4f}",
        ]


def _icc_result(state: Any, level: float) -> IccResult:
    d = _core.icc(state, _check_level(level))
    table = pd.DataFrame(
        [{k: f[k] for k in ("icc", "F", "df1", "df2", "p", "lower", "upper")} for f in d["forms"]],
        index=pd.Index([f["type"] for f in d["forms"]], name="type"),
    )
    return IccResult(
        table=table,
        n=int(d["n"]),
        n_missing=int(d["n_missing"]),
        k=int(d["k"]),
        level=float(d["level"]),
        ms_subjects=float(d["ms_subjects"]),
        ms_raters=float(d["ms_raters"]),
        ms_error=float(d["ms_error"]),
        ms_within=float(d["ms_within"]),
    )


def icc(
    data: Any,
    *,
    subject: Any = None,
    rater: Any = None,
    rating: Any = None,
    columns: Sequence[Any] | None = None,
    level: float = 0.95,
    missing: str = "listwise",
) -> IccResult:
    """The six Shrout & Fleiss (1979) intraclass correlations with F tests and intervals.

    Parameters
    ----------
    data
        Ratings: wide (one row per subject, one numeric column per rater; a DataFrame of pandas,
        polars or Arrow, or a 2-D array) or long with ``subject``, ``rater`` and ``rating``;
        or an :class:`IccAccumulator`.
    subject, rater, rating
        Column names of long data (all three or none).
    columns
        Rater columns of wide data (default: all).
    level
        Confidence level of the intervals.
    missing
        ``"listwise"``: a subject with a missing rating is left out and counted in ``n_missing``
        (as ``psych::ICC(na.omit(x), lmer = FALSE)``).

    Returns
    -------
    IccResult
        ICC1 (one-way random, single rater), ICC2 (two-way random, absolute agreement), ICC3
        (two-way mixed, consistency) and their averages over k raters, as ``psych::ICC``.

    Raises
    ------
    InputError
        A non-numeric or infinite rating (naming column, row and value), fewer than 2 raters or
        2 complete subjects, a subject rated twice by one rater (long data).

    Examples
    --------
    Shrout & Fleiss (1979), table 2 (6 targets, 4 judges):

    >>> import numpy as np, servscore as ss
    >>> sf = np.array([[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]])
    >>> r = ss.icc(sf)
    >>> round(r["ICC1"], 4), round(r["ICC2"], 4), round(r["ICC3"], 4)
    (0.1657, 0.2898, 0.7148)
    """
    if isinstance(data, IccAccumulator):
        return data.result(level=level)
    _check_missing(missing)
    acc = IccAccumulator().update(data, subject=subject, rater=rater, rating=rating, columns=columns)
    return acc.result(level=level)


class IccAccumulator(Mergeable):
    """Mergeable state of :func:`icc` (C++ ``IccState``, bytes ``SSICC001``): per-rater means and
    sums of squares and the sum of squares of the subject means over complete subjects.

    Partitions **by subject** merge to the one-pass result (up to rounding); rater columns must be
    the same in every batch (by name for DataFrames).

    >>> import numpy as np, servscore as ss
    >>> sf = np.array([[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7.0]])
    >>> acc = ss.agreement.IccAccumulator().update(sf[:3]) + ss.agreement.IccAccumulator().update(sf[3:])
    >>> round(acc.result()["ICC3k"], 4)
    0.9093
    """

    __slots__ = ("_state", "raters")
    _kind = "IccAccumulator"

    def __init__(self) -> None:
        self._state = _core.IccState()
        self.raters: list[str] | None = None

    def update(
        self,
        data: Any,
        *,
        by: Any = None,
        weights: Any = None,
        subject: Any = None,
        rater: Any = None,
        rating: Any = None,
        columns: Sequence[Any] | None = None,
    ) -> IccAccumulator:
        """Add a batch of subjects (wide or long); returns ``self`` (an empty batch is a no-op)."""
        _refuse_unsupported(by, weights)
        frame = _wide(data, subject=subject, rater=rater, rating=rating, columns=columns)
        if len(frame) == 0:
            return self
        names = [str(c) for c in frame.columns]
        if self.raters is not None and names != self.raters and self._state.n + self._state.n_missing > 0:
            if sorted(names) == sorted(self.raters):
                frame = frame[[frame.columns[names.index(r)] for r in self.raters]]
                names = list(self.raters)
            else:
                raise InputError(f"ratings: rater columns {names} differ from the state's {self.raters}")
        x = _numeric_wide(frame)
        self._state.update(x)
        self.raters = names
        return self

    def _merge_into(self, other: Any) -> None:
        if self.raters is not None and other.raters is not None and self.raters != other.raters:
            raise InputError(f"merge: rater columns {other.raters} (the other) vs {self.raters} (this state)")
        self._state.merge(other._state)
        if self.raters is None:
            self.raters = other.raters

    def _merge_key(self) -> Any:
        return None

    @property
    def n(self) -> int:
        """Complete subjects counted."""
        return int(self._state.n)

    def result(self, *, level: float = 0.95) -> IccResult:
        """The six ICC forms of everything counted."""
        return _icc_result(self._state, level)

    def to_bytes(self) -> bytes:
        """The versioned byte image ``SSICC001`` (rater names are not part of it)."""
        return bytes(self._state.to_bytes())

    @classmethod
    def from_bytes(cls, data: bytes) -> IccAccumulator:
        """Inverse of :meth:`to_bytes` (untrusted bytes validated first)."""
        out = cls()
        out._state = _core.IccState.from_bytes(bytes(data))
        return out

    def __repr__(self) -> str:
        return f"IccAccumulator(n={self.n}, raters={self._state.k}, n_missing={self._state.n_missing})"


# ------------------------------------------------------------------------------ kappa


@dataclasses.dataclass(frozen=True, repr=False)
class KappaResult(Result):
    """Cohen's kappa of two raters.

    Attributes
    ----------
    kappa
        (po - pe) / (1 - pe) for the agreement weights.
    se, lower, upper, level, clipped
        Large-sample standard error (Fleiss, Cohen & Everitt 1969, or psych's with
        ``variance="psych"``) and the normal interval at ``level``, clipped to [-1, 1] (``clipped``
        says whether it was).
    se0, z, p
        Standard error under H0 (kappa = 0), z = kappa / se0 and its two-sided p-value (as ``irr::kappa2``).
    po, pe
        Observed and chance (weighted) agreement.
    n, n_missing
        Subjects rated by both raters; subjects left out (a rating missing).
    weighting, variance
        The weights (``"unweighted"``, ``"linear"``, ``"quadratic"`` or ``"matrix"``) and the variance.
    table, weights
        The confusion matrix (rows: rater 1) and the weight matrix, categories in order.
    """

    kappa: float
    se: float
    lower: float
    upper: float
    level: float
    clipped: bool
    se0: float
    z: float
    p: float
    po: float
    pe: float
    n: float
    n_missing: int
    weighting: str
    variance: str
    table: pd.DataFrame
    weights: pd.DataFrame

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Kappa with its interval beside observed and chance agreement; returns the Axes."""
        from .plotting import estimate_bars

        v = pd.Series({"kappa": self.kappa, "observed agreement": self.po, "chance agreement": self.pe})
        lo = [self.lower, np.nan, np.nan]
        hi = [self.upper, np.nan, np.nan]
        return estimate_bars(v, lo, hi, ax=ax, title=f"Cohen's kappa ({self.weighting})", **kwargs)

    def to_frame(self) -> pd.DataFrame:
        """One row: kappa, se, lower, upper, z, p, po, pe, n, n_missing."""
        cols = ("kappa", "se", "lower", "upper", "z", "p", "po", "pe", "n", "n_missing")
        return pd.DataFrame([{c: getattr(self, c) for c in cols}], index=pd.Index([self.weighting], name="weighting"))

    def __float__(self) -> float:
        return float(self.kappa)

    def _summary_lines(self) -> list[str]:
        clip = " (clipped to +-1)" if self.clipped else ""
        return [
            f"Cohen's kappa ({self.weighting}) {self.kappa:.4f} [{100 * self.level:g}% {self.lower:.4f}, "
            f"{self.upper:.4f}]{clip}, z = {self.z:.3f}, p = {self.p:.3g}",
            f"n = {self.n:g} subjects ({self.n_missing} left out for a missing rating), {self.table.shape[0]} categories",
        ]


def _weights(weighting: Any, k: int) -> tuple[np.ndarray, str]:
    if isinstance(weighting, str):
        if weighting not in ("unweighted", "linear", "quadratic"):
            raise ConfigError(
                f"weighting: {weighting!r} is not a weighting; expected 'unweighted', 'linear', 'quadratic' or a "
                "k x k matrix of agreement weights"
            )
        return np.asarray(_core.kappa_weights(k, weighting), dtype=np.float64), weighting
    w = np.ascontiguousarray(np.asarray(weighting, dtype=np.float64))
    if w.shape != (k, k):
        raise ConfigError(f"weighting: a {w.shape} matrix for {k} categories; expected {k} x {k}")
    return w, "matrix"


def _kappa_result(
    table: np.ndarray,
    labels: list[str],
    n_missing: int,
    weighting: Any,
    level: float,
    variance: str,
    n: float | None = None,
) -> KappaResult:
    if variance not in _VARIANCES:
        raise ConfigError(f"variance: {variance!r} is not a variance; expected one of {', '.join(_VARIANCES)}")
    w, wname = _weights(weighting, table.shape[0])
    d = _core.cohen_kappa(np.ascontiguousarray(table), w, _check_level(level), variance, float(n or 0.0))
    idx = pd.Index(labels, name="rater 1")
    cols = pd.Index(labels, name="rater 2")
    return KappaResult(
        kappa=float(d["kappa"]),
        se=float(d["se"]),
        lower=float(d["lower"]),
        upper=float(d["upper"]),
        level=float(level),
        clipped=bool(d["clipped"]),
        se0=float(d["se0"]),
        z=float(d["z"]),
        p=float(d["p"]),
        po=float(d["po"]),
        pe=float(d["pe"]),
        n=float(d["n"]),
        n_missing=int(n_missing),
        weighting=wname,
        variance=variance,
        table=pd.DataFrame(table, index=idx, columns=cols),
        weights=pd.DataFrame(w, index=idx.copy(), columns=cols.copy()),
    )


def kappa(
    data: Any,
    *,
    weighting: Any = "unweighted",
    subject: Any = None,
    rater: Any = None,
    rating: Any = None,
    columns: Sequence[Any] | None = None,
    categories: Sequence[Any] | None = None,
    level: float = 0.95,
    variance: str = "fleiss_cohen_everitt",
    missing: str = "listwise",
) -> KappaResult:
    """Cohen's kappa of two raters, unweighted or weighted, with its SE, interval and z test.

    Parameters
    ----------
    data
        Two raters' labels or numbers: wide (two columns, one row per subject) or long
        (``subject``, ``rater``, ``rating``; exactly two raters); or a :class:`KappaAccumulator`.
    weighting
        ``"unweighted"`` (Cohen 1960), ``"linear"`` (1 - |i-j|/(k-1)), ``"quadratic"``
        (1 - (i-j)^2/(k-1)^2; Cohen 1968), or a k x k matrix of agreement weights in [0, 1] with 1
        on the diagonal, categories in order. i, j are positions in the category order.
    categories
        The categories in order (for weights; unused ones count as categories); default: the
        labels present, numbers by value, text alphabetically.
    level
        Confidence level of the interval.
    variance
        ``"fleiss_cohen_everitt"`` (default; Fleiss, Cohen & Everitt 1969) or ``"psych"``: psych
        2.2.9's ``cohen.kappa``, whose weighted variance uses the row weights r_i sum_j w_ij in
        place of sum_i r_i w_ij and differs from the published formula (the unweighted variance
        is the same).
    missing
        ``"listwise"``: subjects without both ratings are left out and counted.

    Returns
    -------
    KappaResult

    Examples
    --------
    >>> import pandas as pd, servscore as ss
    >>> df = pd.DataFrame({"a": ["yes", "yes", "no", "no", "yes", "no"], "b": ["yes", "no", "no", "no", "yes", "no"]})
    >>> round(ss.kappa(df).kappa, 4)
    0.6667
    """
    if isinstance(data, KappaAccumulator):
        return data.result(weighting=weighting, categories=categories, level=level, variance=variance)
    _check_missing(missing)
    acc = KappaAccumulator().update(
        data, subject=subject, rater=rater, rating=rating, columns=columns, categories=categories
    )
    return acc.result(weighting=weighting, categories=categories, level=level, variance=variance)


def kappa_from_table(
    table: Any,
    *,
    weighting: Any = "unweighted",
    n: float | None = None,
    level: float = 0.95,
    variance: str = "fleiss_cohen_everitt",
) -> KappaResult:
    """Cohen's kappa of a k x k confusion table (rows: rater 1), counts or proportions with ``n``.

    >>> import numpy as np, servscore as ss
    >>> t = np.array([[0.44, 0.07, 0.09], [0.05, 0.20, 0.05], [0.01, 0.03, 0.06]])
    >>> round(ss.agreement.kappa_from_table(t, n=200).kappa, 4)
    0.4915
    """
    if isinstance(table, pd.DataFrame):
        labels = [str(c) for c in table.index]
        t = table.to_numpy(dtype=np.float64)
    else:
        t = np.asarray(table, dtype=np.float64)
        labels = [str(i + 1) for i in range(t.shape[0])] if t.ndim == 2 else []
    if t.ndim != 2 or t.shape[0] != t.shape[1]:
        raise InputError(f"table: expected a square k x k table, got shape {t.shape}")
    return _kappa_result(t, labels, 0, weighting, level, variance, n)


def _two_raters(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.shape[1] != 2:
        raise InputError(
            f"ratings: Cohen's kappa takes 2 raters, got {frame.shape[1]} columns; use fleiss_kappa or "
            "krippendorff_alpha for more"
        )
    return frame


class KappaAccumulator(Mergeable):
    """Mergeable confusion matrix of two raters (C++ ``KappaState``, bytes ``SSKAPPA1``): counts
    merge exactly; categories are aligned by label.

    >>> import servscore as ss
    >>> a = ss.agreement.KappaAccumulator().update([["yes", "yes"], ["no", "no"], ["yes", "no"]])
    >>> b = ss.agreement.KappaAccumulator().update([["no", "no"], ["yes", "yes"], ["no", "no"]])
    >>> round((a + b).result().kappa, 4)
    0.6667
    """

    __slots__ = ("_state",)
    _kind = "KappaAccumulator"

    def __init__(self) -> None:
        self._state = _core.KappaState()

    def update(
        self,
        data: Any,
        *,
        by: Any = None,
        weights: Any = None,
        subject: Any = None,
        rater: Any = None,
        rating: Any = None,
        columns: Sequence[Any] | None = None,
        categories: Sequence[Any] | None = None,
    ) -> KappaAccumulator:
        """Add pairs of ratings (wide: two columns; long: two raters); returns ``self``."""
        _refuse_unsupported(by, weights)
        frame = _wide(data, subject=subject, rater=rater, rating=rating, columns=columns)
        if len(frame) == 0:
            return self
        labels, codes = _encode(_two_raters(frame), categories)
        self._state.update(labels, np.ascontiguousarray(codes[:, 0]), np.ascontiguousarray(codes[:, 1]))
        return self

    def _merge_into(self, other: Any) -> None:
        self._state.merge(other._state)

    @property
    def categories(self) -> list[str]:
        """The category labels seen (in order of first sight)."""
        return list(self._state.categories)

    def result(
        self,
        *,
        weighting: Any = "unweighted",
        categories: Sequence[Any] | None = None,
        level: float = 0.95,
        variance: str = "fleiss_cohen_everitt",
    ) -> KappaResult:
        """Kappa of everything counted (see :func:`kappa`)."""
        labels = self.categories
        if not labels:
            raise InputError("kappa: no rated pair; expected at least one subject with both ratings")
        order = _order(labels, categories)
        t = _square(np.asarray(self._state.table, dtype=np.float64), order)
        return _kappa_result(
            t, _ordered_labels(labels, order, categories), int(self._state.n_missing), weighting, level, variance
        )

    def to_bytes(self) -> bytes:
        """The versioned byte image ``SSKAPPA1``."""
        return bytes(self._state.to_bytes())

    @classmethod
    def from_bytes(cls, data: bytes) -> KappaAccumulator:
        """Inverse of :meth:`to_bytes` (untrusted bytes validated first)."""
        out = cls()
        out._state = _core.KappaState.from_bytes(bytes(data))
        return out

    def __repr__(self) -> str:
        return f"KappaAccumulator(categories={self.categories}, n_missing={self._state.n_missing})"


# ----------------------------------------------------------------------------- Fleiss


@dataclasses.dataclass(frozen=True, repr=False)
class FleissResult(Result):
    """Fleiss' kappa of m raters.

    Attributes
    ----------
    kappa, se0, z, p
        Fleiss (1971) kappa, its SE under H0 (Fleiss, Nee & Landis 1979), z and the two-sided p-value.
    kappa_exact
        Conger's (1980) exact kappa (``irr::kappam.fleiss(exact = TRUE)``).
    po, pe
        Mean observed agreement and chance agreement.
    n, n_missing, raters
        Subjects used, subjects left out (a missing rating), raters per subject.
    categories
        Per category: ``share`` (p_j), ``kappa``, ``z``, ``p`` (SE under H0 ``category_se0``).
    """

    kappa: float
    se0: float
    z: float
    p: float
    kappa_exact: float
    po: float
    pe: float
    n: int
    n_missing: int
    raters: int
    category_se0: float
    categories: pd.DataFrame

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Kappa per category and overall; returns the Axes."""
        from .plotting import estimate_bars

        v = pd.concat([self.categories["kappa"], pd.Series({"overall": self.kappa})])
        return estimate_bars(v, ax=ax, xlabel="kappa", title="Fleiss' kappa", reference=0.0, **kwargs)

    def to_frame(self) -> pd.DataFrame:
        """The per-category table."""
        return self.categories

    def __float__(self) -> float:
        return float(self.kappa)

    def _summary_lines(self) -> list[str]:
        return [
            f"Fleiss' kappa {self.kappa:.4f}, z = {self.z:.3f}, p = {self.p:.3g} (exact {self.kappa_exact:.4f})",
            f"{self.n} subjects x {self.raters} raters ({self.n_missing} left out for a missing rating)",
        ]


def fleiss_kappa(
    data: Any,
    *,
    subject: Any = None,
    rater: Any = None,
    rating: Any = None,
    columns: Sequence[Any] | None = None,
    categories: Sequence[Any] | None = None,
    missing: str = "listwise",
) -> FleissResult:
    """Fleiss' kappa of m raters with its z test and the per-category kappas.

    Parameters
    ----------
    data
        Labels or numbers: wide (one row per subject, one column per rater) or long (``subject``,
        ``rater``, ``rating``); or a :class:`FleissAccumulator`.
    categories
        The categories (default: the labels present; an unused category gets a NaN kappa).
    missing
        ``"listwise"``: subjects with a missing rating are left out and counted (as irr's ``na.omit``).

    Examples
    --------
    >>> import numpy as np, servscore as ss
    >>> x = np.array([["a", "a", "a"], ["a", "b", "b"], ["b", "b", "b"], ["c", "c", "a"]])
    >>> round(ss.fleiss_kappa(x).kappa, 4)
    0.4667
    """
    if isinstance(data, FleissAccumulator):
        return data.result(categories=categories)
    _check_missing(missing)
    acc = FleissAccumulator().update(
        data, subject=subject, rater=rater, rating=rating, columns=columns, categories=categories
    )
    return acc.result(categories=categories)


class FleissAccumulator(Mergeable):
    """Mergeable counts of Fleiss' kappa (C++ ``FleissState``, bytes ``SSFLEIS1``): per rater and
    category the subjects, per category the sum of squared counts; integers, exact merge.

    >>> import numpy as np, servscore as ss
    >>> x = np.array([["a", "a", "a"], ["a", "b", "b"], ["b", "b", "b"], ["c", "c", "a"]])
    >>> acc = ss.agreement.FleissAccumulator().update(x[:1]) + ss.agreement.FleissAccumulator().update(x[1:])
    >>> round(acc.result().kappa, 4)
    0.4667
    """

    __slots__ = ("_state",)
    _kind = "FleissAccumulator"

    def __init__(self) -> None:
        self._state = _core.FleissState()

    def update(
        self,
        data: Any,
        *,
        by: Any = None,
        weights: Any = None,
        subject: Any = None,
        rater: Any = None,
        rating: Any = None,
        columns: Sequence[Any] | None = None,
        categories: Sequence[Any] | None = None,
    ) -> FleissAccumulator:
        """Add subjects (wide or long); returns ``self`` (an empty batch is a no-op)."""
        _refuse_unsupported(by, weights)
        frame = _wide(data, subject=subject, rater=rater, rating=rating, columns=columns)
        if len(frame) == 0:
            return self
        labels, codes = _encode(frame, categories)
        self._state.update(labels, codes)
        return self

    def _merge_into(self, other: Any) -> None:
        self._state.merge(other._state)

    def result(self, *, categories: Sequence[Any] | None = None) -> FleissResult:
        """Fleiss' kappa of everything counted."""
        d = _core.fleiss_kappa(self._state)
        labels = list(self._state.categories)
        order = _order(labels, categories)
        pick = np.array(order, dtype=np.int64)
        share, ck, cz, cp = (
            np.asarray(d[k], dtype=np.float64) for k in ("share", "category_kappa", "category_z", "category_p")
        )

        def take(v: np.ndarray, fill: float) -> np.ndarray:
            return np.where(pick >= 0, v[np.maximum(pick, 0)], fill)

        table = pd.DataFrame(
            {"share": take(share, 0.0), "kappa": take(ck, np.nan), "z": take(cz, np.nan), "p": take(cp, np.nan)},
            index=pd.Index(_ordered_labels(labels, order, categories), name="category"),
        )
        return FleissResult(
            kappa=float(d["kappa"]),
            se0=float(d["se0"]),
            z=float(d["z"]),
            p=float(d["p"]),
            kappa_exact=float(d["kappa_exact"]),
            po=float(d["po"]),
            pe=float(d["pe"]),
            n=int(d["n"]),
            n_missing=int(d["n_missing"]),
            raters=int(d["m"]),
            category_se0=float(d["category_se0"]),
            categories=table,
        )

    def to_bytes(self) -> bytes:
        """The versioned byte image ``SSFLEIS1``."""
        return bytes(self._state.to_bytes())

    @classmethod
    def from_bytes(cls, data: bytes) -> FleissAccumulator:
        """Inverse of :meth:`to_bytes` (untrusted bytes validated first)."""
        out = cls()
        out._state = _core.FleissState.from_bytes(bytes(data))
        return out

    def __repr__(self) -> str:
        return (
            f"FleissAccumulator(n={self._state.n}, raters={self._state.m}, categories={list(self._state.categories)})"
        )


# ----------------------------------------------------------------------- Krippendorff


@dataclasses.dataclass(frozen=True, repr=False)
class KrippendorffResult(Result):
    """Krippendorff's alpha.

    Attributes
    ----------
    alpha
        1 - D_o / D_e (NaN, with a warning, when the data show one value only: D_e = 0).
    metric
        ``"nominal"``, ``"ordinal"``, ``"interval"`` or ``"ratio"``.
    d_observed, d_expected
        Observed and expected disagreement.
    n_units, n_pairable, n_values, n_missing
        Units, units with at least two values, pairable values, missing values.
    coincidence
        The coincidence matrix, categories in order.
    """

    alpha: float
    metric: str
    d_observed: float
    d_expected: float
    n_units: int
    n_pairable: int
    n_values: int
    n_missing: int
    coincidence: pd.DataFrame

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Alpha beside the 0.667 and 0.8 thresholds Krippendorff (2004) gives for tentative and reliable conclusions; returns the Axes."""
        from .plotting import estimate_bars

        v = pd.Series({f"alpha ({self.metric})": self.alpha})
        a = estimate_bars(v, ax=ax, xlabel="alpha", title="Krippendorff's alpha", reference=0.8, **kwargs)
        a.axvline(0.667, color="#999999", linestyle=":", linewidth=1)
        return a

    def to_frame(self) -> pd.DataFrame:
        """One row: alpha, d_observed, d_expected and the counts."""
        cols = ("alpha", "d_observed", "d_expected", "n_units", "n_pairable", "n_values", "n_missing")
        return pd.DataFrame([{c: getattr(self, c) for c in cols}], index=pd.Index([self.metric], name="metric"))

    def __float__(self) -> float:
        return float(self.alpha)

    def _summary_lines(self) -> list[str]:
        return [
            f"Krippendorff's alpha ({self.metric}) {self.alpha:.4f}",
            f"{self.n_units} units ({self.n_pairable} pairable), {self.n_values} pairable values, "
            f"{self.n_missing} missing",
        ]


def krippendorff_alpha(
    data: Any,
    *,
    metric: str = "nominal",
    subject: Any = None,
    rater: Any = None,
    rating: Any = None,
    columns: Sequence[Any] | None = None,
    categories: Sequence[Any] | None = None,
) -> KrippendorffResult:
    """Krippendorff's alpha for nominal, ordinal, interval or ratio data, missing ratings allowed.

    Parameters
    ----------
    data
        Units x coders (one row per unit; a missing rating is None / NaN), wide or long
        (``subject`` = unit, ``rater`` = coder, ``rating``); or a :class:`KrippendorffAccumulator`.
        irr's ``kripp.alpha`` takes coders x units: pass its matrix transposed.
    metric
        The difference function: ``"nominal"``, ``"ordinal"`` (ranks from the value
        frequencies), ``"interval"`` (squared difference) or ``"ratio"`` (((c-k)/(c+k))^2);
        interval and ratio need numeric ratings.
    categories
        The values in order (ordinal); default: numbers by value, text alphabetically.

    Returns
    -------
    KrippendorffResult

    Examples
    --------
    Krippendorff (2011), 4 coders x 12 units with missing values:

    >>> import numpy as np, servscore as ss
    >>> nan = np.nan
    >>> x = np.array([[1, 1, nan, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3], [2, 2, 2, 2], [1, 2, 3, 4],
    ...               [4, 4, 4, 4], [1, 1, 2, 1], [2, 2, 2, 2], [nan, 5, 5, 5], [nan, nan, 1, 1], [nan, nan, 3, nan]])
    >>> round(ss.krippendorff_alpha(x).alpha, 3), round(ss.krippendorff_alpha(x, metric="interval").alpha, 3)
    (0.743, 0.849)
    """
    if isinstance(data, KrippendorffAccumulator):
        return data.result(metric=metric, categories=categories)
    acc = KrippendorffAccumulator().update(
        data, subject=subject, rater=rater, rating=rating, columns=columns, categories=categories
    )
    return acc.result(metric=metric, categories=categories)


class KrippendorffAccumulator(Mergeable):
    """Mergeable coincidence matrix (C++ ``KrippendorffState``, bytes ``SSKRIPP1``): partitions
    by unit merge by addition (pairs weighted 1 / (m_u - 1): exact up to rounding).

    >>> import numpy as np, servscore as ss
    >>> x = np.array([[1, 1, 2], [2, 2, 2], [3, 3, np.nan], [1, 2, 1]])
    >>> acc = ss.agreement.KrippendorffAccumulator().update(x[:2]) + ss.agreement.KrippendorffAccumulator().update(x[2:])
    >>> round(acc.result(metric="interval").alpha, 4) == round(ss.krippendorff_alpha(x, metric="interval").alpha, 4)
    True
    """

    __slots__ = ("_state",)
    _kind = "KrippendorffAccumulator"

    def __init__(self) -> None:
        self._state = _core.KrippendorffState()

    def update(
        self,
        data: Any,
        *,
        by: Any = None,
        weights: Any = None,
        subject: Any = None,
        rater: Any = None,
        rating: Any = None,
        columns: Sequence[Any] | None = None,
        categories: Sequence[Any] | None = None,
    ) -> KrippendorffAccumulator:
        """Add units (wide or long); returns ``self`` (an empty batch is a no-op)."""
        _refuse_unsupported(by, weights)
        frame = _wide(data, subject=subject, rater=rater, rating=rating, columns=columns)
        if len(frame) == 0:
            return self
        labels, codes = _encode(frame, categories)
        self._state.update(labels, codes)
        return self

    def _merge_into(self, other: Any) -> None:
        self._state.merge(other._state)

    def result(self, *, metric: str = "nominal", categories: Sequence[Any] | None = None) -> KrippendorffResult:
        """Alpha of everything counted."""
        if metric not in _METRICS:
            raise ConfigError(f"metric: {metric!r} is not a metric; expected one of {', '.join(_METRICS)}")
        labels = list(self._state.categories)
        order = _order(labels, categories)
        o = _square(np.asarray(self._state.coincidence, dtype=np.float64), order)
        shown = _ordered_labels(labels, order, categories)
        values = np.zeros(0)
        if metric in ("interval", "ratio"):
            nums = _numbers(shown)
            if nums is None:
                bad = next(t for t in shown if _numbers([t]) is None)
                raise InputError(f"ratings: value {bad!r} is not a number; the {metric} metric needs numeric ratings")
            values = nums
        d = _core.krippendorff_alpha(np.ascontiguousarray(o), metric, np.ascontiguousarray(values))
        alpha = float(d["alpha"])
        if math.isnan(alpha):
            warnings.warn(
                "krippendorff_alpha: the pairable values show no variation (one value only); alpha is undefined (NaN)",
                RuntimeWarning,
                stacklevel=2,
            )
        return KrippendorffResult(
            alpha=alpha,
            metric=metric,
            d_observed=float(d["d_observed"]),
            d_expected=float(d["d_expected"]),
            n_units=int(self._state.n_units),
            n_pairable=int(self._state.n_pairable),
            n_values=int(self._state.n_values),
            n_missing=int(self._state.n_missing),
            coincidence=pd.DataFrame(o, index=pd.Index(shown, name="value"), columns=pd.Index(shown, name="value")),
        )

    def to_bytes(self) -> bytes:
        """The versioned byte image ``SSKRIPP1``."""
        return bytes(self._state.to_bytes())

    @classmethod
    def from_bytes(cls, data: bytes) -> KrippendorffAccumulator:
        """Inverse of :meth:`to_bytes` (untrusted bytes validated first)."""
        out = cls()
        out._state = _core.KrippendorffState.from_bytes(bytes(data))
        return out

    def __repr__(self) -> str:
        return f"KrippendorffAccumulator(units={self._state.n_units}, categories={list(self._state.categories)})"
