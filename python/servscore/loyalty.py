"""Satisfaction and loyalty: Jones & Sasser segments, shares with simultaneous
intervals, and the satisfaction-to-loyalty curve.

Jones & Sasser (1995), "Why satisfied customers defect", HBR 73(6). A customer is
*highly satisfied* when satisfaction >= ``satisfaction_threshold`` and *loyal* when
loyalty (repurchase intention) >= ``loyalty_threshold``; both default to the top box
(5 on a 1-5 scale), because in competitive markets only the completely satisfied
stay:

=========  ============  =======  ===================================
segment    satisfaction  loyalty  中文
=========  ============  =======  ===================================
apostle    high          high     传道者 (loyalist)
mercenary  high          low      图利者
hostage    low           high     囚禁者
defector   low           low      背离者
terrorist  low           low      破坏者: a defector who is an NPS detractor
                                  (<= ``detractor_max``, 6) or complained
=========  ============  =======  ===================================

An apostle who is also an NPS promoter (>= ``promoter_min``, 9) is an *advocate*.
Shares of the segments come with simultaneous intervals: Goodman (1965),
Technometrics 7(2) by default (chi-square(1) at 1 - alpha/k, i.e. Bonferroni over
the k segments), or Quesenberry & Hurst (1964) (chi-square(k-1) at 1 - alpha,
wider). Sison-Glaz intervals are not implemented.

The curve is the loyal share (and mean loyalty) at each satisfaction level, per
market or group. Diagnosis [ours]: when the loyal share below the satisfaction
threshold is at least ``noncompetitive_loyalty`` (0.6) loyalty does not depend on
complete satisfaction (*non-competitive* zone: monopoly, switching costs); when it is
below ``competitive_loyalty`` (0.4) and the top box's loyal share exceeds it by at
least ``competitive_gap`` (0.3) loyalty collapses without complete satisfaction
(*competitive* zone); otherwise *intermediate*; with fewer than ``min_curve_n``
customers on either side, *insufficient*.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._accumulator import ConfigKey, StateAccumulator, by_list
from ._compat import renamed
from ._core import InputError, LoyaltyConfig
from ._input import (
    group_codes,
    is_frame_like,
    is_label,
    names_of,
    numeric_column,
    relabel_rows,
    resolve_config,
    to_array,
    to_frame,
)
from ._result import Result
from .model import LoyaltySegment

__all__ = [
    "Accumulator",
    "LoyaltyConfig",
    "LoyaltyCurve",
    "LoyaltyResult",
    "ReferralResult",
    "curve",
    "multinomial_intervals",
    "referrals",
    "segment",
]

SEGMENTS = LoyaltySegment.names()


def _with_params(config: Any, params: dict[str, Any]) -> LoyaltyConfig:
    cfg: LoyaltyConfig = resolve_config(config, LoyaltyConfig)
    if params:
        cfg = LoyaltyConfig.from_dict({**cfg.to_dict(), **params})
    return cfg


def _column(x: Any, frame: pd.DataFrame | None, name: str, n: int | None = None) -> np.ndarray:
    """A column given by name (of ``data``) or as values, as float64 with NaN for missing."""
    if isinstance(x, str) or is_label(frame, x):
        if frame is None:
            raise InputError(f"{name}: {x!r} is a column name, but no data= table was given")
        values = numeric_column(frame, x, name=name)
    elif isinstance(x, np.ndarray) and x.ndim == 1 and x.dtype.kind in "fiub":
        values = np.ascontiguousarray(x, dtype=np.float64)  # numbers already: no per-value checks needed
    else:
        values = to_array(x, name=name)
    if n is not None and len(values) != n:
        raise InputError(f"{name}: expected {n} values (one per customer), got {len(values)}")
    return np.ascontiguousarray(values, dtype=np.float64)


def _complained(x: Any, frame: pd.DataFrame | None, n: int) -> np.ndarray:
    """Complaint flags: booleans, 0/1, or yes/no / true/false strings; missing stays NaN."""
    if isinstance(x, np.ndarray) and x.ndim == 1 and x.dtype.kind in "fiub":
        if len(x) != n:
            raise InputError(f"complained: expected {n} values (one per customer), got {len(x)}")
        return np.ascontiguousarray(x, dtype=np.float64)
    if frame is not None and is_label(frame, x) and x in frame.columns:
        s = frame[x]
    elif isinstance(x, str):
        raise InputError(f"complained: {x!r} is a column name, but no such column in data=")
    else:
        s = pd.Series(np.asarray(x, dtype=object) if not isinstance(x, (np.ndarray, pd.Series)) else x)
    if s.dtype == object or pd.api.types.is_string_dtype(s.dtype) or isinstance(s.dtype, pd.CategoricalDtype):
        # vectorised: words through a dict, anything else as a number; what is neither is an error
        mapping = {"yes": 1.0, "no": 0.0, "true": 1.0, "false": 0.0, "y": 1.0, "n": 0.0, "1": 1.0, "0": 0.0}
        words = s.astype("string").str.strip().str.lower().map(mapping).astype("Float64")
        numbers = pd.to_numeric(s.astype(object).where(s.notna(), None), errors="coerce").astype("Float64")
        values_s = words.fillna(numbers)
        bad = values_s.isna().to_numpy() & s.notna().to_numpy()
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"complained: row {s.index.tolist()[pos]!r}: value {s.iloc[pos]!r} is not a complaint flag "
                "(expected true/false, yes/no or 0/1)"
            )
        values = values_s.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        values = pd.to_numeric(s).to_numpy(dtype=np.float64, na_value=np.nan)
    if len(values) != n:
        raise InputError(f"complained: expected {n} values (one per customer), got {len(values)}")
    return np.ascontiguousarray(values, dtype=np.float64)


def _groups(by: Any, frame: pd.DataFrame | None, n: int) -> tuple[np.ndarray, pd.Index | None]:
    """Group codes from ``by``: column name(s) of ``frame``, or one label per row."""
    if by is None:
        return np.zeros(n, dtype=np.int32), None
    if isinstance(by, str) or is_label(frame, by):
        if frame is None:
            raise InputError(f"by: {by!r} names a column, but no data table was given")
        return group_codes(frame, by)
    if (
        frame is not None
        and isinstance(by, (list, tuple))
        and len(by) > 0
        and all(is_label(frame, b) and b in frame.columns for b in by)
        and (all(isinstance(b, str) for b in by) or len(by) != n)  # else one group value per row
    ):
        return group_codes(frame, list(by))
    labels = pd.Series(np.asarray(by, dtype=object) if not isinstance(by, pd.Series) else by.to_numpy())
    if len(labels) != n:
        raise InputError(f"by: expected {n} group labels (one per row) or column names of the data, got {len(labels)}")
    return group_codes(pd.DataFrame({"group": labels}), "group")


def _index(frame: pd.DataFrame | None, n: int, values: Any = None) -> pd.Index:
    """Row labels: the table's index, a Series' own index, or positions."""
    if frame is not None:
        return frame.index
    if isinstance(values, pd.Series) and len(values) == n:
        return values.index
    return pd.RangeIndex(n)


@renamed(confidence="level")
def multinomial_intervals(counts: Sequence[int], *, level: float = 0.95, method: str = "goodman") -> np.ndarray:
    """Simultaneous confidence intervals of multinomial shares (k x 2: lower, upper).

    ``goodman`` (Goodman 1965) or ``quesenberry_hurst`` (Quesenberry & Hurst 1964).

    Examples
    --------
    >>> import servscore as ss
    >>> ss.loyalty.multinomial_intervals([50, 30, 20]).round(4).tolist()
    [[0.3836, 0.6164], [0.2036, 0.4181], [0.1217, 0.3108]]
    """
    return np.asarray(_core.multinomial_intervals([int(c) for c in counts], float(level), str(method)))


@dataclasses.dataclass(frozen=True, repr=False)
class LoyaltyResult(Result):
    """Jones & Sasser segments per customer and their shares per group.

    Attributes
    ----------
    customers
        One row per customer (the input's index): ``satisfaction``, ``loyalty``,
        ``segment`` (categorical: apostle, mercenary, hostage, defector, terrorist; NaN
        when satisfaction or loyalty is missing) and ``advocate`` (apostle and promoter;
        ``<NA>`` when unknown), plus the group column(s).
    table
        One row per group (``all`` without groups): ``n`` (segmented customers),
        ``n_missing``, the count of each segment, ``share_<segment>`` with simultaneous
        ``lower_<segment>`` and ``upper_<segment>`` bounds, and ``n_advocates``.
    interval
        The interval method (``goodman`` or ``quesenberry_hurst``) and the number of
        categories the intervals are simultaneous over (4 without the terrorist rule).
    """

    customers: pd.DataFrame
    table: pd.DataFrame
    interval: str
    n_categories: int
    config: LoyaltyConfig

    def to_frame(self) -> pd.DataFrame:
        """The per-group table."""
        return self.table

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """The satisfaction x loyalty quadrant grid with customer counts and shares; returns the Axes."""
        from ._lifecycle_plots import loyalty_grid

        return loyalty_grid(self, ax=ax, **kwargs)

    def _summary_lines(self) -> list[str]:
        t = self.table
        n = int(t["n"].sum())
        parts = [f"{s} {100 * t[s].sum() / max(n, 1):.1f}%" for s in SEGMENTS if t[s].sum() > 0 or s != "terrorist"]
        return [
            f"{n} customers segmented ({int(t['n_missing'].sum())} missing): " + ", ".join(parts),
            f"simultaneous {100 * self.config.confidence:g}% intervals: {self.interval} over {self.n_categories}",
        ]


def _segment_table(s: dict[str, Any], gindex: pd.Index) -> pd.DataFrame:
    """The per-group table of :class:`LoyaltyResult` from the core's summary."""
    table = pd.DataFrame({"n": s["counts"].sum(axis=1), "n_missing": s["n_unknown"]}, index=gindex)
    for j, name in enumerate(SEGMENTS):
        table[name] = s["counts"][:, j]
    for j, name in enumerate(SEGMENTS):
        table[f"share_{name}"] = s["share"][:, j]
        table[f"lower_{name}"] = s["lower"][:, j]
        table[f"upper_{name}"] = s["upper"][:, j]
    table["n_advocates"] = s["n_advocates"]
    return table


def segment(
    satisfaction: Any,
    loyalty: Any,
    *,
    data: Any = None,
    nps: Any = None,
    complained: Any = None,
    by: Any = None,
    config: Any = None,
    workers: int = 1,
    **params: Any,
) -> LoyaltyResult:
    """Segment customers into Jones & Sasser's apostles, mercenaries, hostages, defectors and terrorists.

    Parameters
    ----------
    satisfaction, loyalty
        Column names of ``data``, or values (lists, numpy, pandas / polars Series,
        Arrow arrays) on the configured scales (default 1-5). Missing values are
        counted (segment NaN), never dropped.
    data
        A table (pandas, polars, Arrow) holding the named columns.
    nps
        Likelihood to recommend (0-10) per customer, a column name or values.
    complained
        Whether each customer complained: booleans, 0/1 or yes/no, a column name or values.
    by
        Column name(s) of ``data`` or one label per customer (market, branch, period ...).
    config
        :class:`LoyaltyConfig`, dict, JSON text or file.
    workers
        Threads for the compiled kernel.
    **params
        Overrides of configuration keys, e.g. ``satisfaction_threshold=4``.

    Examples
    --------
    >>> import servscore as ss
    >>> r = ss.loyalty.segment([5, 5, 2, 1, 1, None], [5, 2, 5, 1, 2, 3], nps=[10, 8, 5, 3, 8, 7])
    >>> r.customers["segment"].tolist()
    ['apostle', 'mercenary', 'hostage', 'terrorist', 'defector', nan]
    >>> int(r.table.loc["all", "n_missing"])
    1
    """
    cfg = _with_params(config, params)
    frame = to_frame(data, name="data") if data is not None else None
    if frame is None and is_frame_like(satisfaction):
        raise InputError("satisfaction: pass a column (or a column name with data=), not a table")
    sat = _column(satisfaction, frame, "satisfaction")
    n = len(sat)
    if n == 0:
        raise InputError("satisfaction: the input is empty (0 customers)")
    loy = _column(loyalty, frame, "loyalty", n)
    p = _column(nps, frame, "nps", n) if nps is not None else np.empty(0)
    c = _complained(complained, frame, n) if complained is not None else np.empty(0)
    index = _index(frame, n, satisfaction)
    try:
        r = _core.segment_customers(sat, loy, p, c, cfg, int(workers))
    except InputError as e:
        raise relabel_rows(e, index) from None
    codes, keys = _groups(by, frame, n)
    n_groups = 1 if keys is None else len(keys)
    s = _core.summarize_loyalty(r["segment"], r["advocate"], r["refined"], codes, n_groups, cfg)
    customers = pd.DataFrame(index=index)
    if keys is not None:
        names = list(keys.names) if keys.names[0] is not None else ["group"]
        key_frame = keys.to_frame(index=False) if isinstance(keys, pd.MultiIndex) else pd.DataFrame({names[0]: keys})
        for col in key_frame.columns:
            customers[col] = key_frame[col].to_numpy()[codes]
    customers["satisfaction"] = sat
    customers["loyalty"] = loy
    customers["segment"] = pd.Categorical.from_codes(
        np.asarray(r["segment"], dtype=np.int8), categories=pd.Index(SEGMENTS)
    )
    adv = r["advocate"]
    customers["advocate"] = pd.arrays.BooleanArray(adv == 1, adv < 0)
    gindex = keys if keys is not None else pd.Index(["all"], name="group")
    table = _segment_table(s, gindex)
    return LoyaltyResult(
        customers=customers, table=table, interval=cfg.interval, n_categories=int(s["n_categories"]), config=cfg
    )


@dataclasses.dataclass(frozen=True, repr=False)
class LoyaltyCurve(Result):
    """The satisfaction-to-loyalty curve per group and its zone.

    Attributes
    ----------
    table
        Long table, one row per group and satisfaction level: ``group``, ``satisfaction``,
        ``n``, ``mean_loyalty``, ``loyal_share`` with its Wilson interval
        (``loyal_lower``, ``loyal_upper``).
    zones
        One row per group: ``n_below`` / ``loyal_below`` (customers below the satisfaction
        threshold and their loyal share), ``n_top`` / ``loyal_top`` (at or above it),
        ``gap`` and ``zone`` (competitive, intermediate, non_competitive, insufficient).
    n_missing
        Customers without both values (not on the curve).
    """

    table: pd.DataFrame
    zones: pd.DataFrame
    n_missing: int
    config: LoyaltyConfig

    def to_frame(self) -> pd.DataFrame:
        """The long curve table."""
        return self.table

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Loyal share against satisfaction, one line per group with the zone in the legend; returns the Axes."""
        from ._lifecycle_plots import loyalty_curve_plot

        return loyalty_curve_plot(self, ax=ax, **kwargs)

    def _summary_lines(self) -> list[str]:
        z = self.zones
        return [
            f"{g}: {r['zone']} (loyal below top box {r['loyal_below']:.2f}, top box {r['loyal_top']:.2f})"
            for g, r in z.iterrows()
        ][:10]


def curve(
    satisfaction: Any,
    loyalty: Any,
    *,
    data: Any = None,
    by: Any = None,
    config: Any = None,
    **params: Any,
) -> LoyaltyCurve:
    """The satisfaction-to-loyalty curve per market or group, and the competitive / non-competitive zone.

    Parameters are as for :func:`segment` (``nps`` and ``complained`` are not used).

    Examples
    --------
    >>> import servscore as ss
    >>> d = ss.datasets.sample(seed=1, n_loyalty=3000).loyalty
    >>> c = ss.loyalty.curve("satisfaction", "loyalty", data=d, by="market")
    >>> c.zones["zone"].to_dict()
    {'competitive': 'competitive', 'monopoly': 'non_competitive'}
    """
    cfg = _with_params(config, params)
    frame = to_frame(data, name="data") if data is not None else None
    sat = _column(satisfaction, frame, "satisfaction")
    n = len(sat)
    if n == 0:
        raise InputError("satisfaction: the input is empty (0 customers)")
    loy = _column(loyalty, frame, "loyalty", n)
    codes, keys = _groups(by, frame, n)
    n_groups = 1 if keys is None else len(keys)
    try:
        r = _core.loyalty_curve(sat, loy, codes, n_groups, cfg)
    except InputError as e:
        raise relabel_rows(e, _index(frame, n, satisfaction)) from None
    gindex = keys if keys is not None else pd.Index(["all"], name="group")
    levels = np.asarray(r["levels"], dtype=float)
    rows = []
    for g, key in enumerate(gindex):
        for j, lv in enumerate(levels):
            rows.append(
                {
                    "group": key,
                    "satisfaction": lv,
                    "n": int(r["n"][g, j]),
                    "mean_loyalty": r["mean_loyalty"][g, j],
                    "loyal_share": r["loyal_share"][g, j],
                    "loyal_lower": r["loyal_lower"][g, j],
                    "loyal_upper": r["loyal_upper"][g, j],
                }
            )
    table = pd.DataFrame(
        rows, columns=["group", "satisfaction", "n", "mean_loyalty", "loyal_share", "loyal_lower", "loyal_upper"]
    )
    ba = r["below_above"]
    zones = pd.DataFrame(
        {
            "n_below": ba[:, 0].astype(np.int64),
            "loyal_below": ba[:, 1],
            "n_top": ba[:, 2].astype(np.int64),
            "loyal_top": ba[:, 3],
        },
        index=gindex,
    )
    zones["gap"] = zones["loyal_top"] - zones["loyal_below"]
    zones["zone"] = list(r["zone"])
    return LoyaltyCurve(table=table, zones=zones, n_missing=int(r["n_missing"]), config=cfg)


@dataclasses.dataclass(frozen=True, repr=False)
class ReferralResult(Result):
    """Referrals per customer with intervals, per group.

    Attributes
    ----------
    table
        One row per group (``all`` without groups): ``n`` (customers with a count), ``n_missing``,
        ``total`` referrals, ``mean`` referrals per customer with a Student-t ``lower`` / ``upper``
        interval (the lower bound clipped at 0), ``sd``, ``share_referring`` (at least one
        referral) with a Wilson interval, and ``vs_tell_satisfied``: the mean divided by the
        people a satisfied complainant tells in the complaint-economics parameters
        (``ComplaintConfig.tell_satisfied``, source: 5).
    """

    table: pd.DataFrame
    level: float
    tell_satisfied: float

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Referrals per customer per group with t intervals, beside tell_satisfied; returns the Axes."""
        from .plotting import estimate_bars

        t = self.table
        return estimate_bars(
            t["mean"],
            t["lower"],
            t["upper"],
            ax=ax,
            xlabel="referrals per customer",
            title="Referrals",
            reference=self.tell_satisfied,
            **kwargs,
        )

    def to_frame(self) -> pd.DataFrame:
        """The per-group table."""
        return self.table

    def _summary_lines(self) -> list[str]:
        lines = []
        for g, r in self.table.iterrows():
            lines.append(
                f"{g}: {r['mean']:.2f} referrals per customer ({100 * self.level:g}% interval "
                f"{r['lower']:.2f}-{r['upper']:.2f}; n = {int(r['n'])}, {int(r['n_missing'])} missing); "
                f"{100 * r['share_referring']:.1f}% referred at least once"
            )
        lines.append(f"a satisfied complainant tells {self.tell_satisfied:g} people (complaint-economics parameter)")
        return lines


def referrals(
    referrals: Any = "referrals",
    *,
    data: Any = None,
    by: Any = None,
    level: float = 0.95,
    economics: Any = None,
) -> ReferralResult:
    """Referrals per customer (the deck's "每位客户向6.41人推荐") with intervals, by segment or wave.

    Parameters
    ----------
    referrals
        A column name of ``data`` or one count per customer (people the customer recommended
        the company to); missing values are counted, never dropped.
    data
        A table (pandas, polars, Arrow).
    by
        Column name(s) of ``data`` or one label per customer (segment, wave, new vs existing owners).
    level
        Confidence level of the intervals.
    economics
        A :class:`~servscore.economics.ComplaintConfig` (or dict) whose word-of-mouth
        parameters the referral rate is set beside; default: the source's figures.

    Examples
    --------
    >>> import servscore as ss
    >>> r = ss.loyalty.referrals([6, 8, 5, 7, 0, None])
    >>> float(r.table.loc["all", "mean"]), int(r.table.loc["all", "n_missing"])
    (5.2, 1)
    """
    from .economics import _config as _economics_config

    frame = to_frame(data, name="data") if data is not None else None
    x = _column(referrals, frame, "referrals")
    n = len(x)
    groups, keys = _groups(by, frame, n)
    index = _index(frame, n, referrals)
    try:
        d = _core.summarize_referrals(
            x,
            np.ascontiguousarray(groups if keys is not None else groups[:0]),
            1 if keys is None else len(keys),
            float(level),
        )
    except (InputError, ValueError) as e:
        raise relabel_rows(e, index) from None
    tell = float(_economics_config(economics, {}).tell_satisfied)
    names = pd.Index(["all"], name="group") if keys is None else keys
    table = pd.DataFrame(
        {
            "n": d["n"],
            "n_missing": d["missing"],
            "total": d["total"],
            "mean": d["mean"],
            "lower": d["lower"],
            "upper": d["upper"],
            "sd": d["sd"],
            "share_referring": d["share_referring"],
            "share_lower": d["share_lower"],
            "share_upper": d["share_upper"],
        },
        index=names,
    )
    table["vs_tell_satisfied"] = table["mean"] / tell
    return ReferralResult(table=table, level=float(level), tell_satisfied=tell)


class Accumulator(StateAccumulator):
    """Mergeable Jones & Sasser segments, built batch by batch (partitions, files, days).

    The state lives in C++ (:class:`servscore._core.LoyaltyState`): per group key the
    customers, the count of each segment, the customers with a missing satisfaction or
    loyalty, the advocates and the customers to whom the terrorist rule could be applied.
    Integer counts: partitions merged in any order give exactly the counts of
    :func:`segment` on all the rows, and the shares and simultaneous intervals computed from
    them (``result().table`` equals ``segment(...).table``). Per-customer segments are rows
    and are not kept: ``result().customers`` is empty.

    ``update(data, by=...)`` segments a batch (a table holding the named columns; an empty
    batch is a no-op); ``merge`` / ``+`` / ``sum``; ``result()`` gives the
    :class:`LoyaltyResult` (groups in key order); ``to_bytes()`` / ``from_bytes()`` (format
    ``SSLOYAL1``, little-endian, validated on load) and pickling. Only states of the same
    configuration merge. Segments count customers: ``weights=`` is refused.

    Parameters
    ----------
    satisfaction, loyalty
        Column names of the batches.
    nps, complained
        Column names of the likelihood to recommend and the complaint flags (optional).
    by
        Key column(s) of the groups.
    config, **params
        As :func:`segment`.

    Examples
    --------
    >>> import pandas as pd, servscore as ss
    >>> a = ss.loyalty.Accumulator("sat", "loy", by="branch").update(
    ...     pd.DataFrame({"sat": [5, 5, 2], "loy": [5, 2, 5], "branch": ["n", "n", "s"]}))
    >>> b = ss.loyalty.Accumulator("sat", "loy", by="branch").update(
    ...     pd.DataFrame({"sat": [1, None], "loy": [1, 3], "branch": ["s", "n"]}))
    >>> (a + b).result().table[["n", "n_missing", "apostle", "hostage", "defector"]].values.tolist()
    [[2, 1, 1, 0, 0], [2, 0, 0, 1, 1]]
    """

    __slots__ = ("_columns", "_workers")
    _kind = "loyalty.Accumulator"
    _state_type = _core.LoyaltyState

    def __init__(
        self,
        satisfaction: Any = "satisfaction",
        loyalty: Any = "loyalty",
        *,
        nps: Any = None,
        complained: Any = None,
        by: str | Sequence[str] | None = None,
        config: Any = None,
        workers: int = 1,
        **params: Any,
    ) -> None:
        cfg = _with_params(config, params)
        self._by = by_list(by)
        self._columns = (satisfaction, loyalty, nps, complained)
        self._workers = int(workers)
        self._state = _core.LoyaltyState(cfg, names_of(self._by or []))

    @classmethod
    def _wrap(cls, state: Any) -> Accumulator:
        acc = super()._wrap(state)
        acc._columns = ("satisfaction", "loyalty", None, None)
        acc._workers = 1
        return acc

    @property
    def config(self) -> LoyaltyConfig:
        """The :class:`LoyaltyConfig` of the state."""
        out: LoyaltyConfig = self._state.config
        return out

    def copy(self) -> Accumulator:
        """An independent copy of the state, reading the same columns."""
        out = super().copy()
        out._columns, out._workers = self._columns, self._workers
        return out

    def __reduce__(self) -> tuple[Any, ...]:
        # the bytes carry the counts and the configuration; the column names travel beside them
        return (_restore_accumulator, (self.to_bytes(), self._columns, self._workers))

    def columns(self, satisfaction: Any, loyalty: Any, *, nps: Any = None, complained: Any = None) -> Accumulator:
        """Set the column names the batches are read by; returns self. The byte image holds the
        counts and the configuration only: a state made by ``from_bytes`` reads ``satisfaction``
        and ``loyalty`` until told otherwise (copies, ``+`` and pickles keep the names)."""
        self._columns = (satisfaction, loyalty, nps, complained)
        return self

    def update(self, data: Any, *, by: Any = None, weights: Any = None) -> Accumulator:
        """Segment one batch of customers and count it; returns self (an empty batch is a no-op)."""
        if weights is not None:
            raise InputError("weights: loyalty segments count customers; weights are not supported")
        frame = to_frame(data, name="data")
        if len(frame) == 0:
            return self
        sat_c, loy_c, nps_c, cmp_c = self._columns
        n = len(frame)
        sat = _column(sat_c, frame, "satisfaction", n)
        loy = _column(loy_c, frame, "loyalty", n)
        p = _column(nps_c, frame, "nps", n) if nps_c is not None else np.empty(0)
        c = _complained(cmp_c, frame, n) if cmp_c is not None else np.empty(0)
        keys_by = self._batch_by(by)
        gcodes, keys = self._batch_groups(frame, keys_by)
        try:
            self._state.update(sat, loy, p, c, groups=gcodes, keys=keys, workers=self._workers)
        except InputError as e:
            raise relabel_rows(e, frame.index) from None
        self._adopt_by(by, keys_by)
        return self

    def _merge_key(self) -> Any:
        c = self.config
        label = (
            f"LoyaltyConfig(thresholds {c.satisfaction_threshold:g}/{c.loyalty_threshold:g}, refine {c.refine}, "
            f"{c.interval} {c.confidence:g})"
        )
        return ConfigKey(label, c.to_json())

    def result(self) -> LoyaltyResult:
        """The :class:`LoyaltyResult` of everything counted (groups in key order; no customers)."""
        cfg = self.config
        s = self._state.result(key_order=True)
        gkeys, label = self._group_keys()
        if gkeys is None:
            gindex = pd.Index(["all"], name="group")
            if self._state.groups == 0:  # nothing counted: one row of zeros
                z = np.zeros((1, len(SEGMENTS)))
                nan = np.full((1, len(SEGMENTS)), np.nan)
                s = {**s, "counts": z.astype(np.int64), "n_unknown": np.zeros(1, np.int64)}
                s.update(n_advocates=np.zeros(1, np.int64), share=nan, lower=nan, upper=nan)
        elif label is None:
            gindex = pd.MultiIndex.from_tuples(gkeys, names=self._key_values()[1])
        else:
            gindex = pd.Index(gkeys, name=label, tupleize_cols=False)
        table = _segment_table(s, gindex)
        return LoyaltyResult(
            customers=pd.DataFrame(),
            table=table,
            interval=cfg.interval,
            n_categories=int(s["n_categories"]),
            config=cfg,
        )

    def __repr__(self) -> str:
        return f"loyalty.Accumulator({self.rows} customers, {self.groups} group(s))"


def _restore_accumulator(data: bytes, columns: tuple[Any, ...], workers: int) -> Accumulator:
    acc = Accumulator.from_bytes(data)
    acc._columns, acc._workers = tuple(columns), int(workers)
    return acc
