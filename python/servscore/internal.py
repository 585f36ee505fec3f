"""Internal customers: the service departments give one another ("serve those who serve").

The course 优质客户服务管理 defines the **internal customer** (内部顾客) as "the person inside
the company who relies on the service, products or information you provide to get their work
done", and asks: "treat your staff as you want them to treat customers; if you do not serve
customers directly, you had better give quality service to those who do; treat colleagues as
external customers, with a smile, respect and help" (你希望员工怎样对待顾客,你就怎样对待员工;
如果你不直接为顾客服务,那么,你最好为那些直接给顾客提供服务的人提供优质服务).

:func:`score` reads a table of **who serves whom**: one row per rating of a supplying
department by a member (or unit) of a receiving department, with SERVQUAL-style expectation
and perception items and, optionally, an internal recommendation question (0-10: "would you
recommend this department's service to a colleague?"). Per supplying department it reports

- the **internal SERVQUAL gap**: the mean of the raters' unweighted SERVQUAL scores
  (:func:`servscore.servqual` on the department's rows: each rater's mean over dimensions of
  the dimension's mean gap, raters with every dimension answered), with a t interval; without
  expectations, the SERVPERF perception score (:func:`servscore.servperf`);
- the dimension gaps (the engine's dimension table per department);
- the **internal NPS** with its interval (:func:`servscore.nps` grouped by the supplier: the
  adjusted Wald interval by default);
- a ``signal``: ``"below"`` when the department's gap interval lies wholly below the gap of
  all ratings, ``"above"`` when wholly above (departments with at least ``min_n`` scored
  ratings, 5 by default);

and per (supplier, receiver) pair the number of ratings, the gap and the NPS (the who-serves-
whom matrix: :attr:`InternalResult.matrix`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._core import ConfigError, InputError
from ._input import to_frame
from ._result import Result, Summary
from .checklists import _lang, mean_interval
from .nps import NpsResult
from .nps import nps as _nps
from .servqual import ServqualResult, servperf, servqual

__all__ = ["InternalResult", "score"]

_TEXT = {
    "en": {
        "head": "{n} ratings of {k} supplying departments by {r} receiving departments",
        "gap": "internal {what} from {lo:.2f} ({lo_name}) to {hi:.2f} ({hi_name}); all ratings {all:.2f}",
        "nps": "internal NPS from {lo:.1f} ({lo_name}) to {hi:.1f} ({hi_name})",
        "below": "below the whole (interval under {all:.2f}): {names}",
        "incomplete": "{k} ratings without every dimension answered (no {what})",
        "gap_axis": "Internal SERVQUAL gap",
        "perf_axis": "Internal SERVPERF",
        "nps_axis": "Internal NPS",
        "title": "Internal service by supplying department",
    },
    "zh": {
        "head": "{r} 个接受服务的部门对 {k} 个提供服务的部门共 {n} 次评价",
        "gap": "内部 {what} 从 {lo:.2f}({lo_name})到 {hi:.2f}({hi_name});全部评价 {all:.2f}",
        "nps": "内部净推荐值从 {lo:.1f}({lo_name})到 {hi:.1f}({hi_name})",
        "below": "低于整体(区间低于 {all:.2f}):{names}",
        "incomplete": "{k} 次评价未答全所有维度(无 {what})",
        "gap_axis": "内部 SERVQUAL 差距",
        "perf_axis": "内部 SERVPERF",
        "nps_axis": "内部净推荐值",
        "title": "各提供服务部门的内部服务质量",
    },
}


@dataclasses.dataclass(frozen=True, repr=False)
class InternalResult(Result):
    """Internal service quality per supplying department.

    Attributes
    ----------
    table
        One row per supplying department (the index, named as the ``supplier`` column):
        ``n`` (ratings), ``n_receivers``, ``n_used`` (ratings with a score), ``n_missing``,
        ``gap`` (SERVPERF: ``perception``) with t ``gap_lower`` / ``gap_upper``, ``signal``,
        ``weakest_dimension`` and, with an NPS column, ``nps``, ``nps_lower``, ``nps_upper``,
        ``nps_n``, ``nps_missing``.
    pairs
        One row per (supplier, receiver): ``n``, ``n_used``, ``gap`` (or ``perception``) and,
        with an NPS column, ``nps``, ``nps_lower``, ``nps_upper``.
    dimensions
        Suppliers x dimensions: the mean gap (SERVPERF: perception) of each dimension.
    overall
        The gap (or perception) of all ratings: the mean of every rater's score.
    kind
        ``"servqual"`` or ``"servperf"``.
    servqual
        ``{supplier: ServqualResult}``: the engine's result of each department.
    nps
        The :class:`~servscore.NpsResult` per supplier (None without an NPS column).
    level, lang
        The confidence level and the language of the summary.
    """

    table: pd.DataFrame
    pairs: pd.DataFrame
    dimensions: pd.DataFrame
    overall: float
    kind: str
    servqual: dict[Any, ServqualResult]
    nps: NpsResult | None
    level: float
    lang: str

    def to_frame(self) -> pd.DataFrame:
        """The per-supplier table."""
        return self.table

    @property
    def matrix(self) -> pd.DataFrame:
        """Who serves whom: suppliers (rows) x receivers (columns), the mean gap (or perception) of the pair."""
        col = "gap" if self.kind == "servqual" else "perception"
        return self.pairs[col].unstack()

    @property
    def weakest(self) -> Any:
        """The supplying department with the lowest gap (or perception)."""
        col = "gap" if self.kind == "servqual" else "perception"
        return self.table[col].idxmin()

    def _summary_lines(self) -> list[str]:
        tx = _TEXT[self.lang]
        t = self.table
        col = "gap" if self.kind == "servqual" else "perception"
        lines = [
            tx["head"].format(n=int(t["n"].sum()), k=len(t), r=int(self.pairs.index.get_level_values(1).nunique()))
        ]
        ok = t[col].dropna()
        if len(ok):
            lines.append(
                tx["gap"].format(
                    what=self.kind.upper(),
                    lo=ok.min(),
                    lo_name=ok.idxmin(),
                    hi=ok.max(),
                    hi_name=ok.idxmax(),
                    all=self.overall,
                )
            )
        if "nps" in t.columns and t["nps"].notna().any():
            v = t["nps"].dropna()
            lines.append(tx["nps"].format(lo=v.min(), lo_name=v.idxmin(), hi=v.max(), hi_name=v.idxmax()))
        below = [str(i) for i in t.index[t["signal"] == "below"]]
        if below:
            lines.append(tx["below"].format(all=self.overall, names=", ".join(below)))
        if int(t["n_missing"].sum()):
            lines.append(tx["incomplete"].format(k=int(t["n_missing"].sum()), what=self.kind.upper()))
        return lines

    def summary(self) -> Summary:
        """The headline lines, the supplier table and the who-serves-whom pairs."""
        return Summary(
            f"InternalResult: {_TEXT[self.lang]['title']}",
            self._summary_lines(),
            self.table,
            sections=[("pairs" if self.lang == "en" else "服务关系", self.pairs)],
        )

    def plot(self, ax: Any = None, *, what: str = "gap", lang: str | None = None, **kwargs: Any) -> Any:
        """Bars of the gap (``what="gap"``) or the internal NPS (``what="nps"``) per supplying
        department with their intervals; returns the matplotlib Axes."""
        from .plotting import estimate_bars

        lg = _lang(lang or self.lang)
        tx = _TEXT[lg]
        t = self.table
        if what == "gap":
            col = "gap" if self.kind == "servqual" else "perception"
            axis = tx["gap_axis"] if self.kind == "servqual" else tx["perf_axis"]
            v, lo, hi, ref = t[col], t[f"{col}_lower"], t[f"{col}_upper"], self.overall
        elif what == "nps":
            if "nps" not in t.columns:
                raise ConfigError("what: 'nps' needs the internal NPS column (nps=)")
            v, lo, hi, ref, axis = t["nps"], t["nps_lower"], t["nps_upper"], None, tx["nps_axis"]
        else:
            raise ConfigError(f"what: {what!r}; expected 'gap' or 'nps'")
        return estimate_bars(
            pd.Series(v.to_numpy(dtype=float), index=[str(i) for i in t.index]),
            lo,
            hi,
            ax=ax,
            title=tx["title"],
            xlabel=axis,
            reference=ref,
            lang=lg,
        )


def _columns(frame: pd.DataFrame, spec: Any, what: str) -> list[Any]:
    if spec is None:
        return []
    if isinstance(spec, str):
        cols = [c for c in frame.columns if str(c).startswith(spec)]
        if not cols:
            raise InputError(
                f"{what}: no column starts with {spec!r}; columns present: {', '.join(map(str, frame.columns[:30]))}"
            )
        return cols
    cols = list(spec)
    absent = [c for c in cols if c not in frame.columns]
    if absent:
        raise InputError(f"{what}: no column {absent}; columns present: {', '.join(map(str, frame.columns[:30]))}")
    return cols


def _key_column(frame: pd.DataFrame, col: Any, what: str) -> pd.Series:
    if col not in frame.columns:
        raise InputError(f"{what}: no column {col!r}; columns present: {', '.join(map(str, frame.columns[:30]))}")
    s = frame[col]
    na = s.isna().to_numpy()
    if na.any():
        row = frame.index[int(np.flatnonzero(na)[0])]
        raise InputError(f"{what}: column {col!r}, row {row!r}: missing value; expected a department")
    return s


def score(
    data: Any,
    *,
    supplier: Any = "supplier",
    receiver: Any = "receiver",
    expectations: str | Sequence[Any] | None = "e_",
    perceptions: str | Sequence[Any] = "p_",
    dimensions: Any = None,
    nps: Any = "nps",
    method: str | None = None,
    level: float = 0.95,
    min_n: int = 5,
    lang: str | None = None,
) -> InternalResult:
    """Internal service quality per supplying department: SERVQUAL gap and NPS with intervals.

    Parameters
    ----------
    data
        One row per rating: the ``supplier`` (the department serving) and ``receiver`` (the
        department served) columns, the items and the NPS answer.
    supplier, receiver
        Their column names. A missing department, or a department rating itself, is an
        :class:`~servscore.InputError` naming the row.
    expectations, perceptions
        The item columns: a prefix (``"e_"`` / ``"p_"``: the columns starting with it, in
        order; the item is the rest, as :func:`servscore.servqual` reads it) or a list of
        columns. ``expectations=None``: perceptions only (SERVPERF).
    dimensions
        The item map of :func:`servscore.servqual` (default: the 22-item 1991 form).
    nps
        The 0-10 recommendation column (None: no internal NPS). Its interval: ``method``
        (default the engine's, adjusted Wald) at ``level``.
    level
        Confidence level of every interval (0.95).
    min_n
        A department is flagged (``signal``) only with at least this many scored ratings
        (5, ours): below it the interval says too little.
    lang
        ``"en"`` or ``"zh"`` for the summary and plots (default :func:`servscore.get_language`).

    Examples
    --------
    >>> import pandas as pd, servscore as ss
    >>> df = pd.DataFrame({"supplier": ["it", "it", "hr", "hr"], "receiver": ["sales", "hr", "sales", "it"],
    ...                    "e_r1": [6, 7, 5, 6], "p_r1": [5, 7, 4, 6], "e_r2": [6, 6, 6, 7], "p_r2": [6, 5, 5, 6],
    ...                    "nps": [9, 10, 3, 7]})
    >>> r = ss.internal.score(df, dimensions={"reliability": ["r1"], "responsiveness": ["r2"]})
    >>> r.table["gap"].to_dict(), r.table["nps"].to_dict()
    ({'hr': -0.75, 'it': -0.5}, {'hr': -50.0, 'it': 100.0})
    """
    lg = _lang(lang)
    if isinstance(min_n, bool) or not isinstance(min_n, (int, np.integer)) or min_n < 1:
        raise ConfigError(f"min_n: {min_n!r}; expected a whole number >= 1")
    if not 0 < level < 1:
        raise ConfigError(f"level: {level!r} is out of range; expected a confidence level in (0, 1)")
    frame = to_frame(data)
    if len(frame) == 0:
        raise InputError("data: the input is empty (0 rows)")
    sup = _key_column(frame, supplier, "supplier")
    rec = _key_column(frame, receiver, "receiver")
    same = (sup.astype(str) == rec.astype(str)).to_numpy()
    if same.any():
        i = int(np.flatnonzero(same)[0])
        raise InputError(
            f"receiver: row {frame.index[i]!r}: department {sup.iloc[i]!r} rates itself; expected a receiving "
            "department other than the supplier (internal customers are other departments)"
        )
    e_cols = _columns(frame, expectations, "expectations")
    p_cols = _columns(frame, perceptions, "perceptions")
    if e_cols and len(e_cols) != len(p_cols):
        raise InputError(
            f"expectations: {len(e_cols)} columns but perceptions {len(p_cols)}; expected one of each per item"
        )
    if nps is not None and nps not in frame.columns:
        raise InputError(
            f"nps: no column {nps!r}; columns present: {', '.join(map(str, frame.columns[:30]))} (nps=None: no NPS)"
        )
    kind = "servqual" if e_cols else "servperf"
    col = "gap" if kind == "servqual" else "perception"
    suppliers = sorted(pd.unique(sup), key=lambda x: (str(type(x)), x))
    results: dict[Any, ServqualResult] = {}
    per_row = np.full(len(frame), np.nan)
    dims_rows = {}
    for s in suppliers:
        m = (sup == s).to_numpy()
        part = frame[m]
        if kind == "servqual":
            r = servqual(part[e_cols], part[p_cols], dimensions=dimensions)
        else:
            r = servperf(part[p_cols], dimensions=dimensions)
        results[s] = r
        assert r.respondents is not None  # the one-call functions keep the respondents
        per_row[m] = r.respondents[kind].to_numpy()
        dims_rows[s] = r.dimensions[col]
    overall = float(np.nanmean(per_row)) if np.isfinite(per_row).any() else math.nan
    rows = []
    for s in suppliers:
        m = (sup == s).to_numpy()
        mean, lo, hi, used = mean_interval(per_row[m], level=level)
        signal = ""
        if used < min_n:
            pass
        elif not math.isnan(hi) and hi < overall:
            signal = "below"
        elif not math.isnan(lo) and lo > overall:
            signal = "above"
        dim = results[s].dimensions[col].dropna()
        rows.append(
            {
                "n": int(m.sum()),
                "n_receivers": int(rec[m].nunique()),
                "n_used": used,
                "n_missing": int(m.sum()) - used,
                col: mean,
                f"{col}_lower": lo,
                f"{col}_upper": hi,
                "signal": signal,
                "weakest_dimension": str(dim.idxmin()) if len(dim) else "",
            }
        )
    table = pd.DataFrame(rows, index=pd.Index(suppliers, name=supplier))
    dims = pd.DataFrame(dims_rows).T
    dims.index.name = supplier
    pair_keys = pd.MultiIndex.from_arrays([sup, rec], names=[supplier, receiver])
    g = pd.Series(per_row, index=pair_keys).groupby(level=[0, 1], sort=True)
    pairs = pd.DataFrame({"n": g.size(), "n_used": g.count(), col: g.mean()})
    nps_result = None
    if nps is not None:
        nps_result = _nps(frame, column=nps, by=supplier, method=method, level=level, empty="nan")
        nt = nps_result.table
        table["nps"] = nt["nps"].reindex(table.index).to_numpy()
        table["nps_lower"] = nt["lower"].reindex(table.index).to_numpy()
        table["nps_upper"] = nt["upper"].reindex(table.index).to_numpy()
        table["nps_n"] = nt["n"].reindex(table.index).to_numpy()
        table["nps_missing"] = nt["n_missing"].reindex(table.index).to_numpy()
        pt = _nps(frame, column=nps, by=[supplier, receiver], method=method, level=level, empty="nan").table
        pt = pt.reindex(pairs.index)
        pairs["nps"] = pt["nps"].to_numpy()
        pairs["nps_lower"] = pt["lower"].to_numpy()
        pairs["nps_upper"] = pt["upper"].to_numpy()
    return InternalResult(
        table=table,
        pairs=pairs,
        dimensions=dims,
        overall=overall,
        kind=kind,
        servqual=results,
        nps=nps_result,
        level=level,
        lang=lg,
    )
