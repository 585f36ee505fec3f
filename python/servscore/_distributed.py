"""What :mod:`servscore.dask` and :mod:`servscore.spark` share: aggregates as partition states.

An aggregate on a partitioned frame is a :class:`Job`: the bytes of an empty accumulator (its
configuration, validated on the client), how one batch of rows updates it, and how the merged
state becomes the in-memory result object. Each partition is counted where it lives into a
:class:`Piece` (its row count and state bytes, or the first bad row's error); pieces merge in
partition order (:func:`merge_pieces`) along a tree, so the result does not depend on which task
finishes first, and the first error in row order wins, with its row counted from the start of the
whole data set. No arithmetic of an aggregate lives here: counting, merging and results are the
accumulators' own (C++) code.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from typing import Any, Callable

import pandas as pd

from . import drivers as _drivers
from . import kano as _kano
from ._core import InputError
from .moments import Moments
from .nps import DEFAULT_COLUMNS, ResponseAccumulator
from .reliability import AlphaAccumulator
from .servqual import ServqualAccumulator, ZotAccumulator

__all__ = ["Job", "Piece", "count_batches", "finish", "merge_pieces"]

_ROW = re.compile(r"\brow (\d+)\b")

#: pieces merged per task of the tree reduction (``split_every``)
SPLIT_EVERY = 8


@dataclasses.dataclass(frozen=True)
class Piece:
    """A partition's (or a run of partitions') contribution: rows seen and the state's bytes, or
    the first error met, with ``offset`` rows before the batch it names its row in."""

    rows: int
    state: bytes | None = None
    error: str | None = None  # the message as the accumulator raised it (rows named by index label)
    error_at: str | None = None  # the same with the row as a position in its batch
    offset: int = 0  # rows of the merged range before that batch


@dataclasses.dataclass(frozen=True)
class Job:
    """One aggregate computed partition by partition (everything here pickles with cloudpickle)."""

    kind: Any  # the accumulator class (``from_bytes``)
    empty: bytes  # an empty, configured state
    update: Callable[..., Any]  # update(acc, *batches): count one batch (pandas or Arrow)
    finish: Callable[[Any], Any]  # the merged accumulator -> the in-memory result object
    #: the columns the aggregate reads (None: all); the engines project the frame on them before
    #: any row moves (Spark ships only these through Arrow, Dask reads only these from Parquet)
    columns: tuple[Any, ...] | None = None

    def new(self) -> Any:
        return self.kind.from_bytes(self.empty)


def _rows(batch: Any) -> int:
    n = getattr(batch, "num_rows", None)
    return int(n) if n is not None else len(batch)


def _positional(job: Job, batches: Sequence[Any], error: InputError) -> str:
    """The error's message with its row as a 0-based position in the batch (run again on a
    default index when the frame has another one; only on the error path)."""
    first = batches[0]
    if not isinstance(first, pd.DataFrame) or isinstance(first.index, pd.RangeIndex) and first.index.start == 0:
        return str(error)
    try:
        job.update(job.new(), *[b.reset_index(drop=True) if isinstance(b, pd.DataFrame) else b for b in batches])
    except InputError as e:
        return str(e)
    return str(error)  # pragma: no cover - the same data fail twice


def count_batches(job: Job, batches: Iterable[Sequence[Any]]) -> Piece:
    """Count a partition given as batches (each a tuple of aligned frames) into a :class:`Piece`."""
    acc = None
    rows = 0
    for parts in batches:
        n = _rows(parts[0])
        if n == 0:
            continue  # an empty batch adds nothing (a partition emptied by a filter)
        if acc is None:
            acc = job.new()
        try:
            job.update(acc, *parts)
        except InputError as e:
            return Piece(rows + n, None, str(e), _positional(job, parts, e), rows)
        rows += n
    return Piece(rows, None if acc is None else acc.to_bytes())


def count_frame(job: Job, part: Any) -> Piece:
    """Count one partition (a pandas frame)."""
    return count_batches(job, [(part,)])


def merge_pieces(job: Job, pieces: Iterable[Piece]) -> Piece:
    """Merge pieces given in partition order: states by the accumulator's ``merge``; the first
    error (in row order) stops the merge, its offset moved past the rows before it."""
    acc = None
    rows = 0
    for p in pieces:
        if p.error is not None:
            return dataclasses.replace(p, rows=rows + p.rows, offset=rows + p.offset)
        if p.state is not None:
            s = job.kind.from_bytes(p.state)
            acc = s if acc is None else acc.merge(s)  # in place (Mergeable) or a new state: both work
        rows += p.rows
    return Piece(rows, None if acc is None else acc.to_bytes())


def shift_row(message: str, offset: int) -> str:
    """The message with its first 'row N' moved by ``offset`` rows."""
    m = _ROW.search(message)
    if m is None or offset == 0:
        return message
    return message[: m.start()] + f"row {int(m.group(1)) + offset}" + message[m.end() :]


def finish(job: Job, piece: Piece, *, labels: bool) -> Any:
    """The result of the merged piece, or its error as an :class:`InputError` (rows named by the
    index label when ``labels``, else by their position in the whole data set)."""
    if piece.error is not None:
        if labels:
            raise InputError(piece.error)
        raise InputError(shift_row(piece.error_at or piece.error, piece.offset))
    if piece.state is None:
        raise InputError("data: the input is empty (0 rows)")
    return job.finish(job.kind.from_bytes(piece.state))


def tree(items: list[Any], split_every: int | None, merge: Callable[[list[Any]], Any]) -> Any:
    """Merge ``items`` in order along a tree of fan-in ``split_every`` (``merge`` of a run of
    consecutive items); one item is returned as is."""
    k = check_split_every(split_every)
    while len(items) > 1:
        items = [merge(items[i : i + k]) for i in range(0, len(items), k)]
    return items[0]


def check_split_every(split_every: int | None) -> int:
    if split_every is None:
        return SPLIT_EVERY
    if isinstance(split_every, bool) or not isinstance(split_every, int) or split_every < 2:
        raise _config_error(f"split_every: {split_every!r}; expected an integer >= 2")
    return split_every


def _config_error(msg: str) -> Exception:
    from ._core import ConfigError

    return ConfigError(msg)


# --------------------------------------------------------------------------- the jobs


def _keep(*groups: Sequence[Any]) -> tuple[Any, ...]:
    """The columns of several lists, once each, in order."""
    return tuple(dict.fromkeys(c for g in groups for c in g))


def _select(batch: Any, columns: Sequence[Any]) -> Any:
    """Columns of a pandas frame or an Arrow table."""
    if isinstance(batch, pd.DataFrame):
        return batch[list(columns)]
    return batch.select(list(columns))


def _check_columns(available: Sequence[Any], wanted: Iterable[Any], what: str, hint: str = "") -> None:
    cols = list(available)
    for c in wanted:
        if c not in cols:
            raise InputError(f"{what}: no column {c!r}; columns present: {', '.join(map(str, cols[:30]))}{hint}")


def _check_weights(columns: Sequence[Any], weights: Any) -> None:
    if weights is None:
        return
    try:
        present = weights in list(columns)
    except TypeError:
        present = False
    if not present:
        if isinstance(weights, str):
            _check_columns(columns, [weights], "weights")
        raise InputError("weights: on a partitioned frame, give the name of a weight column")


def response_job(
    metric: str,
    columns: Sequence[Any],
    *,
    column: Any,
    by: Any,
    weights: Any,
    config: Any,
    overrides: dict[str, Any],
    empty: str,
) -> Job:
    """NPS / CSAT / CES / mean score (:class:`~servscore.ResponseAccumulator`)."""
    proto = ResponseAccumulator(metric, config, column=column, **overrides)  # validates on the client
    col = DEFAULT_COLUMNS[metric] if column is None else column
    by_cols: list[Any] = [] if by is None else list(by) if isinstance(by, (list, tuple)) else [by]
    _check_columns(columns, [col], "data", " (pass column=...)")  # the words of the in-memory call
    _check_columns(columns, by_cols, "by")
    _check_weights(columns, weights)
    keep = list(dict.fromkeys(c for c in [col, *by_cols, weights] if c is not None))

    def update(acc: Any, batch: Any) -> None:
        acc.update(_select(batch, keep), by=by, weights=weights)

    def done(acc: Any) -> Any:
        return acc.result(empty=empty)

    return Job(ResponseAccumulator, proto.to_bytes(), update, done, tuple(keep))


def _item_columns(
    columns: Sequence[Any], items: Sequence[Any] | None, weights: Any, extra: Sequence[Any] = ()
) -> list[Any]:
    if items is None:
        items = [c for c in columns if c != weights and c not in extra]
    items = list(items)
    _check_columns(columns, items, "data")
    _check_weights(columns, weights)
    if not items:
        raise InputError("data: no columns")
    return items


def moments_job(
    columns: Sequence[Any], *, items: Sequence[Any] | None, weights: Any, nan_policy: str, finish: Callable[[Any], Any]
) -> Job:
    """Co-moments (:class:`~servscore.Moments`) of the item columns; ``finish`` reads the merged state."""
    cols = _item_columns(columns, items, weights)
    proto = Moments(columns=cols, missing=nan_policy)
    keep = cols + ([weights] if weights is not None else [])

    def update(acc: Any, batch: Any) -> None:
        acc.update(_select(batch, keep), weights=weights)

    def done(acc: Any) -> Any:
        if isinstance(acc, Moments) and acc.columns != cols and [str(c) for c in cols] == acc.columns:
            acc._columns = list(cols)  # the bytes store labels as text: give back the caller's labels
        return finish(acc)

    return Job(Moments, proto.to_bytes(), update, done, tuple(keep))


def alpha_job(
    columns: Sequence[Any], *, items: Sequence[Any] | None, weights: Any, nan_policy: str, level: float
) -> Job:
    """Cronbach's alpha (:class:`~servscore.AlphaAccumulator`)."""
    from .reliability import _check_level

    level = _check_level(level)
    cols = _item_columns(columns, items, weights)
    if len(cols) < 2:
        raise InputError(f"items: Cronbach's alpha needs at least 2 items, got {len(cols)}")
    proto = AlphaAccumulator(missing=nan_policy, columns=cols)
    keep = cols + ([weights] if weights is not None else [])

    def update(acc: Any, batch: Any) -> None:
        acc.update(_select(batch, keep), weights=weights)

    def done(acc: Any) -> Any:
        return acc.result(level=level)

    return Job(AlphaAccumulator, proto.to_bytes(), update, done, tuple(keep))


def kano_job(
    *,
    attributes: Sequence[str] | None,
    by: Any,
    config: Any,
    table: Any,
    suffixes: tuple[str, str],
    ci: str,
    n_bootstrap: int | None,
    level: float | None,
    seed: int,
) -> Job:
    """Kano counts (:class:`servscore.kano.Accumulator`), wide or long data."""
    from ._input import check_seed

    if ci not in ("wilson", "bootstrap"):
        raise _config_error(f"ci: {ci!r} is not supported; expected 'wilson' or 'bootstrap'")
    seed = check_seed(seed)
    proto = _kano.Accumulator(attributes, by=by, config=config, table=table, suffixes=suffixes)

    def update(acc: Any, batch: Any) -> None:
        acc.update(batch)

    def done(acc: Any) -> Any:
        return acc.result(ci=ci, n_bootstrap=n_bootstrap, level=level, seed=seed)

    return Job(_kano.Accumulator, proto.to_bytes(), update, done)


def _prefixed(columns: Sequence[Any], given: Sequence[Any] | None, prefix: str, what: str) -> list[Any]:
    if given is None:
        given = [c for c in columns if isinstance(c, str) and c.startswith(prefix)]
        if not given:
            raise InputError(f"{what}: no columns given and none named '{prefix}...'; pass {what}=[...]")
    given = list(given)
    _check_columns(columns, given, what)
    return given


def servqual_job(
    columns: Sequence[Any],
    *,
    expectations: Sequence[Any] | None,
    perceptions: Sequence[Any] | None,
    dimensions: Any,
    weights: Any,
    perceptions_only: bool,
) -> Job:
    """SERVQUAL / SERVPERF (:class:`~servscore.ServqualAccumulator`)."""
    p_cols = _prefixed(columns, perceptions, "p_", "perceptions")
    e_cols = None if perceptions_only else _prefixed(columns, expectations, "e_", "expectations")
    proto = ServqualAccumulator(dimensions, perceptions_only=perceptions_only)
    w_cols: list[Any] | None = None
    if isinstance(weights, (list, tuple)) and weights and all(isinstance(c, str) and c in columns for c in weights):
        w_cols = list(weights)  # allocation columns, one per dimension

    def update(acc: Any, batch: Any) -> None:
        w = _select(batch, w_cols) if w_cols is not None else weights
        if e_cols is None:
            acc.update(_select(batch, p_cols), weights=w)
        else:
            acc.update(_select(batch, e_cols), _select(batch, p_cols), weights=w)

    def done(acc: Any) -> Any:
        return acc.result()

    return Job(ServqualAccumulator, proto.to_bytes(), update, done, _keep(e_cols or [], p_cols, w_cols or []))


def zot_job(
    columns: Sequence[Any],
    *,
    adequate: Sequence[Any] | None,
    desired: Sequence[Any] | None,
    perceived: Sequence[Any] | None,
    dimensions: Any,
) -> Job:
    """Zone of tolerance (:class:`~servscore.ZotAccumulator`)."""
    a_cols = _prefixed(columns, adequate, "a_", "adequate")
    d_cols = _prefixed(columns, desired, "d_", "desired")
    p_cols = _prefixed(columns, perceived, "z_", "perceived")
    proto = ZotAccumulator(dimensions)

    def update(acc: Any, batch: Any) -> None:
        acc.update(_select(batch, a_cols), _select(batch, d_cols), _select(batch, p_cols))

    def done(acc: Any) -> Any:
        return acc.result()

    return Job(ZotAccumulator, proto.to_bytes(), update, done, _keep(a_cols, d_cols, p_cols))


def importance_finish(y: Any, columns: Sequence[Any] | None, kwargs: dict[str, Any]) -> Callable[[Any], Any]:
    def done(m: Any) -> Any:
        return _drivers.importance(m, y, columns=columns, **kwargs)

    return done


def pls_finish(model: Any, kwargs: dict[str, Any]) -> Callable[[Any], Any]:
    def done(m: Any) -> Any:
        return model.fit_moments(m, **kwargs)

    return done


def meta_of(engine: Callable[[pd.DataFrame], pd.DataFrame], empty: pd.DataFrame) -> pd.DataFrame:
    """The empty output frame of a row-wise engine (the column names and dtypes): the engine run on
    one row with every value missing, cut to no rows; the input's kept columns keep their dtypes."""
    row = pd.DataFrame(
        {
            c: pd.Series([None], dtype="float64" if pd.api.types.is_numeric_dtype(t) else "object")
            for c, t in empty.dtypes.items()
        }
    )
    out = engine(row).iloc[:0].copy()
    for c in empty.columns:
        if c in out.columns:
            out[c] = empty[c]
    return out


# --------------------------------------------------------------------------- the grouped C++ states


def _by_columns(columns: Sequence[Any], by: Any) -> list[Any] | None:
    from ._accumulator import by_list

    by_cols = by_list(by)
    if by_cols is not None:
        _check_columns(columns, by_cols, "by")
    return by_cols


def state_job(
    proto: Any,
    *,
    by: list[Any] | None,
    finish: Callable[[Any], Any],
    update_kwargs: dict[str, Any] | None = None,
    prepare: Callable[[Any], Any] | None = None,
    reads: Sequence[Any] | None = None,
) -> Job:
    """An aggregate whose state is a :class:`~servscore._accumulator.StateAccumulator`:
    ``proto`` is the empty accumulator configured (and so validated) on the client.

    The byte image holds the counts, the configuration and the key columns as text; what
    travels beside it (the key columns as the caller named them, the data columns some
    accumulators read by) is put back on every state before it counts a batch or is finished.
    ``prepare`` turns a batch into what ``update`` takes (a row-wise engine run first);
    ``reads`` the data columns the state reads besides the key columns (None: all)."""
    columns = getattr(proto, "_columns", None)  # loyalty, moments of truth: column names not in the bytes
    kwargs = dict(update_kwargs or {})

    def restore(acc: Any) -> Any:
        if columns is not None:
            acc._columns = columns
        if by is not None:
            acc._by = list(by)
        return acc

    def update(acc: Any, batch: Any) -> None:
        restore(acc).update(batch if prepare is None else prepare(batch), **kwargs)

    def done(acc: Any) -> Any:
        return finish(restore(acc))

    keep = None if reads is None else _keep(reads, by or [])
    return Job(type(proto), proto.to_bytes(), update, done, keep)


def _result(acc: Any) -> Any:
    return acc.result()


def encounters_job(columns: Sequence[Any], *, by: Any, config: Any, weights: Any) -> Job:
    """The encounter summary (:class:`servscore.encounters.Accumulator`) of scored encounters or
    of ratings (scored in each partition first)."""
    from . import encounters as _enc

    by_cols = _by_columns(columns, by)
    _check_weights(columns, weights)
    proto = _enc.Accumulator(config, by=by_cols)
    kwargs = {} if weights is None else {"weights": weights}
    return state_job(proto, by=by_cols, finish=_result, update_kwargs=kwargs)


def lifecycle_job(
    columns: Sequence[Any], *, by: Any, config: Any, importance: Any, scale: tuple[float, float], params: dict[str, Any]
) -> Job:
    """Lifecycle stage indices (:class:`servscore.lifecycle.Accumulator`)."""
    from collections.abc import Mapping

    from . import lifecycle as _life

    by_cols = _by_columns(columns, by)
    cfg = _life._with_params(config, params)
    if importance is not None:
        if not isinstance(importance, Mapping):
            raise InputError(
                "importance: on a partitioned frame give the importances as a dict {touchpoint: importance} "
                "(average the importance ratings first, e.g. ddf[cols].mean().compute())"
            )
        cfg = _life._importance(importance, None, cfg, scale)
    cfg.validate()
    reads = [t.name for t in cfg.touchpoints]
    _check_columns(columns, reads, "data")
    proto = _life.Accumulator(cfg, by=by_cols)
    return state_job(proto, by=by_cols, finish=_result, reads=reads)


def loyalty_job(
    columns: Sequence[Any],
    *,
    satisfaction: Any,
    loyalty: Any,
    nps: Any,
    complained: Any,
    by: Any,
    config: Any,
    params: dict[str, Any],
) -> Job:
    """Jones & Sasser segments (:class:`servscore.loyalty.Accumulator`)."""
    from . import loyalty as _loy

    by_cols = _by_columns(columns, by)
    given = [c for c in (satisfaction, loyalty, nps, complained) if c is not None]
    for c in given:
        if not isinstance(c, (str, int)):
            raise InputError(
                f"satisfaction / loyalty / nps / complained: on a partitioned frame give column names, "
                f"got {type(c).__name__}"
            )
    _check_columns(columns, given, "data")
    proto = _loy.Accumulator(satisfaction, loyalty, nps=nps, complained=complained, by=by_cols, config=config, **params)
    return state_job(proto, by=by_cols, finish=_result, reads=given)


def needs_job(columns: Sequence[Any], *, rules: Any, extra_rules: Any, by: Any) -> Job:
    """Anticipated needs (:class:`servscore.needs.Accumulator`): the counts of
    :func:`servscore.needs.evaluate` as a :class:`~servscore.needs.NeedsSummary`."""
    from . import needs as _needs

    by_cols = _by_columns(columns, by)
    proto = _needs.Accumulator(rules, extra_rules=extra_rules, by=by_cols)
    proto.rule_set.check_schema([str(c) for c in columns])  # a field the rules need: before any task runs
    return state_job(proto, by=by_cols, finish=_result)


def compliance_job(columns: Sequence[Any], *, standards: Any, by: Any, level: float) -> Job:
    """Compliance with service standards (:class:`servscore.standards.ComplianceAccumulator`)."""
    from . import standards as _std

    by_cols = _by_columns(columns, by)
    _std._z(level)  # the level is checked on the client
    proto = _std.ComplianceAccumulator(standards, by=by_cols)

    def done(acc: Any) -> Any:
        return acc.result(level=level)

    return state_job(proto, by=by_cols, finish=done)


def time_job(
    columns: Sequence[Any], *, targets: Any, by: Any, level: float, exact_cap: int, relative_accuracy: float
) -> Job:
    """Time elements (:class:`servscore.standards.TimeAccumulator`)."""
    from . import standards as _std

    by_cols = _by_columns(columns, by)
    _std._z(level)
    proto = _std.TimeAccumulator(targets, by=by_cols, exact_cap=exact_cap, relative_accuracy=relative_accuracy)
    text = {str(c): c for c in reversed(list(columns))} | {c: c for c in columns if isinstance(c, str)}
    _check_columns(list(text), list(proto.config.columns), "data", " (the duration columns the targets name)")

    def done(acc: Any) -> Any:
        return acc.result(level=level)

    return state_job(proto, by=by_cols, finish=done, reads=[text[c] for c in proto.config.columns])


def truth_job(columns: Sequence[Any], *, visit: Any, moment: Any, order: Any, score: Any, config: Any, by: Any) -> Job:
    """Moments of truth (:class:`servscore.standards.MomentsAccumulator`); each batch must hold
    whole visits (the callers partition by the visit column first)."""
    from . import standards as _std

    by_cols = _by_columns(columns, by)
    _check_columns(columns, [visit, moment, order, score], "data")
    proto = _std.MomentsAccumulator(config, visit=visit, moment=moment, order=order, score=score, by=by_cols)
    return state_job(proto, by=by_cols, finish=_result, reads=[visit, moment, order, score])


def rates_job(columns: Sequence[Any], *, by: Any, kwargs: dict[str, Any]) -> Job:
    """Interaction risk and cue rates (:class:`servscore.interactions.Accumulator`): each batch
    classified (:func:`servscore.interactions.classify` with ``kwargs``) and counted; the
    finished value is the merged accumulator (``risk_rates()``, ``cue_rates()``)."""
    from . import interactions as _inter
    from .text import resolve_lexicon

    by_cols = _by_columns(columns, by)
    text = kwargs.get("text", "transcript")
    _check_columns(columns, [text], "data", " (pass text=...)")
    lex = resolve_lexicon(kwargs.get("lexicon"), kwargs.get("lang"))
    proto = _inter.Accumulator(lex.cue_names, by=by_cols)
    kw = dict(kwargs)

    def classify(batch: Any) -> Any:
        return _inter.classify(batch, **kw)

    def done(acc: Any) -> Any:
        return acc

    return state_job(proto, by=by_cols, finish=done, prepare=classify)
