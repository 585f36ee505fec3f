"""servscore on Spark DataFrames: Arrow batches into the core, states merged along a tree.

Each aggregate reads every partition as Arrow record batches (``mapInArrow``), counts them
into the aggregate's accumulator (C++ state) on the executor and returns one row per
partition: its row count and the state's ``to_bytes()``. The states merge in partition order,
on the driver when there are at most ``split_every`` partitions (default 8), else along an
ordered tree on the executors (``groupByKey`` by partition range, ``split_every`` states per
task), so many groups (tens of thousands of staff or stores) never bring rows, nor one state
per partition, to the driver. The result is the in-memory result object: ``ss.spark.nps(sdf,
column="nps", by="branch")`` equals ``ss.nps(sdf.toPandas(), column="nps", by="branch")``.

The row-wise engines (:func:`score_encounters`, :func:`classify_interactions`,
:func:`match_cues`) return lazy Spark DataFrames (``mapInArrow`` with a declared schema;
categorical columns become strings).

Bad input raises the :class:`~servscore.InputError` of the in-memory call, its row counted
from the start of the DataFrame (in partition order), not a Py4J error: the executors return
the first bad row's message as a value, so Spark does not retry the task. A row-wise engine runs
when the caller's action runs; :func:`errors` turns the ``PythonException`` of such an action
back into the ``InputError``.

Needs the extra ``servscore[spark]`` (``pyspark>=4``, ``pyarrow``) and Java 17.

Examples
--------
>>> import pandas as pd, servscore as ss, servscore.spark
>>> from pyspark.sql import SparkSession
>>> spark = SparkSession.builder.master("local[2]").getOrCreate()  # doctest: +SKIP
>>> sdf = spark.createDataFrame(ss.datasets.sample(seed=1).transactions)  # doctest: +SKIP
>>> ss.spark.nps(sdf, column="nps", by="branch").table["nps"]  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Sequence
from typing import Any, Callable

try:
    import pyarrow as pa
    import pyspark
    from pyspark.sql import DataFrame as _SparkFrame
except ImportError as _e:  # pragma: no cover - depends on the environment
    raise ImportError("servscore.spark needs PySpark: pip install 'servscore[spark]' (pyspark>=4 and pyarrow)") from _e

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
    "errors",
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

#: rows counted per ``update`` on an executor (record batches are gathered up to this many)
BATCH_ROWS = 1 << 20

_PIECE_SCHEMA = "pid long, rows long, state binary, error string, error_at string, offset long"
_PIECE_ARROW = pa.schema(
    [
        ("pid", pa.int64()),
        ("rows", pa.int64()),
        ("state", pa.binary()),
        ("error", pa.string()),
        ("error_at", pa.string()),
        ("offset", pa.int64()),
    ]
)


# --------------------------------------------------------------------------- the reduction


def _check_frame(sdf: Any) -> None:
    if not isinstance(sdf, _SparkFrame):
        raise TypeError(
            f"expected a Spark DataFrame, got {type(sdf).__name__}; for pandas, polars or Arrow use the servscore "
            "function of the same name"
        )


def _tables(batches: Iterator[Any], rows: int | None) -> Iterator[tuple[Any]]:
    """Record batches gathered into frames of about ``rows`` rows. pyarrow's ``to_pandas`` reads
    text columns (group keys) ~28x faster than servscore's own Arrow reader today (1.25 M keys:
    0.05 s against 1.4 s), so the batches go through it; int8 answers stay int8. ``rows`` None:
    the whole partition as one frame."""
    held: list[Any] = []
    n = 0
    for b in batches:
        if b.num_rows == 0:
            continue
        held.append(b)
        n += b.num_rows
        if rows is not None and n >= rows:
            yield (pa.Table.from_batches(held).to_pandas(),)
            held, n = [], 0
    if held:
        yield (pa.Table.from_batches(held).to_pandas(),)


def _piece_batch(pid: int, p: _d.Piece) -> Any:
    return pa.RecordBatch.from_pydict(
        {
            "pid": [pid],
            "rows": [p.rows],
            "state": [p.state],
            "error": [p.error],
            "error_at": [p.error_at],
            "offset": [p.offset],
        },
        schema=_PIECE_ARROW,
    )


def _piece(row: Any) -> _d.Piece:
    state = None if row["state"] is None else bytes(row["state"])
    return _d.Piece(int(row["rows"]), state, row["error"], row["error_at"], int(row["offset"]))


def _run(sdf: Any, job: _d.Job, split_every: int | None, batch_rows: int | None = BATCH_ROWS) -> Any:
    """Count every partition on the executors, merge the states in partition order, finish here."""
    _check_frame(sdf)
    k = _d.check_split_every(split_every)
    if job.columns is not None and list(job.columns) != list(sdf.columns):
        from pyspark.sql import functions as F

        # only these cross from the JVM to Python
        sdf = sdf.select(*[F.col("`" + str(c).replace("`", "``") + "`") for c in job.columns])

    def count(batches: Iterator[Any]) -> Iterator[Any]:
        from pyspark import TaskContext

        ctx = TaskContext.get()
        pid = ctx.partitionId() if ctx is not None else 0
        yield _piece_batch(pid, _d.count_batches(job, _tables(batches, batch_rows)))

    pieces = sdf.mapInArrow(count, _PIECE_SCHEMA)
    n = pieces.rdd.getNumPartitions()
    with errors():
        if n <= k:
            rows = sorted(pieces.collect(), key=lambda r: r["pid"])
            piece = _d.merge_pieces(job, [_piece(r) for r in rows])
        else:
            rdd = pieces.rdd.map(lambda r: (int(r["pid"]), _piece(r)))
            while n > k:
                n = math.ceil(n / k)
                rdd = (
                    rdd.map(lambda kv: (kv[0] // k, kv))
                    .groupByKey(n)
                    .map(lambda g: (g[0], _d.merge_pieces(job, [p for _, p in sorted(g[1], key=lambda t: t[0])])))
                )
            piece = _d.merge_pieces(job, [p for _, p in sorted(rdd.collect(), key=lambda t: t[0])])
    return _d.finish(job, piece, labels=False)


@contextlib.contextmanager
def errors() -> Iterator[None]:
    """Turn the ``PythonException`` of a Spark action that failed on a servscore
    :class:`~servscore.InputError` (or ``ConfigError``) in a task back into that error.

    >>> import servscore.spark
    >>> with servscore.spark.errors():  # doctest: +SKIP
    ...     ss.spark.score_encounters(sdf).collect()
    """
    from pyspark.errors import PythonException

    try:
        yield
    except PythonException as e:
        found = _servscore_error(str(e))
        if found is None:
            raise
        raise found from None


def _servscore_error(text: str) -> Exception | None:
    from ._core import ConfigError

    for cls in (InputError, ConfigError):
        for name in (f"servscore._core.{cls.__name__}: ", f"{cls.__name__}: "):
            pos = text.rfind(name)
            if pos >= 0:
                msg = text[pos + len(name) :].strip().splitlines()
                return cls(msg[0] if msg else "")
    return None


def _columns(sdf: Any) -> list[Any]:
    _check_frame(sdf)
    return list(sdf.columns)


# --------------------------------------------------------------------------- aggregates


def nps(
    sdf: Any,
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
    """:func:`servscore.nps` of a Spark DataFrame: the same arguments, ``by`` and ``weights`` as
    column names; the same :class:`~servscore.NpsResult` as in memory. ``split_every``: states
    merged per task of the tree (default 8)."""
    overrides = {
        "method": method,
        "level": level,
        "promoter_min": promoter_min,
        "detractor_max": detractor_max,
        "scale": scale,
    }
    job = _d.response_job(
        "nps", _columns(sdf), column=column, by=by, weights=weights, config=config, overrides=overrides, empty=empty
    )
    return _run(sdf, job, split_every)


def _box(
    metric: str,
    sdf: Any,
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
        metric, _columns(sdf), column=column, by=by, weights=weights, config=config, overrides=overrides, empty=empty
    )
    return _run(sdf, job, split_every)


def csat(
    sdf: Any,
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
    """:func:`servscore.csat` of a Spark DataFrame (column ``"csat"`` by default); see :func:`nps`."""
    return _box("csat", sdf, level, weights, by, column, config, top_min, bottom_max, scale, empty, split_every)


def ces(
    sdf: Any,
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
    """:func:`servscore.ces` of a Spark DataFrame (column ``"ces"`` by default); see :func:`nps`."""
    return _box("ces", sdf, level, weights, by, column, config, top_min, bottom_max, scale, empty, split_every)


def mean_score(
    sdf: Any,
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
    """:func:`servscore.mean_score` of a Spark DataFrame (column ``"score"`` by default); see :func:`nps`."""
    return _box("mean", sdf, level, weights, by, column, config, top_min, bottom_max, scale, empty, split_every)


def moments(
    sdf: Any,
    *,
    columns: Sequence[Any] | None = None,
    weights: Any = None,
    missing: str = "listwise",
    split_every: int | None = None,
) -> Moments:
    """The merged :class:`~servscore.Moments` state of the columns (default: all, but a weight column)."""
    check_policy(missing)
    job = _d.moments_job(_columns(sdf), items=columns, weights=weights, nan_policy=missing, finish=lambda m: m)
    return _run(sdf, job, split_every)  # type: ignore[no-any-return]


def cronbach_alpha(
    sdf: Any,
    *,
    level: float = 0.95,
    missing: str = "listwise",
    weights: Any = None,
    columns: Sequence[Any] | None = None,
    split_every: int | None = None,
) -> Any:
    """:func:`servscore.cronbach_alpha` of a Spark DataFrame of items (or of ``columns``)."""
    check_policy(missing)
    job = _d.alpha_job(_columns(sdf), items=columns, weights=weights, nan_policy=missing, level=level)
    return _run(sdf, job, split_every)


def importance(
    sdf: Any,
    y: Any,
    *,
    columns: Sequence[Any] | None = None,
    missing: str | None = None,
    split_every: int | None = None,
    **kwargs: Any,
) -> Any:
    """:func:`servscore.drivers.importance` from the merged co-moments (see :func:`servscore.dask.importance`)."""
    cols = list(columns) if columns is not None else [c for c in _columns(sdf) if c != y]
    policy = check_policy(missing or "listwise")
    job = _d.moments_job(
        _columns(sdf),
        items=[*cols, y],
        weights=None,
        nan_policy=policy,
        finish=_d.importance_finish(y, columns, kwargs),
    )
    return _run(sdf, job, split_every)


def fit_pls(model: Any, sdf: Any, *, split_every: int | None = None, **kwargs: Any) -> Any:
    """:meth:`servscore.PathModel.fit_moments` on the merged listwise co-moments of the model's indicators."""
    from .pls import _as_model

    model = _as_model(model)
    job = _d.moments_job(
        _columns(sdf), items=model.indicators, weights=None, nan_policy="listwise", finish=_d.pls_finish(model, kwargs)
    )
    return _run(sdf, job, split_every)


def kano(
    sdf: Any,
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
    """:func:`servscore.kano.analyze` of a Spark DataFrame (wide or long layout)."""
    _check_frame(sdf)
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
    return _run(sdf, job, split_every)


def servqual(
    sdf: Any,
    *,
    expectations: Sequence[Any] | None = None,
    perceptions: Sequence[Any] | None = None,
    dimensions: Any = None,
    weights: Any = None,
    split_every: int | None = None,
) -> Any:
    """:func:`servscore.servqual` of a Spark DataFrame holding both tables (see :func:`servscore.dask.servqual`)."""
    job = _d.servqual_job(
        _columns(sdf),
        expectations=expectations,
        perceptions=perceptions,
        dimensions=dimensions,
        weights=weights,
        perceptions_only=False,
    )
    return _run(sdf, job, split_every)


def servperf(
    sdf: Any,
    *,
    perceptions: Sequence[Any] | None = None,
    dimensions: Any = None,
    weights: Any = None,
    split_every: int | None = None,
) -> Any:
    """:func:`servscore.servperf` of a Spark DataFrame (perception columns default: ``p_...``)."""
    job = _d.servqual_job(
        _columns(sdf),
        expectations=None,
        perceptions=perceptions,
        dimensions=dimensions,
        weights=weights,
        perceptions_only=True,
    )
    return _run(sdf, job, split_every)


def zone_of_tolerance(
    sdf: Any,
    *,
    adequate: Sequence[Any] | None = None,
    desired: Sequence[Any] | None = None,
    perceived: Sequence[Any] | None = None,
    dimensions: Any = None,
    split_every: int | None = None,
) -> Any:
    """:func:`servscore.zone_of_tolerance` of a Spark DataFrame (columns default: ``a_``, ``d_``, ``z_``)."""
    job = _d.zot_job(_columns(sdf), adequate=adequate, desired=desired, perceived=perceived, dimensions=dimensions)
    return _run(sdf, job, split_every)


# --------------------------------------------------------------------------- encounters, lifecycle, loyalty, needs, standards, interactions


def summarize_encounters(
    sdf: Any,
    by: str | Sequence[str] | None = None,
    *,
    config: Any = None,
    weights: str | None = None,
    split_every: int | None = None,
) -> Any:
    """:func:`servscore.summarize_encounters` of a Spark DataFrame of scored encounters or of
    ratings (scored on the executors); the same :class:`~servscore.EncounterSummary`."""
    job = _d.encounters_job(_columns(sdf), by=by, config=config, weights=weights)
    return _run(sdf, job, split_every)


def lifecycle_stages(
    sdf: Any,
    *,
    config: Any = None,
    by: str | Sequence[str] | None = None,
    importance: Any = None,
    importance_scale: tuple[float, float] = (1.0, 5.0),
    split_every: int | None = None,
    **params: Any,
) -> Any:
    """:func:`servscore.lifecycle.stages` of a Spark DataFrame (``scores`` None; ``importance`` a
    dict); see :func:`servscore.dask.lifecycle_stages`."""
    job = _d.lifecycle_job(
        _columns(sdf), by=by, config=config, importance=importance, scale=importance_scale, params=params
    )
    return _run(sdf, job, split_every)


def loyalty_segments(
    sdf: Any,
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
    """:func:`servscore.loyalty.segment` of a Spark DataFrame (columns named); see
    :func:`servscore.dask.loyalty_segments`."""
    job = _d.loyalty_job(
        _columns(sdf),
        satisfaction=satisfaction,
        loyalty=loyalty,
        nps=nps,
        complained=complained,
        by=by,
        config=config,
        params=params,
    )
    return _run(sdf, job, split_every)


def anticipated_needs(
    sdf: Any,
    *,
    rules: Any = None,
    extra_rules: Any = None,
    by: str | Sequence[str] | None = None,
    split_every: int | None = None,
) -> Any:
    """The counts of :func:`servscore.needs.evaluate` on a Spark DataFrame: a
    :class:`~servscore.needs.NeedsSummary`; see :func:`servscore.dask.anticipated_needs`."""
    job = _d.needs_job(_columns(sdf), rules=rules, extra_rules=extra_rules, by=by)
    return _run(sdf, job, split_every)


def compliance(
    sdf: Any,
    *,
    standards: Any = None,
    by: str | Sequence[str] | None = None,
    level: float = 0.95,
    split_every: int | None = None,
) -> Any:
    """:func:`servscore.standards.compliance` of a Spark DataFrame; see :func:`servscore.dask.compliance`."""
    job = _d.compliance_job(_columns(sdf), standards=standards, by=by, level=level)
    return _run(sdf, job, split_every)


def time_elements(
    sdf: Any,
    *,
    targets: Any = None,
    by: str | Sequence[str] | None = None,
    level: float = 0.95,
    exact_cap: int = 100_000,
    relative_accuracy: float = 0.005,
    split_every: int | None = None,
) -> Any:
    """:func:`servscore.standards.time_elements` of a Spark DataFrame; see :func:`servscore.dask.time_elements`."""
    job = _d.time_job(
        _columns(sdf), targets=targets, by=by, level=level, exact_cap=exact_cap, relative_accuracy=relative_accuracy
    )
    return _run(sdf, job, split_every)


def moments_of_truth(
    sdf: Any,
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
    """:func:`servscore.standards.moments` of a Spark DataFrame: the frame is repartitioned on
    ``visit`` first (unless ``partitioned=True`` says a visit's rows share a partition) and each
    partition is counted whole; see :func:`servscore.dask.moments_of_truth`."""
    job = _d.truth_job(_columns(sdf), visit=visit, moment=moment, order=order, score=score, config=config, by=by)
    if not partitioned:
        sdf = sdf.repartition(visit)
    return _run(sdf, job, split_every, batch_rows=None)


def interaction_rates(
    sdf: Any,
    *,
    by: str | Sequence[str] | None = None,
    split_every: int | None = None,
    **kwargs: Any,
) -> Any:
    """Lost-sale risk and cue rates of a Spark DataFrame of interactions (classified on the
    executors): the merged :class:`servscore.interactions.Accumulator`; see
    :func:`servscore.dask.interaction_rates`."""
    job = _d.rates_job(_columns(sdf), by=by, kwargs=kwargs)
    return _run(sdf, job, split_every)


# --------------------------------------------------------------------------- row-wise engines


def _plain(out: pd.DataFrame) -> pd.DataFrame:
    """Categorical columns as strings (Spark has no dictionary type)."""
    cats = [c for c, t in out.dtypes.items() if isinstance(t, pd.CategoricalDtype)]
    if not cats:
        return out
    out = out.copy()
    for c in cats:
        out[c] = out[c].astype(object).where(out[c].notna(), None)
    return out


def _lazy(sdf: Any, engine: Callable[[pd.DataFrame], pd.DataFrame]) -> Any:
    from pyspark.sql.pandas.types import from_arrow_schema, to_arrow_schema

    _check_frame(sdf)
    empty = to_arrow_schema(sdf.schema).empty_table().to_pandas()
    meta = _plain(_d.meta_of(engine, empty))
    schema = pa.Schema.from_pandas(meta, preserve_index=False)
    schema = pa.schema([f.with_type(pa.string()) if pa.types.is_null(f.type) else f for f in schema])
    spark_schema = from_arrow_schema(schema)

    def apply(batches: Iterator[Any]) -> Iterator[Any]:
        for b in batches:
            if b.num_rows == 0:
                continue
            out = _plain(engine(b.to_pandas()))
            yield pa.RecordBatch.from_pandas(out, schema=schema, preserve_index=False)

    return sdf.mapInArrow(apply, spark_schema)


class _Engine:
    def __init__(self, fn: Callable[..., Any], kwargs: dict[str, Any], attr: str | None = None) -> None:
        self.fn, self.kwargs, self.attr = fn, kwargs, attr

    def __call__(self, part: pd.DataFrame) -> pd.DataFrame:
        out = self.fn(part, **self.kwargs)
        return getattr(out, self.attr) if self.attr else out


def score_encounters(sdf: Any, config: Any = None) -> Any:
    """:func:`servscore.score_encounters` batch by batch: a lazy Spark DataFrame with the input's
    columns plus the score columns (``quadrant`` and the weakest indicators as strings)."""
    from ._input import resolve_config

    cfg = resolve_config(config, _encounters.EncounterConfig)
    cfg.validate()
    return _lazy(sdf, _Engine(_encounters.score_encounters, {"config": cfg.to_json()}))


def classify_interactions(sdf: Any, **kwargs: Any) -> Any:
    """:func:`servscore.interactions.classify` batch by batch: a lazy Spark DataFrame of its ``table``."""
    return _lazy(sdf, _Engine(_interactions.classify, kwargs, attr="table"))


def match_cues(sdf: Any, *, text: str = "transcript", **kwargs: Any) -> Any:
    """:func:`servscore.text.match_cues` on a text column: a lazy Spark DataFrame of the cue counts."""
    if text not in _columns(sdf):
        raise InputError(f"text: no column {text!r}; columns present: {', '.join(map(str, sdf.columns[:30]))}")
    return _lazy(sdf.select(text), _CueEngine(text, kwargs))


class _CueEngine:
    def __init__(self, text: str, kwargs: dict[str, Any]) -> None:
        self.text, self.kwargs = text, kwargs

    def __call__(self, part: pd.DataFrame) -> pd.DataFrame:
        return _text.match_cues(part[self.text], **self.kwargs).counts


_ = pyspark  # the import above is the extra's check
