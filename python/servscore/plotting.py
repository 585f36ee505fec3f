"""Plots of servscore results (matplotlib, an optional dependency: ``pip install servscore[plot]``).

Every function takes ``ax=None`` (a new figure when omitted) and returns the
matplotlib ``Axes``; labels follow :func:`servscore.set_language` (or ``lang=``).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from .model import Quadrant, get_language

#: Colours of the quadrants (colour-blind safe, Okabe-Ito).
QUADRANT_COLOURS = {
    "freezer": "#0072B2",
    "factory": "#E69F00",
    "friendly": "#009E73",
    "quality": "#CC79A7",
    "unknown": "#999999",
}

_TEXT = {
    "en": {
        "procedural": "Procedural score",
        "personal": "Personal score",
        "share": "Share of encounters (%)",
        "quadrants": "Service quadrants",
    },
    "zh": {"procedural": "程序面得分", "personal": "个人面得分", "share": "接触占比 (%)", "quadrants": "服务四象限"},
}


def require_matplotlib() -> Any:
    """Import matplotlib.pyplot, or raise an ImportError saying what to install."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("plotting needs matplotlib: pip install 'servscore[plot]' (or pip install matplotlib)") from e
    return plt


_cjk_checked: dict[str, bool] = {}


def use_language_fonts(lang: str) -> None:
    """For Chinese labels, select an installed CJK font; warn (once) with what to install if none is."""
    if lang != "zh" or "zh" in _cjk_checked:
        return
    plt = require_matplotlib()
    from matplotlib import font_manager

    candidates = [
        "Noto Sans CJK SC",
        "Noto Sans CJK JP",
        "Noto Sans SC",
        "WenQuanYi Zen Hei",
        "WenQuanYi Micro Hei",
        "Source Han Sans SC",
        "SimHei",
        "Microsoft YaHei",
        "PingFang SC",
        "AR PL UMing CN",
    ]
    installed = {f.name for f in font_manager.fontManager.ttflist}
    found = [c for c in candidates if c in installed]
    if not found:
        # matplotlib caches its font list; a CJK font installed after the cache was built is
        # found by scanning the system fonts once.
        for path in font_manager.findSystemFonts():
            if any(k in path.lower() for k in ("cjk", "wqy", "sourcehansans", "simhei", "msyh")):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):  # pragma: no cover - unreadable font file
                    continue
        installed = {f.name for f in font_manager.fontManager.ttflist}
        found = [c for c in candidates if c in installed]
    _cjk_checked["zh"] = bool(found)
    if found:
        plt.rcParams["font.sans-serif"] = found + list(plt.rcParams.get("font.sans-serif", []))
        plt.rcParams["font.family"] = "sans-serif"
    else:
        warnings.warn(
            "no CJK font found for Chinese labels; install one, e.g. 'apt-get install fonts-noto-cjk' "
            "(Debian/Ubuntu) or 'pip install fonts-noto-sans-cjk'; labels may show as boxes",
            RuntimeWarning,
            stacklevel=3,
        )


def _lang(lang: str | None) -> str:
    return lang or get_language()


def encounter_quadrants(
    scored: pd.DataFrame,
    *,
    ax: Any = None,
    lang: str | None = None,
    sample: int | None = 5000,
    seed: int = 0,
    **kwargs: Any,
) -> Any:
    """Scatter of procedural vs personal scores with the cut-off lines, coloured by quadrant.

    ``scored`` is the output of :func:`servscore.score_encounters`; at most ``sample``
    encounters are drawn (seeded), so large batches stay readable. Extra keyword
    arguments go to ``Axes.scatter``.
    """
    from .encounters import EncounterConfig

    plt = require_matplotlib()
    lang = _lang(lang)
    use_language_fonts(lang)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 6))
    cfg_json = scored.attrs.get("servscore.encounter_config")
    cfg = EncounterConfig.from_json(cfg_json) if cfg_json else EncounterConfig()
    data = scored
    if sample is not None and len(data) > sample:
        data = data.sample(sample, random_state=seed)
    jitter = np.random.default_rng(seed).uniform(-0.8, 0.8, size=(len(data), 2))
    for q in Quadrant.names():
        m = (data["quadrant"].astype(str) == q).to_numpy()
        if not m.any() or q == "unknown":
            continue
        ax.scatter(
            data["procedural"].to_numpy()[m] + jitter[m, 0],
            data["personal"].to_numpy()[m] + jitter[m, 1],
            s=kwargs.pop("s", 8),
            alpha=kwargs.pop("alpha", 0.5),
            color=QUADRANT_COLOURS[q],
            label=f"{Quadrant(q).label(lang)} ({int((scored['quadrant'].astype(str) == q).sum())})",
            **kwargs,
        )
    ax.axvline(cfg.procedural_threshold, color="0.3", lw=1, ls="--")
    ax.axhline(cfg.personal_threshold, color="0.3", lw=1, ls="--")
    ax.set_xlim(-3, 103)
    ax.set_ylim(-3, 103)
    t = _TEXT.get(lang, _TEXT["en"])
    ax.set_xlabel(t["procedural"])
    ax.set_ylabel(t["personal"])
    ax.set_title(t["quadrants"])
    ax.legend(loc="lower left", fontsize="small", framealpha=0.9)
    return ax


def encounter_shares(summary: Any, *, ax: Any = None, lang: str | None = None) -> Any:
    """Stacked horizontal bars of quadrant shares per group of an :class:`EncounterSummary`."""
    plt = require_matplotlib()
    lang = _lang(lang)
    use_language_fonts(lang)
    table = summary.table
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.5 * len(table) + 1.5))
    left = np.zeros(len(table))
    labels = [str(i) for i in table.index]
    for q in Quadrant.names():
        share = table[f"share_{q}"].fillna(0).to_numpy() * 100
        if share.sum() == 0 and q == "unknown":
            continue
        ax.barh(labels, share, left=left, color=QUADRANT_COLOURS[q], label=Quadrant(q).label(lang))
        left += share
    ax.set_xlim(0, 100)
    ax.set_xlabel(_TEXT.get(lang, _TEXT["en"])["share"])
    ax.invert_yaxis()
    ax.legend(ncol=5, fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.15))
    return ax


def estimate_bars(
    values: Any,
    lower: Any = None,
    upper: Any = None,
    *,
    ax: Any = None,
    title: str = "",
    xlabel: str = "",
    reference: float | None = None,
    lang: str | None = None,
) -> Any:
    """Horizontal bars of named estimates (a Series) with optional interval whiskers and a
    reference line; the generic ``plot()`` of the results that are a short list of figures
    (agreement statistics, reliability coefficients, shares, means). Returns the Axes."""
    plt = require_matplotlib()
    use_language_fonts(_lang(lang))
    v = pd.Series(values, dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 0.45 * max(len(v), 2) + 1.2))
    y = np.arange(len(v))[::-1]
    ax.barh(y, v.to_numpy(), color="#0072B2", alpha=0.8)
    if lower is not None and upper is not None:
        lo = np.asarray(lower, dtype=float)
        hi = np.asarray(upper, dtype=float)
        val = v.to_numpy()
        err = np.vstack([np.clip(val - lo, 0, None), np.clip(hi - val, 0, None)])
        ok = np.isfinite(err).all(axis=0)
        if ok.any():
            ax.errorbar(val[ok], y[ok], xerr=err[:, ok], fmt="none", ecolor="black", capsize=3)
    if reference is not None:
        ax.axvline(reference, color="#D55E00", linestyle="--", linewidth=1)
    ax.set_yticks(y)
    ax.set_yticklabels([str(i) for i in v.index])
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)
    return ax
