"""Plots of the reliability and SERVQUAL results (matplotlib, imported lazily).

Every function takes ``ax=None`` (a new figure when omitted) and returns the
matplotlib ``Axes``; labels follow :func:`servscore.set_language` (or ``lang=``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .model import RaterDimension, get_language
from .plotting import require_matplotlib, use_language_fonts

_TEXT = {
    "en": {
        "alpha_if_deleted": "Alpha if item deleted",
        "alpha": "alpha",
        "item": "Item",
        "gap": "Gap (perception - expectation)",
        "gaps": "SERVQUAL gaps",
        "zot": "Zone of tolerance",
        "perceived": "perceived",
        "zone": "adequate - desired",
        "score": "Score",
    },
    "zh": {
        "alpha_if_deleted": "删除该题后的 alpha",
        "alpha": "alpha",
        "item": "题项",
        "gap": "差距 (感知 - 期望)",
        "gaps": "SERVQUAL 差距",
        "zot": "容忍区间",
        "perceived": "感知",
        "zone": "适当 - 理想",
        "score": "得分",
    },
}


def _text(lang: str | None) -> tuple[str, dict[str, str]]:
    lang = lang or get_language()
    use_language_fonts(lang)
    return lang, _TEXT.get(lang, _TEXT["en"])


def dimension_label(name: str, lang: str) -> str:
    """The RATER label of a dimension name, or the name itself for custom dimensions."""
    try:
        return RaterDimension(name).label(lang)
    except ValueError:
        return str(name)


def alpha_bars(result: Any, *, ax: Any = None, lang: str | None = None, **kwargs: Any) -> Any:
    """Horizontal bars of alpha if each item is deleted, with the block's alpha as a dashed line."""
    plt = require_matplotlib()
    lang, t = _text(lang)
    items = result.items
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 0.35 * len(items) + 1.5))
    vals = items["alpha_if_deleted"].to_numpy(dtype=float)
    colours = np.where(vals > result.alpha, "#D55E00", "#0072B2")
    ax.barh([str(i) for i in items.index], vals, color=colours, **kwargs)
    ax.axvline(result.alpha, color="0.2", ls="--", lw=1, label=f"{t['alpha']} = {result.alpha:.3f}")
    ax.set_xlabel(t["alpha_if_deleted"])
    ax.set_ylabel(t["item"])
    ax.invert_yaxis()
    ax.legend(loc="lower right", fontsize="small")
    return ax


def servqual_bars(result: Any, *, ax: Any = None, by: str = "dimension", lang: str | None = None, **kwargs: Any) -> Any:
    """Bars of the mean gap (SERVPERF: mean perception) per dimension or item; negative gaps in orange."""
    plt = require_matplotlib()
    lang, t = _text(lang)
    if by not in ("dimension", "item"):
        raise ValueError(f"by: {by!r}; expected 'dimension' or 'item'")
    table = result.dimensions if by == "dimension" else result.items
    col = "gap" if result.kind == "servqual" else "perception"
    vals = table[col].to_numpy(dtype=float)
    labels = (
        [dimension_label(str(i), lang) for i in table.index] if by == "dimension" else [str(i) for i in table.index]
    )
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.3 * len(labels) + 2) if by == "item" else (7, 4))
    colours = np.where(vals < 0, "#D55E00", "#009E73") if col == "gap" else "#0072B2"
    ax.barh(labels, vals, color=colours, **kwargs)
    if col == "gap":
        ax.axvline(0, color="0.2", lw=1)
    ax.set_xlabel(t["gap"] if col == "gap" else t["score"])
    ax.set_title(t["gaps"] if col == "gap" else "SERVPERF")
    ax.invert_yaxis()
    return ax


def zot_ranges(result: Any, *, ax: Any = None, by: str = "dimension", lang: str | None = None, **kwargs: Any) -> Any:
    """Zone of tolerance per dimension or item: a bar from adequate to desired, the perceived mean as a dot."""
    plt = require_matplotlib()
    lang, t = _text(lang)
    if by not in ("dimension", "item"):
        raise ValueError(f"by: {by!r}; expected 'dimension' or 'item'")
    table = result.dimensions if by == "dimension" else result.items
    labels = (
        [dimension_label(str(i), lang) for i in table.index] if by == "dimension" else [str(i) for i in table.index]
    )
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.3 * len(labels) + 2) if by == "item" else (7, 4))
    a = table["adequate"].to_numpy(dtype=float)
    d = table["desired"].to_numpy(dtype=float)
    p = table["perceived"].to_numpy(dtype=float)
    y = np.arange(len(labels))
    ax.barh(y, d - a, left=a, height=0.5, color="#56B4E9", alpha=0.6, label=t["zone"], **kwargs)
    colours = np.where(p < a, "#D55E00", np.where(p > d, "#009E73", "0.1"))
    ax.scatter(p, y, color=colours, zorder=3, label=t["perceived"])
    ax.set_yticks(y)
    ax.set_yticklabels(labels)
    ax.set_xlim(result.config.zot_scale_min - 0.5, result.config.zot_scale_max + 0.5)
    ax.set_xlabel(t["score"])
    ax.set_title(t["zot"])
    ax.invert_yaxis()
    ax.legend(loc="lower right", fontsize="small")
    return ax
