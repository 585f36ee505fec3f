"""Service-encounter scoring on Martin's procedural and personal sides.

Each encounter (a row) is rated on indicators (columns). Ratings are rescaled to
0-100; each side's score is the weighted mean of its rated indicators; a side is
*high* when its score is at least the side's threshold, which places the
encounter in one of Martin's quadrants:

============  ==========  ========  ================================
quadrant      procedural  personal  message to the customer
============  ==========  ========  ================================
freezer       low         low       "We don't care about you."
factory       high        low       "You are a number."
friendly      low         high      "We're trying, but ..."
quality       high        high      "We care, and we deliver."
============  ==========  ========  ================================

Reference: W. B. Martin, *Quality Customer Service* (1989). The scoring rule is
ours on Martin's framework; every number is a configurable default of
:class:`EncounterConfig`:

- ``scale_min`` 1, ``scale_max`` 5: the rating scale;
- ``indicators``: Martin's 7 procedural (timeliness, flow, flexibility,
  anticipation, communication, feedback, supervision) and 9 personal
  (appearance, body_language, tone_of_voice, tact, naming_names, attentiveness,
  guidance, suggestive_selling, problem_solving) indicators, weight 1 each;
- ``procedural_threshold`` and ``personal_threshold`` 62.5 (a side is high when
  its score >= the threshold; 62.5 is half-way between neutral and "agree");
- ``min_coverage`` 0.5: a side is scored only when at least this share of its
  weight is rated; otherwise its score is NaN and the quadrant ``unknown``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._accumulator import ConfigKey, StateAccumulator, by_list
from ._checks import refuse_booleans
from ._core import EncounterConfig, Indicator, InputError
from ._input import (
    as_matrix,
    factorize,
    float_columns,
    is_frame_like,
    is_label,
    names_of,
    numeric_column,
    numeric_matrix,
    relabel_rows,
    resolve_config,
    result_frame,
    text_columns,
    to_array,
    to_frame,
)
from ._result import Result
from .model import Quadrant

__all__ = [
    "Accumulator",
    "EncounterConfig",
    "EncounterSummary",
    "Indicator",
    "score_encounters",
    "summarize_encounters",
]

_ATTR = "servscore.encounter_config"
SCORE_COLUMNS = (
    "procedural",
    "personal",
    "quadrant",
    "quality_distance",
    "quality_gap",
    "weakest_procedural",
    "weakest_personal",
    "n_missing",
)


def _quadrant_categorical(codes: np.ndarray) -> pd.Categorical:
    return pd.Categorical.from_codes(codes.astype(np.int8, copy=False), categories=Quadrant.names())


def score_encounters(data: Any, config: Any = None, *, workers: int = 1) -> pd.DataFrame:
    """Score service encounters on the procedural and personal sides and place each in a quadrant.

    Parameters
    ----------
    data
        A DataFrame (pandas, polars or Arrow) with one column per indicator, named as in
        the configuration; other columns are kept in the output. Or a 2-D array
        (encounters x indicators) with the columns in the configuration's order.
        Missing ratings (NaN, None, ``pd.NA``) are allowed.
    config
        :class:`EncounterConfig`, a dict of its keys, JSON text or a JSON file path;
        default: Martin's sixteen indicators on a 1-5 scale.
    workers
        Threads for the compiled kernel (``<= 0``: all cores). Results do not depend on it.

    Returns
    -------
    pandas.DataFrame
        The input's columns and index (ratings included, so that
        :func:`summarize_encounters` can split credit among tied indicators), plus: ``procedural``, ``personal`` (0-100,
        NaN when too few ratings), ``quadrant`` (categorical: freezer, factory,
        friendly, quality, unknown), ``quality_distance`` (to the corner (100, 100)),
        ``quality_gap`` (to the quality quadrant, 0 inside it), ``weakest_procedural``
        and ``weakest_personal`` (the lowest-rated indicator of each side; ties go to
        the larger weight, then the earlier indicator) and ``n_missing``.

    Raises
    ------
    InputError
        A missing indicator column, a non-numeric value or a rating outside the scale
        (the message names the row, column and value), or an empty input.
    ConfigError
        An invalid configuration.

    Examples
    --------
    >>> import pandas as pd, servscore as ss
    >>> cfg = ss.EncounterConfig(indicators=[
    ...     ss.Indicator("speed", "procedural"), ss.Indicator("smile", "personal")])
    >>> out = ss.score_encounters(pd.DataFrame({"speed": [5, 2], "smile": [4, 5]}), cfg)
    >>> out[["procedural", "personal", "quadrant"]].to_dict("list")
    {'procedural': [100.0, 25.0], 'personal': [75.0, 100.0], 'quadrant': ['quality', 'friendly']}
    """
    cfg: EncounterConfig = resolve_config(config, EncounterConfig)
    cfg.validate()
    names = [ind.name for ind in cfg.indicators]
    if is_frame_like(data):
        frame = to_frame(data)
        if len(frame) == 0:
            raise InputError("data: the input is empty (0 rows)")
        labels = text_columns(frame, names)  # any hashable labels; positions for pd.DataFrame(array)
        cols = float_columns(frame, labels)  # read in place when the columns are numeric
        ratings: Any = cols if cols is not None else numeric_matrix(frame, labels, name="data")
        index = frame.index
        for c in SCORE_COLUMNS:
            if c in frame.columns:
                raise InputError(f"data: column {c!r} would be overwritten by a score column; rename it")
    else:
        frame = None
        ratings = as_matrix(data, name="data", ncols=len(names), contiguous=False)  # read in place
        index = pd.RangeIndex(ratings.shape[0])
    try:
        r = _core.score_encounters(ratings, cfg, int(workers))
    except InputError as e:
        raise relabel_rows(e, index) from None
    columns = {
        "procedural": r["procedural"],
        "personal": r["personal"],
        "quadrant": _quadrant_categorical(r["quadrant"]),
        "quality_distance": r["quality_distance"],
        "quality_gap": r["quality_gap"],
        "weakest_procedural": pd.Categorical.from_codes(r["weakest_procedural"], categories=names),
        "weakest_personal": pd.Categorical.from_codes(r["weakest_personal"], categories=names),
        "n_missing": r["n_missing"],
    }
    # the score arrays are fresh: the frame takes them without a copy (column assignment would copy each)
    scores = pd.DataFrame(columns, index=index, copy=False)
    out = scores
    if frame is not None:
        out = pd.concat([result_frame(frame), scores], axis=1)
        out.attrs.update(frame.attrs)  # concat keeps attrs only when every part has the same
    out.attrs[_ATTR] = cfg.to_json()
    return out


@dataclasses.dataclass(frozen=True, repr=False)
class EncounterSummary(Result):
    """Quadrant summary of scored encounters, per group.

    Attributes
    ----------
    table
        One row per group (a single row ``all`` without groups): ``n``, the count and
        share of each quadrant (``unknown`` included, shares of ``n``),
        ``quality_share_known`` (share of quality among encounters with a known quadrant),
        ``mean_procedural`` and ``mean_personal``.
    pullers
        Groups x indicators: how often each indicator was the weakest one of a low side
        in an encounter outside the quality quadrant. When the ratings are in ``scored``
        (as :func:`score_encounters` leaves them), an encounter whose low side has t
        indicators tied at its lowest rating credits 1/t to each; otherwise the reported
        weakest indicator gets 1.
    top_pullers
        Long table ``group, indicator, count, share`` (share of the group's encounters
        outside quality), the most frequent first, three per group.
    config
        The :class:`EncounterConfig` the scores were made with.
    """

    table: pd.DataFrame
    pullers: pd.DataFrame
    top_pullers: pd.DataFrame
    config: EncounterConfig

    def to_frame(self) -> pd.DataFrame:
        """The per-group table."""
        return self.table

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Stacked bars of quadrant shares per group; returns the matplotlib Axes."""
        from .plotting import encounter_shares

        return encounter_shares(self, ax=ax, **kwargs)

    def _summary_lines(self) -> list[str]:
        t = self.table
        n = int(t["n"].sum())
        q = int(t["quality"].sum())
        u = int(t["unknown"].sum())
        lines = [f"{n} encounters, {q} ({100 * q / max(n, 1):.1f}%) in the quality quadrant, {u} unknown"]
        if len(self.top_pullers):
            top = self.top_pullers.groupby("indicator", observed=True)["count"].sum().sort_values(ascending=False)
            lines.append("most frequent pullers out of quality: " + ", ".join(top.index[:3].astype(str)))
        return lines


def summarize_encounters(
    scored: pd.DataFrame,
    by: str | Sequence[str] | None = None,
    *,
    config: Any = None,
    weights: Any = None,
) -> EncounterSummary:
    """Summarise scored encounters: quadrant counts and shares, mean scores, and the
    indicators that most often pull encounters out of the quality quadrant.

    The summary is the result of one :class:`Accumulator` (the C++ ``EncounterSummaryState``)
    over the whole table: partial summaries of partitions merge to this one.

    Parameters
    ----------
    scored
        The output of :func:`score_encounters`.
    by
        Column name(s) to group by (branch, staff, channel, period ...). Missing keys form
        their own group.
    config
        The configuration used for scoring; default: the one recorded by
        :func:`score_encounters` in ``scored.attrs``.
    weights
        Optional weight per encounter (a column name or an array; finite, >= 0): shares, means
        and pull-out credit are then weighted; ``n`` and the quadrant counts stay counts, and the
        table gains a ``weight`` column (the total weight per group).

    Examples
    --------
    >>> import servscore as ss
    >>> scored = ss.score_encounters(ss.datasets.sample(seed=1, n_encounters=400).encounters)
    >>> s = ss.summarize_encounters(scored, by="branch")
    >>> int(s.table["n"].sum())
    400
    """
    frame = to_frame(scored, name="scored")
    _check_scored_columns(frame)
    if config is None and _ATTR in frame.attrs:
        cfg = EncounterConfig.from_json(frame.attrs[_ATTR])
    else:
        cfg = resolve_config(config, EncounterConfig)
    cfg.validate()
    if by is None:
        codes, keys, index = None, None, pd.Index(["all"], name="group")
        names: list[str] = []
    else:
        codes, keys, index = factorize(frame, by)
        names = list(keys.names)
    state = _core.EncounterSummaryState(cfg, names)
    _update_state(state, frame, cfg, codes, keys, weights)
    # one batch into an empty state: its codes are the factorised codes, in pandas' group order
    r = state.result(key_order=False)
    return _summary(r, index, cfg)


def _check_scored_columns(frame: pd.DataFrame) -> None:
    missing = [c for c in ("procedural", "personal", "quadrant") if c not in frame.columns]
    if missing:
        raise InputError(f"scored: missing column(s) {missing}; pass the output of score_encounters")


def _cat_codes(frame: pd.DataFrame, col: str, categories: list[str], dtype: Any) -> np.ndarray:
    """The codes of ``col``'s values among ``categories`` (-1 missing); InputError for another value."""
    s = frame[col]
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = list(s.cat.categories)
        codes = np.asarray(s.cat.codes.to_numpy())
        if cats == categories[: len(cats)] and codes.dtype == dtype:
            return codes  # score_encounters' own Categoricals: the codes are already the right ones
        # map the codes through a table of the categories (one look-up per row) instead of
        # re-categorising the strings row by row
        where = {c: i for i, c in enumerate(categories)}
        lut = np.array([where.get(c, -2) for c in cats] + [-1], dtype=np.int32)
        mapped: np.ndarray = lut[codes]  # code -1 (missing) -> lut[-1] = -1
        if (mapped == -2).any():
            at = int(np.flatnonzero(mapped == -2)[0])
            raise InputError(
                f"scored: column {col!r}, row {frame.index[at]!r}: {s.iloc[at]!r} is not one of {categories}"
            )
        return mapped.astype(dtype)
    c = pd.Categorical(s.astype("object").where(s.notna(), None), categories=categories)
    bad = s.notna().to_numpy() & (c.codes < 0)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"scored: column {col!r}, row {frame.index[pos]!r}: {s.iloc[pos]!r} is not one of {categories}"
        )
    return np.asarray(c.codes).astype(dtype)


def _rating_column(frame: pd.DataFrame, label: Any) -> np.ndarray:
    """One indicator column as a 1-D numeric array, read in place when numpy holds it as a number."""
    s = frame[label]
    dt = s.dtype
    if isinstance(dt, np.dtype) and dt.kind in "iuf" and dt.itemsize in (1, 2, 4, 8) and dt != np.float16:
        if dt.kind == "u" and dt.itemsize > 1:
            return numeric_column(frame, label, name="scored")
        return np.asarray(s.to_numpy())
    return numeric_column(frame, label, name="scored")


def _weights(frame: pd.DataFrame, weights: Any) -> np.ndarray | None:
    if weights is None:
        return None
    if isinstance(weights, str) or (is_label(frame, weights) and weights in frame.columns):
        w = numeric_column(frame, weights, name="weights")
    else:
        w = to_array(weights, name="weights")
    if len(w) != len(frame):
        raise InputError(f"weights: expected {len(frame)} values (one per encounter), got {len(w)}")
    return np.ascontiguousarray(w, dtype=np.float64)


def _update_state(state: Any, frame: pd.DataFrame, cfg: EncounterConfig, codes: Any, keys: Any, weights: Any) -> None:
    """Count the scored frame into the C++ state (the columns read in place where possible)."""
    names = [ind.name for ind in cfg.indicators]
    labels = text_columns(frame, names)
    proc = numeric_column(frame, "procedural", name="scored")
    pers = numeric_column(frame, "personal", name="scored")
    for col in ("procedural", "personal"):
        refuse_booleans(frame[col], col, name="scored", expected="0-100 scores")
    quad = _cat_codes(frame, "quadrant", Quadrant.names(), np.int8)
    w = _weights(frame, weights)
    kwargs: dict[str, Any] = {}
    if all(c in frame.columns for c in labels) and frame.columns.is_unique:
        # the ratings themselves: pull-out credit split among tied weakest indicators
        kwargs["ratings"] = [_rating_column(frame, c) for c in labels]
    else:
        for col in ("weakest_procedural", "weakest_personal"):
            if col not in frame.columns:
                raise InputError(f"scored: missing column(s) [{col!r}]; pass the output of score_encounters")
        kwargs["weakest_procedural"] = _cat_codes(frame, "weakest_procedural", names, np.int32)
        kwargs["weakest_personal"] = _cat_codes(frame, "weakest_personal", names, np.int32)
    try:
        state.update(proc, pers, quad, codes=codes, keys=keys, weights=w, **kwargs)
    except InputError as e:
        raise _scored_error(relabel_rows(e, frame.index)) from None


def _scored_error(e: Exception) -> Exception:
    msg = str(e)
    return e if msg.startswith(("scored:", "weights:", "by:")) else type(e)(f"scored: {msg}")


def _summary(r: dict[str, Any], index: pd.Index, cfg: EncounterConfig) -> EncounterSummary:
    """The result objects of the core's summary arrays (rows in the order of ``index``)."""
    names = [ind.name for ind in cfg.indicators]
    qn = Quadrant.names()
    G = len(index)
    weighted = "weight_counts" in r
    if r["counts"].shape[0] != G:  # nothing counted: every group empty
        r = {
            "counts": np.zeros((G, 5), np.int64),
            "sum_scores": np.zeros((G, 2)),
            "n_scored": np.zeros((G, 2), np.int64),
            "pullers": np.zeros((G, len(names))),
            "n_outside_quality": np.zeros(G, np.int64),
        }
        weighted = False
    counts = np.asarray(r["counts"], dtype=np.int64)
    n = counts.sum(axis=1)
    table = pd.DataFrame({"n": n}, index=index)
    for j, q in enumerate(qn):
        table[q] = counts[:, j]
    wc = np.asarray(r["weight_counts"], dtype=float) if weighted else counts.astype(float)
    total = wc.sum(axis=1)
    if weighted:
        table["weight"] = total
    with np.errstate(invalid="ignore", divide="ignore"):
        for j, q in enumerate(qn):
            table[f"share_{q}"] = np.where(total > 0, wc[:, j] / np.where(total > 0, total, 1), np.nan)
        known = total - wc[:, qn.index("unknown")]
        table["quality_share_known"] = np.where(
            known > 0, wc[:, qn.index("quality")] / np.where(known > 0, known, 1), np.nan
        )
        scored_w = np.asarray(r["weight_scored"], dtype=float) if weighted else np.asarray(r["n_scored"], dtype=float)
        means = np.where(scored_w > 0, r["sum_scores"] / np.where(scored_w > 0, scored_w, 1), np.nan)
    table["mean_procedural"] = means[:, 0]
    table["mean_personal"] = means[:, 1]
    credit = np.asarray(r["pullers"], dtype=float)
    pullers = pd.DataFrame(credit, index=index, columns=names)
    outside = np.asarray(r["weight_outside"] if weighted else r["n_outside_quality"], dtype=float)
    # the three largest credits per group (ties: the earlier indicator), vectorised over groups
    top = np.argsort(-credit, axis=1, kind="stable")[:, :3] if len(names) else np.zeros((G, 0), np.int64)
    g_idx = np.repeat(np.arange(G), top.shape[1])
    ind = top.ravel()
    cnt = credit[g_idx, ind] if G else np.zeros(0)
    keep = cnt > 0
    g_idx, ind, cnt = g_idx[keep], ind[keep], cnt[keep]
    top_pullers = pd.DataFrame(
        {
            "group": list(index[g_idx]) if len(g_idx) else pd.Series([], dtype=object),
            "indicator": np.asarray(names, dtype=object)[ind] if len(ind) else pd.Series([], dtype=object),
            "count": cnt.astype(float),
            "share": cnt / outside[g_idx] if len(g_idx) else np.zeros(0),
        },
        columns=["group", "indicator", "count", "share"],
    )
    return EncounterSummary(table=table, pullers=pullers, top_pullers=top_pullers, config=cfg)


class Accumulator(StateAccumulator):
    """Mergeable encounter summary, built batch by batch (partitions, files, days).

    The state lives in C++ (:class:`servscore._core.EncounterSummaryState`): per group key the
    quadrant counts, the sums and counts of the side scores, the pull-out credit per indicator
    and the encounters outside quality (with weights, their weighted totals too). Every figure
    of :class:`EncounterSummary` is a function of these sums, so states of partitions merged in
    any order give the one-pass :func:`summarize_encounters` result: counts exactly, means and
    credits up to floating-point rounding (about 1e-16 relative).

    ``update(scored, by=..., weights=...)`` counts a batch (the output of
    :func:`score_encounters`, or unscored ratings, which are scored first); an empty batch is a
    no-op. ``merge(other)`` folds another state in place, ``a + b`` and ``sum([...])`` make a
    new one; ``result()`` gives the :class:`EncounterSummary` (groups in key order:
    numbers, then strings, missing last); ``to_bytes()`` / ``from_bytes()`` (format
    ``SSENCSU1``, little-endian, validated on load) and pickling carry the state between
    processes. Only states of the same configuration merge.

    Parameters
    ----------
    config
        The :class:`EncounterConfig` the scores were made with (or a dict / JSON / path);
        default: Martin's sixteen indicators. A batch whose recorded configuration
        (``scored.attrs``) differs is refused.
    by
        Key column(s) of the groups (a state keeps the key columns it first counted with).

    Examples
    --------
    >>> import pandas as pd, servscore as ss
    >>> cfg = ss.EncounterConfig(indicators=[
    ...     ss.Indicator("speed", "procedural"), ss.Indicator("smile", "personal")])
    >>> scored = ss.score_encounters(pd.DataFrame(
    ...     {"speed": [5, 2, 4], "smile": [4, 5, 1], "branch": ["n", "s", "n"]}), cfg)
    >>> a = ss.encounters.Accumulator(cfg, by="branch").update(scored.iloc[:2])
    >>> b = ss.encounters.Accumulator(cfg, by="branch").update(scored.iloc[2:])
    >>> (a + b).result().table[["n", "quality", "factory", "friendly"]].to_dict("index")
    {'n': {'n': 2, 'quality': 1, 'factory': 1, 'friendly': 0}, 's': {'n': 1, 'quality': 0, 'factory': 0, 'friendly': 1}}
    >>> sum([a, b]) == a + b
    True
    """

    __slots__ = ()
    _kind = "encounters.Accumulator"
    _state_type = _core.EncounterSummaryState

    def __init__(self, config: Any = None, *, by: str | Sequence[str] | None = None) -> None:
        cfg: EncounterConfig = resolve_config(config, EncounterConfig)
        cfg.validate()
        self._by = by_list(by)
        self._state = _core.EncounterSummaryState(cfg, names_of(self._by or []))

    @property
    def config(self) -> EncounterConfig:
        """The :class:`EncounterConfig` of the state."""
        cfg: EncounterConfig = self._state.config
        return cfg

    @property
    def weighted(self) -> bool:
        """True once weighted batches were counted (a state is weighted or not throughout)."""
        return bool(self._state.weighted)

    def update(self, data: Any, *, by: Any = None, weights: Any = None) -> Accumulator:
        """Count one batch of encounters; returns self. An empty batch (0 rows) is a no-op.

        ``data`` is the output of :func:`score_encounters` (pandas, polars or Arrow), or a table
        of ratings with the configuration's indicator columns and no score columns (scored here
        first). ``by`` names the key columns when the constructor did not; ``weights`` is a
        column name or one weight per row (finite, >= 0).
        """
        frame = to_frame(data, name="scored")
        if len(frame) == 0:
            return self
        cfg = self.config
        if "quadrant" not in frame.columns and "procedural" not in frame.columns:
            frame = score_encounters(frame, cfg)
        _check_scored_columns(frame)
        recorded = frame.attrs.get(_ATTR)
        if recorded is not None and EncounterConfig.from_json(recorded) != cfg:
            raise InputError(
                "scored: the scores were made with another configuration than this accumulator's; "
                "pass that configuration: ss.encounters.Accumulator(config)"
            )
        keys_by = self._batch_by(by)
        codes, keys = self._batch_groups(frame, keys_by)
        _update_state(self._state, frame, cfg, codes, keys, weights)
        self._adopt_by(by, keys_by)
        return self

    def _merge_key(self) -> Any:
        c = self.config
        names = ",".join(i.name for i in c.indicators)
        label = (
            f"EncounterConfig({len(c.indicators)} indicators [{names[:60]}], scale {c.scale_min:g}-{c.scale_max:g}, "
            f"thresholds {c.procedural_threshold:g}/{c.personal_threshold:g}, min_coverage {c.min_coverage:g})"
        )
        return ConfigKey(label, c.to_json())

    def result(self) -> EncounterSummary:
        """The :class:`EncounterSummary` of everything counted, groups in key order."""
        r = self._state.result(key_order=True)
        names = list(self._state.key_names)
        if not names:
            index = pd.Index(["all"], name="group")
        else:
            vals, labels = self._key_values()
            if len(names) == 1:
                index = pd.Index([v[0] for v in vals], name=labels[0], tupleize_cols=False)
            else:
                index = pd.MultiIndex.from_tuples(vals, names=labels)
        return _summary(r, index, self.config)

    def __repr__(self) -> str:
        w = ", weighted" if self.weighted else ""
        return f"encounters.Accumulator({self.rows} encounters, {self.groups} group(s){w})"
