"""Why customers leave: defection-reason shares, simultaneous intervals and a benchmark test.

The course gives two tables of why customers stop coming, used here as the default benchmarks
(any other mix can be given as a dict):

======================  =====================  ======  =========
reason                  中文 (source wording)    ``tarp``  ``ibm2004``
======================  =====================  ======  =========
``died``                客户死亡                   .       1%
``moved``               搬家 / 搬迁                 3%      3%
``competitor_friends``  和其他同业有交情             5%      .
``curiosity``           好奇心驱使更换产品           .       4%
``price``               价钱过高 / 选择更便宜的产品    9%      9%
``product_quality``     产品品质不佳               14%      .
``long_dissatisfied``   长期对产品有不满情绪          .      10%
``poor_service``        服务不周                  68%      .
``needs_ignored``       客户需求得不到关注            .      64%
``other``               其他                      (1%)    (9%)
======================  =====================  ======  =========

``tarp`` is the course's "顾客为何不上门" table (the TARP-style complaint statistics); ``ibm2004`` is
"IBM在2004年对老客户的离开进行了分析". Neither table sums to 100%: the remainder (1% and 9%) is
the benchmark share of ``other``, and reasons a benchmark does not list count as ``other`` in its
test.

Answers are coded from the reason codes, their English or Chinese labels, or the synonyms
below (case and surrounding spaces ignored); ``labels=`` adds a user map. A missing answer is
counted (``n_missing``), an answer that matches no reason is an :class:`InputError` naming its
row, unless ``unknown="other"``.

Shares are weighted when ``weights`` are given; the simultaneous intervals (Goodman 1965 by
default, or Quesenberry & Hurst 1964) and the chi-square test then use Kish's effective sample
size. The test is Pearson's chi-square of the observed mix against the benchmark (df = categories
- 1) with the adjusted standardised residual of each reason; a reason is ``above`` / ``below``
its benchmark when the benchmark share lies outside the reason's simultaneous interval.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._core import ConfigError, InputError
from ._input import is_frame_like, is_label, relabel_rows, to_frame
from ._result import Result
from .loyalty import _groups, _index

__all__ = ["BENCHMARKS", "REASONS", "DefectionResult", "analyze", "code_reasons"]

#: The reason taxonomy: code -> (English label, Chinese label, synonyms).
REASONS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "died": ("died", "客户死亡", ("death", "deceased", "passed away", "去世", "死亡", "过世")),
    "moved": ("moved away", "搬迁", ("moved", "relocated", "moving", "搬家", "搬走", "迁居", "搬迁了")),
    "competitor_friends": (
        "friends with a competitor",
        "和其他同业有交情",
        (
            "friend at a competitor",
            "knows someone at a competitor",
            "relationship with a competitor",
            "同业有交情",
            "朋友在竞争对手",
            "熟人介绍其他",
        ),
    ),
    "curiosity": (
        "tried another out of curiosity",
        "好奇心驱使更换产品",
        ("curiosity", "wanted to try", "好奇", "想试试别的"),
    ),
    "price": (
        "price / cheaper elsewhere",
        "价格原因",
        (
            "price",
            "price too high",
            "too expensive",
            "cheaper product",
            "cheaper elsewhere",
            "价钱过高",
            "价格太高",
            "太贵",
            "选择了更便宜的产品",
            "更便宜",
        ),
    ),
    "product_quality": (
        "product quality",
        "产品品质不佳",
        ("poor quality", "quality", "product problems", "产品质量", "质量差", "品质不佳", "产品质量不好"),
    ),
    "long_dissatisfied": (
        "long dissatisfied with the product",
        "长期对产品有不满情绪",
        ("long-term dissatisfaction", "dissatisfied for a long time", "长期不满", "一直不满意"),
    ),
    "poor_service": (
        "poor service",
        "服务不周",
        ("bad service", "service", "rude staff", "服务差", "服务不好", "服务态度差", "服务不周到"),
    ),
    "needs_ignored": (
        "needs ignored",
        "客户需求得不到关注",
        ("needs not met", "not listened to", "ignored", "需求得不到关注", "不被重视", "需求被忽视", "没人理"),
    ),
    "other": ("other", "其他", ("others", "other reason", "其它", "其他原因")),
}

#: The source's benchmark mixes (shares of the listed reasons; the remainder is ``other``).
BENCHMARKS: dict[str, dict[str, float]] = {
    "tarp": {"moved": 0.03, "competitor_friends": 0.05, "price": 0.09, "product_quality": 0.14, "poor_service": 0.68},
    "ibm2004": {
        "died": 0.01,
        "moved": 0.03,
        "curiosity": 0.04,
        "price": 0.09,
        "long_dissatisfied": 0.10,
        "needs_ignored": 0.64,
    },
}


def _row(index: pd.Index, pos: int) -> Any:
    """The label of row ``pos`` as the user wrote it (numpy scalars as Python values)."""
    label = index[pos]
    return label.item() if isinstance(label, np.generic) else label


def _norm(x: str) -> str:
    return " ".join(x.strip().lower().split())


def _lookup(reasons: Sequence[str], labels: Mapping[Any, str] | None) -> dict[str, int]:
    code = {r: i for i, r in enumerate(reasons)}
    table: dict[str, int] = {}
    for r, i in code.items():
        table[_norm(r)] = i
        if r in REASONS:
            en, zh, syn = REASONS[r]
            for s in (en, zh, *syn):
                table.setdefault(_norm(s), i)
    for k, v in (labels or {}).items():
        if v not in code:
            raise ConfigError(f"labels: {k!r} maps to {v!r}, which is not a reason; expected one of {list(reasons)}")
        table[_norm(str(k))] = code[v]
    return table


def code_reasons(
    values: Any,
    *,
    reasons: Sequence[str] | None = None,
    labels: Mapping[Any, str] | None = None,
    unknown: str = "error",
    name: str = "reason",
) -> np.ndarray:
    """Reason codes (int32 positions in ``reasons``; -1 for a missing answer) of answers.

    Examples
    --------
    >>> import servscore as ss
    >>> ss.defection.code_reasons(["服务不周", "Moved", None, "price too high"]).tolist()
    [7, 1, -1, 4]
    """
    rs = list(reasons) if reasons is not None else list(REASONS)
    if unknown not in ("error", "other"):
        raise ConfigError(f"unknown: {unknown!r}; expected 'error' or 'other'")
    if unknown == "other" and "other" not in rs:
        raise ConfigError("unknown='other' needs an 'other' reason in reasons")
    table = _lookup(rs, labels)
    s = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values, dtype=object))
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(object)
    missing = s.isna().to_numpy() | (s.astype("string").str.strip() == "").fillna(True).to_numpy()
    keys = s.astype("string").str.strip().str.lower().str.split().str.join(" ")
    codes = keys.map(table).astype("Float64")
    bad = codes.isna().to_numpy() & ~missing
    if bad.any():
        if unknown == "other":
            codes[bad] = rs.index("other")
        else:
            pos = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"{name}: row {_row(s.index, pos)!r}: value {s.iloc[pos]!r} is not a defection reason; expected a reason "
                f"code, its English or Chinese label ({', '.join(rs)}), a labels= entry, or unknown='other' "
                f"({int(bad.sum())} such values)"
            )
    out = codes.fillna(-1).to_numpy(dtype=np.int64)
    return np.ascontiguousarray(out, dtype=np.int32)


def _benchmark(benchmark: Any, reasons: list[str]) -> dict[str, float] | None:
    if benchmark is None:
        return None
    if isinstance(benchmark, str):
        if benchmark not in BENCHMARKS:
            raise ConfigError(
                f"benchmark: unknown benchmark {benchmark!r}; expected one of {list(BENCHMARKS)} or a dict"
            )
        b = dict(BENCHMARKS[benchmark])
    elif isinstance(benchmark, Mapping):
        b = {str(k): float(v) for k, v in benchmark.items()}
    else:
        raise ConfigError(
            f"benchmark: expected a name ({list(BENCHMARKS)}), a dict of shares or None, got {benchmark!r}"
        )
    for k, v in b.items():
        if k not in reasons:
            raise ConfigError(f"benchmark: {k!r} is not a reason; expected one of {reasons}")
        if not (0.0 <= v <= 1.0):
            raise ConfigError(f"benchmark: share of {k!r} is {v!r}; expected a number in [0, 1]")
    total = sum(b.values())
    if total > 1.0 + 1e-9:
        raise ConfigError(f"benchmark: shares sum to {total:.6g}; expected at most 1 (the remainder is 'other')")
    if "other" in b:
        if abs(total - 1.0) > 1e-9:
            raise ConfigError(f"benchmark: shares including 'other' sum to {total:.6g}; expected 1")
    else:
        if "other" not in reasons and total < 1.0 - 1e-9:
            raise ConfigError("benchmark: the shares leave a remainder but the reasons have no 'other'")
        b["other"] = max(0.0, 1.0 - total)
    return b


@dataclasses.dataclass(frozen=True, repr=False)
class DefectionResult(Result):
    """Defection-reason shares per group, and the test against a benchmark.

    Attributes
    ----------
    table
        One row per group and reason (index: group, reason): ``label`` (in the chosen
        language), ``n`` (respondents), ``count`` (weighted), ``share``, simultaneous ``lower`` /
        ``upper``, and with a benchmark: ``benchmark`` (its share; reasons it does not list are
        folded into ``other``), ``difference`` (share - benchmark), ``residual`` (adjusted
        standardised) and ``verdict`` (``above`` / ``below`` / ``consistent``).
    tests
        One row per group: ``n``, ``n_effective``, ``n_missing``, ``statistic``, ``dof``,
        ``p_value`` and ``min_expected`` of Pearson's chi-square against the benchmark (the
        test columns only with a benchmark).
    benchmark
        The benchmark mix used (``other`` holds the remainder), or None.
    """

    table: pd.DataFrame
    tests: pd.DataFrame
    benchmark: dict[str, float] | None
    level: float
    interval: str

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Reason shares with their simultaneous intervals (first group), the benchmark shares as dots; returns the Axes."""
        from .plotting import estimate_bars

        g = self.table.index.get_level_values(0)[0]
        t = self.table.loc[g]
        t = t[t["share"] > 0] if (t["share"] > 0).any() else t
        a = estimate_bars(
            t.set_index("label")["share"],
            t["lower"],
            t["upper"],
            ax=ax,
            xlabel="share",
            title=f"Why customers leave ({g})",
            **kwargs,
        )
        if "benchmark" in t.columns:
            y = np.arange(len(t))[::-1]
            a.plot(t["benchmark"].to_numpy(), y, "o", color="#D55E00", label="benchmark")
            a.legend(loc="lower right")
        return a

    def to_frame(self) -> pd.DataFrame:
        """The per-group, per-reason table."""
        return self.table

    def _summary_lines(self) -> list[str]:
        lines = []
        for g, t in self.table.groupby(level=0, sort=False):
            top = t.sort_values("share", ascending=False).head(3)
            parts = [f"{r[1]} {100 * v:.1f}%" for r, v in top["share"].items() if v == v]
            lines.append(f"{g}: " + ", ".join(parts))
        if self.benchmark is not None and len(self.tests):
            for g, row in self.tests.iterrows():
                p = row["p_value"]
                ptxt = "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
                lines.append(f"{g}: against the benchmark chi2({int(row['dof'])}) = {row['statistic']:.2f}, {ptxt}")
        lines.append(f"simultaneous {100 * self.level:g}% intervals: {self.interval}")
        return lines


def analyze(
    data: Any,
    column: Any = "reason",
    *,
    benchmark: Any = "tarp",
    weights: Any = None,
    by: Any = None,
    reasons: Sequence[str] | None = None,
    labels: Mapping[Any, str] | None = None,
    unknown: str = "error",
    level: float = 0.95,
    interval: str = "goodman",
    lang: str = "en",
) -> DefectionResult:
    """Shares of defection reasons with simultaneous intervals, tested against a benchmark mix.

    Parameters
    ----------
    data
        A table (pandas, polars, Arrow) with one exit-survey answer per row, or the answers themselves.
    column
        The column of reasons (codes, English or Chinese labels) when ``data`` is a table.
    benchmark
        ``"tarp"`` (default), ``"ibm2004"``, a dict of reason shares (the remainder is ``other``), or None.
    weights
        A column name or one non-negative weight per answer.
    by
        Column name(s) or one label per answer (wave, store, segment ...).
    reasons
        The taxonomy (default: every code of :data:`REASONS`); custom codes need a ``labels`` map
        or answers that are the codes.
    labels
        Extra answer text -> reason code.
    unknown
        ``"error"`` (default) or ``"other"``: what an answer that matches no reason becomes.
    level, interval
        Joint confidence level and method (``goodman`` or ``quesenberry_hurst``) of the intervals.
    lang
        ``"en"`` or ``"zh"`` for the ``label`` column.

    Examples
    --------
    >>> import servscore as ss
    >>> answers = ["服务不周"] * 60 + ["价钱过高"] * 15 + ["产品品质不佳"] * 15 + ["搬家"] * 10
    >>> r = ss.defection.analyze(answers)
    >>> round(float(r.table.loc[("all", "poor_service"), "share"]), 2)
    0.6
    >>> r.table.loc[("all", "moved"), "verdict"]
    'above'
    """
    if lang not in ("en", "zh"):
        raise ConfigError(f"lang: {lang!r}; expected 'en' or 'zh'")
    if interval not in ("goodman", "quesenberry_hurst"):
        raise ConfigError(f"interval: {interval!r}; expected 'goodman' or 'quesenberry_hurst'")
    rs = list(reasons) if reasons is not None else list(REASONS)
    if len(set(rs)) != len(rs) or len(rs) < 2:
        raise ConfigError(f"reasons: expected at least two distinct reason codes, got {rs}")
    bench = _benchmark(benchmark, rs)
    frame = to_frame(data, name="data") if is_frame_like(data) else None
    if frame is not None:
        if not is_label(frame, column) or column not in frame.columns:
            raise InputError(f"column: {column!r} is not a column of data; columns are {list(frame.columns)}")
        values: Any = frame[column]
    else:
        values = data if isinstance(data, pd.Series) else pd.Series(np.asarray(data, dtype=object))
    n = len(values)
    codes = code_reasons(values, reasons=rs, labels=labels, unknown=unknown, name=str(column))
    index = _index(frame, n, values)
    if weights is None:
        w = np.empty(0, dtype=np.float64)
    elif isinstance(weights, str) or is_label(frame, weights):
        if frame is None:
            raise InputError(f"weights: {weights!r} is a column name, but data is not a table")
        w = pd.to_numeric(frame[weights], errors="raise").to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        w = np.asarray(weights, dtype=np.float64)
    if w.size and w.size != n:
        raise InputError(f"weights: expected {n} weights (one per answer), got {w.size}")
    groups, keys = _groups(by, frame, n)
    n_groups = 1 if keys is None else len(keys)
    try:
        d = _core.defection_shares(
            codes,
            np.ascontiguousarray(w),
            np.ascontiguousarray(groups if keys is not None else groups[:0]),
            n_groups,
            len(rs),
            float(level),
            interval,
        )
    except (InputError, ValueError) as e:
        raise relabel_rows(e, index) from None
    gnames = ["all"] if keys is None else [k if not isinstance(k, tuple) else " / ".join(map(str, k)) for k in keys]
    label = {r: (REASONS[r][0 if lang == "en" else 1] if r in REASONS else r) for r in rs}
    rows = []
    test_rows = []
    for gi, g in enumerate(gnames):
        share = d["share"][gi]
        block = pd.DataFrame(
            {
                "label": [label[r] for r in rs],
                "n": d["n"][gi].astype(np.int64),
                "count": d["count"][gi],
                "share": share,
                "lower": d["lower"][gi],
                "upper": d["upper"][gi],
            },
            index=pd.MultiIndex.from_product([[g], rs], names=["group", "reason"]),
        )
        if bench is not None:
            # fold the reasons the benchmark does not list into 'other'
            cats = [r for r in rs if r in bench]
            folded = {r: 0.0 for r in cats}
            for j, r in enumerate(rs):
                folded[r if r in bench else "other"] += float(share[j]) if share[j] == share[j] else 0.0
            neff = float(d["n_effective"][gi])
            t = _core.benchmark_test([folded[r] * neff for r in cats], [bench[r] for r in cats])
            resid = dict(zip(cats, t["residual"]))
            block["benchmark"] = [bench.get(r, np.nan) for r in rs]
            block["difference"] = block["share"] - block["benchmark"]
            block["residual"] = [resid.get(r, np.nan) for r in rs]
            # a reason folded into 'other' is judged with 'other'
            verdict: list[str | None] = []
            for r, lo, hi in zip(rs, block["lower"], block["upper"]):
                b = bench.get(r)
                if b is None or lo != lo:
                    verdict.append(None)
                elif r == "other" and any(x not in bench for x in rs):
                    verdict.append(None)  # 'other' includes folded reasons: see the test
                else:
                    verdict.append("above" if lo > b else "below" if hi < b else "consistent")
            block["verdict"] = pd.Series(verdict, index=block.index, dtype=object)
        row = {
            "group": g,
            "n": float(d["total"][gi]),
            "n_effective": float(d["n_effective"][gi]),
            "n_missing": int(d["n_missing"][gi]),
        }
        if bench is not None:
            row.update(statistic=t["statistic"], dof=t["dof"], p_value=t["p_value"], min_expected=t["min_expected"])
        test_rows.append(row)
        rows.append(block)
    table = pd.concat(rows)
    tests = pd.DataFrame(test_rows).set_index("group")
    return DefectionResult(table=table, tests=tests, benchmark=bench, level=float(level), interval=interval)
