"""Plots of the lifecycle, loyalty and complaint-economics results (matplotlib, lazily imported).

Every function takes ``ax=None`` (a new figure when omitted), returns the matplotlib
``Axes`` and labels in the language of :func:`servscore.set_language` (or ``lang=``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .model import LifecycleStage, LoyaltySegment, get_language
from .plotting import require_matplotlib, use_language_fonts

#: Segment colours (Okabe-Ito, colour-blind safe).
SEGMENT_COLOURS = {
    "apostle": "#009E73",
    "mercenary": "#E69F00",
    "hostage": "#56B4E9",
    "defector": "#999999",
    "terrorist": "#D55E00",
}

_TEXT = {
    "en": {
        "index": "Stage index (0-100)",
        "journey": "Journey index",
        "weak": "weak",
        "strong": "strong",
        "profile": "Lifecycle stage profile",
        "satisfaction": "Satisfaction",
        "loyalty": "Loyalty",
        "loyal_share": "Loyal share (%)",
        "curve": "Satisfaction-to-loyalty curve",
        "grid": "Satisfaction x loyalty segments",
        "high": "high",
        "low": "low",
        "customers": "Customers",
        "retained": "retained",
        "lost": "lost",
        "baseline": "baseline",
        "scenario": "scenario",
        "sensitivity": "Sensitivity",
        "competitive": "competitive",
        "non_competitive": "non-competitive",
        "intermediate": "intermediate",
        "insufficient": "insufficient data",
    },
    "zh": {
        "index": "阶段指数 (0-100)",
        "journey": "旅程指数",
        "weak": "薄弱",
        "strong": "优势",
        "profile": "客户生命周期各阶段",
        "satisfaction": "满意度",
        "loyalty": "忠诚度",
        "loyal_share": "忠诚客户占比 (%)",
        "curve": "满意度与忠诚度曲线",
        "grid": "满意度 x 忠诚度 分群",
        "high": "高",
        "low": "低",
        "customers": "客户数",
        "retained": "保留",
        "lost": "流失",
        "baseline": "基线",
        "scenario": "情景",
        "sensitivity": "敏感性",
        "competitive": "高度竞争",
        "non_competitive": "非竞争",
        "intermediate": "中间",
        "insufficient": "数据不足",
    },
}


def _setup(ax: Any, lang: str | None, figsize: tuple[float, float]) -> tuple[Any, dict[str, str], str]:
    plt = require_matplotlib()
    lang = lang or get_language()
    use_language_fonts(lang)
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax, _TEXT.get(lang, _TEXT["en"]), lang


def stage_profile(result: Any, *, ax: Any = None, group: Any = None, lang: str | None = None, **kwargs: Any) -> Any:
    """Horizontal bars of the stage indices with their intervals, the journey index as a line,
    weak stages in red and strong ones in green (one group of a :class:`LifecycleResult`)."""
    t = result.stage_table(group)
    ax, txt, lang = _setup(ax, lang, (7, 0.45 * len(t) + 1.6))
    labels = [LifecycleStage(s).label(lang) for s in t.index]
    colour = np.where(t["weak"], "#D55E00", np.where(t["strong"], "#009E73", "#56B4E9"))
    y = np.arange(len(t))
    idx = t["index"].to_numpy(float)
    err = np.vstack([idx - t["lower"].to_numpy(float), t["upper"].to_numpy(float) - idx])
    ax.barh(y, np.nan_to_num(idx), color=colour, **kwargs)
    ax.errorbar(idx, y, xerr=np.nan_to_num(err), fmt="none", ecolor="0.2", capsize=3, lw=1)
    g = result.journey.index[0] if group is None else group
    journey = float(result.journey.loc[g, "journey"])
    ax.axvline(journey, color="0.2", ls="--", lw=1, label=f"{txt['journey']} {journey:.1f}")
    for yi, (w, s, v) in enumerate(zip(t["weak"], t["strong"], idx)):
        if w or s:
            ax.text(
                min(np.nan_to_num(v) + 2, 96), yi, txt["weak"] if w else txt["strong"], va="center", fontsize="small"
            )
    ax.set_yticks(y)
    ax.set_yticklabels(labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(txt["index"])
    ax.set_title(txt["profile"] + ("" if group is None else f": {group}"))
    ax.legend(loc="lower right", fontsize="small")
    return ax


def loyalty_grid(result: Any, *, ax: Any = None, lang: str | None = None, group: Any = None) -> Any:
    """The 2 x 2 grid of Jones & Sasser segments with counts and shares (terrorists inside the
    defector cell) for one group (default: all groups together) of a :class:`LoyaltyResult`."""
    ax, txt, lang = _setup(ax, lang, (5.5, 5))
    t = result.table if group is None else result.table.loc[[group]]
    counts = {s: int(t[s].sum()) for s in LoyaltySegment.names()}
    n = max(sum(counts.values()), 1)
    cells = {"apostle": (1, 1), "mercenary": (1, 0), "hostage": (0, 1), "defector": (0, 0)}
    for seg, (x, y) in cells.items():
        ax.add_patch(
            require_matplotlib().Rectangle((x, y), 1, 1, color=SEGMENT_COLOURS[seg], alpha=0.35, ec="white", lw=2)
        )
        text = f"{LoyaltySegment(seg).label(lang)}\n{counts[seg]} ({100 * counts[seg] / n:.1f}%)"
        if seg == "defector" and counts["terrorist"]:
            text += (
                f"\n{LoyaltySegment.terrorist.label(lang)} {counts['terrorist']} ({100 * counts['terrorist'] / n:.1f}%)"
            )
        ax.text(x + 0.5, y + 0.5, text, ha="center", va="center")
    ax.set_xlim(0, 2)
    ax.set_ylim(0, 2)
    ax.set_xticks([0.5, 1.5])
    ax.set_xticklabels([txt["low"], txt["high"]])
    ax.set_yticks([0.5, 1.5])
    ax.set_yticklabels([txt["low"], txt["high"]])
    ax.set_xlabel(txt["satisfaction"])
    ax.set_ylabel(txt["loyalty"])
    ax.set_title(txt["grid"])
    return ax


def loyalty_curve_plot(curve: Any, *, ax: Any = None, lang: str | None = None, **kwargs: Any) -> Any:
    """Loyal share (%) against satisfaction, one line per group with its Wilson band; the zone in the legend."""
    ax, txt, lang = _setup(ax, lang, (6.5, 4.5))
    t = curve.table
    for g, grp in t.groupby("group", sort=False):
        x = grp["satisfaction"].to_numpy(float)
        zone = curve.zones.loc[g, "zone"] if g in curve.zones.index else ""
        (line,) = ax.plot(
            x, 100 * grp["loyal_share"].to_numpy(float), marker="o", label=f"{g} ({txt.get(zone, zone)})", **kwargs
        )
        ax.fill_between(
            x,
            100 * grp["loyal_lower"].to_numpy(float),
            100 * grp["loyal_upper"].to_numpy(float),
            color=line.get_color(),
            alpha=0.15,
        )
    ax.axvline(curve.config.satisfaction_threshold, color="0.4", ls=":", lw=1)
    ax.set_ylim(0, 100)
    ax.set_xlabel(txt["satisfaction"])
    ax.set_ylabel(txt["loyal_share"])
    ax.set_title(txt["curve"])
    ax.legend(fontsize="small")
    return ax


def complaint_bars(result: Any, *, ax: Any = None, lang: str | None = None) -> Any:
    """Stacked bars of retained and lost customers for the baseline (and the scenario)."""
    ax, txt, lang = _setup(ax, lang, (5, 4))
    t = result.table
    names = [txt.get(str(i), str(i)) for i in t.index]
    ax.bar(names, t["retained"], color="#009E73", label=txt["retained"])
    ax.bar(names, t["lost"], bottom=t["retained"], color="#D55E00", label=txt["lost"])
    ax.set_ylabel(txt["customers"])
    ax.legend(fontsize="small")
    return ax


def sensitivity_line(result: Any, *, ax: Any = None, y: str = "lost", lang: str | None = None, **kwargs: Any) -> Any:
    """An outcome of the TARP model against the varied parameter."""
    ax, txt, lang = _setup(ax, lang, (6, 4))
    t = result.table
    if y not in t.columns:
        from ._core import InputError

        raise InputError(f"y: {y!r} is not an outcome; expected one of: {', '.join(t.columns)}")
    ax.plot(t.index.to_numpy(float), t[y].to_numpy(float), marker="o", **kwargs)
    ax.set_xlabel(result.parameter)
    ax.set_ylabel(txt.get(y, y))
    ax.set_title(f"{txt['sensitivity']}: {y}")
    return ax
