"""Plots of the needs and standards results (matplotlib imported lazily).

Labels follow :func:`servscore.set_language` (or ``lang=``); every function returns the Axes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .model import HumanNeed, TimeElement, get_language
from .plotting import require_matplotlib, use_language_fonts

_TEXT = {
    "en": {
        "share_needs": "Share of interactions (%)",
        "needs": "Anticipated needs",
        "share_met": "Share met",
        "period": "Period",
        "center": "centre line",
        "limits": "control limits",
        "flagged": "out of control",
        "attainment": "Attainment of target (%)",
        "time": "Time elements of service",
        "mean_score": "Mean score",
        "fail_rate": "Failure rate (%)",
        "moments": "Cycle of service: moments of truth",
    },
    "zh": {
        "share_needs": "互动占比 (%)",
        "needs": "预计的需求",
        "share_met": "达标率",
        "period": "期间",
        "center": "中心线",
        "limits": "控制限",
        "flagged": "失控",
        "attainment": "时间目标达成率 (%)",
        "time": "服务的时间要素",
        "mean_score": "平均得分",
        "fail_rate": "失败率 (%)",
        "moments": "服务循环：真实一刻",
    },
}


def _setup(ax: Any, lang: str | None, size: tuple[float, float]) -> tuple[Any, dict[str, str], str]:
    plt = require_matplotlib()
    lang = lang or get_language()
    use_language_fonts(lang)
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax, _TEXT.get(lang, _TEXT["en"]), lang


def needs_bars(result: Any, *, ax: Any = None, lang: str | None = None, **kwargs: Any) -> Any:
    """Horizontal bars of the share of interactions with each need triggered."""
    ax, t, lang = _setup(ax, lang, (7, 4.5))
    nc = result.need_counts
    labels = [HumanNeed(n).label(lang) for n in nc.index]
    ax.barh(labels, 100 * nc["share"].to_numpy(), color=kwargs.pop("color", "#0072B2"), **kwargs)
    ax.invert_yaxis()
    ax.set_xlabel(t["share_needs"])
    ax.set_title(t["needs"])
    return ax


def p_chart_plot(
    result: Any,
    *,
    ax: Any = None,
    standard: str | None = None,
    group: Any = None,
    lang: str | None = None,
    **kwargs: Any,
) -> Any:
    """p-chart of one standard: share met per period, centre line, step limits, flagged points."""
    pc = result.pchart
    if not len(pc):
        raise ValueError("no p-chart: call compliance(..., period=COLUMN)")
    ax, t, lang = _setup(ax, lang, (8, 4))
    if standard is None:
        flagged = result.flagged
        standard = str(flagged["standard"].value_counts().index[0]) if len(flagged) else str(pc["standard"].iloc[0])
    d = pc[pc["standard"] == standard]
    gcol = [
        c for c in d.columns if c not in ("standard", "period", "n", "met", "p", "center", "lower", "upper", "signal")
    ]
    if gcol:
        g = group if group is not None else d[gcol[0]].iloc[0]
        d = d[d[gcol[0]] == g]
        standard = f"{standard} ({g})"
    x = np.arange(len(d))
    ax.plot(x, d["p"], marker="o", color="#0072B2", lw=1.2, **kwargs)
    ax.axhline(float(d["center"].iloc[0]), color="0.3", lw=1, label=t["center"])
    ax.step(x, d["lower"], where="mid", color="#D55E00", ls="--", lw=1, label=t["limits"])
    ax.step(x, d["upper"], where="mid", color="#D55E00", ls="--", lw=1)
    bad = (d["signal"] != "").to_numpy()
    if bad.any():
        ax.scatter(
            x[bad],
            d["p"].to_numpy()[bad],
            s=90,
            facecolors="none",
            edgecolors="#D55E00",
            lw=2,
            zorder=3,
            label=t["flagged"],
        )
    ax.set_xticks(x)
    ax.set_xticklabels([str(p) for p in d["period"]], rotation=45, ha="right", fontsize="small")
    low = min(float(np.nanmin(d["lower"].to_numpy())), float(np.nanmin(d["p"].to_numpy())))
    ax.set_ylim(max(0.0, low - 0.05), 1.02)
    ax.set_xlabel(t["period"])
    ax.set_ylabel(t["share_met"])
    ax.set_title(str(standard))
    ax.legend(fontsize="small", loc="lower left")
    return ax


def time_attainment_plot(
    result: Any, *, ax: Any = None, lang: str | None = None, group: Any = None, **kwargs: Any
) -> Any:
    """Attainment of each time element's target, with Wilson intervals."""
    ax, t, lang = _setup(ax, lang, (7, 4.5))
    tab = result.table
    if tab.index.nlevels > 1:
        g = group if group is not None else tab.index.get_level_values(0)[0]
        tab = tab.xs(g, level=0)
    labels = [
        f"{TimeElement(e).label(lang)} (<= {tt:g} {u})" for e, tt, u in zip(tab.index, tab["target"], tab["unit"])
    ]
    att = 100 * tab["attainment"].to_numpy()
    err = np.vstack([att - 100 * tab["low"].to_numpy(), 100 * tab["high"].to_numpy() - att])
    ax.barh(labels, att, xerr=err, color=kwargs.pop("color", "#009E73"), capsize=3, **kwargs)
    ax.set_xlim(0, 100)
    ax.invert_yaxis()
    ax.set_xlabel(t["attainment"])
    ax.set_title(t["time"])
    return ax


def moments_profile_plot(result: Any, *, ax: Any = None, lang: str | None = None, **kwargs: Any) -> Any:
    """Mean score per moment in cycle order (line) with the failure rate (bars, right axis)."""
    ax, t, lang = _setup(ax, lang, (8, 4))
    m = result.moments
    x = np.arange(len(m))
    ax2 = ax.twinx()
    ax2.bar(x, 100 * m["fail_rate"].to_numpy(), color="#E69F00", alpha=0.45)
    ax2.set_ylabel(t["fail_rate"])
    ax.plot(x, m["mean"].to_numpy(), marker="o", color="#0072B2", zorder=3, **kwargs)
    ax.set_zorder(ax2.get_zorder() + 1)
    ax.patch.set_visible(False)
    ax.set_xticks(x)
    ax.set_xticklabels([str(i) for i in m.index], rotation=45, ha="right", fontsize="small")
    ax.set_ylim(result.config.scale_min, result.config.scale_max)
    ax.set_ylabel(t["mean_score"])
    ax.set_title(t["moments"])
    return ax
