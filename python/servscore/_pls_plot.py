"""Plots of PLS results: the path diagram with coefficients, the IPMA map and the HTMT heat map (matplotlib only)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .model import get_language
from .plotting import require_matplotlib, use_language_fonts

_TEXT = {
    "en": {
        "title": "PLS path model (GoF {gof:.3f})",
        "r2": "R² {v:.2f}",
        "index": "index {v:.1f}",
        "importance": "Importance (total effect on {t})",
        "performance": "Performance (0-100)",
        "ipma": "Importance-performance map",
        "htmt": "{kind} (cells above {limit:g} marked)",
    },
    "zh": {
        "title": "PLS 路径模型 (GoF {gof:.3f})",
        "r2": "R² {v:.2f}",
        "index": "指数 {v:.1f}",
        "importance": "重要性 (对 {t} 的总效应)",
        "performance": "表现 (0-100)",
        "ipma": "重要性-表现分析图",
        "htmt": "{kind} (高于 {limit:g} 的单元格已标出)",
    },
}


def _layers(latents: list[str], paths: list[tuple[str, str]]) -> dict[str, int]:
    """Column of each latent: the length of the longest path reaching it (the model is a DAG)."""
    layer = {lv: 0 for lv in latents}
    for _ in latents:
        for f, t in paths:
            layer[t] = max(layer[t], layer[f] + 1)
    return layer


def path_diagram(result: Any, *, ax: Any = None, lang: str | None = None, digits: int = 2) -> Any:
    """The inner model as boxes (latents, with R2 and index) and arrows labelled with path coefficients.

    Solid arrows are positive paths, dashed arrows negative ones; line width grows with |coefficient|.
    """
    plt = require_matplotlib()
    lang = lang or get_language()
    use_language_fonts(lang)
    t = _TEXT.get(lang, _TEXT["en"])
    latents = list(result.latents.index)
    paths = result.model.paths
    layer = _layers(latents, paths)
    # latents in causal order on the upper arc of an ellipse: every vertex is on a convex
    # curve, so no arrow passes through another latent's box
    order = sorted(latents, key=lambda lv: (layer[lv], latents.index(lv)))
    n = len(order)
    width, height = 1.25 * n, 0.75 * n
    pos: dict[str, tuple[float, float]] = {}
    for k, lv in enumerate(order):
        theta = np.pi * (1.0 - k / max(n - 1, 1))
        pos[lv] = (width / 2 * float(np.cos(theta)), height / 2 * float(np.sin(theta)))
    if ax is None:
        _, ax = plt.subplots(figsize=(1.6 * n + 2, 0.9 * n + 2))
    coef = result.paths
    for f, to in paths:
        (x0, y0), (x1, y1) = pos[f], pos[to]
        b = float(coef.loc[to, f])
        ax.annotate(
            "",
            xy=(x1, y1),
            xytext=(x0, y0),
            arrowprops=dict(
                arrowstyle="-|>",
                lw=0.8 + 3.0 * min(abs(b), 1.0),
                ls="-" if b >= 0 else "--",
                color="#0072B2" if b >= 0 else "#D55E00",
                shrinkA=28,
                shrinkB=28,
                connectionstyle="arc3,rad=0.0",
            ),
        )
        ax.text(
            x0 + 0.55 * (x1 - x0),
            y0 + 0.55 * (y1 - y0),
            f"{b:.{digits}f}",
            ha="center",
            va="center",
            fontsize=9,
            bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.9),
        )
    for lv, (x, y) in pos.items():
        row = result.latents.loc[lv]
        label = lv
        if row["type"] == "endogenous":
            label += "\n" + t["r2"].format(v=row["r2"])
        if "index" in result.latents.columns:
            label += "\n" + t["index"].format(v=row["index"])
        ax.text(
            x,
            y,
            label,
            ha="center",
            va="center",
            fontsize=9,
            bbox=dict(boxstyle="round,pad=0.4", fc="#F0F0F0", ec="0.3"),
        )
    ax.set_xlim(-width / 2 - 0.9, width / 2 + 0.9)
    ax.set_ylim(-0.9, height / 2 + 0.9)
    ax.set_axis_off()
    ax.set_title(t["title"].format(gof=result.gof))
    return ax


def ipma_map(result: Any, *, ax: Any = None, lang: str | None = None, indicators: bool = False) -> Any:
    """Importance (x) vs performance (y) of the latents (or indicators) for the IPMA target, with mean crosshairs."""
    plt = require_matplotlib()
    lang = lang or get_language()
    use_language_fonts(lang)
    t = _TEXT.get(lang, _TEXT["en"])
    table = result.ipma_indicators if indicators else result.ipma
    if table is None:
        from ._core import ConfigError

        raise ConfigError("ipma: the result has no IPMA (fit with indices=True)")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    x = table["importance"].to_numpy()
    y = table["performance"].to_numpy()
    ax.scatter(x, y, color="#0072B2", zorder=3)
    for name, xi, yi in zip(table.index, x, y):
        ax.annotate(str(name), (xi, yi), textcoords="offset points", xytext=(4, 4), fontsize=8)
    if len(x):
        ax.axvline(float(np.mean(x)), color="0.5", lw=1, ls="--")
        ax.axhline(float(np.mean(y)), color="0.5", lw=1, ls="--")
    ax.set_xlabel(t["importance"].format(t=result.ipma_target))
    ax.set_ylabel(t["performance"])
    ax.set_title(t["ipma"])
    return ax


def htmt_map(
    result: Any, *, ax: Any = None, lang: str | None = None, kind: str = "htmt", limit: float = 0.85, digits: int = 2
) -> Any:
    """Heat map of the HTMT (``kind="htmt"``) or HTMT2 (``kind="htmt2"``) lower triangle, each cell
    labelled with its value; cells above ``limit`` (0.85, Henseler et al. 2015; 0.90 for
    conceptually close constructs) are outlined in red."""
    plt = require_matplotlib()
    lang = lang or get_language()
    use_language_fonts(lang)
    t = _TEXT.get(lang, _TEXT["en"])
    if kind not in ("htmt", "htmt2"):
        from ._core import ConfigError

        raise ConfigError(f"kind: {kind!r}; expected 'htmt' or 'htmt2'")
    table = getattr(result, kind)
    names = [str(c) for c in table.columns]
    m = table.to_numpy(dtype=float).copy()
    n = len(names)
    m[np.triu_indices(n)] = np.nan  # the matrix is symmetric: show each pair once
    if ax is None:
        _, ax = plt.subplots(figsize=(1.0 + 0.8 * n, 0.8 + 0.7 * n))
    ax.imshow(np.ma.masked_invalid(m), cmap="Blues", vmin=0.0, vmax=max(1.0, float(np.nanmax(m)) if n > 1 else 1.0))
    for i in range(n):
        for j in range(i):
            v = m[i, j]
            label = "NaN" if np.isnan(v) else f"{v:.{digits}f}"
            ax.text(j, i, label, ha="center", va="center", fontsize=8, color="white" if v > 0.6 else "black")
            if v > limit:
                ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="#D55E00", lw=2))
    ax.set_xticks(range(n), names, rotation=45, ha="right")
    ax.set_yticks(range(n), names)
    ax.set_title(t["htmt"].format(kind=kind.upper(), limit=limit))
    return ax
