"""SERVQUAL, weighted SERVQUAL, SERVPERF and the zone of tolerance on the RATER dimensions.

Parasuraman, Zeithaml & Berry (1988) J. Retailing 64(1); (1991) J. Retailing 67(4);
(1994) J. Retailing 70(3); Cronin & Taylor (1992) J. Marketing 56(3).

- 22 items on a 7-point scale: tangibles 1-4, reliability 5-9, responsiveness 10-13,
  assurance 14-17, empathy 18-22 (:func:`servqual_form`). In the 1988 form the
  expectation items 10-13 and 18-22 are negatively worded and reversed as 8 - x
  (``(scale_min + scale_max) - x``). Item maps are configuration
  (:class:`ServqualConfig`, or a dict ``{dimension: [items]}``).
- Gap G = P - E per item; a respondent's dimension score is the mean over the
  dimension's answered items (when at least ``min_coverage`` of them are); unweighted
  SERVQUAL is the mean over dimensions of the mean respondent dimension gap.
- Weighted SERVQUAL: each respondent allocates 100 points over the dimensions;
  SQ_i = sum_d (points_id / 100) G_id; the mean of SQ_i is reported (mean of products).
- SERVPERF (Cronin & Taylor 1992): perceptions only, optionally weighted the same way.
- Zone of tolerance (three-column form, 9-point scale): adequate A, desired D,
  perceived P: MSA = P - A, MSS = P - D, width D - A; a respondent is below the zone
  when MSA < 0, above when MSS > 0, within otherwise.

Reliability of difference scores: the alpha of gap items is reported beside the alpha
of perceptions, but gap scores inherit the unreliability of both their parts and their
alpha is inflated or deflated by the correlation of E and P (Peter, Churchill & Brown
1993, J. Consumer Research 19(4)); read it with care.

Every number is a configurable default of :class:`ServqualConfig`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import warnings
from collections.abc import Mapping
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._accumulator import ConfigKey, Mergeable
from ._core import ConfigError, InputError, ServqualConfig, ServqualItem
from ._input import as_matrix, is_frame_like, names_of, numeric_matrix, relabel_rows, resolve_config, to_frame
from ._result import Result
from .model import RaterDimension

__all__ = [
    "ServqualAccumulator",
    "ServqualConfig",
    "ServqualItem",
    "ServqualResult",
    "ZotAccumulator",
    "ZotResult",
    "servperf",
    "servqual",
    "servqual_form",
    "zone_of_tolerance",
]

_ITEM_COLS = ("expectation", "perception", "gap", "sd_gap", "n", "n_missing_e", "n_missing_p")
_DIM_COLS = ("expectation", "perception", "gap", "sd_gap", "n", "allocation", "alpha_perception", "alpha_gap", "n_p")
_ZOT_COLS = (
    "n",
    "adequate",
    "desired",
    "perceived",
    "msa",
    "mss",
    "width",
    "share_below",
    "share_within",
    "share_above",
    "n_inverted",
)


def servqual_form(form: int | str = 1991) -> ServqualConfig:
    """The configuration of a published 22-item form (1988 or 1991), read from its bundled JSON default.

    >>> import servscore as ss
    >>> cfg = ss.servqual_form(1988)
    >>> [i.name for i in cfg.items if i.reverse_expectation][:3]
    ['q10', 'q11', 'q12']
    """
    name = str(form)
    if name not in ("1988", "1991"):
        raise ConfigError(f"form: {form!r} is not a built-in SERVQUAL form; expected 1988 or 1991")
    text = resources.files("servscore").joinpath("data", "servqual", f"form{name}.json").read_text(encoding="utf-8")
    return ServqualConfig.from_json(text)


def resolve_dimensions(dimensions: Any) -> ServqualConfig:
    """A :class:`ServqualConfig` from ``None`` (the 1991 form), a form (1988, "1991"), a map
    ``{dimension: [items]}`` or ``{item: dimension}``, a config, a dict of config keys, JSON or a path."""
    if dimensions is None:
        return ServqualConfig()
    if isinstance(dimensions, (int, np.integer)) or (isinstance(dimensions, str) and dimensions.strip().isdigit()):
        return servqual_form(int(dimensions))
    if isinstance(dimensions, Mapping) and dimensions and not (set(dimensions) & set(_config_keys())):
        items: list[dict[str, Any]] = []
        for key, value in dimensions.items():
            if isinstance(value, str):  # {item: dimension}
                items.append({"name": str(key), "dimension": _dimension_name(value, str(key))})
            else:  # {dimension: [items]}
                dim = _dimension_name(str(key), None)
                members = list(value)
                if not members:
                    raise ConfigError(f"dimensions: dimension {key!r} has no items")
                items.extend({"name": str(m), "dimension": dim} for m in members)
        return ServqualConfig.from_dict({"form": 0, "items": items})
    cfg: ServqualConfig = resolve_config(dimensions, ServqualConfig, name="dimensions")
    return cfg


def _config_keys() -> list[str]:
    return list(json.loads(ServqualConfig().to_json()))


def _dimension_name(name: str, item: str | None) -> str:
    try:
        return str(RaterDimension(name).value)
    except ConfigError as e:
        where = f"dimensions: item {item!r}: " if item else "dimensions: "
        raise ConfigError(where + str(e)) from None


def _item_matrix(data: Any, names: list[str], what: str) -> tuple[np.ndarray, pd.Index]:
    """Answers as an n x k matrix in item order: DataFrame columns by item name (or, when
    none of the names is present and the frame has exactly k columns, by position)."""
    if is_frame_like(data):
        frame = to_frame(data, name=what)
        if len(frame) == 0:
            raise InputError(f"{what}: the input is empty (0 rows)")
        # item names are text; the frame's labels may be any hashable (ints, tuples, ...)
        text: dict[str, Any] = {}
        for c in frame.columns:
            text.setdefault(names_of([c])[0], c)
        cols = list(text)
        if all(n in text for n in names):
            if any(not isinstance(text[n], str) for n in names):
                frame = pd.DataFrame({n: frame[text[n]] for n in names}, index=frame.index)
        else:
            # prefixed columns ("e_q1" for item "q1") by their suffix
            suffixed = {n: [c for c in cols if c.endswith("_" + n)] for n in names}
            if all(len(v) == 1 for v in suffixed.values()):
                frame = pd.DataFrame({n: frame[text[v[0]]] for n, v in suffixed.items()}, index=frame.index)
            elif not any(n in text for n in names) and len(frame.columns) == len(names):
                frame = frame.set_axis(names, axis=1)
        return numeric_matrix(frame, names, name=what), frame.index
    x = as_matrix(data, name=what, ncols=len(names))
    return x, pd.RangeIndex(x.shape[0])


def _allocations(weights: Any, dims: list[str], n: int) -> np.ndarray | None:
    """Points per respondent and dimension (n x D), from a table, an array, or one allocation for all."""
    if weights is None:
        return None
    if isinstance(weights, Mapping):
        row = np.zeros(len(dims))
        for key, value in weights.items():
            d = _safe_dim(key)
            if d not in dims:
                raise ConfigError(f"weights: unknown dimension {key!r}; expected one of {dims}")
            row[dims.index(d)] = float(value)
        return np.ascontiguousarray(np.broadcast_to(row, (n, len(dims))))
    if is_frame_like(weights):
        frame = to_frame(weights, name="weights")
        rename = {}
        for c in frame.columns:
            d = _safe_dim(str(c))
            if d not in dims:  # prefixed columns ("points_empathy")
                d = next((x for x in dims if str(c).endswith("_" + x)), d)
            if d in dims:
                rename[c] = d
        frame = frame.rename(columns=rename)
        if not any(d in frame.columns for d in dims) and frame.shape[1] == len(dims):
            frame = frame.set_axis(dims, axis=1)
        return numeric_matrix(frame, dims, name="weights")
    arr = np.asarray(weights, dtype=np.float64)
    if arr.ndim == 1:
        if arr.shape[0] != len(dims):
            raise InputError(f"weights: expected {len(dims)} points (one per dimension: {dims}), got {arr.shape[0]}")
        return np.ascontiguousarray(np.broadcast_to(arr, (n, len(dims))))
    return as_matrix(arr, name="weights", ncols=len(dims))


def _safe_dim(name: Any) -> str:
    try:
        return str(RaterDimension(str(name)).value)
    except (ConfigError, ValueError):
        return str(name)


@dataclasses.dataclass(frozen=True, repr=False)
class ServqualResult(Result):
    """SERVQUAL (or SERVPERF) summary.

    Attributes
    ----------
    kind
        ``"servqual"`` or ``"servperf"``.
    servqual, weighted_servqual
        Unweighted SERVQUAL (mean over dimensions of the mean respondent dimension gap) and
        the mean of the weighted respondent scores (NaN without allocations).
    servperf, weighted_servperf
        The same with perceptions only.
    respondent_servqual
        Mean of the per-respondent unweighted SERVQUAL over complete respondents.
    dimensions
        Per dimension: ``expectation``, ``perception``, ``gap`` (means of respondent dimension
        scores), ``sd_gap``, ``n``, ``allocation`` (mean points), ``alpha_perception``,
        ``alpha_gap`` (Cronbach's alpha of the dimension's items, listwise), ``n_p``, ``n_items``.
    items
        Per item: ``dimension``, ``expectation``, ``perception`` (after reverse keying),
        ``gap``, ``sd_gap``, ``n`` (answered both), ``n_missing_e``, ``n_missing_p``.
    n_rows, n_weighted, n_missing_allocation
        Respondents seen, with a weighted score, without a complete allocation.
    respondents
        Per-respondent dimension gaps (or perceptions) and scores (None from an accumulator).
    config
        The :class:`ServqualConfig` used.
    missing_dimensions
        Dimensions no respondent scored (every answer missing, or below ``min_coverage``): their
        rows are NaN, the headline ``servqual`` / ``servperf`` is the mean over the other
        dimensions, and a ``UserWarning`` names them.
    """

    kind: str
    servqual: float
    weighted_servqual: float
    servperf: float
    weighted_servperf: float
    respondent_servqual: float
    dimensions: pd.DataFrame
    items: pd.DataFrame
    n_rows: int
    n_weighted: int
    n_missing_allocation: int
    config: ServqualConfig
    respondents: pd.DataFrame | None = None
    missing_dimensions: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """The per-dimension table."""
        return self.dimensions

    def weakest_dimension(self) -> str:
        """The dimension with the most negative mean gap (SERVQUAL) or lowest perception (SERVPERF)."""
        col = "gap" if self.kind == "servqual" else "perception"
        return str(self.dimensions[col].idxmin())

    def _summary_lines(self) -> list[str]:
        if self.kind == "servqual":
            head = f"SERVQUAL {self.servqual:+.3f}"
            if not np.isnan(self.weighted_servqual):
                head += f", weighted {self.weighted_servqual:+.3f} ({self.n_weighted} respondents)"
        else:
            head = f"SERVPERF {self.servperf:.3f}"
            if not np.isnan(self.weighted_servperf):
                head += f", weighted {self.weighted_servperf:.3f} ({self.n_weighted} respondents)"
        lines = [head, f"{self.n_rows} respondents; weakest dimension: {self.weakest_dimension()}"]
        if self.n_missing_allocation:
            lines.append(f"{self.n_missing_allocation} respondents without a complete 100-point allocation")
        if self.missing_dimensions:
            lines.append(
                f"not scored (no answers): {', '.join(self.missing_dimensions)}; the headline is the mean over "
                f"{len(self.dimensions) - len(self.missing_dimensions)} dimensions"
            )
        return lines

    def plot(self, ax: Any = None, *, by: str = "dimension", **kwargs: Any) -> Any:
        """Bars of the mean gap (SERVPERF: mean perception) per dimension (``by="dimension"``) or item
        (``by="item"``); returns the matplotlib Axes."""
        from .servqual_plots import servqual_bars

        return servqual_bars(self, ax=ax, by=by, **kwargs)


def _servqual_result(d: dict[str, Any], cfg: ServqualConfig, respondents: pd.DataFrame | None) -> ServqualResult:
    names = [i.name for i in cfg.items]
    dims = list(cfg.dimensions())
    items = pd.DataFrame(np.asarray(d["items"]), index=pd.Index(names, name="item"), columns=list(_ITEM_COLS))
    items.insert(0, "dimension", [i.dimension for i in cfg.items])
    for c in ("n", "n_missing_p"):
        items[c] = items[c].astype(np.int64)
    table = pd.DataFrame(np.asarray(d["dimensions"]), index=pd.Index(dims, name="dimension"), columns=list(_DIM_COLS))
    for c in ("n", "n_p"):
        table[c] = table[c].astype(np.int64)
    table["n_items"] = [len(g) for g in cfg.dimension_items()]
    kind = "servqual" if d["has_expectations"] else "servperf"
    col = "gap" if kind == "servqual" else "perception"
    missing = tuple(str(x) for x in table.index[table[col].isna()])
    if missing:
        warnings.warn(
            f"{kind}: no respondent scored the dimension(s) {', '.join(missing)}; the headline {kind.upper()} is the "
            f"mean over the {len(table) - len(missing)} other dimension(s) (missing_dimensions)",
            UserWarning,
            stacklevel=3,
        )
    if kind == "servperf":
        table = table.drop(columns=["expectation", "gap", "sd_gap", "alpha_gap"])
        items = items.drop(columns=["expectation", "gap", "sd_gap", "n_missing_e"])
    return ServqualResult(
        kind=kind,
        servqual=float(d["servqual"]),
        weighted_servqual=float(d["weighted_servqual"]),
        servperf=float(d["servperf"]),
        weighted_servperf=float(d["weighted_servperf"]),
        respondent_servqual=float(d["respondent_servqual"]),
        dimensions=table,
        items=items,
        n_rows=int(d["n_rows"]),
        n_weighted=int(d["n_weighted"]),
        n_missing_allocation=int(d["n_missing_allocation"]),
        config=cfg,
        respondents=respondents,
        missing_dimensions=missing,
    )


class ServqualAccumulator(Mergeable):
    """Mergeable partial result of :func:`servqual` / :func:`servperf`.

    The package protocol (``servscore._accumulator``): ``merge`` folds in place, ``a + b`` and
    ``sum([...])`` make a new accumulator, an empty batch is a no-op, and merging a SERVPERF into
    a SERVQUAL state or states of other item maps is an :class:`InputError` naming both.

    ``update`` chunks in any order, ``merge`` (or ``+``) partial accumulators from other
    processes, ``result()`` at the end: the same summary as one pass over all respondents.
    Serialise with ``to_bytes`` / ``from_bytes`` or pickle.

    >>> import numpy as np, servscore as ss
    >>> rng = np.random.default_rng(0)
    >>> e, p = rng.integers(4, 8, (40, 22)), rng.integers(2, 8, (40, 22))
    >>> acc = ss.ServqualAccumulator().update(e[:25], p[:25]) + ss.ServqualAccumulator().update(e[25:], p[25:])
    >>> bool(np.isclose(acc.result().servqual, ss.servqual(e, p).servqual))
    True
    """

    __slots__ = ("_acc", "_config", "_perceptions_only")
    _kind = "ServqualAccumulator"

    def __init__(self, dimensions: Any = None, *, perceptions_only: bool = False) -> None:
        self._config = resolve_dimensions(dimensions)
        self._perceptions_only = bool(perceptions_only)
        self._acc = _core.ServqualAccumulator(self._config, self._perceptions_only)

    @property
    def config(self) -> ServqualConfig:
        """The configuration."""
        return self._config

    def scores(self, expectations: Any, perceptions: Any, *, weights: Any = None, workers: int = 1) -> Any:
        """Compiled per-respondent scores of a batch (and the row index), without adding them."""
        names = [i.name for i in self._config.items]
        expectations = _aligned(expectations, perceptions, "expectations")
        weights = _aligned(weights, perceptions, "weights")
        p, index = _item_matrix(perceptions, names, "perceptions")
        e = None
        if not self._perceptions_only:
            if expectations is None:
                raise InputError("expectations: SERVQUAL needs expectations (use servperf for perceptions only)")
            e, _ = _item_matrix(expectations, names, "expectations")
            if e.shape[0] != p.shape[0]:
                raise InputError(f"expectations: {e.shape[0]} rows, but the perceptions have {p.shape[0]}")
        alloc = _allocations(weights, list(self._config.dimensions()), p.shape[0])
        try:
            s = _core.servqual_scores(e, p, self._config, alloc, int(workers))
        except InputError as err:
            raise relabel_rows(err, index) from None
        return s, index

    def update(
        self, expectations: Any, perceptions: Any = None, *, weights: Any = None, workers: int = 1
    ) -> ServqualAccumulator:
        """Add a batch: ``update(expectations, perceptions)`` (SERVPERF: ``update(perceptions)``); returns ``self``."""
        if self._perceptions_only and perceptions is None:
            expectations, perceptions = None, expectations
        if _is_empty(perceptions):
            return self  # an empty chunk adds nothing
        s, _ = self.scores(expectations, perceptions, weights=weights, workers=workers)
        self._acc.add(s)
        return self

    def _merge_key(self) -> Any:
        kind = "SERVPERF" if self._perceptions_only else "SERVQUAL"
        return _config_key(kind, self._config, self._perceptions_only)

    def _merge_into(self, other: Any) -> None:
        self._acc.merge(other._acc)

    def result(self) -> ServqualResult:
        """The summary of everything added."""
        return _servqual_result(self._acc.result(), self._config, None)

    def to_bytes(self) -> bytes:
        """Portable bytes (the C++ ``ServqualAccumulator::to_bytes`` format)."""
        return bytes(self._acc.to_bytes())

    @classmethod
    def from_bytes(cls, data: bytes) -> ServqualAccumulator:
        """Inverse of :meth:`to_bytes`."""
        acc = _core.ServqualAccumulator.from_bytes(bytes(data))
        out = cls.__new__(cls)
        out._acc = acc
        out._config = acc.config
        out._perceptions_only = bool(acc.perceptions_only)
        return out

    def __repr__(self) -> str:
        kind = "SERVPERF" if self._perceptions_only else "SERVQUAL"
        return f"ServqualAccumulator({kind}, {len(self._config.items)} items, form {self._config.form})"


def _unlabelled(index: pd.Index) -> bool:
    return isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1


def _aligned(data: Any, perceptions: Any, what: str) -> Any:
    """``data`` (a pandas table paired row by row with the perceptions) in the perceptions' row
    order: pandas tables with labelled indexes are paired by their index. The same labels in
    another order are reordered; labels that differ (or repeat) are an InputError naming some of
    them. A default 0..n-1 index (no labels) pairs by position."""
    if not (isinstance(data, (pd.DataFrame, pd.Series)) and isinstance(perceptions, (pd.DataFrame, pd.Series))):
        return data
    a, b = data.index, perceptions.index
    if a.equals(b) or _unlabelled(a) or _unlabelled(b):
        return data  # a default 0..n-1 index carries no labels: the rows pair by position
    if not (a.has_duplicates or b.has_duplicates) and len(a) == len(b) and set(a) == set(b):
        return data.loc[b]
    only_here = [x for x in a if x not in set(b)][:3]
    only_there = [x for x in b if x not in set(a)][:3]
    detail = (
        f"rows {only_here!r} are not in the perceptions"
        if only_here
        else f"the perceptions' rows {only_there!r} are missing"
    )
    if not (only_here or only_there):
        detail = "an index label repeats"
    raise InputError(
        f"{what}: the index differs from the perceptions' ({detail}); pandas tables are paired by their index: "
        "align them (e.g. set_index on a respondent id) or pass arrays to pair by position"
    )


def _respondents(s: Any, index: pd.Index, dims: list[str], perceptions_only: bool, weighted: bool) -> pd.DataFrame:
    out = pd.DataFrame(index=index)
    block = np.asarray(s.dim_p if perceptions_only else s.dim_gap)
    for j, d in enumerate(dims):
        out[d] = block[:, j]
    if perceptions_only:
        out["servperf"] = np.asarray(s.servperf)
        if weighted:
            out["weighted_servperf"] = np.asarray(s.weighted_servperf)
    else:
        out["servqual"] = np.asarray(s.servqual)
        if weighted:
            out["weighted_servqual"] = np.asarray(s.weighted_servqual)
        out["servperf"] = np.asarray(s.servperf)
    return out


def servqual(
    expectations: Any,
    perceptions: Any,
    *,
    dimensions: Any = None,
    weights: Any = None,
    workers: int = 1,
) -> ServqualResult:
    """SERVQUAL gap scores per item and dimension, unweighted and weighted.

    Parameters
    ----------
    expectations, perceptions
        Answers, one row per respondent and one column per item: DataFrames (pandas, polars,
        Arrow) with the configured item names (``q1`` ... ``q22`` by default), or with them
        as a suffix after ``_`` (``e_q1``), or exactly one column per item in order; or 2-D arrays.
        Missing answers (NaN, None) are allowed and counted.
    dimensions
        The item map: ``None`` (the 22-item 1991 form), ``1988`` / ``1991``, a dict
        ``{dimension: [items]}`` or ``{item: dimension}``, a :class:`ServqualConfig`, a dict
        of its keys, JSON text or a JSON file path.
    weights
        100-point allocations over the dimensions: a table with one column per dimension
        (named as the dimensions, or ending in ``_<dimension>``), an n x D array, or one allocation for everyone (a dict
        ``{dimension: points}`` or D numbers). Rows with a missing allocation get no weighted score
        (counted in ``n_missing_allocation``).
    workers
        Threads for the compiled kernel; the result does not depend on it.

    Returns
    -------
    ServqualResult

    Raises
    ------
    InputError
        An answer outside the scale (naming the table, row, item and value), tables of
        different lengths, a missing item column, allocations that do not sum to 100.
    ConfigError
        An unknown dimension name, a dimension without items, an invalid configuration.

    Examples
    --------
    >>> import servscore as ss
    >>> dims = {"tangibles": ["t1", "t2"], "empathy": ["e1", "e2"]}
    >>> E = {"t1": [6, 7], "t2": [6, 6], "e1": [7, 7], "e2": [5, 7]}
    >>> P = {"t1": [5, 7], "t2": [6, 5], "e1": [4, 6], "e2": [5, 7]}
    >>> r = ss.servqual(E, P, dimensions=dims, weights={"tangibles": 30, "empathy": 70})
    >>> r.dimensions["gap"].round(3).to_dict()
    {'tangibles': -0.5, 'empathy': -1.0}
    >>> round(r.servqual, 3), round(r.weighted_servqual, 3)
    (-0.75, -0.85)
    """
    acc = ServqualAccumulator(dimensions)
    s, index = acc.scores(_as_table(expectations), _as_table(perceptions), weights=weights, workers=workers)
    acc._acc.add(s)
    dims = list(acc.config.dimensions())
    return dataclasses.replace(acc.result(), respondents=_respondents(s, index, dims, False, weights is not None))


def servperf(
    perceptions: Any,
    *,
    dimensions: Any = None,
    weights: Any = None,
    workers: int = 1,
) -> ServqualResult:
    """SERVPERF (Cronin & Taylor 1992): perceptions only, optionally importance-weighted.

    Same arguments as :func:`servqual` without expectations; ``weights`` are the same
    100-point allocations (the importance weights).

    >>> import servscore as ss
    >>> P = {"t1": [5, 7], "t2": [6, 5], "e1": [4, 6], "e2": [5, 7]}
    >>> r = ss.servperf(P, dimensions={"tangibles": ["t1", "t2"], "empathy": ["e1", "e2"]})
    >>> round(r.servperf, 3), r.weakest_dimension()
    (5.625, 'empathy')
    """
    acc = ServqualAccumulator(dimensions, perceptions_only=True)
    s, index = acc.scores(None, _as_table(perceptions), weights=weights, workers=workers)
    acc._acc.add(s)
    dims = list(acc.config.dimensions())
    return dataclasses.replace(acc.result(), respondents=_respondents(s, index, dims, True, weights is not None))


def _is_empty(data: Any) -> bool:
    if data is None:
        return False
    if is_frame_like(data):
        return len(to_frame(data)) == 0
    try:
        return len(data) == 0
    except TypeError:
        return False


def _as_table(data: Any) -> Any:
    return pd.DataFrame(data) if isinstance(data, Mapping) else data


# ------------------------------------------------------------------------------------ zone of tolerance


@dataclasses.dataclass(frozen=True, repr=False)
class ZotResult(Result):
    """Zone-of-tolerance summary.

    Attributes
    ----------
    items, dimensions
        Per item and per dimension: ``n`` (respondents with A, D and P), mean ``adequate``,
        ``desired``, ``perceived``, ``msa`` (P - A), ``mss`` (P - D), ``width`` (D - A),
        ``position`` of the means (below / within / above), ``share_below``, ``share_within``,
        ``share_above`` (of respondents), ``n_inverted`` (desired below adequate). Dimension
        rows use each respondent's dimension means.
    n_rows
        Respondents seen.
    config
        The :class:`ServqualConfig` used (``zot_scale_min`` / ``zot_scale_max``: the scale).
    """

    items: pd.DataFrame
    dimensions: pd.DataFrame
    n_rows: int
    config: ServqualConfig

    def to_frame(self) -> pd.DataFrame:
        """The per-dimension table."""
        return self.dimensions

    def _summary_lines(self) -> list[str]:
        t = self.dimensions
        below = [str(d) for d in t.index[t["position"] == "below"]]
        lines = [f"{self.n_rows} respondents, {len(self.items)} items, {len(t)} dimensions"]
        lines.append("below the zone: " + (", ".join(below) if below else "none"))
        return lines

    def plot(self, ax: Any = None, *, by: str = "dimension", **kwargs: Any) -> Any:
        """Zone ranges (adequate to desired) per dimension or item with the perceived mean marked."""
        from .servqual_plots import zot_ranges

        return zot_ranges(self, ax=ax, by=by, **kwargs)


def _zot_table(a: np.ndarray, index: pd.Index) -> pd.DataFrame:
    t = pd.DataFrame(a, index=index, columns=list(_ZOT_COLS))
    t["n"] = t["n"].astype(np.int64)
    t["n_inverted"] = t["n_inverted"].astype(np.int64)
    msa, mss, n = t["msa"].to_numpy(), t["mss"].to_numpy(), t["n"].to_numpy()
    pos = np.where(msa < 0, "below", np.where(mss > 0, "above", "within")).astype(object)
    pos[n == 0] = None
    t.insert(7, "position", pd.Series(pd.Categorical(pos, categories=["below", "within", "above"]), index=t.index))
    return t


class ZotAccumulator(Mergeable):
    """Mergeable partial result of :func:`zone_of_tolerance` (counts and sums: merges exactly).

    The package protocol (``servscore._accumulator``): ``merge`` folds in place, ``a + b`` and
    ``sum([...])`` make a new accumulator, an empty batch is a no-op, and merging states of
    other item maps is an :class:`InputError` naming both.

    >>> import numpy as np, servscore as ss
    >>> a, d, p = np.full((4, 22), 5.0), np.full((4, 22), 8.0), np.full((4, 22), 6.0)
    >>> acc = ss.ZotAccumulator().update(a[:1], d[:1], p[:1]) + ss.ZotAccumulator().update(a[1:], d[1:], p[1:])
    >>> t = acc.result().dimensions
    >>> t.loc["tangibles", ["msa", "mss"]].astype(float).tolist(), t.loc["tangibles", "position"]
    ([1.0, -2.0], 'within')
    """

    __slots__ = ("_acc", "_config")
    _kind = "ZotAccumulator"

    def __init__(self, dimensions: Any = None) -> None:
        self._config = resolve_dimensions(dimensions)
        self._acc = _core.ZotAccumulator(self._config)

    @property
    def config(self) -> ServqualConfig:
        """The configuration."""
        return self._config

    def scores(self, adequate: Any, desired: Any, perceived: Any, *, workers: int = 1) -> Any:
        """Compiled per-respondent scores of a batch (and the row index), without adding them."""
        names = [i.name for i in self._config.items]
        adequate = _aligned(adequate, perceived, "adequate")
        desired = _aligned(desired, perceived, "desired")
        p, index = _item_matrix(_as_table(perceived), names, "perceived")
        a, _ = _item_matrix(_as_table(adequate), names, "adequate")
        d, _ = _item_matrix(_as_table(desired), names, "desired")
        for what, x in (("adequate", a), ("desired", d)):
            if x.shape[0] != p.shape[0]:
                raise InputError(f"{what}: {x.shape[0]} rows, but perceived has {p.shape[0]}")
        try:
            z = _core.zot_scores(a, d, p, self._config, int(workers))
        except InputError as err:
            raise relabel_rows(err, index) from None
        return z, index

    def update(self, adequate: Any, desired: Any, perceived: Any, *, workers: int = 1) -> ZotAccumulator:
        """Add a batch of respondents; returns ``self``."""
        if _is_empty(perceived):
            return self  # an empty chunk adds nothing
        z, _ = self.scores(adequate, desired, perceived, workers=workers)
        self._acc.add(z)
        return self

    def _merge_key(self) -> Any:
        return _config_key("zone of tolerance", self._config, False)

    def _merge_into(self, other: Any) -> None:
        self._acc.merge(other._acc)

    def result(self) -> ZotResult:
        """The summary of everything added."""
        d = self._acc.result()
        k = len(self._config.items)
        table = np.asarray(d["table"])
        items = _zot_table(table[:k], pd.Index([i.name for i in self._config.items], name="item"))
        items.insert(0, "dimension", [i.dimension for i in self._config.items])
        dims = _zot_table(table[k:], pd.Index(list(self._config.dimensions()), name="dimension"))
        return ZotResult(items=items, dimensions=dims, n_rows=int(d["n_rows"]), config=self._config)

    def to_bytes(self) -> bytes:
        """Portable bytes (the C++ ``ZotAccumulator::to_bytes`` format)."""
        return bytes(self._acc.to_bytes())

    @classmethod
    def from_bytes(cls, data: bytes) -> ZotAccumulator:
        """Inverse of :meth:`to_bytes`."""
        acc = _core.ZotAccumulator.from_bytes(bytes(data))
        out = cls.__new__(cls)
        out._acc = acc
        out._config = acc.config
        return out

    def __repr__(self) -> str:
        return f"ZotAccumulator({len(self._config.items)} items)"


def _config_key(kind: str, config: ServqualConfig, perceptions_only: bool) -> ConfigKey:
    """What two SERVQUAL / zone-of-tolerance states must share to merge, named readably."""
    text = config.to_json()
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
    label = f"{kind}, {len(config.items)} items, form {config.form}, configuration {digest}"
    return ConfigKey(label, (perceptions_only, text))


def zone_of_tolerance(
    adequate: Any,
    desired: Any,
    perceived: Any,
    *,
    dimensions: Any = None,
    workers: int = 1,
) -> ZotResult:
    """Zone of tolerance (Parasuraman, Zeithaml & Berry 1994, three-column form).

    Parameters
    ----------
    adequate, desired, perceived
        Answers (one row per respondent, one column per item) on the zone-of-tolerance scale
        (``zot_scale_min`` 1 to ``zot_scale_max`` 9 by default), as for :func:`servqual`.
    dimensions
        The item map (see :func:`servqual`).

    Examples
    --------
    >>> import servscore as ss
    >>> r = ss.zone_of_tolerance({"q": [5]}, {"q": [8]}, {"q": [6]}, dimensions={"q": "reliability"})
    >>> r.items.loc["q", ["msa", "mss", "width"]].astype(float).tolist(), r.items.loc["q", "position"]
    ([1.0, -2.0, 3.0], 'within')
    """
    return ZotAccumulator(dimensions).update(adequate, desired, perceived, workers=workers).result()
