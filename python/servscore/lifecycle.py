"""Customer lifecycle (the developer's 6+2 steps): stage indices, journey index, weak stages.

The deck "Customer satisfaction: lessons from the developer's 6+2 step method"
(2007) follows the owner through six steps and two extras (warm handshake, tying
the knot, close contact, moving in, caring, taking responsibility; +1 all the way
together, +2 the four-year appointment) and warns that the weakest step dominates
the experience. Each step is measured by its touchpoints (客户触点).

Method (ours on the cited frameworks; every number is a default of
:class:`LifecycleConfig`):

- a respondent's **stage score** is the importance-weighted mean of their rated
  touchpoints of the stage, rescaled from ``[scale_min, scale_max]`` (1-5) to 0-100;
  it is computed when the rated touchpoints carry at least ``min_coverage`` (0.5) of
  the stage's importance, otherwise it is missing (counted per stage);
- the **stage index** is the mean of the stage scores with a Student-t interval at
  ``confidence`` (0.95); a stage needs ``min_n`` (2) respondents;
- the **journey index** is the ``stage_weights``-weighted mean of the stage indices
  (weight 1 each), and the **weakest stage** the lowest index;
- a stage is **weak** when its index is below the journey index by more than
  ``margin`` (5 points) and its interval excludes the journey index, or (``ipa_rule``)
  when it lies in the importance-performance "concentrate here" quadrant (importance
  strictly above the mean stage importance, index below the journey index; Martilla &
  James 1977); **strong** symmetrically ("keep up the good work").

Importance is stated per touchpoint in the configuration (default 1) or the mean of
importance ratings from the survey (``importance=``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._accumulator import ConfigKey, StateAccumulator, by_list
from ._compat import renamed
from ._core import InputError, LifecycleConfig, Touchpoint
from ._input import (
    as_matrix,
    is_frame_like,
    names_of,
    numeric_matrix,
    relabel_rows,
    resolve_config,
    text_columns,
    to_frame,
)
from ._result import Result
from .drivers import IPA_QUADRANTS
from .loyalty import _groups
from .model import LifecycleStage

__all__ = ["Accumulator", "LifecycleConfig", "LifecycleResult", "Touchpoint", "score_stages", "stages"]

STAGES = LifecycleStage.names()
# the one IPA vocabulary (drivers.IPA_QUADRANTS, C++ IpaQuadrant) and "none" for a stage without an index;
# the old lifecycle name "keep_up" is now "keep_up_good_work"
QUADRANTS = [*IPA_QUADRANTS, "none"]


def _with_params(config: Any, params: dict[str, Any]) -> LifecycleConfig:
    cfg: LifecycleConfig = resolve_config(config, LifecycleConfig)
    if not params:
        return cfg
    params = dict(params)
    tps = params.get("touchpoints")
    if isinstance(tps, Mapping):  # {"column": "stage"} shorthand
        params["touchpoints"] = [{"name": k, "stage": str(v)} for k, v in tps.items()]
    elif isinstance(tps, (list, tuple)):
        params["touchpoints"] = [t.to_dict() if isinstance(t, Touchpoint) else t for t in tps]
    return LifecycleConfig.from_dict({**cfg.to_dict(), **params})


def _ratings(data: Any, cfg: LifecycleConfig, what: str = "data") -> tuple[np.ndarray, pd.Index, pd.DataFrame | None]:
    names = [t.name for t in cfg.touchpoints]
    if is_frame_like(data):
        frame = to_frame(data, name=what)
        if len(frame) == 0:
            raise InputError(f"{what}: the input is empty (0 rows)")
        return numeric_matrix(frame, text_columns(frame, names), name=what), frame.index, frame
    x = as_matrix(data, name=what, ncols=len(names))
    return x, pd.RangeIndex(x.shape[0]), None


def score_stages(data: Any, config: Any = None, *, workers: int = 1, **params: Any) -> pd.DataFrame:
    """Respondent stage scores (0-100) for each of the 8 stages.

    Parameters
    ----------
    data
        A table with one column per touchpoint (named as in the configuration), or a
        2-D array in the configuration's touchpoint order; missing ratings allowed.
    config
        :class:`LifecycleConfig`, dict, JSON text or file; default: the 14 default
        touchpoints on a 1-5 scale.

    Returns
    -------
    pandas.DataFrame
        One column per stage (``LifecycleStage`` names), the input's index; NaN when the
        stage has no touchpoint or the respondent rated too little of it.

    Examples
    --------
    >>> import servscore as ss
    >>> cfg = ss.lifecycle.LifecycleConfig(touchpoints=[ss.lifecycle.Touchpoint("info", "warm_handshake"),
    ...     ss.lifecycle.Touchpoint("repair", "caring", 3), ss.lifecycle.Touchpoint("visit", "caring")])
    >>> ss.lifecycle.score_stages([[5, 1, 5]], cfg)[["warm_handshake", "caring"]].to_dict("records")
    [{'warm_handshake': 100.0, 'caring': 25.0}]
    """
    cfg = _with_params(config, params)
    x, index, _ = _ratings(data, cfg)
    try:
        s = _core.score_lifecycle(x, cfg, int(workers))
    except InputError as e:
        raise relabel_rows(e, index) from None
    return pd.DataFrame(np.asarray(s), index=index, columns=STAGES)


@dataclasses.dataclass(frozen=True, repr=False)
class LifecycleResult(Result):
    """Stage indices, the journey index and the weak / strong stages, per group.

    Attributes
    ----------
    table
        Long table, one row per group and stage in use: ``group``, ``stage``, ``label``,
        ``n``, ``n_missing``, ``index`` (0-100), ``sd``, ``lower``, ``upper`` (interval),
        ``importance``, ``quadrant`` (IPA: concentrate_here, keep_up_good_work, low_priority,
        possible_overkill), ``weak`` and ``strong`` (booleans), ``gap`` (index minus the
        journey index).
    journey
        One row per group: ``respondents``, ``journey`` (the journey index), ``weakest``,
        ``strongest`` and the lists ``weak_stages`` / ``strong_stages``.
    scores
        Respondent stage scores (the output of :func:`score_stages`); None for the result of
        an :class:`Accumulator` (a merged state keeps no respondent rows).
    """

    table: pd.DataFrame
    journey: pd.DataFrame
    scores: pd.DataFrame | None
    config: LifecycleConfig

    def to_frame(self) -> pd.DataFrame:
        """The long stage table."""
        return self.table

    def stage_table(self, group: Any = None) -> pd.DataFrame:
        """The stage rows of one group (the first by default), indexed by stage."""
        groups = self.journey.index
        g = groups[0] if group is None else group
        rows: pd.DataFrame = self.table[self.table["group"] == g].set_index("stage")
        return rows

    @renamed(confidence="level")
    def change(self, a: Any, b: Any, *, level: float | None = None) -> pd.DataFrame:
        """Change of each stage index from group ``a`` to group ``b`` (e.g. two waves), with a
        Welch interval; ``significant`` when the interval excludes 0.

        Examples
        --------
        >>> import servscore as ss
        >>> d = ss.datasets.sample(seed=1, n_journey=1500)
        >>> c = ss.lifecycle.stages(d.journey, by="wave").change("2025", "2026")
        >>> bool(c.loc["caring", "significant"]) and bool(c.loc["caring", "diff"] > 5)
        True
        """
        ta, tb = self.stage_table(a), self.stage_table(b)
        level = self.config.confidence if level is None else float(level)

        def col(t: pd.DataFrame, c: str) -> np.ndarray:
            return np.ascontiguousarray(t[c].reindex(ta.index), dtype=np.float64)

        r = _core.welch_differences(
            col(ta, "index"), col(ta, "sd"), col(ta, "n"), col(tb, "index"), col(tb, "sd"), col(tb, "n"), level
        )
        out = pd.DataFrame(
            {
                "index_a": ta["index"],
                "index_b": tb["index"].reindex(ta.index),
                "diff": r["diff"],
                "lower": r["lower"],
                "upper": r["upper"],
                "df": r["df"],
            },
            index=ta.index,
        )
        out["significant"] = (out["lower"] > 0) | (out["upper"] < 0)
        return out

    def plot(self, ax: Any = None, *, group: Any = None, **kwargs: Any) -> Any:
        """Stage profile: index with interval per stage, journey line, weak stages marked; returns the Axes."""
        from ._lifecycle_plots import stage_profile

        return stage_profile(self, ax=ax, group=group, **kwargs)

    def _summary_lines(self) -> list[str]:
        lines = []
        for g, r in self.journey.iterrows():
            weak = ", ".join(r["weak_stages"]) or "none"
            lines.append(f"{g}: journey index {r['journey']:.1f}, weakest {r['weakest']}, weak stages: {weak}")
        return lines[:10]


def _importance(importance: Any, frame: pd.DataFrame | None, cfg: LifecycleConfig, scale: tuple[float, float]) -> Any:
    """The configuration with touchpoint importance from ``importance`` (dict, column prefix or table)."""
    names = [t.name for t in cfg.touchpoints]
    if isinstance(importance, Mapping):
        unknown = sorted(set(importance) - set(names))
        if unknown:
            raise InputError(f"importance: unknown touchpoint(s) {unknown}; touchpoints: {names}")
        values = [float(importance.get(n, t.importance)) for n, t in zip(names, cfg.touchpoints)]
    else:
        if isinstance(importance, str):
            if frame is None:
                raise InputError("importance: a column prefix needs data as a table")
            cols = [importance + n for n in names]
            imp = numeric_matrix(frame, cols, name="importance")
        else:
            imp = numeric_matrix(to_frame(importance, name="importance"), names, name="importance")
        try:
            values = list(_core.touchpoint_importance(imp, cfg, float(scale[0]), float(scale[1])))
        except InputError as e:
            raise relabel_rows(e, frame.index if frame is not None else pd.RangeIndex(len(imp))) from None
    d = cfg.to_dict()
    for t, v in zip(d["touchpoints"], values):
        t["importance"] = v
    return LifecycleConfig.from_dict(d)


def _tables(r: dict[str, Any], gindex: pd.Index, cfg: LifecycleConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The long stage table and the journey table of :class:`LifecycleResult` from the core's summary."""
    used = sorted({STAGES.index(t.stage) for t in cfg.touchpoints})
    rows = []
    jrows = []
    for g, key in enumerate(gindex):
        journey = float(r["journey"][g])
        for j in used:
            rows.append(
                {
                    "group": key,
                    "stage": STAGES[j],
                    "label": LifecycleStage(STAGES[j]).label(),
                    "n": int(r["n"][g, j]),
                    "n_missing": int(r["n_missing"][g, j]),
                    "index": r["index"][g, j],
                    "sd": r["sd"][g, j],
                    "lower": r["lower"][g, j],
                    "upper": r["upper"][g, j],
                    "importance": r["importance"][g, j],
                    "quadrant": QUADRANTS[int(r["quadrant"][g, j])],
                    "weak": bool(r["weak"][g, j]),
                    "strong": bool(r["strong"][g, j]),
                    "gap": r["index"][g, j] - journey,
                }
            )
        weakest, strongest = int(r["weakest"][g]), int(r["strongest"][g])
        jrows.append(
            {
                "respondents": int(r["respondents"][g]),
                "journey": journey,
                "weakest": STAGES[weakest] if weakest >= 0 else None,
                "strongest": STAGES[strongest] if strongest >= 0 else None,
                "weak_stages": [STAGES[j] for j in used if r["weak"][g, j]],
                "strong_stages": [STAGES[j] for j in used if r["strong"][g, j]],
            }
        )
    table = pd.DataFrame(rows)
    journey_table = pd.DataFrame(jrows, index=gindex)
    return table, journey_table


def stages(
    data: Any,
    *,
    config: Any = None,
    by: Any = None,
    importance: Any = None,
    importance_scale: tuple[float, float] = (1.0, 5.0),
    workers: int = 1,
    **params: Any,
) -> LifecycleResult:
    """Stage indices, journey index, weakest stage and weak / strong stages (per group).

    Parameters
    ----------
    data
        Survey or observation data: one column per touchpoint (see :func:`score_stages`).
    config
        :class:`LifecycleConfig`, dict, JSON text or file. ``**params`` override its keys;
        ``touchpoints`` may be given as ``{"column": "stage", ...}``.
    by
        Column name(s) of ``data`` (segment, period ...) or one label per respondent.
    importance
        Touchpoint importance instead of the configured one: a dict ``{touchpoint:
        importance}``, a column prefix (``"imp_"`` reads ``imp_<touchpoint>`` ratings from
        ``data``) or a table of importance ratings with touchpoint columns; ratings are
        averaged (missing ignored) and must lie on ``importance_scale``.
    workers
        Threads for the compiled kernel.

    Examples
    --------
    >>> import servscore as ss
    >>> d = ss.datasets.sample(seed=1, n_journey=1500)
    >>> r = ss.lifecycle.stages(d.journey)
    >>> r.journey.loc["all", "weakest"] == d.truth["journey"]["weak_stage"]
    True
    """
    cfg = _with_params(config, params)
    x, index, frame = _ratings(data, cfg)
    if importance is not None:
        cfg = _importance(importance, frame, cfg, importance_scale)
    try:
        s = np.asarray(_core.score_lifecycle(x, cfg, int(workers)))
    except InputError as e:
        raise relabel_rows(e, index) from None
    n = s.shape[0]
    codes, keys = _groups(by, frame, n)
    n_groups = 1 if keys is None else len(keys)
    r = _core.summarize_lifecycle(s, cfg, codes, n_groups)
    gindex = keys if keys is not None else pd.Index(["all"], name="group")
    table, journey_table = _tables(r, gindex, cfg)
    scores = pd.DataFrame(s, index=index, columns=STAGES)
    return LifecycleResult(table=table, journey=journey_table, scores=scores, config=cfg)


class Accumulator(StateAccumulator):
    """Mergeable lifecycle stage indices, built batch by batch (partitions, files, waves).

    The state lives in C++ (:class:`servscore._core.LifecycleState`): per group key the
    respondents and, per stage, the respondents with and without a stage score, and the mean
    and the sum of squared deviations of the stage scores (Welford within a batch, Chan,
    Golub & LeVeque between states). Counts merge exactly in any order; the stage indices,
    standard deviations and intervals agree with one pass of :func:`stages` on all the rows to
    rounding (about 1e-15 relative), and the journey index, weakest / strongest and weak /
    strong stages are finished by the same code.

    ``update(data, by=...)`` scores one batch of touchpoint ratings (a table with the
    configuration's touchpoint columns, or a 2-D array in touchpoint order when ungrouped) and
    counts it; an empty batch is a no-op. ``merge`` / ``+`` / ``sum``; ``result()`` gives the
    :class:`LifecycleResult` (groups in key order: numbers, then strings, missing last) with
    ``scores`` None: respondent scores are rows and are not kept. ``to_bytes()`` /
    ``from_bytes()`` (format ``SSLIFEC1``, little-endian, validated on load) and pickling carry
    the state between processes. Only states of the same configuration merge. The stage
    indices are unweighted means: ``weights=`` is refused. Importance comes from the
    configuration (``importance=`` of :func:`stages` averages ratings of the whole data; give
    the averaged importances as the touchpoints' ``importance`` here).

    Parameters
    ----------
    config, **params
        As :func:`stages` (:class:`LifecycleConfig`, dict, JSON text or file; ``**params``
        override its keys).
    by
        Key column(s) of the groups (a state keeps the key columns it first counted with).
    workers
        Threads for the scoring kernel.

    Examples
    --------
    >>> import pandas as pd, servscore as ss
    >>> cfg = ss.lifecycle.LifecycleConfig(touchpoints=[ss.lifecycle.Touchpoint("info", "warm_handshake"),
    ...     ss.lifecycle.Touchpoint("repair", "caring")])
    >>> a = ss.lifecycle.Accumulator(cfg, by="wave").update(
    ...     pd.DataFrame({"info": [5, 3], "repair": [1, 2], "wave": ["w1", "w1"]}))
    >>> b = ss.lifecycle.Accumulator(cfg, by="wave").update(
    ...     pd.DataFrame({"info": [4, None], "repair": [3, 5], "wave": ["w1", "w2"]}))
    >>> t = (a + b).result().table
    >>> t[["group", "stage", "n", "n_missing", "index"]].values.tolist()[:2]
    [['w1', 'warm_handshake', 3, 0, 75.0], ['w1', 'caring', 3, 0, 25.0]]
    >>> sum([a, b]) == a + b
    True
    """

    __slots__ = ("_workers",)
    _kind = "lifecycle.Accumulator"
    _state_type = _core.LifecycleState

    def __init__(
        self, config: Any = None, *, by: str | Sequence[str] | None = None, workers: int = 1, **params: Any
    ) -> None:
        cfg = _with_params(config, params)
        cfg.validate()
        self._by = by_list(by)
        self._workers = int(workers)
        self._state = _core.LifecycleState(cfg, names_of(self._by or []))

    @classmethod
    def _wrap(cls, state: Any) -> Accumulator:
        acc = super()._wrap(state)
        acc._workers = 1
        return acc

    @property
    def config(self) -> LifecycleConfig:
        """The :class:`LifecycleConfig` of the state."""
        cfg: LifecycleConfig = self._state.config
        return cfg

    def copy(self) -> Accumulator:
        """An independent copy of the state."""
        out = super().copy()
        out._workers = self._workers
        return out

    def update(self, data: Any, *, by: Any = None, weights: Any = None) -> Accumulator:
        """Score one batch of touchpoint ratings and count it; returns self (an empty batch is a no-op).

        ``data`` is a table (pandas, polars or Arrow) with one column per touchpoint, or a 2-D
        array in the configuration's touchpoint order (ungrouped only); ``by`` names the key
        columns when the constructor did not. ``weights`` is refused (the indices are
        unweighted means).
        """
        if weights is not None:
            raise InputError("weights: the lifecycle stage indices are unweighted means; weights are not supported")
        cfg = self.config
        keys_by = self._batch_by(by)
        if is_frame_like(data):
            frame = to_frame(data, name="data")
            if len(frame) == 0:
                return self
            names = [t.name for t in cfg.touchpoints]
            x = numeric_matrix(frame, text_columns(frame, names), name="data")
            index: pd.Index = frame.index
            codes, keys = self._batch_groups(frame, keys_by)
        else:
            arr = np.asarray(data, dtype=np.float64) if not isinstance(data, np.ndarray) else data
            if arr.size == 0 and arr.ndim <= 2:
                return self
            if keys_by is not None:
                raise InputError("by: grouping needs data as a table holding the key column(s)")
            x = as_matrix(arr, name="data", ncols=len(cfg.touchpoints))
            index = pd.RangeIndex(x.shape[0])
            codes, keys = None, None
        try:
            self._state.update(x, groups=codes, keys=keys, workers=self._workers)
        except InputError as e:
            raise relabel_rows(e, index) from None
        self._adopt_by(by, keys_by)
        return self

    def _merge_key(self) -> Any:
        c = self.config
        names = ",".join(t.name for t in c.touchpoints)
        label = (
            f"LifecycleConfig({len(c.touchpoints)} touchpoints [{names[:60]}], scale {c.scale_min:g}-{c.scale_max:g}, "
            f"min_coverage {c.min_coverage:g}, margin {c.margin:g}, confidence {c.confidence:g}, min_n {c.min_n})"
        )
        return ConfigKey(label, c.to_json())

    def result(self) -> LifecycleResult:
        """The :class:`LifecycleResult` of everything counted (groups in key order; ``scores`` None)."""
        cfg = self.config
        gkeys, label = self._group_keys()
        if gkeys is None:
            gindex: pd.Index = pd.Index(["all"], name="group")
            # ungrouped: one row, empty while nothing is counted
            r = self._state.result(key_order=True) if self._state.groups else self._state.result_of([-1])
        else:
            r = self._state.result(key_order=True)
            if label is None:
                gindex = pd.MultiIndex.from_tuples(gkeys, names=self._key_values()[1])
            else:
                gindex = pd.Index(gkeys, name=label, tupleize_cols=False)
        table, journey = _tables(r, gindex, cfg)
        return LifecycleResult(table=table, journey=journey, scores=None, config=cfg)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore_accumulator, (self.to_bytes(), self._workers))

    def __repr__(self) -> str:
        return f"lifecycle.Accumulator({self.rows} respondents, {self.groups} group(s))"


def _restore_accumulator(data: bytes, workers: int) -> Accumulator:
    acc = Accumulator.from_bytes(data)
    acc._workers = int(workers)
    return acc
