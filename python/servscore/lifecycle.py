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
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._compat import renamed
from ._core import InputError, LifecycleConfig, Touchpoint
from ._input import as_matrix, is_frame_like, numeric_matrix, relabel_rows, resolve_config, text_columns, to_frame
from ._result import Result
from .drivers import IPA_QUADRANTS
from .loyalty import _groups
from .model import LifecycleStage

__all__ = ["LifecycleConfig", "LifecycleResult", "Touchpoint", "score_stages", "stages"]

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
        Respondent stage scores (the output of :func:`score_stages`).
    """

    table: pd.DataFrame
    journey: pd.DataFrame
    scores: pd.DataFrame
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
    scores = pd.DataFrame(s, index=index, columns=STAGES)
    return LifecycleResult(table=table, journey=journey_table, scores=scores, config=cfg)
