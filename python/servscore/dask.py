"""servscore on Dask DataFrames: every aggregate as partition states merged along a tree.

Each function takes a Dask DataFrame and the arguments of its in-memory counterpart, counts
every partition where it lives into the aggregate's accumulator (C++ state, shipped as its
``to_bytes()``), merges the states in partition order along a tree of fan-in ``split_every``
(default 8) and returns the in-memory result object on the client: ``ss.dask.nps(ddf,
column="nps", by="branch")`` equals ``ss.nps(ddf.compute(), column="nps", by="branch")``
(exactly for counts, to ~1e-15 relative for moments). Rows never travel to the client, only
states (a few hundred bytes to a few MB for tens of thousands of groups).

The row-wise engines (:func:`score_encounters`, :func:`classify_interactions`,
:func:`match_cues`) return lazy Dask DataFrames (``map_partitions`` with the right ``meta``).

Bad input raises the :class:`~servscore.InputError` of the in-memory call: the first bad row in
row order, named by its index label when the frame has known divisions (``dd.from_pandas``, a
set index) and by its position in the whole data set otherwise (``read_csv``, ``read_parquet``
without an index, whose partitions restart at 0).

Needs the extra ``servscore[dask]`` (``dask[dataframe]``, ``distributed``).

>>> import pandas as pd, dask.dataframe as dd, servscore as ss, servscore.dask
>>> df = pd.DataFrame({"nps": [10, 9, 7, 3, 10, 0], "branch": ["a", "a", "a", "b", "b", "b"]})
>>> ddf = dd.from_pandas(df, npartitions=3)
>>> ss.dask.nps(ddf, by="branch").table["nps"].round(2).to_dict()
{'a': 66.67, 'b': -33.33}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Callable

try:
    import dask.dataframe as dd
    from dask.delayed import delayed
except ImportError as _e:  # pragma: no cover - depends on the environment
    raise ImportError(
        "servscore.dask needs Dask: pip install 'servscore[dask]' (dask[dataframe] and distributed)"
    ) from _e

import pandas as pd

from . import _distributed as _d
from . import encounters as _encounters
from . import interactions as _interactions
from . import text as _text
from ._core import InputError
from .moments import Moments, check_policy

__all__ = [
    "anticipated_needs",
    "ces",
    "classify_interactions",
    "compliance",
    "cronbach_alpha",
    "csat",
    "fit_pls",
    "importance",
    "interaction_rates",
    "kano",
    "lifecycle_stages",
    "loyalty_segments",
    "match_cues",
    "mean_score",
    "moments",
    "moments_of_truth",
    "nps",
    "score_encounters",
    "servperf",
    "servqual",
    "summarize_encounters",
    "time_elements",
    "zone_of_tolerance",
]

_METHODS = ("reduction", "delayed")


# --------------------------------------------------------------------------- the reduction


def _chunk(part: pd.DataFrame, job: _d.Job) -> pd.Series:
    return pd.Series([_d.count_frame(job, part)], dtype=object)


def _pieces(frame: Any) -> list[_d.Piece]:
    # dask turns each chunk's Series into a one-row frame and concatenates them in partition order
    values = frame.iloc[:, 0] if isinstance(frame, pd.DataFrame) else frame
    return list(values)


def _combine(pieces: Any, job: _d.Job) -> pd.Series:
    return pd.Series([_d.merge_pieces(job, _pieces(pieces))], dtype=object)


def _aggregate(pieces: Any, job: _d.Job) -> _d.Piece:
    return _d.merge_pieces(job, _pieces(pieces))


def _check_frame(ddf: Any) -> None:
    if not isinstance(ddf, dd.DataFrame):
        raise TypeError(
            f"expected a dask DataFrame, got {type(ddf).__name__}; for pandas, polars or Arrow use the servscore "
            "function of the same name"
        )


def _run(ddf: Any, job: _d.Job, split_every: int | None, method: str = "delayed", labels: bool | None = None) -> Any:
    """Count every partition, merge the states in partition order, finish on the client."""
    _check_frame(ddf)
    k = _d.check_split_every(split_every)
    if job.columns is not None and list(job.columns) != list(ddf.columns):
        ddf = ddf[list(job.columns)]  # only these are read (from Parquet, a projection pushed down)
    if method == "reduction":
        piece = ddf.reduction(
            _chunk,
            aggregate=_aggregate,
            combine=_combine,
            meta=pd.Series([], dtype=object),
            split_every=k,
            chunk_kwargs={"job": job},
            combine_kwargs={"job": job},
            aggregate_kwargs={"job": job},
        ).compute()
    elif method == "delayed":
        job_d = delayed(job, traverse=False)
        count = delayed(_d.count_frame, pure=True)
        merge = delayed(_d.merge_pieces, pure=True)
        pieces = [count(job_d, p) for p in ddf.to_delayed()]
        piece = _d.tree(pieces, k, lambda run: merge(job_d, run)).compute()
    else:
        raise _d._config_error(f"method: {method!r}; expected one of {list(_METHODS)}")
    if isinstance(piece, (pd.Series, pd.DataFrame)):  # a single partition: dask may skip the aggregate step
        piece = _d.merge_pieces(job, _pieces(piece))
    return _d.finish(job, piece, labels=bool(ddf.known_divisions) if labels is None else labels)


def _columns(ddf: Any) -> list[Any]:
    _check_frame(ddf)
    return list(ddf.columns)


# --------------------------------------------------------------------------- NPS, CSAT, CES, mean


def nps(
    ddf: Any,
    *,
    method: str | None = None,
    level: float | None = None,
    weights: Any = None,
    by: Any = None,
    column: Any = None,
    config: Any = None,
    promoter_min: int | None = None,
    detractor_max: int | None = None,
    scale: tuple[int, int] | None = None,
    empty: str = "error",
    split_every: int | None = None,
) -> Any:
    """:func:`servscore.nps` of a Dask DataFrame: the same arguments, ``by`` and ``weights`` as
    column names; returns the same :class:`~servscore.NpsResult` as in memory.

    ``split_every`` is the fan-in of the tree reduction (default 8).

    >>> import pandas as pd, dask.dataframe as dd, servscore as ss, servscore.dask
    >>> ddf = dd.from_pandas(pd.DataFrame({"nps": [10, 9, 8, 2] * 25}), npartitions=4)
    >>> ss.dask.nps(ddf).nps
    25.0
    """
    overrides = {
        "method": method,
        "level": level,
        "promoter_min": promoter_min,
        "detractor_max": detractor_max,
        "scale": scale,
    }
    job = _d.response_job(
        "nps", _columns(ddf), column=column, by=by, weights=weights, config=config, overrides=overrides, empty=empty
    )
    return _run(ddf, job, split_every)


def _box(
    metric: str,
    ddf: Any,
    level: float | None,
    weights: Any,
    by: Any,
    column: Any,
    config: Any,
    top_min: int | None,
    bottom_max: int | None,
    scale: tuple[int, int] | None,
    empty: str,
    split_every: int | None,
) -> Any:
    overrides = {"level": level, "top_min": top_min, "bottom_max": bottom_max, "scale": scale}
    job = _d.response_job(
        metric, _columns(ddf), column=column, by=by, weights=weights, config=config, overrides=overrides, empty=empty
    )
    return _run(ddf, job, split_every)


def csat(
    ddf: Any,
    *,
    level: float | None = None,
    weights: Any = None,
    by: Any = None,
    column: Any = None,
    config: Any = None,
    top_min: int | None = None,
    bottom_max: int | None = None,
    scale: tuple[int, int] | None = None,
    empty: str = "error",
    split_every: int | None = None,
) -> Any:
    """:func:`servscore.csat` of a Dask DataFrame (column ``"csat"`` by default); see :func:`nps`.

    >>> import pandas as pd, dask.dataframe as dd, servscore as ss, servscore.dask
    >>> ddf = dd.from_pandas(pd.DataFrame({"csat": [5, 4, 3, 2]}), npartitions=2)
    >>> ss.dask.csat(ddf).value
    0.5
    """
    return _box("csat", ddf, level, weights, by, column, config, top_min, bottom_max, scale, empty, split_every)


def ces(
    ddf: Any,
    *,
    level: float | None = None,
    weights: Any = None,
    by: Any = None,
    column: Any = None,
    config: Any = None,
    top_min: int | None = None,
    bottom_max: int | None = None,
    scale: tuple[int, int] | None = None,
    empty: str = "error",
    split_every: int | None = None,
) -> Any:
    """:func:`servscore.ces` of a Dask DataFrame (column ``"ces"`` by default); see :func:`nps`.

    >>> import pandas as pd, dask.dataframe as dd, servscore as ss, servscore.dask
    >>> ss.dask.ces(dd.from_pandas(pd.DataFrame({"ces": [7, 6, 5, 2]}), npartitions=2)).value
    5.0
    """
    return _box("ces", ddf, level, weights, by, column, config, top_min, bottom_max, scale, empty, split_every)


def mean_score(
    ddf: Any,
    *,
    level: float | None = None,
    weights: Any = None,
    by: Any = None,
    column: Any = None,
    config: Any = None,
    top_min: int | None = None,
    bottom_max: int | None = None,
    scale: tuple[int, int] | None = None,
    empty: str = "error",
    split_every: int | None = None,
) -> Any:
    """:func:`servscore.mean_score` of a Dask DataFrame (column ``"score"`` by default); see :func:`nps`.

    >>> import pandas as pd, dask.dataframe as dd, servscore as ss, servscore.dask
    >>> ddf = dd.from_pandas(pd.DataFrame({"score": [1, 2, 3, 4, 5, 6, 7]}), npartitions=3)
    >>> ss.dask.mean_score(ddf, scale=(1, 7)).value
    4.0
    """
    return _box("mean", ddf, level, weights, by, column, config, top_min, bottom_max, scale, empty, split_every)


# --------------------------------------------------------------------------- moments and what reads them


def moments(
    ddf: Any,
    *,
    columns: Sequence[Any] | None = None,
    weights: Any = None,
    missing: str = "listwise",
    split_every: int | None = None,
) -> Moments:
    """The merged :class:`~servscore.Moments` state of the columns (default: all, but a weight
    column), as ``ss.Moments(ddf.compute(), ...)``.

    >>> import pandas as pd, dask.dataframe as dd, servscore as ss, servscore.dask
    >>> df = pd.DataFrame({"a": [1.0, 2.0, 4.0, 3.0], "b": [2.0, 1.0, 5.0, 3.0]})
    >>> m = ss.dask.moments(dd.from_pandas(df, npartitions=2))
    >>> m.n, round(float(m.corr().loc["a", "b"]), 4)
    (4, 0.8315)
    """
    check_policy(missing)
    job = _d.moments_job(_columns(ddf), items=columns, weights=weights, nan_policy=missing, finish=lambda m: m)
    return _run(ddf, job, split_every)  # type: ignore[no-any-return]


def cronbach_alpha(
    ddf: Any,
    *,
    level: float = 0.95,
    missing: str = "listwise",
    weights: Any = None,
    columns: Sequence[Any] | None = None,
    split_every: int | None = None,
) -> Any:
    """:func:`servscore.cronbach_alpha` of a Dask DataFrame of items; the same :class:`~servscore.AlphaResult`.

    >>> import pandas as pd, dask.dataframe as dd, servscore as ss, servscore.dask
    >>> df = pd.DataFrame({"q1": [4, 5, 3, 2, 5], "q2": [4, 4, 3, 1, 5], "q3": [5, 5, 2, 2, 4]})
    >>> round(ss.dask.cronbach_alpha(dd.from_pandas(df, npartitions=2)).alpha, 4)
    0.9341
    """
    check_policy(missing)
    job = _d.alpha_job(_columns(ddf), items=columns, weights=weights, nan_policy=missing, level=level)
    return _run(ddf, job, split_every)


def importance(
    ddf: Any,
    y: Any,
    *,
    columns: Sequence[Any] | None = None,
    missing: str | None = None,
    split_every: int | None = None,
    **kwargs: Any,
) -> Any:
    """:func:`servscore.drivers.importance` from the merged co-moments of ``columns`` and ``y``
    (default: every other column); the other keywords are those of the in-memory function
    (``method``, ``signed``, ...; the bootstrap needs the rows and is not available).

    >>> import numpy as np, pandas as pd, dask.dataframe as dd, servscore as ss, servscore.dask
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])
    >>> df["y"] = df["a"] + 0.5 * df["b"] + rng.normal(size=200)
    >>> r = ss.dask.importance(dd.from_pandas(df, npartitions=4), "y")
    >>> bool(np.allclose(r.table["share"], ss.drivers.importance(df, "y").table["share"], rtol=1e-10))
    True
    """
    cols = list(columns) if columns is not None else [c for c in _columns(ddf) if c != y]
    policy = check_policy(missing or "listwise")
    job = _d.moments_job(
        _columns(ddf),
        items=[*cols, y],
        weights=None,
        nan_policy=policy,
        finish=_d.importance_finish(y, columns, kwargs),
    )
    return _run(ddf, job, split_every)


def fit_pls(model: Any, ddf: Any, *, split_every: int | None = None, **kwargs: Any) -> Any:
    """:meth:`servscore.PathModel.fit_moments` on the merged listwise co-moments of the model's
    indicators: the weights, paths, reliability, indices and IPMA of ``model.fit(df,
    missing="listwise")`` (no latent scores, no bootstrap). Keywords as ``fit_moments``.

    >>> import dask.dataframe as dd, servscore as ss, servscore.dask
    >>> survey = ss.datasets.sample(seed=1, n_respondents=400).index_survey
    >>> m = ss.PathModel("IMAG =~ imag1 + imag2 + imag3; SAT =~ sat1 + sat2 + sat3; SAT ~ IMAG")
    >>> a = ss.dask.fit_pls(m, dd.from_pandas(survey, npartitions=4))
    >>> b = m.fit(survey, missing="listwise")
    >>> bool(abs(a.paths.loc["SAT", "IMAG"] - b.paths.loc["SAT", "IMAG"]) < 1e-10)
    True
    """
    from .pls import _as_model

    model = _as_model(model)
    job = _d.moments_job(
        _columns(ddf), items=model.indicators, weights=None, nan_policy="listwise", finish=_d.pls_finish(model, kwargs)
    )
    return _run(ddf, job, split_every)


# --------------------------------------------------------------------------- Kano, SERVQUAL


def kano(
    ddf: Any,
    *,
    attributes: Sequence[str] | None = None,
    by: str | Sequence[str] | None = None,
    config: Any = None,
    table: Any = None,
    suffixes: tuple[str, str] = ("_f", "_d"),
    ci: str = "wilson",
    n_bootstrap: int | None = None,
    level: float | None = None,
    seed: int = 0,
    split_every: int | None = None,
) -> Any:
    """:func:`servscore.kano.analyze` of a Dask DataFrame (wide or long layout); the same
    :class:`~servscore.kano.KanoResult`.

    >>> import dask.dataframe as dd, servscore as ss, servscore.dask
    >>> survey = ss.datasets.sample(seed=1, n_kano=300).kano
    >>> r = ss.dask.kano(dd.from_pandas(survey, npartitions=3), by="segment")
    >>> r == ss.kano.analyze(survey, by="segment")
    True
    """
    _check_frame(ddf)
    job = _d.kano_job(
        attributes=attributes,
        by=by,
        config=config,
        table=table,
        suffixes=suffixes,
        ci=ci,
        n_bootstrap=n_bootstrap,
        level=level,
        seed=seed,
    )
    return _run(ddf, job, split_every)


def servqual(
    ddf: Any,
    *,
    expectations: Sequence[Any] | None = None,
    perceptions: Sequence[Any] | None = None,
    dimensions: Any = None,
    weights: Any = None,
    split_every: int | None = None,
) -> Any:
    """:func:`servscore.servqual` of a Dask DataFrame holding both tables: ``expectations`` and
    ``perceptions`` name their columns (default: the columns starting ``e_`` and ``p_``), read as
    the in-memory call reads its two tables. ``weights``: one allocation for everyone (a dict or
    D numbers) or the names of allocation columns. The per-respondent ``respondents`` table is
    left out (``None``): it is row-wise.

    >>> import dask.dataframe as dd, servscore as ss, servscore.dask
    >>> sq = ss.datasets.sample(seed=1, n_servqual=200).servqual
    >>> r = ss.dask.servqual(dd.from_pandas(sq, npartitions=3))
    >>> r.weakest_dimension() == ss.servqual(sq.filter(regex="^e_"), sq.filter(regex="^p_")).weakest_dimension()
    True
    """
    job = _d.servqual_job(
        _columns(ddf),
        expectations=expectations,
        perceptions=perceptions,
        dimensions=dimensions,
        weights=weights,
        perceptions_only=False,
    )
    return _run(ddf, job, split_every)


def servperf(
    ddf: Any,
    *,
    perceptions: Sequence[Any] | None = None,
    dimensions: Any = None,
    weights: Any = None,
    split_every: int | None = None,
) -> Any:
    """:func:`servscore.servperf` of a Dask DataFrame (perception columns default: ``p_...``); see :func:`servqual`."""
    job = _d.servqual_job(
        _columns(ddf),
        expectations=None,
        perceptions=perceptions,
        dimensions=dimensions,
        weights=weights,
        perceptions_only=True,
    )
    return _run(ddf, job, split_every)


def zone_of_tolerance(
    ddf: Any,
    *,
    adequate: Sequence[Any] | None = None,
    desired: Sequence[Any] | None = None,
    perceived: Sequence[Any] | None = None,
    dimensions: Any = None,
    split_every: int | None = None,
) -> Any:
    """:func:`servscore.zone_of_tolerance` of a Dask DataFrame holding the three tables (columns
    default: ``a_...``, ``d_...``, ``z_...``, as in the sample data)."""
    job = _d.zot_job(_columns(ddf), adequate=adequate, desired=desired, perceived=perceived, dimensions=dimensions)
    return _run(ddf, job, split_every)


# --------------------------------------------------------------------------- encounters, lifecycle, loyalty, needs, standards, interactions


def summarize_encounters(
    ddf: Any,
    by: str | Sequence[str] | None = None,
    *,
    config: Any = None,
    weights: str | None = None,
    split_every: int | None = None,
) -> Any:
    """:func:`servscore.summarize_encounters` of a Dask DataFrame of scored encounters (the
    output of :func:`score_encounters`) or of ratings (scored in each partition); the same
    :class:`~servscore.EncounterSummary`. ``weights``: a column name.

    >>> import dask.dataframe as dd, servscore as ss, servscore.dask
    >>> enc = ss.datasets.sample(seed=1).encounters
    >>> s = ss.dask.summarize_encounters(dd.from_pandas(enc, npartitions=3), by="branch")
    >>> s0 = ss.summarize_encounters(ss.score_encounters(enc), by="branch")
    >>> s.table["quality"].equals(s0.table["quality"])  # counts exactly; means to rounding
    True
    """
    job = _d.encounters_job(_columns(ddf), by=by, config=config, weights=weights)
    return _run(ddf, job, split_every)


def lifecycle_stages(
    ddf: Any,
    *,
    config: Any = None,
    by: str | Sequence[str] | None = None,
    importance: Any = None,
    importance_scale: tuple[float, float] = (1.0, 5.0),
    split_every: int | None = None,
    **params: Any,
) -> Any:
    """:func:`servscore.lifecycle.stages` of a Dask DataFrame of touchpoint ratings: the same
    :class:`~servscore.lifecycle.LifecycleResult` tables (``table``, ``journey``), with
    ``scores`` None (respondent scores are rows: :func:`map_partitions` of
    :func:`servscore.lifecycle.score_stages` gives them). ``importance``: a dict
    ``{touchpoint: importance}`` (importance ratings are averaged over the whole data first).
    """
    job = _d.lifecycle_job(
        _columns(ddf), by=by, config=config, importance=importance, scale=importance_scale, params=params
    )
    return _run(ddf, job, split_every)


def loyalty_segments(
    ddf: Any,
    satisfaction: Any = "satisfaction",
    loyalty: Any = "loyalty",
    *,
    nps: Any = None,
    complained: Any = None,
    by: str | Sequence[str] | None = None,
    config: Any = None,
    split_every: int | None = None,
    **params: Any,
) -> Any:
    """:func:`servscore.loyalty.segment` of a Dask DataFrame (``satisfaction``, ``loyalty``,
    ``nps``, ``complained`` name its columns): the same segment table, counts exact; the
    per-customer ``customers`` table is rows and is left empty."""
    job = _d.loyalty_job(
        _columns(ddf),
        satisfaction=satisfaction,
        loyalty=loyalty,
        nps=nps,
        complained=complained,
        by=by,
        config=config,
        params=params,
    )
    return _run(ddf, job, split_every)


def anticipated_needs(
    ddf: Any,
    *,
    rules: Any = None,
    extra_rules: Any = None,
    by: str | Sequence[str] | None = None,
    split_every: int | None = None,
) -> Any:
    """The counts of :func:`servscore.needs.evaluate` on a Dask DataFrame of interactions (per
    group with ``by``): a :class:`~servscore.needs.NeedsSummary` (rules fired, needs and actions
    triggered, missing fields), exactly the counts of one pass."""
    job = _d.needs_job(_columns(ddf), rules=rules, extra_rules=extra_rules, by=by)
    return _run(ddf, job, split_every)


def compliance(
    ddf: Any,
    *,
    standards: Any = None,
    by: str | Sequence[str] | None = None,
    level: float = 0.95,
    split_every: int | None = None,
) -> Any:
    """:func:`servscore.standards.compliance` of a Dask DataFrame: the same ``table`` (counts
    exact, Wilson intervals); no per-record ``codes`` and no p-chart (group by the period:
    ``by=[..., "week"]``)."""
    job = _d.compliance_job(_columns(ddf), standards=standards, by=by, level=level)
    return _run(ddf, job, split_every)


def time_elements(
    ddf: Any,
    *,
    targets: Any = None,
    by: str | Sequence[str] | None = None,
    level: float = 0.95,
    exact_cap: int = 100_000,
    relative_accuracy: float = 0.005,
    split_every: int | None = None,
) -> Any:
    """:func:`servscore.standards.time_elements` of a Dask DataFrame: counts exact; quantiles
    exact while a (group, element) cell holds at most ``exact_cap`` durations, beyond it within
    ``relative_accuracy`` (see :class:`~servscore.standards.TimeAccumulator`; the table's
    ``exact`` column says which)."""
    job = _d.time_job(
        _columns(ddf), targets=targets, by=by, level=level, exact_cap=exact_cap, relative_accuracy=relative_accuracy
    )
    return _run(ddf, job, split_every)


def moments_of_truth(
    ddf: Any,
    *,
    visit: str = "visit_id",
    moment: str = "moment",
    order: str = "order",
    score: str = "score",
    config: Any = None,
    by: str | Sequence[str] | None = None,
    partitioned: bool = False,
    split_every: int | None = None,
) -> Any:
    """:func:`servscore.standards.moments` of a Dask DataFrame (one row per moment of a visit):
    the same ``moments`` table and ``n_missing`` (counts exact, means to rounding); the per-visit
    table is rows and is left empty. A visit's rows must share a partition: the frame is shuffled
    on ``visit`` first unless ``partitioned=True`` says they already do (rows are then named by
    their index label in errors)."""
    job = _d.truth_job(_columns(ddf), visit=visit, moment=moment, order=order, score=score, config=config, by=by)
    if not partitioned:
        ddf = ddf.shuffle(on=visit)
    return _run(ddf, job, split_every, labels=True if not partitioned else None)


def interaction_rates(
    ddf: Any,
    *,
    by: str | Sequence[str] | None = None,
    split_every: int | None = None,
    **kwargs: Any,
) -> Any:
    """Lost-sale risk and cue rates of a Dask DataFrame of interactions: each partition is
    classified (:func:`servscore.interactions.classify`, keywords as there) and counted where it
    lives; the merged :class:`servscore.interactions.Accumulator` comes back, whose
    ``risk_rates()`` / ``cue_rates()`` equal those of ``classify`` on all the rows (per group
    with ``by``). For the per-interaction table use :func:`classify_interactions`."""
    job = _d.rates_job(_columns(ddf), by=by, kwargs=kwargs)
    return _run(ddf, job, split_every)


# --------------------------------------------------------------------------- row-wise engines


def _lazy(ddf: Any, engine: Callable[[pd.DataFrame], pd.DataFrame], name: str) -> Any:
    _check_frame(ddf)
    meta = _d.meta_of(engine, ddf._meta)
    return ddf.map_partitions(_Rowwise(engine, meta), meta=meta, token=name)


class _Rowwise:
    """An engine over partitions: an empty partition (a filter's leftover) gives the empty output."""

    def __init__(self, engine: Callable[[pd.DataFrame], pd.DataFrame], meta: pd.DataFrame) -> None:
        self.engine, self.meta = engine, meta

    def __call__(self, part: pd.DataFrame) -> pd.DataFrame:
        if len(part) == 0:
            return self.meta.set_axis(part.index[:0])
        return self.engine(part)


class _Engine:
    """A picklable row-wise engine with its keywords (a lambda would pickle too, less readably)."""

    def __init__(self, fn: Callable[..., Any], kwargs: dict[str, Any], attr: str | None = None) -> None:
        self.fn, self.kwargs, self.attr = fn, kwargs, attr

    def __call__(self, part: pd.DataFrame) -> pd.DataFrame:
        out = self.fn(part, **self.kwargs)
        return getattr(out, self.attr) if self.attr else out


def score_encounters(ddf: Any, config: Any = None) -> Any:
    """:func:`servscore.score_encounters` partition by partition: a lazy Dask DataFrame with the
    input's columns and index plus the score columns (the same frame as in memory, computed).

    >>> import dask.dataframe as dd, servscore as ss, servscore.dask
    >>> enc = ss.datasets.sample(seed=1, n_encounters=300).encounters
    >>> lazy = ss.dask.score_encounters(dd.from_pandas(enc, npartitions=3))
    >>> cols = ["procedural", "personal", "quadrant"]
    >>> lazy[cols].compute().equals(ss.score_encounters(enc)[cols])
    True
    """
    from ._input import resolve_config

    cfg = resolve_config(config, _encounters.EncounterConfig)
    cfg.validate()
    return _lazy(ddf, _Engine(_encounters.score_encounters, {"config": cfg.to_json()}), "score_encounters")


def classify_interactions(ddf: Any, **kwargs: Any) -> Any:
    """:func:`servscore.interactions.classify` partition by partition: a lazy Dask DataFrame of
    its ``table`` (one row per interaction). Keywords as the in-memory function."""
    return _lazy(ddf, _Engine(_interactions.classify, kwargs, attr="table"), "classify_interactions")


def match_cues(ddf: Any, *, text: str = "transcript", **kwargs: Any) -> Any:
    """:func:`servscore.text.match_cues` on a text column, partition by partition: a lazy Dask
    DataFrame of the cue counts (the result's ``counts``), with the input's index."""
    _check_frame(ddf)
    if text not in ddf.columns:
        raise InputError(f"text: no column {text!r}; columns present: {', '.join(map(str, list(ddf.columns)[:30]))}")
    return _lazy(ddf[[text]], _CueEngine(text, kwargs), "match_cues")


class _CueEngine:
    def __init__(self, text: str, kwargs: dict[str, Any]) -> None:
        self.text, self.kwargs = text, kwargs

    def __call__(self, part: pd.DataFrame) -> pd.DataFrame:
        counts = _text.match_cues(part[self.text], **self.kwargs).counts
        return counts.set_axis(part.index, axis=0) if len(counts) == len(part) else counts
