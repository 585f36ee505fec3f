"""Interpersonal (social) styles: Merrill & Reid's four styles on two axes.

**Assertiveness** (ask vs tell) and **responsiveness** (control vs emote) place a
person in one of four styles:

==============  =============  ===============  =====================================
style           assertiveness  responsiveness   traits (the source's lists, shortened)
==============  =============  ===============  =====================================
analytical      low            low              detail questions, precise, cautious
amiable         low            high             relationships, patient, slow decider
driver          high           low              gives orders, decisive, wants control
expressive      high           high             enthusiastic, talkative, emotional
==============  =============  ===============  =====================================

Two ways in:

- :func:`classify` scores a questionnaire or observer ratings with a configurable
  :class:`StyleInstrument` (item -> axis, reverse keys, scale; cut-offs at the scale
  midpoint, a norm, or the sample's z-scores), giving axis scores, style, sub-style
  (the 4 x 4 grid) and intensity (distance from the origin). The default 12-item
  instrument ships as ``servscore/data/text/style_instrument.json``.
- :func:`from_cues` reads behaviour cues (:func:`servscore.text.match_cues` counts):
  each cue of the lexicon carries evidence on the axes (detail questions: -1/-1;
  commands: +1/-1; emotional words: +1/+1; seeking reassurance: -1/+1). The style is
  the quadrant of the mean evidence per hit; the result states the evidence and a
  confidence, and is ``unknown`` when the evidence is too thin.

:func:`guidance` gives the service guidance for each style in English and Chinese.
Reference: D. W. Merrill & R. H. Reid, *Personal Styles & Effective Performance*
(1981). The scoring rules are ours on that model; every number is a default in the
JSON files.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._core import ConfigError, InputError, StyleInstrument
from ._input import is_frame_like, numeric_matrix, relabel_rows, resolve_config, result_frame, to_frame
from ._result import Result
from .model import SocialStyle, get_language
from .text import CueMatchResult, _data_text, load_data, resolve_lexicon

__all__ = [
    "StyleInstrument",
    "StyleResult",
    "classify",
    "default_instrument",
    "from_cues",
    "guidance",
]

#: Style categories of results: the four styles and ``unknown``.
STYLE_CATEGORIES = [*SocialStyle.names(), "unknown"]


def _style_categorical(codes: np.ndarray, index: pd.Index | None = None) -> pd.Categorical:
    c = np.asarray(codes, dtype=np.int64).copy()
    c[c < 0] = len(STYLE_CATEGORIES) - 1
    return pd.Categorical.from_codes(c, categories=STYLE_CATEGORIES)


def _style_codes(a: np.ndarray, r: np.ndarray) -> np.ndarray:
    # SocialStyle codes (analytical 0, amiable 1, driver 2, expressive 3) as in the core's
    # style_of: ties at 0 count as high; -1 when a coordinate is missing.
    with np.errstate(invalid="ignore"):
        codes = np.where(a >= 0, np.where(r >= 0, 3, 2), np.where(r >= 0, 1, 0))
    return np.where(np.isfinite(a) & np.isfinite(r), codes, -1)


def default_instrument() -> StyleInstrument:
    """The default 12-item questionnaire (1-7 scale, six items per axis, three reverse-keyed)."""
    return StyleInstrument.from_json(_data_text("style_instrument.json"))


def guidance(style: str | SocialStyle, lang: str | None = None) -> list[str]:
    """Service guidance for a style (how to serve a driver, an amiable ...), in ``"en"`` or ``"zh"``.

    Examples
    --------
    >>> import servscore as ss
    >>> ss.styles.guidance("driver")[0]
    'Be brief, direct and businesslike; get to the point.'
    """
    s = SocialStyle(style)
    lang = lang or get_language()
    if lang not in ("en", "zh"):
        raise ConfigError(f"lang: {lang!r} is not supported; expected 'en' or 'zh'")
    return list(load_data("styles.json")["guidance"][s.value][lang])


@dataclasses.dataclass(frozen=True, repr=False)
class StyleResult(Result):
    """Social styles of a batch of people.

    Attributes
    ----------
    table
        One row per person: ``assertiveness`` and ``responsiveness`` (axis scores on the
        rating scale; for :func:`from_cues`, mean evidence per hit in [-1, 1]), ``a_centred``
        and ``r_centred`` (the grid coordinates), ``intensity``, ``style`` and ``sub_style``
        (categorical, ``unknown`` when an axis is missing or the evidence is thin), and for
        :func:`from_cues` ``hits``, ``confidence`` and ``evidence``.
    method
        ``"questionnaire"`` or ``"cues"``.
    settings
        The instrument (as a dict) or the from-cues rule used.
    """

    table: pd.DataFrame
    method: str
    settings: dict[str, Any]

    def to_frame(self) -> pd.DataFrame:
        """The per-person table."""
        return self.table

    def counts(self) -> pd.Series:
        """Number of people per style (``unknown`` included)."""
        return self.table["style"].value_counts().reindex(STYLE_CATEGORIES, fill_value=0)

    def _summary_lines(self) -> list[str]:
        c = self.counts()
        n = int(c.sum())
        parts = ", ".join(f"{k} {v} ({100 * v / max(n, 1):.0f}%)" for k, v in c.items())
        return [f"{n} people by {self.method}: {parts}"]

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """The style grid: people on assertiveness x responsiveness, the four quadrants labelled."""
        from .plotting import require_matplotlib, use_language_fonts

        plt = require_matplotlib()
        lang = kwargs.pop("lang", None) or get_language()
        use_language_fonts(lang)
        if ax is None:
            _, ax = plt.subplots(figsize=(5.5, 5.5))
        colours = {"analytical": "#0072B2", "amiable": "#009E73", "driver": "#D55E00", "expressive": "#CC79A7"}
        t = self.table
        x, y = t["a_centred"].to_numpy(dtype=float), t["r_centred"].to_numpy(dtype=float)
        ok = np.isfinite(x) & np.isfinite(y)
        lim = max(1.0, float(np.nanmax(np.abs(np.r_[x[ok], y[ok]]))) * 1.1 if ok.any() else 1.0)
        for s, col in colours.items():
            m = ok & (t["style"].astype(str).to_numpy() == s)
            ax.scatter(x[m], y[m], s=kwargs.get("s", 14), alpha=kwargs.get("alpha", 0.6), color=col, label=None)
        ax.axhline(0, color="#555555", lw=0.8)
        ax.axvline(0, color="#555555", lw=0.8)
        corners = {"analytical": (-1, -1), "amiable": (-1, 1), "driver": (1, -1), "expressive": (1, 1)}
        for s, (sx, sy) in corners.items():
            ax.text(
                sx * lim * 0.62,
                sy * lim * 0.9,
                SocialStyle(s).label(lang),
                ha="center",
                va="center",
                color=colours[s],
                fontsize=11,
                weight="bold",
            )
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_xlabel("表达度 (问 ← → 说)" if lang == "zh" else "Assertiveness (ask ← → tell)")
        ax.set_ylabel("情感度 (控制 ← → 流露)" if lang == "zh" else "Responsiveness (control ← → emote)")
        ax.set_title("人际风格" if lang == "zh" else "Social styles")
        return ax


def classify(data: Any, *, instrument: Any = None) -> StyleResult:
    """Social styles from questionnaire or observer ratings.

    Parameters
    ----------
    data
        A DataFrame with one column per item of the instrument (other columns are kept), or a
        2-D array (people x items) in the instrument's item order. Missing ratings are allowed;
        an axis is scored when at least ``min_coverage`` of its item weight is rated.
    instrument
        :class:`StyleInstrument`, a dict, JSON text or a JSON file path; default: the bundled
        12-item questionnaire (:func:`default_instrument`). Keys: ``items`` (``name``, ``axis``
        assertiveness|responsiveness, ``reverse``, ``weight``), ``scale_min``, ``scale_max``,
        ``cutoff`` (``midpoint``, ``norm`` with ``norm_mean``/``norm_sd``, or ``sample``),
        ``sub_split``, ``min_coverage``.

    Returns
    -------
    StyleResult
        ``table`` has the input's columns plus ``assertiveness``, ``responsiveness``,
        ``a_centred``, ``r_centred``, ``intensity``, ``style``, ``sub_style``.

    Examples
    --------
    >>> import servscore as ss
    >>> ins = {"items": [{"name": "tell", "axis": "assertiveness"},
    ...                  {"name": "emote", "axis": "responsiveness"}], "scale_min": 1, "scale_max": 5}
    >>> import pandas as pd
    >>> r = ss.styles.classify(pd.DataFrame({"tell": [5, 1], "emote": [2, 4]}), instrument=ins)
    >>> r.table["style"].tolist(), r.table["intensity"].round(3).tolist()
    (['driver', 'amiable'], [1.118, 1.118])
    """
    ins = default_instrument() if instrument is None else resolve_config(instrument, StyleInstrument, name="instrument")
    ins.validate()
    names = ins.item_names
    if is_frame_like(data):
        frame = to_frame(data)
        x = numeric_matrix(frame, names, name="data")
        index = frame.index
        out = result_frame(frame)
    else:
        try:
            arr = np.asarray(data, dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise InputError(f"data: expected a 2-D array of ratings ({e})") from e
        if arr.ndim != 2 or arr.shape[1] != len(names):
            raise InputError(
                f"data: expected a 2-D array with {len(names)} columns (one per item), got shape {arr.shape}"
            )
        x = np.ascontiguousarray(arr)
        index = pd.RangeIndex(x.shape[0])
        out = pd.DataFrame(index=index)
    if x.shape[0] == 0:
        raise InputError("data: the input is empty (0 rows)")
    try:
        r = _core.classify_styles(x, ins)
    except InputError as e:
        raise relabel_rows(e, index) from None
    for c in ("assertiveness", "responsiveness", "a_centred", "r_centred", "intensity"):
        out[c] = r[c]
    out["style"] = _style_categorical(r["style"])
    out["sub_style"] = _style_categorical(r["sub_style"])
    return StyleResult(table=out, method="questionnaire", settings=ins.to_dict())


def _cue_counts(cues: Any) -> pd.DataFrame:
    if isinstance(cues, CueMatchResult):
        return cues.counts
    frame = to_frame(cues, name="cues")
    cols = [c for c in frame.columns if isinstance(c, str) and c.startswith("cue_")]
    if not cols:
        raise InputError("cues: no 'cue_<name>' columns; pass the output of servscore.text.match_cues or classify")
    return frame[cols]


def from_cues(cues: Any, *, lexicon: Any = None, rule: dict[str, Any] | None = None) -> StyleResult:
    """Social styles from behaviour cues, with the evidence and a confidence.

    Each hit of a cue with style evidence in the lexicon (``assertiveness`` and
    ``responsiveness`` per hit) adds to the axes. With ``n`` such hits, the coordinates are
    the mean evidence per hit; the style is their quadrant. ``confidence`` = agreement x
    n / (n + ``prior_hits``), where agreement is the share of hits whose evidence points into
    the chosen quadrant (zero on an axis agrees). The style is ``unknown`` when n <
    ``min_hits``, when either coordinate is within ``min_axis`` of 0, or when the confidence
    is below ``min_confidence``. Defaults: ``styles.json`` (``from_cues``).

    Parameters
    ----------
    cues
        A :class:`~servscore.text.CueMatchResult`, or a DataFrame with ``cue_<name>`` count
        columns (the output of :func:`servscore.interactions.classify` works).
    lexicon
        The lexicon whose cue evidence to use (default: the bundled one).
    rule
        Overrides of ``min_hits``, ``min_axis``, ``prior_hits``, ``min_confidence``.

    Examples
    --------
    >>> import servscore as ss
    >>> m = ss.text.match_cues(["What is the difference? Can you explain the specifications?",
    ...                         "Give me that one, I want it now. Just do it."])
    >>> ss.styles.from_cues(m).table["style"].tolist()
    ['analytical', 'driver']
    """
    settings = dict(load_data("styles.json")["from_cues"])
    for k, v in (rule or {}).items():
        if k not in settings:
            raise ConfigError(f"rule: unknown key {k!r}; expected one of: {', '.join(settings)}")
        if not isinstance(v, (int, float)) or v < 0:
            raise ConfigError(f"rule.{k}: {v!r}; expected a number >= 0")
        settings[k] = v
    lex = resolve_lexicon(lexicon) if not isinstance(cues, CueMatchResult) or lexicon is not None else cues.lexicon
    counts = _cue_counts(cues)
    names = lex.cue_names
    cols = [f"cue_{n}" for n in names]
    c = np.zeros((len(counts), len(names)), dtype=np.int32)
    for j, col in enumerate(cols):
        if col in counts.columns:
            v = pd.to_numeric(counts[col], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            bad = ~np.isfinite(v) | (v < 0)
            if bad.any():
                pos = int(np.flatnonzero(bad)[0])
                raise InputError(
                    f"cues: column {col!r}, row {counts.index[pos]!r}: {counts[col].iloc[pos]!r} is not a count >= 0"
                )
            c[:, j] = v.astype(np.int32)
    ev = _core.cue_evidence(lex, c)
    n = ev["style_hits"].astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        a = np.where(n > 0, ev["assertiveness"] / n, np.nan)
        r = np.where(n > 0, ev["responsiveness"] / n, np.nan)
    cue_defs = lex.to_dict()["cues"]
    ax = np.array([float(d["assertiveness"]) for d in cue_defs])
    rx = np.array([float(d["responsiveness"]) for d in cue_defs])
    styled = (ax != 0) | (rx != 0)
    codes = _style_codes(a, r)
    # agreement: hits whose evidence points into the chosen quadrant (0 on an axis agrees)
    agree = np.zeros(len(c))
    hi_a = np.isin(codes, [2, 3])  # driver, expressive
    hi_r = np.isin(codes, [1, 3])  # amiable, expressive
    for j in np.flatnonzero(styled).tolist():
        ok_a = np.where(hi_a, ax[j] >= 0, ax[j] <= 0)
        ok_r = np.where(hi_r, rx[j] >= 0, rx[j] <= 0)
        agree += c[:, j] * (ok_a & ok_r)
    with np.errstate(invalid="ignore", divide="ignore"):
        agreement = np.where(n > 0, agree / n, 0.0)
    confidence = agreement * n / (n + float(settings["prior_hits"]))
    thin = (
        (n < float(settings["min_hits"]))
        | ~(np.abs(a) >= float(settings["min_axis"]))
        | ~(np.abs(r) >= float(settings["min_axis"]))
        | (confidence < float(settings["min_confidence"]))
    )
    codes = np.where(thin, -1, codes)
    evidence = []
    sub = c[:, styled]
    sub_names = [names[j] for j in np.flatnonzero(styled)]
    nz_rows, nz_cols = np.nonzero(sub)
    parts: dict[int, list[str]] = {}
    for i, j in zip(nz_rows.tolist(), nz_cols.tolist()):
        parts.setdefault(i, []).append(f"{sub_names[j]}×{int(sub[i, j])}")
    evidence = [", ".join(parts.get(i, [])) for i in range(len(c))]
    table = pd.DataFrame(
        {
            "assertiveness": a,
            "responsiveness": r,
            "a_centred": a,
            "r_centred": r,
            "intensity": np.sqrt(a * a + r * r),
            "style": _style_categorical(codes),
            "hits": ev["style_hits"],
            "confidence": confidence,
            "evidence": evidence,
        },
        index=counts.index,
    )
    return StyleResult(table=table, method="cues", settings=settings)
