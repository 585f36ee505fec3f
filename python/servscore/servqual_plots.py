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
