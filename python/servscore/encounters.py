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
from ._checks import check_scores
from ._core import EncounterConfig, Indicator, InputError
from ._input import (
    as_matrix,
    float_columns,
    group_codes,
    is_frame_like,
    numeric_column,
    numeric_matrix,
    relabel_rows,
    resolve_config,
    result_frame,
    text_columns,
    to_frame,
)
from ._result import Result
from .model import Quadrant

__all__ = ["EncounterConfig", "EncounterSummary", "Indicator", "score_encounters", "summarize_encounters"]

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
    scored: pd.DataFrame, by: str | Sequence[str] | None = None, *, config: Any = None
) -> EncounterSummary:
    """Summarise scored encounters: quadrant counts and shares, mean scores, and the
    indicators that most often pull encounters out of the quality quadrant.

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

    Examples
    --------
    >>> import servscore as ss
    >>> scored = ss.score_encounters(ss.datasets.sample(seed=1, n_encounters=400).encounters)
    >>> s = ss.summarize_encounters(scored, by="branch")
    >>> int(s.table["n"].sum())
    400
    """
    frame = to_frame(scored, name="scored")
    missing = [
        c
        for c in ("procedural", "personal", "quadrant", "weakest_procedural", "weakest_personal")
        if c not in frame.columns
    ]
    if missing:
        raise InputError(f"scored: missing column(s) {missing}; pass the output of score_encounters")
    if config is None and _ATTR in frame.attrs:
        cfg = EncounterConfig.from_json(frame.attrs[_ATTR])
    else:
        cfg = resolve_config(config, EncounterConfig)
    names = [ind.name for ind in cfg.indicators]
    labels = text_columns(frame, names)
    codes, keys = group_codes(frame, by)
    n_groups = 1 if keys is None else len(keys)

    def cat_codes(col: str, categories: list[str]) -> np.ndarray:
        s = frame[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            # score_encounters' Categoricals: map their codes through a table of the categories
            # (one look-up per row) instead of re-categorising the strings row by row
            where = {c: i for i, c in enumerate(categories)}
            lut = np.array([where.get(c, -2) for c in s.cat.categories] + [-1], dtype=np.int32)
            mapped: np.ndarray = lut[np.asarray(s.cat.codes.to_numpy())]  # code -1 (missing) -> lut[-1] = -1
            if (mapped == -2).any():
                at = int(np.flatnonzero(mapped == -2)[0])
                raise InputError(
                    f"scored: column {col!r}, row {frame.index[at]!r}: {s.iloc[at]!r} is not one of {categories}"
                )
            return mapped
        c = pd.Categorical(frame[col].astype("object").where(frame[col].notna(), None), categories=categories)
        bad = frame[col].notna().to_numpy() & (c.codes < 0)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"scored: column {col!r}, row {frame.index[pos]!r}: {frame[col].iloc[pos]!r} is not one of {categories}"
            )
        return np.asarray(c.codes)

    proc = numeric_column(frame, "procedural", name="scored")
    pers = numeric_column(frame, "personal", name="scored")
    check_scores(frame, {"procedural": proc, "personal": pers}, name="scored")  # 0-100 or NaN, as scored
    quad = cat_codes("quadrant", Quadrant.names()).astype(np.int8)
    wproc = cat_codes("weakest_procedural", names).astype(np.int32)
    wpers = cat_codes("weakest_personal", names).astype(np.int32)
    have = all(c in frame.columns for c in labels)
    small = _integer_ratings(frame, labels) if have else None
    if small is None:
        r = _core.summarize_encounters(
            proc,
            pers,
            quad,
            wproc,
            wpers,
            codes,
            n_groups,
            cfg,
            numeric_matrix(frame, labels, name="scored") if have else None,
        )
    else:
        # The core reads the ratings only for encounters outside the quality quadrant (to share
        # the pull-out credit among tied weakest indicators): count everything without them, and
        # the pullers on those rows only, so the float64 ratings are made for them alone.
        r = _core.summarize_encounters(proc, pers, quad, wproc, wpers, codes, n_groups, cfg, None)
        qn = Quadrant.names()
        out_rows = np.flatnonzero((quad != qn.index("quality")) & (quad != qn.index("unknown")))
        sub = _core.summarize_encounters(
            proc[out_rows],
            pers[out_rows],
            quad[out_rows],
            wproc[out_rows],
            wpers[out_rows],
            np.ascontiguousarray(codes[out_rows]),
            n_groups,
            cfg,
            np.ascontiguousarray(small[out_rows], dtype=np.float64) if len(out_rows) else None,
        )
        r["pullers"], r["n_outside_quality"] = sub["pullers"], sub["n_outside_quality"]
    index = keys if keys is not None else pd.Index(["all"], name="group")
    counts = pd.DataFrame(r["counts"], index=index, columns=Quadrant.names())
    n = counts.sum(axis=1)
    table = pd.DataFrame({"n": n}, index=index)
    for q in Quadrant.names():
        table[q] = counts[q]
    for q in Quadrant.names():
        table[f"share_{q}"] = counts[q] / n.where(n > 0)
    known = n - counts["unknown"]
    table["quality_share_known"] = counts["quality"] / known.where(known > 0)
    means = r["sum_scores"] / np.where(r["n_scored"] > 0, r["n_scored"], np.nan)
    table["mean_procedural"] = means[:, 0]
    table["mean_personal"] = means[:, 1]
    pullers = pd.DataFrame(r["pullers"], index=index, columns=names)
    outside = pd.Series(r["n_outside_quality"], index=index)
    rows = []
    for g in index:
        top = pullers.loc[g].sort_values(ascending=False, kind="stable")
        for ind, cnt in top.iloc[:3].items():
            if cnt > 0:
                rows.append({"group": g, "indicator": ind, "count": float(cnt), "share": cnt / outside.loc[g]})
    top_pullers = pd.DataFrame(rows, columns=["group", "indicator", "count", "share"])
    return EncounterSummary(table=table, pullers=pullers, top_pullers=top_pullers, config=cfg)


def _integer_ratings(frame: pd.DataFrame, labels: list[Any]) -> np.ndarray | None:
    """The indicator columns as one (rows x indicators) integer matrix of their own dtype when they
    are all numpy integers of one dtype (the usual int8 answers; no missing values), else None."""
    if not frame.columns.is_unique:
        return None
    cols = [frame[c] for c in labels]
    dts = {c.dtype for c in cols}
    dt = next(iter(dts)) if len(dts) == 1 else None
    if not (isinstance(dt, np.dtype) and dt.kind in "iu"):
        return None
    small = np.empty((len(frame), len(labels)), dtype=dt)
    for j, c in enumerate(cols):
        small[:, j] = c.to_numpy()
    return small
