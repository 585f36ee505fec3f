"""The impressions balance: one negative impression takes about 12 positive ones to repair.

Source (the course's complaint statistics): "当你留给他一个负面印象后，往往还得有12个正面印象才能弥补"
(after one negative impression it usually takes 12 positive ones to make up for it).

Each rated moment of truth of a customer is a positive impression when its rating is
>= ``positive_min`` (default 4 on a 1-5 scale), a negative one when <= ``negative_max`` (2), and
neutral between. The ledger keeps, per customer, the balance

    balance = positives - repair_ratio x negatives        (repair_ratio = 12 by default)

in units of positive impressions, after every moment (in time order when ``time`` is given).
A customer whose final balance is below zero is *in deficit*; ``repairs_needed`` is the number
of positive impressions that would bring them back to zero. The summary gives the share of
customers in deficit with a Wilson interval, per group. Moments without a rating are counted
per customer, never scored.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._core import ConfigError, InputError
from ._input import factorize, is_label, relabel_rows, to_frame
from ._result import Result
from .defection import _row

__all__ = ["DEFAULTS", "ImpressionsResult", "ledger"]

#: The ledger's settings and their defaults (the source's 12 positive impressions per negative one).
DEFAULTS: dict[str, float] = {
    "scale_min": 1.0,
    "scale_max": 5.0,
    "positive_min": 4.0,
    "negative_max": 2.0,
    "repair_ratio": 12.0,
    "level": 0.95,
}
_KEYS = tuple(DEFAULTS)


@dataclasses.dataclass(frozen=True, repr=False)
class ImpressionsResult(Result):
    """The impressions ledger and its summary.

    Attributes
    ----------
    moments
        The input rows (in the input's order and index) with ``valence`` (1 positive, 0 neutral,
        -1 negative, NaN when the rating is missing) and ``running_balance`` (the customer's
        balance after the moment, in time order).
    customers
        One row per customer: ``positive``, ``negative``, ``neutral``, ``missing``, ``balance``,
        ``lowest_balance``, ``in_deficit`` (boolean; ``<NA>`` without a rated moment) and
        ``repairs_needed``, plus the group.
    table
        One row per group: ``customers`` (with a rated moment), ``in_deficit``, ``share`` with
        ``lower`` / ``upper`` (Wilson), ``mean_balance``, ``negative_rate`` (negative impressions
        per rated moment), ``repairs_needed`` (positive impressions to bring every customer in
        deficit back to zero) and ``unrated``.
    """

    moments: pd.DataFrame
    customers: pd.DataFrame
    table: pd.DataFrame
    config: dict[str, float]

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Share of customers in deficit per group, with Wilson intervals; returns the Axes."""
        from .plotting import estimate_bars

        t = self.table
        return estimate_bars(
            t["share"],
            t["lower"],
            t["upper"],
            ax=ax,
            xlabel="share in deficit",
            title=f"Impressions balance (1 negative = {self.config['repair_ratio']:g} positive)",
            **kwargs,
        )

    def to_frame(self) -> pd.DataFrame:
        """The per-group table."""
        return self.table

    def _summary_lines(self) -> list[str]:
        r = self.config["repair_ratio"]
        lines = [f"one negative impression = {r:g} positive ones (repair ratio)"]
        for g, row in self.table.iterrows():
            lines.append(
                f"{g}: {int(row['in_deficit'])} of {int(row['customers'])} customers in deficit "
                f"({100 * row['share']:.1f}%, {100 * self.config['level']:g}% interval "
                f"{100 * row['lower']:.1f}-{100 * row['upper']:.1f}%); "
                f"{row['repairs_needed']:.0f} positive impressions needed to repair"
            )
        return lines


def ledger(
    data: Any,
    *,
    customer: Any = "customer",
    rating: Any = "rating",
    time: Any = None,
    by: Any = None,
    config: Any = None,
    **params: Any,
) -> ImpressionsResult:
    """Per-customer impressions ledger over the moments of truth, and the share in deficit.

    Parameters
    ----------
    data
        A long table (pandas, polars, Arrow): one row per customer and moment.
    customer, rating
        Column names: the customer id and the moment's rating (on ``scale_min``-``scale_max``).
    time
        Optional column that orders each customer's moments (timestamps, dates or numbers);
        without it the rows are taken in input order.
    by
        Column name of a per-customer group (segment, store, wave); a customer must have one value.
    config
        A dict of settings (keys and defaults: :data:`DEFAULTS`: ``scale_min`` 1, ``scale_max`` 5,
        ``positive_min`` 4, ``negative_max`` 2, ``repair_ratio`` 12, ``level`` 0.95).
    **params
        Overrides of those keys, e.g. ``repair_ratio=8``.

    Examples
    --------
    >>> import pandas as pd, servscore as ss
    >>> moments = pd.DataFrame({"customer": ["a"] * 13 + ["b"] * 3,
    ...                         "rating": [1] + [5] * 12 + [5, 1, 5]})
    >>> r = ss.impressions.ledger(moments)
    >>> r.customers["balance"].tolist()
    [0.0, -10.0]
    >>> r.customers["in_deficit"].tolist()
    [False, True]
    """
    cfg = dict(DEFAULTS)
    given: dict[str, Any] = {}
    if isinstance(config, dict):
        given = dict(config)
    elif config is not None:
        raise ConfigError(f"config: expected a dict of {list(_KEYS)}, got {type(config).__name__}")
    given.update(params)
    for k, v in given.items():
        if k not in _KEYS:
            raise ConfigError(f"config: unknown key {k!r}; expected one of {list(_KEYS)}")
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
            raise ConfigError(f"{k}: expected a number, got {v!r}")
        cfg[k] = float(v)
    frame = to_frame(data, name="data")
    for name, col in (("customer", customer), ("rating", rating), ("time", time), ("by", by)):
        if col is not None and (not is_label(frame, col) or col not in frame.columns):
            raise InputError(f"{name}: {col!r} is not a column of data; columns are {list(frame.columns)}")
    n = len(frame)
    order = np.arange(n)
    if time is not None:
        t = frame[time]
        if t.isna().any():
            pos = int(np.flatnonzero(t.isna().to_numpy())[0])
            raise InputError(
                f"time: row {_row(frame.index, pos)!r}: the time is missing; every moment needs one to be ordered"
            )
        order = np.argsort(t.to_numpy(), kind="stable")
    if frame[customer].isna().any():
        pos = int(np.flatnonzero(frame[customer].isna().to_numpy())[0])
        raise InputError(f"customer: row {_row(frame.index, pos)!r}: the customer id is missing")
    codes, _, keys = factorize(frame, customer)
    r = pd.to_numeric(frame[rating], errors="coerce")
    bad = r.isna().to_numpy() & frame[rating].notna().to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise InputError(f"rating: row {_row(frame.index, pos)!r}: value {frame[rating].iloc[pos]!r} is not a number")
    ratings = r.to_numpy(dtype=np.float64, na_value=np.nan)
    n_customers = len(keys)
    cust_idx = keys.rename(str(customer))
    if by is not None:
        per = pd.DataFrame({"c": codes, "g": frame[by].to_numpy()}).drop_duplicates()
        dup = per["c"].duplicated()
        if dup.any():
            c = int(per.loc[dup, "c"].iloc[0])
            raise InputError(
                f"by: customer {_row(cust_idx, c)!r} has more than one value of {by!r}; expected one per customer"
            )
        gvals = pd.Series(per.set_index("c")["g"]).reindex(range(n_customers))
        if gvals.isna().any():
            c = int(np.flatnonzero(gvals.isna().to_numpy())[0])
            raise InputError(f"by: customer {_row(cust_idx, c)!r} has no value of {by!r}")
        gcodes, _, gkeys = factorize(pd.DataFrame({"g": gvals.to_numpy()}), "g")
        gnames = [str(k) for k in gkeys]
    else:
        gcodes = np.empty(0, dtype=np.int32)
        gnames = ["all"]
    try:
        d = _core.impression_ledger(
            np.ascontiguousarray(codes[order], dtype=np.int32),
            np.ascontiguousarray(ratings[order]),
            n_customers,
            np.ascontiguousarray(gcodes, dtype=np.int32),
            len(gnames),
            **cfg,
        )
    except (InputError, ValueError) as e:
        raise relabel_rows(e, frame.index[order]) from None
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.arange(n)
    valence = d["valence"][inverse].astype(np.float64)
    valence[valence == -2] = np.nan
    moments = frame.copy()
    moments["valence"] = valence
    moments["running_balance"] = d["running_balance"][inverse]
    deficit = pd.arrays.BooleanArray(d["deficit"] == 1, d["deficit"] < 0)  # <NA> without a rated moment
    customers = pd.DataFrame(
        {
            "positive": d["positive"],
            "negative": d["negative"],
            "neutral": d["neutral"],
            "missing": d["missing"],
            "balance": d["balance"],
            "lowest_balance": d["lowest_balance"],
            "in_deficit": deficit,
            "repairs_needed": np.maximum(0.0, -d["balance"]),
        },
        index=cust_idx,
    )
    if by is not None:
        customers[str(by)] = [gnames[g] for g in gcodes]
    s = d["summary"]
    table = pd.DataFrame(
        {
            k: s[k]
            for k in (
                "customers",
                "in_deficit",
                "share",
                "lower",
                "upper",
                "mean_balance",
                "negative_rate",
                "repairs_needed",
                "unrated",
            )
        },
        index=pd.Index(gnames, name=str(by) if by is not None else "group"),
    )
    return ImpressionsResult(moments=moments, customers=customers, table=table, config=cfg)
