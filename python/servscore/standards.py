"""Service standards, the time elements of service, and moments of truth.

**Standards as data.** The source contrasts general and quality customer-service
standards (一般 / 优质顾客服务标准): timeliness (greeted soon vs greeted within 3 seconds),
anticipation (staff wait for the question vs staff have judged the purpose before the
customer speaks), attitude (friendly vs smiling, warm conversation), feedback (the
customer is heard vs the duty manager personally handles dissatisfaction) and appearance
(neat vs dress code fully followed). Each standard is a rule in the condition language of
:mod:`servscore.needs`: ``met`` (and optionally ``applies``) on observation columns. The
default set is ``servscore/data/needs/standards.json`` (:func:`default_standards_path`).
Per observation a standard is met, not met, not applicable (``applies`` false) or not
observed (a field of ``met`` missing); :func:`compliance` reports the share met among
observed with a Wilson interval (Wilson 1927), and per period a p-chart
``pbar +- 3 sqrt(pbar (1 - pbar) / n_i)`` with the out-of-control periods flagged
(Montgomery, *Introduction to Statistical Quality Control*).

**Time elements.** The nine of the source (booking, waiting, response, service,
after-service, delivery, delay, guarantee, correction): :func:`time_elements` reports
attainment ``P(T <= target)`` with a Wilson interval, P50 / P90 (linear interpolation,
numpy's default), the mean and the mean excess ``E[max(T - target, 0)]``, per group. The
targets (ours, the source gives none) are ``time_targets.json``.

**Cycle of service.** A visit is an ordered ring of moments of truth (真实一刻; Carlzon
1987, Albrecht & Zemke 1985), each scored. :func:`moments` reports per visit the weakest
moment, the first-vs-last gap ("a good start, a bad ending", 善始不能善终) and the
peak-end summary (Kahneman et al. 1993: mean of the peak and the last moment), and across
visits the moments that most often fail or are the weakest.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._accumulator import ConfigKey, StateAccumulator, by_list
from ._checks import check_finite
from ._compat import renamed
from ._core import ConfigError, InputError, MomentsConfig, StandardSet, TimeConfig
from ._input import (
    group_codes,
    is_label,
    names_of,
    numeric_column,
    relabel_rows,
    resolve_config,
    text_labels,
    to_frame,
)
from ._result import Result
from .needs import DATA_DIR, _read_json_arg

__all__ = [
    "ComplianceAccumulator",
    "MomentsAccumulator",
    "TimeAccumulator",
    "ComplianceResult",
    "MomentsConfig",
    "MomentsResult",
    "StandardSet",
    "TimeConfig",
    "TimeResult",
    "check_standards",
    "compliance",
    "default_moments_config_path",
    "default_standards_path",
    "default_time_targets_path",
    "load_standards",
    "moments",
    "p_chart",
    "time_elements",
    "wilson_interval",
]

COMPLIANCE_CODES = {1: "met", 0: "not_met", -1: "not_applicable", -2: "not_observed"}


def default_standards_path() -> str:
    """Path of the default standards (``standards.json``)."""
    return os.path.join(DATA_DIR, "standards.json")


def default_time_targets_path() -> str:
    """Path of the default time-element targets (``time_targets.json``)."""
    return os.path.join(DATA_DIR, "time_targets.json")


def default_moments_config_path() -> str:
    """Path of the default cycle-of-service configuration (``moments.json``)."""
    return os.path.join(DATA_DIR, "moments.json")


def _z(level: float) -> float:
    if not 0 < level < 1:
        raise ConfigError(f"level: {level!r} is out of range; expected a confidence level in (0, 1)")
    return float(_core.normal_quantile(0.5 + level / 2))  # the core's quantile, as every engine uses


@renamed(confidence="level")
def wilson_interval(successes: Any, n: Any, *, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of ``successes / n`` (arrays broadcast); NaN where ``n`` is 0.

    Examples
    --------
    >>> import servscore as ss
    >>> lo, hi = ss.standards.wilson_interval(8, 10)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.4902, 0.9433)
    """
    z = _z(level)
    x, m = np.broadcast_arrays(np.asarray(successes, dtype=float), np.asarray(n, dtype=float))
    lo = np.empty(x.shape)
    hi = np.empty(x.shape)
    for i in np.ndindex(x.shape):  # one call per group / period, never per record
        lo[i], hi[i] = _core.wilson_interval_z(float(x[i]), float(m[i]), z)
    return lo, hi


def p_chart(met: Any, n: Any, *, sigma: float = 3.0) -> pd.DataFrame:
    """p-chart with variable sample sizes: ``center`` pbar, ``lower``/``upper`` limits per
    period (clipped to [0, 1]), ``p`` and ``signal`` ("below", "above" or "").

    Examples
    --------
    >>> import servscore as ss
    >>> t = ss.standards.p_chart([45, 40, 20], [50, 50, 40])
    >>> t["signal"].tolist()
    ['', '', 'below']
    """
    r = _core.p_chart(np.asarray(met, dtype=float), np.asarray(n, dtype=float), float(sigma))
    idx = met.index if isinstance(met, pd.Series) else None
    return pd.DataFrame(
        {
            "n": np.asarray(n, dtype=float),
            "met": np.asarray(met, dtype=float),
            "p": r["p"],
            "center": r["center"],
            "lower": r["lower"],
            "upper": r["upper"],
            "signal": np.array(["below", "", "above"], dtype=object)[r["signal"].astype(int) + 1],
        },
        index=idx,
    )


def load_standards(standards: Any = None, *, schema: Sequence[str] | None = None) -> StandardSet:
    """Load a standard set: None (the defaults), a :class:`StandardSet`, a dict, a list of
    standards, JSON text or a path. With ``schema`` unknown fields raise ConfigError now."""
    cols = None if schema is None else [str(c) for c in schema]
    if isinstance(standards, StandardSet):
        if cols is not None:
            standards.check_schema(cols)
        return standards
    if isinstance(standards, (list, tuple)):
        standards = {"standards": list(standards)}
    text = _read_json_arg(default_standards_path() if standards is None else standards, "standards")
    return StandardSet.from_json(text, cols)


def _numeric_block(frame: pd.DataFrame, cols: Sequence[Any]) -> np.ndarray:
    x = np.empty((len(frame), len(cols)), dtype=np.float64)
    for j, c in enumerate(cols):
        x[:, j] = numeric_column(frame, c, name="data")
    return x


def check_standards(data: Any, *, standards: Any = None, workers: int = 1) -> pd.DataFrame:
    """Per-observation compliance codes: one int8 column per standard (1 met, 0 not met,
    -1 not applicable, -2 not observed), with the input's index.

    Examples
    --------
    >>> import pandas as pd, servscore as ss
    >>> std = [{"id": "greet", "met": {"field": "greet_seconds", "op": "<=", "value": 3}}]
    >>> ss.standards.check_standards(pd.DataFrame({"greet_seconds": [2, 5, None]}), standards=std)["greet"].tolist()
    [1, 0, -2]
    """
    frame = to_frame(data)
    if len(frame) == 0:
        raise InputError("data: the input is empty (0 rows)")
    s = load_standards(standards, schema=[str(c) for c in frame.columns])
    text = text_labels(frame)  # fields are text; labels may be ints, tuples, ...
    cols = [c for c in s.fields if c in text]
    x = _numeric_block(frame, [text[c] for c in cols])
    check_finite(x, cols, frame.index, name="data")  # an infinite time or count meets or fails silently
    try:
        codes = _core.check_standards(s, x, cols, int(workers))
    except InputError as e:
        raise relabel_rows(e, frame.index) from None
    return pd.DataFrame(codes, index=frame.index, columns=s.table["id"])


@dataclasses.dataclass(frozen=True, repr=False)
class ComplianceResult(Result):
    """Compliance with service standards.

    Attributes
    ----------
    table
        One row per (group,) standard: ``dimension``, ``level``, ``n_observed``, ``n_met``,
        ``share`` (met / observed), ``low``, ``high`` (Wilson), ``not_applicable``,
        ``not_observed``.
    pchart
        With ``period``: one row per (group,) standard and period: ``n``, ``met``, ``p``,
        ``center``, ``lower``, ``upper``, ``signal`` ("below", "above" or "").
    flagged
        The out-of-control rows of ``pchart``.
    codes
        Per-observation codes (see :func:`check_standards`).
    standards
        The :class:`StandardSet` used.
    """

    table: pd.DataFrame
    pchart: pd.DataFrame
    flagged: pd.DataFrame
    codes: pd.DataFrame
    standards: StandardSet
    confidence: float
    sigma: float

    def to_frame(self) -> pd.DataFrame:
        """The compliance table (one row per standard, and per group with ``by``)."""
        return self.table

    def to_dict(self) -> dict[str, Any]:
        """The result as plain Python data (tables as lists of records)."""
        d = super().to_dict()
        d.pop("codes")
        return d

    def plot(self, ax: Any = None, *, standard: str | None = None, group: Any = None, **kwargs: Any) -> Any:
        """p-chart of one standard (default: the one with the most flagged periods, else the first)."""
        from ._needs_plots import p_chart_plot

        return p_chart_plot(self, ax=ax, standard=standard, group=group, **kwargs)

    def _summary_lines(self) -> list[str]:
        t = self.table
        ids = self.table.index.get_level_values("standard")
        first = t[ids == ids[0]] if len(t) else t
        n = int(first[["n_observed", "not_applicable", "not_observed"]].to_numpy().sum()) if len(t) else 0
        lines = [f"{n} observations, {len(ids.unique())} standards"]
        worst = t.sort_values("share").head(1)
        if len(worst) and not np.isnan(worst["share"].iloc[0]):
            key = worst.index[0]
            lines.append(f"lowest compliance: {key} {100 * worst['share'].iloc[0]:.1f}%")
        if len(self.flagged):
            lines.append(f"{len(self.flagged)} out-of-control period(s) on the p-charts")
        return lines


@renamed(confidence="level")
def compliance(
    data: Any,
    *,
    standards: Any = None,
    by: str | Sequence[str] | None = None,
    period: str | None = None,
    level: float = 0.95,
    sigma: float = 3.0,
    workers: int = 1,
) -> ComplianceResult:
    """Share of observations meeting each standard, with Wilson intervals and p-charts.

    Parameters
    ----------
    data
        Observations (a DataFrame) with the columns the standards read.
    standards
        The standard set (see :func:`load_standards`); default: the source's general vs
        quality standards.
    by
        Column(s) to group by (branch, staff ...).
    period
        Column of periods (week, month ...): a p-chart per (group,) standard over periods,
        in sorted period order.
    level, sigma
        Confidence level of the Wilson interval (0.95; ``confidence=`` is its deprecated old
        name) and the p-chart limits (3).

    Examples
    --------
    >>> import servscore as ss
    >>> visits = ss.datasets.sample(n_visits=600).visits
    >>> r = ss.standards.compliance(visits, period="week")
    >>> float(r.table.loc["greeting_quality", "share"]) < float(r.table.loc["greeting_general", "share"])
    True
    """
    frame = to_frame(data)
    codes = check_standards(frame, standards=standards, workers=workers)
    s = load_standards(standards)
    info = s.table
    ids = list(info["id"])
    z = _z(level)
    gcodes, keys = group_codes(frame, by)
    n_groups = 1 if keys is None else len(keys)
    c = _core.count_compliance(np.ascontiguousarray(codes.to_numpy(dtype=np.int8)), gcodes, n_groups)
    gkeys = list(keys) if keys is not None else [None]
    table = _compliance_table(c, info, gkeys if keys is not None else None, by if is_label(frame, by) else None, z)
    chart_rows: list[pd.DataFrame] = []
    if period is not None:
        if period not in frame.columns:
            raise InputError(
                f"period: no column {period!r}; columns present: {', '.join(map(str, frame.columns[:30]))}"
            )
        pcodes, pkeys = group_codes(frame, period)
        n_per = 1 if pkeys is None else len(pkeys)
        combined = gcodes.astype(np.int64) * n_per + pcodes
        cc = _core.count_compliance(
            np.ascontiguousarray(codes.to_numpy(dtype=np.int8)), combined.astype(np.int32), n_groups * n_per
        )
        for g in range(n_groups):
            for j, sid in enumerate(ids):
                sl = slice(g * n_per, (g + 1) * n_per)
                pc = p_chart(cc["met"][sl, j], cc["observed"][sl, j], sigma=sigma)
                pc.insert(0, "period", list(pkeys) if pkeys is not None else [None])
                pc.insert(0, "standard", sid)
                if keys is not None:
                    pc.insert(0, by if is_label(frame, by) else "group", [gkeys[g]] * n_per)
                chart_rows.append(pc)
    pchart = pd.concat(chart_rows, ignore_index=True) if chart_rows else pd.DataFrame()
    flagged = pchart[pchart["signal"] != ""] if len(pchart) else pd.DataFrame()
    return ComplianceResult(
        table=table, pchart=pchart, flagged=flagged, codes=codes, standards=s, confidence=level, sigma=sigma
    )


def _compliance_table(
    c: dict[str, Any], info: dict[str, Any], gkeys: list[Any] | None, by_label: Any, z: float
) -> pd.DataFrame:
    """The compliance table of per-group counts (rows of ``c`` in the order of ``gkeys``)."""
    ids = list(info["id"])
    rows = []
    for g in range(1 if gkeys is None else len(gkeys)):
        for j, sid in enumerate(ids):
            met, obs = c["met"][g, j], c["observed"][g, j]
            lo, hi = _core.wilson_interval_z(met, obs, z)
            row = {"standard": sid, "dimension": info["dimension"][j], "level": info["level"][j]}
            if gkeys is not None:
                row = {"group": gkeys[g], **row}
            row.update(
                n_observed=obs,
                n_met=met,
                share=met / obs if obs > 0 else np.nan,
                low=lo,
                high=hi,
                not_applicable=c["not_applicable"][g, j],
                not_observed=c["not_observed"][g, j],
            )
            rows.append(row)
    cols = (["group"] if gkeys is not None else []) + [
        "standard",
        "dimension",
        "level",
        "n_observed",
        "n_met",
        "share",
        "low",
        "high",
        "not_applicable",
        "not_observed",
    ]
    table = pd.DataFrame(rows, columns=cols)
    key_cols = (["group"] if gkeys is not None else []) + ["standard"]
    if gkeys is not None and by_label is not None:
        table = table.rename(columns={"group": by_label})
        key_cols = [by_label, "standard"]
    return table.set_index(key_cols)


@dataclasses.dataclass(frozen=True, repr=False)
class TimeResult(Result):
    """Time elements of service against their targets.

    Attributes
    ----------
    table
        One row per (group,) element: ``column``, ``unit``, ``target``, ``n``, ``n_missing``,
        ``attainment`` (share <= target) with Wilson ``low``/``high``, ``p50``, ``p90`` (the
        configured quantiles), ``mean``, ``mean_excess``.
    config
        The :class:`TimeConfig` used.
    """

    table: pd.DataFrame
    config: TimeConfig

    def to_frame(self) -> pd.DataFrame:
        """The time-standards table (one row per element, and per group with ``by``)."""
        return self.table

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Attainment per element (bars with Wilson intervals); returns the Axes."""
        from ._needs_plots import time_attainment_plot

        return time_attainment_plot(self, ax=ax, **kwargs)

    def _summary_lines(self) -> list[str]:
        t = self.table.dropna(subset=["attainment"])
        if not len(t):
            return ["no durations"]
        worst = t.sort_values("attainment").iloc[0]
        return [
            f"{len(self.config.columns)} time elements; lowest attainment {worst.name}: {100 * worst['attainment']:.1f}%"
        ]


@renamed(confidence="level")
def time_elements(
    data: Any, *, targets: Any = None, by: str | Sequence[str] | None = None, level: float = 0.95, workers: int = 1
) -> TimeResult:
    """Attainment of time targets, P50/P90, mean excess over target, per group.

    Parameters
    ----------
    data
        A DataFrame with one column of durations per time element (NaN missing). Elements
        whose column is absent are skipped (those of the default targets).
    targets
        :class:`TimeConfig`, a dict, JSON text or path; default ``time_targets.json``.

    Examples
    --------
    >>> import pandas as pd, servscore as ss
    >>> cfg = {"targets": [{"element": "waiting", "column": "wait", "target": 5}]}
    >>> r = ss.standards.time_elements(pd.DataFrame({"wait": [1, 4, 5, 6, 10]}), targets=cfg)
    >>> r.table[["attainment", "p50", "p90", "mean_excess"]].round(2).values.tolist()
    [[0.6, 5.0, 8.4, 1.2]]
    """
    frame = to_frame(data)
    if len(frame) == 0:
        raise InputError("data: the input is empty (0 rows)")
    if targets is None:
        with open(default_time_targets_path(), encoding="utf-8") as fh:
            full = json.load(fh)
        full["targets"] = [t for t in full["targets"] if t["column"] in text_labels(frame)]
        if not full["targets"]:
            raise InputError("data: none of the default time-element columns is present; pass targets=")
        cfg: TimeConfig = TimeConfig.from_dict(full)
    else:
        cfg = resolve_config(targets, TimeConfig, name="targets")
    cols = list(cfg.columns)
    text = text_labels(frame)
    x = _numeric_block(frame, [text.get(c, c) for c in cols])
    gcodes, keys = group_codes(frame, by)
    n_groups = 1 if keys is None else len(keys)
    try:
        r = _core.summarize_times(cfg, x, gcodes, n_groups, int(workers))
    except InputError as e:
        raise relabel_rows(e, frame.index) from None
    gkeys = list(keys) if keys is not None else None
    table = _time_table(r, cfg, gkeys, by if is_label(frame, by) else None, _z(level))
    return TimeResult(table=table, config=cfg)


def _time_table(r: dict[str, Any], cfg: TimeConfig, gkeys: list[Any] | None, by_label: Any, z: float) -> pd.DataFrame:
    """The time-element table of per-group statistics (rows of ``r`` in the order of ``gkeys``)."""
    cols = list(cfg.columns)
    qnames = [f"p{round(100 * q):d}" for q in cfg.quantiles]
    rows = []
    for g in range(1 if gkeys is None else len(gkeys)):
        for j, el in enumerate(cfg.elements):
            nn, att = r["n"][g, j], r["attained"][g, j]
            lo, hi = _core.wilson_interval_z(att, nn, z)
            row: dict[str, Any] = {"element": el}
            if gkeys is not None:
                row = {"group": gkeys[g], **row}
            row.update(
                column=cols[j],
                unit=cfg.units[j],
                target=cfg.target_values[j],
                n=nn,
                n_missing=r["n_missing"][g, j],
                attainment=att / nn if nn > 0 else np.nan,
                low=lo,
                high=hi,
            )
            for qn, qm in zip(qnames, r["quantiles"]):
                row[qn] = qm[g, j]
            row.update(mean=r["mean"][g, j], mean_excess=r["mean_excess"][g, j])
            rows.append(row)
    table = pd.DataFrame(rows)
    idx = ["element"] if gkeys is None else [by_label if by_label is not None else "group", "element"]
    if gkeys is not None and by_label is not None:
        table = table.rename(columns={"group": by_label})
    return table.set_index(idx)


@dataclasses.dataclass(frozen=True, repr=False)
class MomentsResult(Result):
    """Cycle of service: per visit and per moment of truth.

    Attributes
    ----------
    visits
        One row per visit: ``n_scored``, ``first``, ``last``, ``gap`` (last - first),
        ``weakest`` (the lowest-scored moment; ties: the earliest), ``weakest_score``,
        ``mean``, ``peak``, ``peak_end`` ((peak + last) / 2), ``bad_ending`` (first - last
        >= ``bad_ending_gap``: "a good start, a bad ending").
    moments
        One row per moment: ``n``, ``mean``, ``failed`` (score <= ``fail_at``),
        ``fail_rate``, ``weakest`` (visits where it was the weakest), ``weakest_share``,
        ``mean_position`` (0 = first scored moment); ordered by mean position.
    n_missing
        Rows without a score (skipped, counted).
    config
        The :class:`MomentsConfig` used.
    """

    visits: pd.DataFrame
    moments: pd.DataFrame
    n_missing: int
    config: MomentsConfig

    def to_frame(self) -> pd.DataFrame:
        """The moments table (one row per moment of truth)."""
        return self.moments

    @property
    def weakest_moment(self) -> str:
        """The moment most often the weakest of its visit."""
        return str(self.moments["weakest"].idxmax())

    @property
    def most_failed(self) -> str:
        """The moment with the highest failure rate."""
        return str(self.moments["fail_rate"].idxmax())

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Moments profile: mean score per moment in cycle order, failure rate as bars."""
        from ._needs_plots import moments_profile_plot

        return moments_profile_plot(self, ax=ax, **kwargs)

    def _summary_lines(self) -> list[str]:
        v = self.visits
        if not len(v):  # from MomentsAccumulator: the per-visit rows are not kept
            return [
                f"{len(self.moments)} moments; weakest most often: {self.weakest_moment}; "
                f"highest failure rate: {self.most_failed}"
            ]
        scored = v[v["n_scored"] > 0]
        return [
            f"{len(v)} visits, {len(self.moments)} moments; weakest most often: {self.weakest_moment}; "
            f"highest failure rate: {self.most_failed}",
            f"a good start, a bad ending in {100 * scored['bad_ending'].mean():.1f}% of visits; "
            f"mean peak-end {scored['peak_end'].mean():.2f} vs mean score {scored['mean'].mean():.2f}",
        ]


def moments(
    data: Any,
    *,
    visit: str = "visit_id",
    moment: str = "moment",
    order: str = "order",
    score: str = "score",
    config: Any = None,
) -> MomentsResult:
    """Analyse cycles of service from a long table (one row per moment of a visit).

    Parameters
    ----------
    data
        A DataFrame with the columns ``visit``, ``moment`` (names), ``order`` (position
        within the visit) and ``score``.
    config
        :class:`MomentsConfig`, dict, JSON or path; default ``moments.json`` (scale 1-5,
        a moment fails at <= 2, a bad ending when first - last >= 1, peak = extreme).

    Examples
    --------
    >>> import pandas as pd, servscore as ss
    >>> df = pd.DataFrame({"visit_id": [1, 1, 1], "moment": ["park", "pay", "leave"],
    ...                    "order": [1, 2, 3], "score": [5, 4, 2]})
    >>> r = ss.standards.moments(df)
    >>> v = r.visits.loc[1]
    >>> v["weakest"], float(v["gap"]), float(v["peak_end"]), bool(v["bad_ending"])
    ('leave', -3.0, 3.5, True)
    """
    frame = to_frame(data)
    if len(frame) == 0:
        raise InputError("data: the input is empty (0 rows)")
    cfg: MomentsConfig = resolve_config(config if config is not None else default_moments_config_path(), MomentsConfig)
    for c in (visit, moment, order, score):
        if c not in frame.columns:
            raise InputError(f"data: no column {c!r}; columns present: {', '.join(map(str, frame.columns[:30]))}")
    if frame[visit].isna().any() or frame[moment].isna().any():
        col = visit if frame[visit].isna().any() else moment
        pos = int(np.flatnonzero(frame[col].isna().to_numpy())[0])
        raise InputError(f"data: column {col!r}, row {frame.index[pos]!r}: missing value; expected a {col}")
    vcodes, vkeys = pd.factorize(frame[visit], sort=True)
    mcat = (
        frame[moment].astype("category") if not isinstance(frame[moment].dtype, pd.CategoricalDtype) else frame[moment]
    )
    mkeys = list(mcat.cat.categories)
    mcodes = mcat.cat.codes.to_numpy()
    ordv = numeric_column(frame, order, name="data")
    sc = numeric_column(frame, score, name="data")
    try:
        r = _core.analyze_moments(
            vcodes.astype(np.int32), ordv, mcodes.astype(np.int32), sc, len(vkeys), len(mkeys), cfg
        )
    except InputError as e:
        raise relabel_rows(e, frame.index) from None
    weak = r["weakest"]
    weak_names = pd.Categorical.from_codes(np.asarray(weak, dtype=np.int64), categories=pd.Index(mkeys))
    visits = pd.DataFrame(
        {
            "n_scored": r["n_scored"],
            "first": r["first"],
            "last": r["last"],
            "gap": r["last"] - r["first"],
            "weakest": weak_names,
            "weakest_score": r["weakest_score"],
            "mean": r["mean"],
            "peak": r["peak"],
            "peak_end": r["peak_end"],
            "bad_ending": r["bad_ending"].astype(bool),
        },
        index=pd.Index(vkeys, name=visit),
    )
    n_visits_scored = max(int((r["n_scored"] > 0).sum()), 1)
    mn = r["moment_n"]
    with np.errstate(invalid="ignore", divide="ignore"):
        mom = pd.DataFrame(
            {
                "n": mn,
                "mean": r["moment_sum"] / mn,
                "failed": r["moment_failed"],
                "fail_rate": r["moment_failed"] / mn,
                "weakest": r["moment_weakest"],
                "weakest_share": r["moment_weakest"] / n_visits_scored,
                "mean_position": r["moment_position_sum"] / mn,
            },
            index=pd.Index(mkeys, name=moment),
        )
    mom = mom.sort_values("mean_position", kind="stable")
    return MomentsResult(visits=visits, moments=mom, n_missing=int(r["n_missing"]), config=cfg)


class ComplianceAccumulator(StateAccumulator):
    """Mergeable compliance with service standards, built batch by batch.

    The state lives in C++ (:class:`servscore._core.ComplianceState`): per group key and
    standard the records that met it, did not, to which it did not apply and where it was not
    observed. Integer counts: partitions merged in any order give exactly the counts of
    :func:`compliance` on all the data (which is itself one update of this state).
    ``update(data, by=...)`` checks a batch against the standards (an empty batch is a no-op);
    ``merge`` / ``+`` / ``sum``; ``result(level=)`` gives the :class:`ComplianceResult` table
    with Wilson intervals (groups in key order; no per-record ``codes`` and no p-chart: group
    by the period instead, ``by=[..., "week"]``); ``to_bytes()`` / ``from_bytes()`` (format
    ``SSCOMPL1``, little-endian, validated on load) and pickling. Compliance counts records:
    ``weights=`` is refused.

    Examples
    --------
    >>> import pandas as pd, servscore as ss
    >>> std = [{"id": "greet", "met": {"field": "greet_seconds", "op": "<=", "value": 3}}]
    >>> a = ss.standards.ComplianceAccumulator(std, by="branch")
    >>> _ = a.update(pd.DataFrame({"greet_seconds": [2, 5], "branch": ["n", "s"]}))
    >>> b = ss.standards.ComplianceAccumulator(std, by="branch")
    >>> _ = b.update(pd.DataFrame({"greet_seconds": [1, None], "branch": ["n", "n"]}))
    >>> (a + b).result().table[["n_observed", "n_met", "not_observed"]].values.tolist()
    [[2.0, 2.0, 1.0], [1.0, 0.0, 0.0]]
    """

    __slots__ = ()
    _kind = "standards.ComplianceAccumulator"
    _state_type = _core.ComplianceState

    def __init__(self, standards: Any = None, *, by: str | Sequence[str] | None = None) -> None:
        self._by = by_list(by)
        self._state = _core.ComplianceState(load_standards(standards), names_of(self._by or []))

    @property
    def standards(self) -> StandardSet:
        """The :class:`StandardSet` of the state."""
        out: StandardSet = self._state.standards
        return out

    def update(self, data: Any, *, by: Any = None, weights: Any = None) -> ComplianceAccumulator:
        """Check one batch against the standards and count it; returns self (empty batch: no-op)."""
        if weights is not None:
            raise InputError("weights: compliance counts records; weights are not supported")
        frame = to_frame(data)
        if len(frame) == 0:
            return self
        keys_by = self._batch_by(by)
        codes = check_standards(frame, standards=self.standards)
        gcodes, keys = self._batch_groups(frame, keys_by)
        try:
            self._state.update(np.ascontiguousarray(codes.to_numpy(dtype=np.int8)), groups=gcodes, keys=keys)
        except InputError as e:
            raise relabel_rows(e, frame.index) from None
        self._adopt_by(by, keys_by)
        return self

    def _merge_key(self) -> Any:
        ids = list(self.standards.table["id"])
        text = ", ".join(ids)
        return ConfigKey(f"{len(ids)} standards ({text[:100]})", self.standards.to_json())

    def result(self, *, level: float = 0.95) -> ComplianceResult:
        """The :class:`ComplianceResult` of everything counted (groups in key order)."""
        s = self.standards
        info = s.table
        names = list(self._state.key_names)
        c = self._state.result(key_order=True)
        gkeys, label = self._group_keys()
        if not names and self._state.groups == 0:
            c = {k: np.zeros((1, len(s))) for k in ("met", "observed", "not_applicable", "not_observed")}
        table = _compliance_table(c, info, gkeys, label, _z(level))
        return ComplianceResult(
            table=table,
            pchart=pd.DataFrame(),
            flagged=pd.DataFrame(),
            codes=pd.DataFrame(columns=list(info["id"]), dtype=np.int8),
            standards=s,
            confidence=level,
            sigma=3.0,
        )

    def __repr__(self) -> str:
        return f"standards.ComplianceAccumulator({self.rows} records, {self._state.groups} group(s))"


class TimeAccumulator(StateAccumulator):
    """Mergeable time elements (attainment, P50 / P90, mean, mean excess), built batch by batch.

    The state lives in C++ (:class:`servscore._core.TimeState`). Counts (``n``, ``n_missing``,
    attained) merge exactly. Quantiles are **exact where the data fit**: while a (group,
    element) cell holds at most ``exact_cap`` durations it keeps them, and its quantiles equal
    :func:`time_elements` (numpy's linear interpolation). Beyond the cap the cell becomes a
    logarithmic histogram (DDSketch, Masson, Rim & Lee 2019): each quantile is then within
    **relative error** ``relative_accuracy`` (default 0.5%) of the exact one, whatever the
    partitioning; ``result().table["exact"]`` says which cells are exact. A cell is exact iff
    its total count is at most the cap, so the merge order never changes which. Means and mean
    excesses are sums (exact cells: the same sums as :func:`time_elements`).

    ``update(data, by=...)`` reads the configured duration columns (an empty batch is a no-op);
    ``merge`` / ``+`` / ``sum``; ``result(level=)``; ``to_bytes()`` / ``from_bytes()`` (format
    ``SSTIMES1``, validated on load) and pickling. Only states of the same targets, quantiles,
    cap and accuracy merge. ``weights=`` is refused (durations are counted per record).

    Examples
    --------
    >>> import pandas as pd, servscore as ss
    >>> cfg = {"targets": [{"element": "waiting", "column": "wait", "target": 5}]}
    >>> a = ss.standards.TimeAccumulator(cfg).update(pd.DataFrame({"wait": [1, 4, 5]}))
    >>> b = ss.standards.TimeAccumulator(cfg).update(pd.DataFrame({"wait": [6, 10]}))
    >>> (a + b).result().table[["attainment", "p50", "p90", "mean_excess"]].round(2).values.tolist()
    [[0.6, 5.0, 8.4, 1.2]]
    """

    __slots__ = ()
    _kind = "standards.TimeAccumulator"
    _state_type = _core.TimeState

    def __init__(
        self,
        targets: Any = None,
        *,
        by: str | Sequence[str] | None = None,
        exact_cap: int = 100_000,
        relative_accuracy: float = 0.005,
    ) -> None:
        if targets is None:
            with open(default_time_targets_path(), encoding="utf-8") as fh:
                cfg: TimeConfig = TimeConfig.from_dict(json.load(fh))
        else:
            cfg = resolve_config(targets, TimeConfig, name="targets")
        self._by = by_list(by)
        self._state = _core.TimeState(cfg, names_of(self._by or []), int(exact_cap), float(relative_accuracy))

    @property
    def config(self) -> TimeConfig:
        """The time-standards configuration the state was made with."""
        out: TimeConfig = self._state.config
        return out

    def update(self, data: Any, *, by: Any = None, weights: Any = None) -> TimeAccumulator:
        """Count one batch of durations; returns self (an empty batch is a no-op)."""
        if weights is not None:
            raise InputError("weights: time elements count records; weights are not supported")
        frame = to_frame(data)
        if len(frame) == 0:
            return self
        keys_by = self._batch_by(by)
        text = text_labels(frame)
        cols = list(self.config.columns)
        missing = [c for c in cols if c not in text]
        if missing:
            raise InputError(f"data: missing duration column(s) {missing}; the targets name {cols}")
        x = _numeric_block(frame, [text[c] for c in cols])
        gcodes, keys = self._batch_groups(frame, keys_by)
        try:
            self._state.update(x, groups=gcodes, keys=keys)
        except InputError as e:
            raise relabel_rows(e, frame.index) from None
        self._adopt_by(by, keys_by)
        return self

    def _merge_key(self) -> Any:
        c = self.config
        label = (
            f"TimeConfig({', '.join(c.columns)[:100]}; quantiles {list(c.quantiles)}), exact_cap "
            f"{self._state.exact_cap}, relative_accuracy {self._state.relative_accuracy:g}"
        )
        return ConfigKey(label, (c.to_json(), self._state.exact_cap, self._state.relative_accuracy))

    def result(self, *, level: float = 0.95) -> TimeResult:
        """The :class:`TimeResult` of everything counted (groups in key order), with an
        ``exact`` column (False where the quantiles come from the histogram)."""
        cfg = self.config
        names = list(self._state.key_names)
        r = self._state.result(key_order=True)
        gkeys, label = self._group_keys()
        if not names and self._state.groups == 0:
            k = len(cfg.columns)
            z = np.zeros((1, k))
            nan = np.full((1, k), np.nan)
            r = {"n": z, "n_missing": z, "attained": z, "mean": nan, "mean_excess": nan, "exact": np.ones((1, k))}
            r["quantiles"] = [nan for _ in cfg.quantiles]
        table = _time_table(r, cfg, gkeys, label, _z(level))
        table["exact"] = np.asarray(r["exact"], dtype=bool).ravel()
        return TimeResult(table=table, config=cfg)

    def __repr__(self) -> str:
        return f"standards.TimeAccumulator({self.rows} records, {self._state.groups} group(s))"


class MomentsAccumulator(StateAccumulator):
    """Mergeable moments of truth (the per-moment table of :func:`moments`), batch by batch.

    The state lives in C++ (:class:`servscore._core.MomentsState`): per group key and moment
    the scored occurrences, the score sum, the failures, the visits where the moment was the
    weakest and the sum of its positions; per group the rows, the rows without a score, the
    scored visits and the bad endings. **Each batch must hold every row of each of its visits**
    (partition by the visit column): the weakest moment, the positions and the first and last
    score need the whole visit, and the state cannot check this without keeping every visit id.
    With that, partitions merged in any order give the ``moments`` table and ``n_missing`` of
    :func:`moments` on all the rows: counts exactly, means to rounding. The per-visit table is
    rows and is not kept (``result().visits`` is empty); moment names are kept as text.

    ``update(data, by=...)`` analyses a batch (an empty batch is a no-op); ``merge`` / ``+`` /
    ``sum``; ``result()`` gives a :class:`MomentsResult` (grouped: the moments table indexed
    by the key columns and the moment, groups in key order, moments by mean position within
    each group); ``to_bytes()`` / ``from_bytes()`` (format ``SSMOMTS1``, validated on load)
    and pickling. ``weights=`` is refused.

    Examples
    --------
    >>> import pandas as pd, servscore as ss
    >>> df = pd.DataFrame({"visit_id": [1, 1, 2, 2], "moment": ["park", "pay", "park", "pay"],
    ...                    "order": [1, 2, 1, 2], "score": [5, 2, 4, 4]})
    >>> a = ss.standards.MomentsAccumulator().update(df[:2])
    >>> b = ss.standards.MomentsAccumulator().update(df[2:])
    >>> (a + b).result().moments[["n", "mean", "failed", "weakest"]].values.tolist()
    [[2.0, 4.5, 0.0, 1.0], [2.0, 3.0, 1.0, 1.0]]
    """

    __slots__ = ("_columns",)
    _kind = "standards.MomentsAccumulator"
    _state_type = _core.MomentsState

    def __init__(
        self,
        config: Any = None,
        *,
        visit: Any = "visit_id",
        moment: Any = "moment",
        order: Any = "order",
        score: Any = "score",
        by: str | Sequence[str] | None = None,
    ) -> None:
        cfg: MomentsConfig = resolve_config(
            config if config is not None else default_moments_config_path(), MomentsConfig
        )
        self._by = by_list(by)
        self._columns = (visit, moment, order, score)
        self._state = _core.MomentsState(cfg, names_of(self._by or []))

    @classmethod
    def _wrap(cls, state: Any) -> MomentsAccumulator:
        acc = super()._wrap(state)
        acc._columns = ("visit_id", "moment", "order", "score")
        return acc

    def copy(self) -> MomentsAccumulator:
        """An independent copy of the state, reading the same columns."""
        out = super().copy()
        out._columns = self._columns
        return out

    def __reduce__(self) -> tuple[Any, ...]:
        # the bytes carry the counts and the configuration; the column names travel beside them
        return (_restore_moments, (self.to_bytes(), self._columns))

    @property
    def config(self) -> MomentsConfig:
        """The :class:`MomentsConfig` of the state."""
        out: MomentsConfig = self._state.config
        return out

    def update(self, data: Any, *, by: Any = None, weights: Any = None) -> MomentsAccumulator:
        """Analyse one batch of whole visits and count it; returns self (an empty batch is a no-op)."""
        if weights is not None:
            raise InputError("weights: moments of truth count visits; weights are not supported")
        frame = to_frame(data)
        if len(frame) == 0:
            return self
        visit, moment, order, score = self._columns
        for c in (visit, moment, order, score):
            if c not in frame.columns:
                raise InputError(f"data: no column {c!r}; columns present: {', '.join(map(str, frame.columns[:30]))}")
        if frame[visit].isna().any() or frame[moment].isna().any():
            col = visit if frame[visit].isna().any() else moment
            pos = int(np.flatnonzero(frame[col].isna().to_numpy())[0])
            raise InputError(f"data: column {col!r}, row {frame.index[pos]!r}: missing value; expected a {col}")
        vcodes, vkeys = pd.factorize(frame[visit], sort=True)
        mcodes, mkeys = pd.factorize(frame[moment], sort=True)
        keys_by = self._batch_by(by)
        gcodes, keys = self._batch_groups(frame, keys_by)
        try:
            self._state.update(
                vcodes.astype(np.int32),
                numeric_column(frame, order, name="data"),
                mcodes.astype(np.int32),
                numeric_column(frame, score, name="data"),
                len(vkeys),
                [str(k) for k in mkeys],
                groups=gcodes,
                keys=keys,
            )
        except InputError as e:
            raise relabel_rows(e, frame.index) from None
        self._adopt_by(by, keys_by)
        return self

    def _merge_key(self) -> Any:
        c = self.config
        label = f"MomentsConfig(scale {c.scale_min:g}-{c.scale_max:g}, fail_at {c.fail_at:g}, peak {c.peak})"
        return ConfigKey(label, c.to_json())

    def result(self) -> MomentsResult:
        """The :class:`MomentsResult` of everything counted (no per-visit rows)."""
        r = self._state.result()
        mn = np.asarray(r["n"], dtype=float)
        group = np.asarray(r["group"], dtype=np.int64)
        scored = np.maximum(np.asarray(r["visits_scored"], dtype=float), 1.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mom = pd.DataFrame(
                {
                    "n": mn,
                    "mean": r["sum"] / mn,
                    "failed": np.asarray(r["failed"], dtype=float),
                    "fail_rate": r["failed"] / mn,
                    "weakest": np.asarray(r["weakest"], dtype=float),
                    "weakest_share": r["weakest"] / scored[group] if len(group) else np.zeros(0),
                    "mean_position": r["position_sum"] / mn,
                }
            )
        moment_label = self._columns[1]
        gkeys, _ = self._group_keys()
        if gkeys is None:
            mom.index = pd.Index(list(r["moment"]), name=moment_label)
            mom = mom.sort_values("mean_position", kind="stable")
        else:
            vals, labels = self._key_values()
            tuples = [(*vals[g], m) for g, m in zip(group, r["moment"])]
            mom.index = pd.MultiIndex.from_tuples(tuples, names=[*labels, moment_label])
            order = np.lexsort((np.arange(len(mom)), mom["mean_position"].to_numpy(), group))
            mom = mom.iloc[order]
        return MomentsResult(
            visits=pd.DataFrame(), moments=mom, n_missing=int(np.sum(r["n_missing"])), config=self.config
        )

    def __repr__(self) -> str:
        return f"standards.MomentsAccumulator({self.rows} rows, {self.groups} group(s))"


def _restore_moments(data: bytes, columns: tuple[Any, ...]) -> MomentsAccumulator:
    acc = MomentsAccumulator.from_bytes(data)
    acc._columns = tuple(columns)
    return acc
