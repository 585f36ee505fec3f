"""Interaction classification: one row per customer interaction, from its transcript or notes.

:func:`classify` matches the cue lexicon (:mod:`servscore.text`) over a text column and
derives, per interaction:

- ``cue_<name>``: hits per cue (the columns the needs engine reads), ``n_negated``;
- ``risk_<reason>``: a flag per lost-sale reason (the fourteen reasons sales are lost,
  :class:`~servscore.LostSaleReason`) when the weighted hits of its cues reach
  ``risk_threshold``, ``n_risks``, and ``risk_evidence`` (``reason: phrase; ...``);
- ``style``, ``style_confidence``, ``style_evidence``: the customer's social style from
  behaviour cues (:func:`servscore.styles.from_cues`);
- ``cue_rating_<indicator>``: a rating of each personal-side encounter indicator the
  cues speak to: the scale midpoint plus ``indicator_step`` per unit of net evidence,
  clipped to the scale (NaN when no cue touched it);
- where the table has rating columns of the encounter indicators: ``procedural``,
  ``personal`` and ``quadrant`` from :func:`servscore.score_encounters`, with the cue
  ratings filling personal-side indicators that were not rated.

Defaults are in ``servscore/data/text/interactions.json`` (``risk_threshold`` 1,
``indicator_step`` 1); pass ``config={...}`` to change them.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._accumulator import StateAccumulator, by_list
from ._core import ConfigError, EncounterConfig, InputError, Lexicon
from ._input import resolve_config, result_frame, to_frame
from ._result import Result
from .encounters import score_encounters
from .model import HumanNeed, LostSaleReason, SocialStyle, get_language
from .needs import NeedsResult, load_rules
from .needs import evaluate as evaluate_needs
from .styles import from_cues
from .text import load_data, match_cues

__all__ = ["Accumulator", "InteractionResult", "classify", "default_config"]


def default_config() -> dict[str, Any]:
    """The default interaction settings (``interactions.json``) without its description."""
    return {k: v for k, v in load_data("interactions.json").items() if k != "description"}


def _reason_needs(v: Any) -> dict[str, list[str]]:
    """Validate ``reason_needs``: ``{lost-sale reason: [need, ...]}``."""
    if not isinstance(v, dict):
        raise ConfigError(f"config.reason_needs: {v!r}; expected a dict of lost-sale reason: [need, ...]")
    reasons, needs = LostSaleReason.names(), HumanNeed.names()
    out: dict[str, list[str]] = {}
    for r, ns in v.items():
        if r not in reasons:
            raise ConfigError(f"config.reason_needs: unknown reason {r!r}; expected one of: {', '.join(reasons)}")
        if not isinstance(ns, (list, tuple)) or not all(isinstance(n, str) and n in needs for n in ns):
            raise ConfigError(
                f"config.reason_needs.{r}: {ns!r}; expected a list of needs, each one of: {', '.join(needs)}"
            )
        out[r] = list(ns)
    return out


def _settings(config: dict[str, Any] | None) -> dict[str, Any]:
    s = default_config()
    s["reason_needs"] = _reason_needs(s.get("reason_needs", {}))
    for k, v in (config or {}).items():
        if k not in s:
            raise ConfigError(f"config: unknown key {k!r}; expected one of: {', '.join(s)}")
        if k == "reason_needs":
            s[k] = _reason_needs(v)
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v) or v <= 0:
            raise ConfigError(f"config.{k}: {v!r}; expected a number > 0")
        s[k] = v
    return s


@dataclasses.dataclass(frozen=True, repr=False)
class InteractionResult(Result):
    """Classified interactions.

    Attributes
    ----------
    table
        One row per interaction: the input's columns and the derived ones (see the module).
    hits
        Every cue hit: ``row`` (the input's index label), ``cue``, ``phrase``, ``start``,
        ``end`` (byte offsets in the normalised text), ``negated``, ``hypothetical``, ``quoted``,
        ``speaker``, ``counted`` (evidence uses counted hits only).
    lexicon
        The :class:`~servscore.text.Lexicon` used.
    settings
        The interaction settings used (``settings["needs"]`` says whether and why the
        anticipated-needs rules ran).
    needs
        The :class:`~servscore.needs.NeedsResult` of the anticipated-needs rules, or None when
        they did not run.
    """

    table: pd.DataFrame
    hits: pd.DataFrame
    lexicon: Lexicon
    settings: dict[str, Any]
    needs: NeedsResult | None = None

    def to_frame(self) -> pd.DataFrame:
        """The per-interaction table."""
        return self.table

    def risk_rates(self) -> pd.DataFrame:
        """Per lost-sale reason: interactions flagged and their share of the texts present."""
        return Accumulator(self.lexicon.cue_names).update(self).risk_rates()

    def cue_rates(self) -> pd.DataFrame:
        """Per cue: interactions with at least one hit, total hits, share of the texts present."""
        return Accumulator(self.lexicon.cue_names).update(self).cue_rates()

    def _summary_lines(self) -> list[str]:
        t = self.table
        st = t["text_status"].value_counts()
        rr = self.risk_rates().sort_values("flagged", ascending=False, kind="stable")
        styles = t["style"].value_counts()
        lines = [
            f"{len(t)} interactions ({int(st.get('missing', 0))} without text, {int(st.get('empty', 0))} empty,"
            f" {int(st.get('invalid_utf8', 0))} invalid UTF-8, {int(st.get('truncated', 0))} truncated)",
            f"{int((t['n_risks'] > 0).sum())} with a lost-sale risk; most frequent: "
            + ", ".join(f"{k} ({int(v)})" for k, v in rr["flagged"].iloc[:3].items() if v > 0),
            "customer styles from cues: " + ", ".join(f"{k} {int(v)}" for k, v in styles.items()),
        ]
        if "quadrant" in t.columns:
            q = t["quadrant"].value_counts()
            lines.append("quadrants: " + ", ".join(f"{k} {int(v)}" for k, v in q.items()))
        return lines

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Horizontal bars: share of interactions flagged for each lost-sale reason."""
        from .plotting import require_matplotlib, use_language_fonts

        plt = require_matplotlib()
        lang = kwargs.pop("lang", None) or get_language()
        use_language_fonts(lang)
        if ax is None:
            _, ax = plt.subplots(figsize=(6.5, 4.5))
        rr = self.risk_rates()["share"].fillna(0.0).sort_values()
        ax.barh(range(len(rr)), 100 * rr.to_numpy(), color=kwargs.pop("color", "#D55E00"), **kwargs)
        ax.set_yticks(range(len(rr)))
        ax.set_yticklabels([LostSaleReason(r).label(lang) for r in rr.index])
        ax.set_xlabel("被标记的互动 (%)" if lang == "zh" else "Interactions flagged (%)")
        ax.set_title("丢单风险" if lang == "zh" else "Lost-sale risks")
        return ax


def classify(
    data: Any,
    *,
    text: str = "transcript",
    lexicon: Any = None,
    lang: str | None = None,
    config: dict[str, Any] | None = None,
    encounter_config: Any = None,
    needs: Any = "auto",
    model: Any = "default",
    workers: int = 1,
) -> InteractionResult:
    """Classify interactions from their transcripts or notes.

    Parameters
    ----------
    data
        A DataFrame (pandas, polars, Arrow) with one row per interaction and a text column;
        other columns are kept (situation fields, encounter ratings ...).
    text
        Name of the text column. Missing texts (None, NaN) give zero cues and status
        ``missing``.
    lexicon, lang
        The cue lexicon and phrase languages (see :func:`servscore.text.match_cues`).
    config
        Overrides of ``risk_threshold``, ``need_threshold``, ``side_threshold``,
        ``sentiment_threshold``, ``indicator_step``, ``model_lost_sale_threshold``,
        ``model_need_threshold`` (numbers > 0) and ``reason_needs`` (``{reason: [need, ...]}``:
        the needs a lost-sale reason flagged by the rules puts at stake; ``{}`` turns it off)
        (``interactions.json``, where each is described).
    encounter_config
        The :class:`~servscore.EncounterConfig` for the quadrant (default: Martin's sixteen
        indicators, 1-5); its scale is also the scale of ``cue_rating_<indicator>``.
    needs
        The anticipated-needs rules (:func:`servscore.needs.evaluate`) run on the interaction
        fields and the cue columns: ``"auto"`` (default) and ``True`` run the default rules;
        situation fields the data lack (``wait_minutes``, ``looked_at_watch`` ...) are read as
        unknown, so a table with only a text column works, and ``settings["needs"]`` names
        them; a rule set, dict, list, JSON text or path runs those rules; ``None`` / ``False``
        skips them. Adds the columns ``needs``, ``needs_actions``, ``needs_rules`` (names
        joined by "; ") and ``n_needs``.
    model
        The trained text classifier used with the rules: ``"default"`` (the model shipped
        with the package, trained on the train split of the evaluation corpus: see
        :meth:`servscore.text.Classifier.default`), a fitted :class:`servscore.text.Classifier`
        whose labels are named ``lost_sale:<reason>``, ``need:<need>``, ``style:<style>``,
        ``procedural:<good|bad>``, ``personal:<good|bad>``, ``sentiment:<value>``,
        ``severity:<0-3>`` (any subset), or ``None`` for rules alone. A lost-sale reason or a
        need is flagged when the rules or the model find it (``risk_sources`` and
        ``text_needs_sources`` say which: ``rules``, ``model`` or ``rules+model``); the style
        and the two sides come from the rules where they show them and from the model
        otherwise (``style_source``); the sentiment comes from the model when it has those
        labels, the severity from the rules. ``settings["model"]`` names the model.
    workers
        Threads for the compiled matcher and the model; results do not depend on it.

    Examples
    --------
    >>> import pandas as pd, servscore as ss
    >>> df = pd.DataFrame({"transcript": [
    ...     "Staff: Good morning Mr Li, thank you for waiting. Customer: I'm in a hurry.",
    ...     "店员：你错了，我已经说过了。顾客：太差了，我要投诉！"]})
    >>> r = ss.interactions.classify(df)
    >>> r.table[["cue_greeting", "cue_thanks_for_waiting", "cue_time_pressure", "risk_arguing"]].values.tolist()
    [[1, 1, 1, False], [0, 0, 0, True]]
    """
    s = _settings(config)
    frame = to_frame(data)
    if len(frame) == 0:
        raise InputError("data: the input is empty (0 rows)")
    if text not in frame.columns:
        raise InputError(f"data: no text column {text!r}; columns present: {', '.join(map(str, frame.columns[:30]))}")
    m = match_cues(frame[text], lexicon=lexicon, lang=lang, workers=workers, hits=True)
    lex = m.lexicon
    out = result_frame(frame)
    derived = [
        "text_status", "n_negated", "n_risks", "risk_evidence", "style", "style_confidence", "style_evidence",
        "text_needs", "n_text_needs", "side_procedural", "side_personal", "text_quadrant", "quadrant_unknown_side",
        "sentiment", "severity", "risk_sources", "text_needs_sources", "style_source",
    ]  # fmt: skip
    clash = [c for c in [*m.counts.columns, *derived] if c in frame.columns]
    if clash:
        raise InputError(f"data: column(s) {clash} would be overwritten by results; rename them")
    out["text_status"] = m.status
    # one concat for the many cue columns (column-by-column inserts fragment the frame)
    out = pd.concat([out, m.counts.set_axis(out.index)], axis=1)
    out["n_negated"] = m.negated.to_numpy().sum(axis=1)
    counts = np.ascontiguousarray(m.counts.to_numpy(dtype=np.int32))
    ev = _core.cue_evidence(lex, counts)
    # lost-sale risks
    flags = ev["lost_sale"] >= float(s["risk_threshold"])
    reasons = LostSaleReason.names()
    for j, reason in enumerate(reasons):
        out[f"risk_{reason}"] = flags[:, j]
    out["n_risks"] = flags.sum(axis=1)
    cue_reason = {d["name"]: d["lost_sale"] for d in lex.to_dict()["cues"] if d["lost_sale"]}
    h = m.hits
    evidence = pd.Series("", index=frame.index, dtype=object)
    if len(h):
        hr = h[h["counted"] & h["cue"].astype(str).isin(list(cue_reason))]
        if len(hr):
            pos = np.asarray(h.attrs["position"])[hr.index.to_numpy()]
            # a plain Series: the hits table's attrs (its row positions) would be deep-copied
            # into every group by pandas, which made this quadratic in the number of texts
            labels = pd.Series((hr["cue"].astype(str).map(cue_reason) + ": " + hr["phrase"].astype(str)).to_numpy())
            joined = labels.groupby(pos, sort=True).agg("; ".join)
            ev_values = np.full(len(frame), "", dtype=object)
            ev_values[joined.index.to_numpy()] = joined.to_numpy()
            evidence = pd.Series(ev_values, index=frame.index, dtype=object)
    # a row flagged only via counts below the threshold has no evidence string; flagged rows always do
    out["risk_evidence"] = evidence.where(out["n_risks"].to_numpy() > 0, "")
    # customer style from cues
    st = from_cues(m).table
    out["style"] = st["style"].to_numpy()
    out["style"] = out["style"].astype(st["style"].dtype)
    out["style_confidence"] = st["confidence"].to_numpy()
    out["style_evidence"] = st["evidence"].to_numpy()
    rule_need = _text_labels(out, ev, s, len(frame), flags)
    # cue ratings of encounter indicators
    enc = EncounterConfig() if encounter_config is None else resolve_config(encounter_config, EncounterConfig)
    lo, hi = float(enc.scale_min), float(enc.scale_max)
    mid = 0.5 * (lo + hi)
    ratings = np.clip(mid + float(s["indicator_step"]) * ev["indicators"], lo, hi)
    cue_ratings = {}
    for j, name in enumerate(ev["indicator_names"]):
        cue_ratings[name] = ratings[:, j]
    if cue_ratings:
        out = pd.concat(
            [out, pd.DataFrame({f"cue_rating_{k}": v for k, v in cue_ratings.items()}, index=out.index)], axis=1
        )
    # encounter quadrant where rating columns exist
    ind_names = [ind.name for ind in enc.indicators]
    has_ratings = any(n in frame.columns for n in ind_names)
    if has_ratings:
        cols = {}
        for ind in enc.indicators:
            if ind.name in frame.columns:
                v = pd.to_numeric(frame[ind.name], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            else:
                v = np.full(len(frame), np.nan)
            if ind.side == "personal" and ind.name in cue_ratings:
                v = np.where(np.isnan(v), cue_ratings[ind.name], v)
            cols[ind.name] = v
        scored = score_encounters(pd.DataFrame(cols, index=frame.index), enc, workers=workers)
        for c in ("procedural", "personal", "quadrant", "quality_gap"):
            out[c] = scored[c]
    _apply_model(out, frame[text], rule_need, model, s, workers, matches=m, evidence=ev)
    if not has_ratings:
        out["quadrant"] = out["text_quadrant"]
    out.attrs = dict(frame.attrs)  # concat drops them
    needs_result = _anticipated_needs(out, needs, s, workers)
    return InteractionResult(table=out, hits=h, lexicon=lex, settings=s, needs=needs_result)


_SIDE_LABELS = np.array(["bad", "not_shown", "good"], dtype=object)
_SENTIMENT_LABELS = np.array(["negative", "neutral", "positive"], dtype=object)
# Martin's quadrants by (procedural good, personal good)
_QUADRANTS = {(False, False): "freezer", (True, False): "factory", (False, True): "friendly", (True, True): "quality"}


def _signed_label(x: np.ndarray, threshold: float, labels: np.ndarray) -> np.ndarray:
    """labels[0] where x <= -threshold, labels[2] where x >= threshold, labels[1] otherwise."""
    code = np.where(x >= threshold, 2, np.where(x <= -threshold, 0, 1))
    return labels[code]


def _text_labels(
    out: pd.DataFrame, ev: dict[str, Any], s: dict[str, Any], n: int, risks: np.ndarray | None = None
) -> np.ndarray:
    """Needs, Martin sides and quadrant, sentiment and severity from the cue evidence (in place).

    A flagged lost-sale reason (``risks``, texts x reasons) also puts the needs that
    ``reason_needs`` lists for it at stake. Returns the texts x needs flags of the rules.
    """
    zeros = np.zeros(n)
    need_ev = np.asarray(ev.get("needs", np.zeros((n, len(HumanNeed.names())))))
    shown = need_ev >= float(s["need_threshold"])
    names = HumanNeed.names()
    if risks is not None and len(s["reason_needs"]):
        reasons = LostSaleReason.names()
        for reason, needs in s["reason_needs"].items():
            flagged = np.asarray(risks[:, reasons.index(reason)], dtype=bool)
            for need in needs:
                shown[:, names.index(need)] |= flagged
    out["text_needs"] = _joined(list(names), shown)
    out["n_text_needs"] = shown.sum(axis=1)
    proc = _signed_label(np.asarray(ev.get("procedural", zeros)), float(s["side_threshold"]), _SIDE_LABELS)
    pers = _signed_label(np.asarray(ev.get("personal", zeros)), float(s["side_threshold"]), _SIDE_LABELS)
    out["side_procedural"] = pd.Categorical(proc, categories=["good", "bad", "not_shown"])
    out["side_personal"] = pd.Categorical(pers, categories=["good", "bad", "not_shown"])
    _quadrant_from_sides(out)
    out["sentiment"] = pd.Categorical(
        _signed_label(np.asarray(ev.get("sentiment", zeros)), float(s["sentiment_threshold"]), _SENTIMENT_LABELS),
        categories=list(_SENTIMENT_LABELS),
    )
    out["severity"] = np.asarray(ev.get("severity", zeros)).astype(np.int8)
    return shown


def _quadrant_from_sides(out: pd.DataFrame) -> None:
    """``text_quadrant`` and ``quadrant_unknown_side`` from the side columns (in place)."""
    proc = out["side_procedural"].astype(str).to_numpy(dtype=object)
    pers = out["side_personal"].astype(str).to_numpy(dtype=object)
    quad = np.full(len(out), "unknown", dtype=object)
    both = (proc != "not_shown") & (pers != "not_shown")
    for (pg, sg), name in _QUADRANTS.items():
        quad[both & ((proc == "good") == pg) & ((pers == "good") == sg)] = name
    out["text_quadrant"] = pd.Categorical(quad, categories=[*_QUADRANTS.values(), "unknown"])
    unknown = np.where(proc == "not_shown", "procedural", "")
    unknown = np.where(pers == "not_shown", np.where(unknown == "", "personal", "procedural; personal"), unknown)
    out["quadrant_unknown_side"] = unknown.astype(object)


def _joined(names: list[str], flags: np.ndarray, suffixes: list[np.ndarray] | None = None) -> np.ndarray:
    """Per row, the names whose flag is set joined by "; " (column-wise: no loop over rows)."""
    n = flags.shape[0]
    joined = np.full(n, "", dtype=object)
    for j, name in enumerate(names):
        item = np.full(n, f"; {name}", dtype=object)
        if suffixes is not None:
            item = item + suffixes[j]
        joined = joined + np.where(flags[:, j], item, "")
    out: np.ndarray = pd.Series(joined, dtype=object).str.slice(2).to_numpy(dtype=object)
    return out


def _source(rule: np.ndarray, mod: np.ndarray) -> np.ndarray:
    out = np.full(rule.shape, "", dtype=object)
    out[rule & ~mod] = ": rules"
    out[~rule & mod] = ": model"
    out[rule & mod] = ": rules+model"
    return out


def _resolve_model(model: Any, workers: int) -> Any:
    from ._text_model import Classifier

    if model is None or model is False:
        return None
    if isinstance(model, str) and model == "default":
        return Classifier.default(workers=workers)
    if isinstance(model, Classifier):
        return model
    raise ConfigError(f"model: expected 'default', a servscore.text.Classifier or None; got {type(model).__name__}")


def _model_features(clf: Any, out: pd.DataFrame, matches: Any, evidence: Any, s: dict[str, Any]) -> Any:
    """The rule features a model trained with them reads (None for a text-only model)."""
    from ._text_model import rule_feature_frame

    if not clf.n_features:
        return None
    if not clf.feature_names or matches is None:
        raise ConfigError(
            "model: trained with unnamed dense features; classify gives a model only the rule features, by name "
            "(train with features=Classifier.rule_features(texts))"
        )
    rf = rule_feature_frame(matches, evidence, out["style"].astype(str).to_numpy())
    absent = [c for c in clf.feature_names if c not in rf.columns]
    if absent:  # a lexicon without some of the model's cues: those features are 0 (no hits)
        s["model_features_absent"] = absent
    return rf.reindex(columns=clf.feature_names, fill_value=0.0)


def _apply_model(
    out: pd.DataFrame,
    texts: pd.Series,
    rule_need: np.ndarray,
    model: Any,
    s: dict[str, Any],
    workers: int,
    matches: Any = None,
    evidence: Any = None,
) -> None:
    """Combine the rules' columns with a trained classifier's predictions (in place).

    Lost-sale reasons and needs: the union of the rules' flags and the model's, where the model
    flags a label when its calibrated probability reaches the larger of the label's own threshold
    (``Classifier.thresholds``, tuned on out-of-fold data of the train split for the default
    model) and ``model_lost_sale_threshold`` / ``model_need_threshold``. Style, sides,
    sentiment: the model's decision (``Classifier.decide``) where the rules show none.
    """
    clf = _resolve_model(model, workers)
    reasons = LostSaleReason.names()
    rule_risk = np.column_stack([out[f"risk_{r}"].to_numpy(dtype=bool) for r in reasons])
    need_names = HumanNeed.names()
    out["style_source"] = np.where(out["style"].astype(str) != "unknown", "rules", "")
    if clf is None:
        s["model"] = "none (rules alone)"
        out["risk_sources"] = _joined(
            reasons, rule_risk, [_source(rule_risk[:, j], np.zeros(len(out), bool)) for j in range(len(reasons))]
        )
        out["text_needs_sources"] = _joined(
            need_names, rule_need, [_source(rule_need[:, j], np.zeros(len(out), bool)) for j in range(len(need_names))]
        )
        return
    s["model"] = repr(clf)
    seq = texts.where(texts.notna(), "").astype(str).tolist()
    proba = clf.predict_proba(seq, features=_model_features(clf, out, matches, evidence, s))
    decided = clf.decide(proba)
    labels = set(decided.columns)
    own = clf.thresholds

    def flags(prefix: str, names: list[str], threshold: float | None = None) -> np.ndarray | None:
        cols = [f"{prefix}:{nm}" for nm in names]
        if not any(c in labels for c in cols):
            return None
        src = (
            decided.astype(bool) if threshold is None else proba >= np.maximum(own[proba.columns].to_numpy(), threshold)
        )
        return np.column_stack([src[c].to_numpy(bool) if c in labels else np.zeros(len(out), bool) for c in cols])

    m_risk = flags("lost_sale", reasons, float(s["model_lost_sale_threshold"]))
    if m_risk is not None:
        risk = rule_risk | m_risk
        for j, r in enumerate(reasons):
            out[f"risk_{r}"] = risk[:, j]
        out["n_risks"] = risk.sum(axis=1)
        out["risk_sources"] = _joined(
            reasons, risk, [_source(rule_risk[:, j], m_risk[:, j]) for j in range(len(reasons))]
        )
    m_need = flags("need", need_names, float(s["model_need_threshold"]))
    if m_need is not None:
        need = rule_need | m_need
        out["text_needs"] = _joined(need_names, need)
        out["n_text_needs"] = need.sum(axis=1)
        out["text_needs_sources"] = _joined(
            need_names, need, [_source(rule_need[:, j], m_need[:, j]) for j in range(len(need_names))]
        )

    def one_of(prefix: str, values: list[str]) -> np.ndarray | None:
        """The model's most probable value of the group (the first of equals), whatever its
        threshold: on the dev split this beat the model's own group thresholds (style right for
        0.56 of the texts that show one against 0.40, quadrant 0.59 against 0.48)."""
        cols = [f"{prefix}:{v}" for v in values if f"{prefix}:{v}" in labels]
        if not cols:
            return None
        best = proba[cols].to_numpy().argmax(axis=1)
        chosen: np.ndarray = np.asarray([c.split(":", 1)[1] for c in cols], dtype=object)[best]
        return chosen

    m_style = one_of("style", SocialStyle.names())
    if m_style is not None:
        st = out["style"].astype(str).to_numpy(dtype=object)
        use = (st == "unknown") & (m_style != "")
        st[use] = m_style[use]
        out["style"] = pd.Categorical(st, categories=out["style"].cat.categories)
        out.loc[use, "style_source"] = "model"
    for side in ("procedural", "personal"):
        m_side = one_of(side, ["good", "bad"])
        if m_side is not None:
            v = out[f"side_{side}"].astype(str).to_numpy(dtype=object)
            use = (v == "not_shown") & (m_side != "")
            v[use] = m_side[use]
            out[f"side_{side}"] = pd.Categorical(v, categories=["good", "bad", "not_shown"])
    _quadrant_from_sides(out)
    m_sent = one_of("sentiment", ["negative", "neutral", "positive"])
    if m_sent is not None:
        v = out["sentiment"].astype(str).to_numpy(dtype=object)
        v[m_sent != ""] = m_sent[m_sent != ""]
        out["sentiment"] = pd.Categorical(v, categories=list(_SENTIMENT_LABELS))
    # severity stays the rules': on the dev split the model's was no better (exact 0.61 vs 0.62)


def _anticipated_needs(out: pd.DataFrame, needs: Any, settings: dict[str, Any], workers: int) -> NeedsResult | None:
    """Run the needs rules on the classified table (in place: adds the needs columns)."""
    if needs is None or needs is False:
        settings["needs"] = "not run (needs=None)"
        return None
    auto = isinstance(needs, str) and needs == "auto"
    rule_set = load_rules(None if auto or needs is True else needs)
    clash = [c for c in ("needs", "needs_actions", "needs_rules", "n_needs") if c in out.columns]
    if clash:
        raise InputError(f"data: column(s) {clash} would be overwritten by the needs results; rename them")
    # Situation fields the table does not have are unknown: a missing value fails every test
    # but `missing`, so the rules on the transcript cues still run on a text-only table.
    absent = [f for f in rule_set.fields if f not in out.columns]
    frame = out
    if absent:
        frame = pd.concat([out, pd.DataFrame(dict.fromkeys(absent, np.nan), index=out.index)], axis=1)
    r = evaluate_needs(frame, rules=rule_set, workers=workers)
    f = r.to_frame()
    out["needs"] = f["needs"].to_numpy()
    out["needs_actions"] = f["actions"].to_numpy()
    out["needs_rules"] = f["rules"].to_numpy()
    out["n_needs"] = f["n_needs"].to_numpy()
    settings["needs"] = f"{len(rule_set.ids)} rules evaluated" + (
        f"; field(s) absent from the data, read as unknown: {', '.join(absent)}" if absent else ""
    )
    return r


class Accumulator(StateAccumulator):
    """Mergeable interaction risk and cue rates, counted batch by batch (partitions, files, days).

    The state lives in C++ (:class:`servscore._core.InteractionRatesState`, byte image
    ``SSIRATE1``): per group key the interactions, those with a text present, per lost-sale
    reason the interactions flagged, and per cue the interactions with a hit and the hits.
    Integer counts: batches merge exactly in any order and the rates equal
    :meth:`InteractionResult.risk_rates` / :meth:`InteractionResult.cue_rates` of one pass.

    ``update(result_or_table, by=...)`` counts the output of :func:`classify` (the
    :class:`InteractionResult` or its ``table``); an empty batch is a no-op. ``cues`` are the
    lexicon's cue names (``result.lexicon.cue_names``); only states of the same cues merge.
    """

    __slots__ = ()
    _kind = "interactions.Accumulator"
    _state_type = _core.InteractionRatesState

    def __init__(self, cues: Any, *, by: Any = None) -> None:
        if isinstance(cues, Lexicon):
            cues = cues.cue_names
        self._by = by_list(by)
        self._state = _core.InteractionRatesState([str(c) for c in cues], [str(b) for b in self._by or []])

    @property
    def cues(self) -> list[str]:
        """The cue names counted, in lexicon order."""
        return list(self._state.cues)

    def update(self, data: Any, *, by: Any = None) -> Accumulator:
        """Count one batch of classified interactions; returns self."""
        table = data.table if isinstance(data, InteractionResult) else to_frame(data, name="data")
        if len(table) == 0:
            return self
        need = ["text_status"] + [f"risk_{r}" for r in LostSaleReason.names()] + [f"cue_{c}" for c in self.cues]
        missing = [c for c in need if c not in table.columns]
        if missing:
            raise InputError(f"data: missing column(s) {missing[:5]} of a classify() table ({len(missing)} in all)")
        keys_by = self._batch_by(by)
        present = (table["text_status"].astype(str) != "missing").to_numpy(dtype=np.int8)
        risks = np.ascontiguousarray(table[need[1:15]].to_numpy(dtype=np.int8))
        counts = np.ascontiguousarray(table[need[15:]].to_numpy(dtype=np.int32)).reshape(len(table), len(self.cues))
        codes, keys = self._batch_groups(table, keys_by)
        self._state.update(present, risks, counts, groups=codes, keys=keys)
        self._adopt_by(by, keys_by)
        return self

    def _merge_key(self) -> Any:
        return tuple(self.cues)

    def _frame(self, per_group: Any, index_name: str) -> pd.DataFrame:
        groups, label = self._group_keys()
        if groups is None:
            return per_group(0).rename_axis(index_name)
        parts = {g: per_group(i) for i, g in enumerate(groups)}
        out = pd.concat(parts, names=[label if label is not None else "group", index_name])
        return out

    def _counts(self) -> dict[str, Any]:
        r: dict[str, Any] = self._state.result()
        if not list(self._state.key_names) and len(r["texts"]) == 0:
            r = self._state.result_of([-1])  # nothing counted: one row of zeros, shares NaN
        return r

    def risk_rates(self) -> pd.DataFrame:
        """Per lost-sale reason (and group): interactions flagged and their share of the texts present."""
        r = self._counts()
        names = LostSaleReason.names()

        def one(i: int) -> pd.DataFrame:
            return pd.DataFrame(
                {"flagged": r["flagged"][i].astype(int), "share": r["risk_share"][i]},
                index=pd.Index(names, name="reason"),
            )

        return self._frame(one, "reason")

    def cue_rates(self) -> pd.DataFrame:
        """Per cue (and group): interactions with at least one hit, hits, share of the texts present."""
        r = self._counts()

        def one(i: int) -> pd.DataFrame:
            return pd.DataFrame(
                {"texts": r["cue_texts"][i], "hits": r["cue_hits"][i], "share": r["cue_share"][i]},
                index=pd.Index(self.cues, name="cue"),
            )

        return self._frame(one, "cue")

    def result(self) -> pd.DataFrame:
        """The risk rates (:meth:`risk_rates`)."""
        return self.risk_rates()
