"""Kano's expectation hierarchy: classify (functional, dysfunctional) answer pairs and summarise attributes.

Each respondent answers two questions per attribute (feature): how they feel if it
is present (*functional*) and if it is absent (*dysfunctional*), on the scale
1 Like, 2 Must-be, 3 Neutral, 4 Live-with, 5 Dislike. An evaluation table maps each
answer pair to a category: A attractive, O one-dimensional, M must-be,
I indifferent, R reverse, Q questionable.

References: Kano et al. (1984); Berger et al. (1993), CQM Journal 2(4);
Matzler et al. (1996); Lee & Newcomb (1997); Fong (1996), CQM Journal 5.

Per attribute (and group) :func:`analyze` reports the counts, the mode, the
category after the near-tie rule, category strength (share of top minus share of
second), total strength ((A+O+M)/n), Better = (A+O)/(A+O+M+I), Worse =
-(O+M)/(A+O+M+I) with confidence intervals, Fong's test of the top two
categories, DuMouchel's continuous means and standard deviations, the expectation
level of the source and the Q share. Every number is a default of
:class:`KanoConfig`; see ``docs/kano.md``.

Input
-----
*Wide* data: one functional and one dysfunctional column per attribute, named
``<attribute>_f`` and ``<attribute>_d`` (``suffixes=`` changes the convention).
*Long* data: columns ``respondent``, ``attribute``, ``functional``,
``dysfunctional``, one answer pair per row. Answers are integer codes 1..L;
NaN, None, ``pd.NA`` and 0 mean "not answered" and are counted as ``missing``.
"""

from __future__ import annotations

import dataclasses
import json
import re
import struct
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._core import ConfigError, InputError, KanoConfig, KanoState
from ._input import check_seed, is_frame_like, is_label, label_list, resolve_config, to_frame
from ._result import Result
from .model import ExpectationLevel, KanoCategory, get_language

__all__ = [
    "Accumulator",
    "KanoConfig",
    "KanoResult",
    "analyze",
    "classify",
    "table",
]

CATEGORIES = KanoCategory.names()
LETTERS = ("A", "O", "M", "I", "R", "Q")
LONG_COLUMNS = ("respondent", "attribute", "functional", "dysfunctional")
DEFAULT_SUFFIXES = ("_f", "_d")


def table(name: str | dict[str, Any] = "cqm") -> pd.DataFrame:
    """An evaluation table as a DataFrame (rows: functional answer, columns: dysfunctional answer).

    ``name`` is a built-in table (``"cqm"``, the default of Berger et al. 1993; ``"pouliot"``;
    ``"short"``, the 3-level form) or a dict ``{"name": ..., "rows": [[...], ...]}``.

    >>> import servscore as ss
    >>> ss.kano.table("cqm").loc[1].tolist()
    ['Q', 'A', 'A', 'A', 'O']
    """
    t = json.loads(_core.kano_table_json(json.dumps(name)))
    levels = range(1, len(t["rows"]) + 1)
    df = pd.DataFrame(
        t["rows"], index=pd.Index(levels, name="functional"), columns=pd.Index(levels, name="dysfunctional")
    )
    df.attrs["name"] = t["name"]
    return df


def _table_json(table: Any) -> str:
    if table is None:
        return json.dumps("cqm")
    if isinstance(table, KanoConfig):
        return str(table.table_json)
    if isinstance(table, pd.DataFrame):
        return json.dumps({"name": table.attrs.get("name", "custom"), "rows": table.astype(str).values.tolist()})
    if isinstance(table, str) and table.lstrip().startswith(("{", '"')):
        return table
    if isinstance(table, str) and table not in ("cqm", "pouliot", "short"):
        try:
            with open(table, encoding="utf-8") as fh:
                return fh.read()
        except OSError as e:
            raise ConfigError(
                f"table: {table!r} is neither a built-in table (cqm, pouliot, short) nor a file ({e})"
            ) from e
    return json.dumps(table)


def _config(config: Any, table: Any = None) -> KanoConfig:
    cfg: KanoConfig = resolve_config(config, KanoConfig)
    if table is not None:
        d = cfg.to_dict()
        d["table"] = json.loads(_table_json(table))
        cfg = KanoConfig.from_dict(d)
    cfg.validate()
    return cfg


# ---- answer coercion -----------------------------------------------------------------------------


def _answers(
    values: Any, *, name: str, index: pd.Index | None = None, columns: Sequence[str] | None = None
) -> np.ndarray:
    """Answers as int8 codes (0 = not answered); int8 numpy input passes through without a copy."""
    if isinstance(values, np.ndarray) and values.dtype == np.int8:
        return values
    if isinstance(values, (pd.Series, pd.DataFrame)):
        frame = values.to_frame() if isinstance(values, pd.Series) else values
        if all(isinstance(t, np.dtype) and t.kind in "iu" for t in frame.dtypes):
            arr = frame.to_numpy()  # plain integer columns (int8 stays int8): no float detour
        elif all(pd.api.types.is_numeric_dtype(t) or pd.api.types.is_bool_dtype(t) for t in frame.dtypes):
            arr = frame.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            arr = _coerce_object(frame.to_numpy(dtype=object), name=name, index=index, columns=columns)
        if isinstance(values, pd.Series):
            arr = arr[:, 0]
    else:
        arr = values if isinstance(values, np.ndarray) else np.asarray(values, dtype=object)
        if arr.dtype == object:
            arr = _coerce_object(arr, name=name, index=index, columns=columns)
    if arr.dtype.kind in "iub":
        a = arr.astype(np.int64, copy=False)
        bad = (a < 0) | (a > 127)
        if bad.any():
            _raise_bad(arr, bad, name=name, index=index, columns=columns)
        return np.asarray(a, dtype=np.int8)
    if arr.dtype.kind != "f":
        raise InputError(f"{name}: expected answer codes (numbers), got dtype {arr.dtype}")
    a = arr.astype(np.float64, copy=False)
    filled = np.where(np.isnan(a), 0.0, a)
    bad = (filled != np.round(filled)) | (filled < 0) | (filled > 127)
    if bad.any():
        _raise_bad(arr, bad, name=name, index=index, columns=columns)
    return filled.astype(np.int8)


def _coerce_object(arr: np.ndarray, *, name: str, index: pd.Index | None, columns: Sequence[str] | None) -> np.ndarray:
    flat = pd.DataFrame(arr.reshape(len(arr), -1))
    num = flat.apply(pd.to_numeric, errors="coerce")
    badm = (num.isna() & flat.notna()).to_numpy()
    if badm.any():
        _raise_bad(
            arr.reshape(len(arr), -1) if arr.ndim > 1 else arr,
            badm.reshape(arr.shape) if arr.ndim > 1 else badm[:, 0],
            name=name,
            index=index,
            columns=columns,
            what="is not a number",
        )
    out: np.ndarray = num.to_numpy(dtype=np.float64, na_value=np.nan).reshape(arr.shape)
    return out


def _raise_bad(
    arr: np.ndarray,
    bad: np.ndarray,
    *,
    name: str,
    index: pd.Index | None,
    columns: Sequence[str] | None,
    what: str = "is not an answer code (an integer 1..L, 0 or missing)",
) -> None:
    pos = np.argwhere(bad)[0]
    row = int(pos[0])
    label = _key(index[row]) if index is not None else row
    where = f"row {label!r}"
    if arr.ndim == 2:
        col = int(pos[1])
        where += f", column {columns[col]!r}" if columns is not None else f", column {col}"
    elif columns is not None and len(columns) == 1:
        where += f", column {columns[0]!r}"
    value = arr[tuple(pos)]
    if isinstance(value, np.generic):
        value = value.item()
    raise InputError(f"{name}: {where}: value {value!r} {what} ({int(bad.sum())} such value(s))")


_ROWCOL = re.compile(r"^(functional|dysfunctional): row (\d+), column (\d+): ")


def _relabel(e: Exception, index: pd.Index | None, columns: Sequence[Any] | None) -> Exception:
    msg = str(e)
    m = _ROWCOL.match(msg)
    if not m:
        return e
    row, col = int(m.group(2)), int(m.group(3))
    label = _key(index[row]) if index is not None and row < len(index) else row
    cname = columns[col] if columns is not None and col < len(columns) else col
    return type(e)(f"{m.group(1)}: row {label!r}, column {cname!r}: " + msg[m.end() :])


def classify(functional: Any, dysfunctional: Any, *, table: Any = None, workers: int = 1) -> Any:
    """Classify answer pairs with an evaluation table.

    Parameters
    ----------
    functional, dysfunctional
        Answers of the same shape: 1-D (one pair per element) or 2-D (respondents x
        attributes) arrays, Series or DataFrames. Codes 1..L; 0 / NaN / None = not answered.
        int8 numpy arrays go to the compiled kernel without a copy.
    table
        ``"cqm"`` (default), ``"pouliot"``, ``"short"``, a dict ``{"name", "rows"}``, JSON
        text, a JSON file path, or a :class:`KanoConfig` (its table).
    workers
        Threads for the kernel (``<= 0``: all cores); results do not depend on it.

    Returns
    -------
    pandas.Categorical (1-D input) or pandas.DataFrame of categoricals (2-D input), with the
    category names of :class:`servscore.KanoCategory`; missing where an answer is missing.

    Raises
    ------
    InputError
        Shapes differ, or an answer is outside 1..L (the message names row, column, value).

    Examples
    --------
    >>> import servscore as ss
    >>> list(ss.kano.classify([1, 2, 1, 3], [5, 5, 4, 3]))
    ['one_dimensional', 'must_be', 'attractive', 'indifferent']
    """
    index = functional.index if isinstance(functional, (pd.Series, pd.DataFrame)) else None
    columns = list(functional.columns) if isinstance(functional, pd.DataFrame) else None
    f = _answers(functional, name="functional", index=index, columns=columns)
    d = _answers(dysfunctional, name="dysfunctional", index=index, columns=columns)
    if f.shape != d.shape:
        raise InputError(f"dysfunctional: expected the shape of functional {f.shape}, got {d.shape}")
    one_d = f.ndim == 1
    # int8 arrays of any layout (C, Fortran, sliced) are read in place by the kernel
    f2 = f.reshape(-1, 1) if one_d else f
    d2 = d.reshape(-1, 1) if one_d else d
    if f2.ndim != 2:
        raise InputError(f"functional: expected a 1-D or 2-D array, got {f.ndim} dimensions")
    try:
        codes = _core.kano_classify(f2, d2, _table_json(table), int(workers))
    except InputError as e:
        raise _relabel(e, index, columns) from None
    if one_d:
        return pd.Categorical.from_codes(codes[:, 0], categories=CATEGORIES)
    cols = columns if columns is not None else list(range(codes.shape[1]))
    return pd.DataFrame(
        {c: pd.Categorical.from_codes(codes[:, j], categories=CATEGORIES) for j, c in enumerate(cols)},
        index=index if index is not None else pd.RangeIndex(codes.shape[0]),
    )


# ---- data layouts --------------------------------------------------------------------------------


def _wide_attributes(columns: Sequence[Any], suffixes: tuple[str, str]) -> list[str]:
    sf, sd = suffixes
    cols = [str(c) for c in columns]
    have = set(cols)
    return [c[: -len(sf)] for c in cols if c.endswith(sf) and c[: -len(sf)] + sd in have]


def _is_long(frame: pd.DataFrame) -> bool:
    return all(c in frame.columns for c in ("attribute", "functional", "dysfunctional"))


def _group_keys(frame: pd.DataFrame, by: str | Sequence[str] | None) -> tuple[np.ndarray, list[Any]]:
    if by is None:
        return np.zeros(len(frame), dtype=np.int32), ["all"]
    cols = label_list(frame, by)
    for c in cols:
        if not is_label(frame, c) or c not in frame.columns:
            raise InputError(f"by: no column {c!r}; columns present: {', '.join(map(str, frame.columns[:30]))}")
    g = frame.groupby(cols if len(cols) > 1 else cols[0], sort=True, dropna=False, observed=True)
    codes = g.ngroup().to_numpy(dtype=np.int32)
    keys = [(_key(k) if not isinstance(k, tuple) else tuple(_key(x) for x in k)) for k in g.size().index]
    return codes, keys


def _key(k: Any) -> Any:
    if isinstance(k, np.generic):
        k = k.item()
    if isinstance(k, float) and np.isnan(k):
        return None
    return k


# ---- accumulator ---------------------------------------------------------------------------------


class Accumulator:
    """Mergeable Kano state: pair histograms per (group, attribute), built chunk by chunk.

    ``update(chunk)`` counts a chunk (wide or long DataFrame, or ``update(functional,
    dysfunctional)`` with two respondents x attributes arrays); ``merge(other)`` / ``+``
    adds another state exactly (integer counts), so chunks merged in any order give the
    one-pass result; ``result()`` summarises; ``to_bytes()`` / ``from_bytes()`` and pickling
    carry the state between processes.

    Parameters
    ----------
    attributes
        Attribute names; default: taken from the first chunk (wide: every ``<a>_f`` /
        ``<a>_d`` pair in column order; long: the ``attribute`` values in order of appearance).
        New attributes in later long chunks are appended.
    by
        Column(s) defining groups (segments); missing keys form their own group.
    config, table
        :class:`KanoConfig` (or dict / JSON / path) and an optional table override.
    suffixes
        Wide-data column suffixes (functional, dysfunctional); default ``("_f", "_d")``.
    workers
        Threads for the counting kernel (``<= 0``: all cores).

    Examples
    --------
    >>> import pandas as pd, servscore as ss
    >>> a = ss.kano.Accumulator(); b = ss.kano.Accumulator()
    >>> _ = a.update(pd.DataFrame({"wifi_f": [1, 1], "wifi_d": [4, 5]}))
    >>> _ = b.update(pd.DataFrame({"wifi_f": [2], "wifi_d": [5]}))
    >>> (a + b).result().table[["A", "O", "M"]].to_dict("records")
    [{'A': 1, 'O': 1, 'M': 1}]
    """

    _MAGIC = b"SSKANOPY1\n"

    def __init__(
        self,
        attributes: Sequence[str] | None = None,
        *,
        by: str | Sequence[str] | None = None,
        config: Any = None,
        table: Any = None,
        suffixes: tuple[str, str] = DEFAULT_SUFFIXES,
        workers: int = 1,
    ) -> None:
        self.config: KanoConfig = _config(config, table)
        self.attributes: list[str] | None = list(attributes) if attributes is not None else None
        self._fixed_attributes = attributes is not None
        # a list or tuple names several columns; any other label (str, int, ...) one
        self.by: list[Any] | None = None if by is None else (list(by) if isinstance(by, (list, tuple)) else [by])
        self.suffixes = (str(suffixes[0]), str(suffixes[1]))
        self.workers = int(workers)
        self.levels: int = int(self.config.levels)
        self._counts: dict[Any, np.ndarray] = {}
        self.rows = 0

    # state ----------------------------------------------------------------------------------
    @property
    def cells(self) -> int:
        return (self.levels + 1) ** 2

    def _grow(self, k: int) -> None:
        for g, c in self._counts.items():
            if c.shape[0] < k:
                self._counts[g] = np.vstack([c, np.zeros((k - c.shape[0], self.cells), dtype=np.int64)])

    def _add(self, keys: list[Any], counts: np.ndarray) -> None:
        k = len(self.attributes or [])
        self._grow(k)
        per = counts.reshape(len(keys), -1, self.cells)
        for i, key in enumerate(keys):
            block = per[i]
            if block.shape[0] < k:
                block = np.vstack([block, np.zeros((k - block.shape[0], self.cells), dtype=np.int64)])
            if key in self._counts:
                self._counts[key] = self._counts[key] + block
            else:
                self._counts[key] = block.copy()

    # update ---------------------------------------------------------------------------------
    def update(self, data: Any, dysfunctional: Any = None, *, groups: Any = None) -> Accumulator:
        """Count one chunk; returns self.

        ``data`` is a wide or long DataFrame (pandas, polars, Arrow), or a functional
        answer matrix with ``dysfunctional`` of the same shape (``groups``: optional group
        label per row).
        """
        if dysfunctional is not None:
            self._update_arrays(data, dysfunctional, groups)
            return self
        if not is_frame_like(data) and not isinstance(data, dict):
            raise InputError("data: expected a DataFrame (wide or long), or functional and dysfunctional arrays")
        frame = to_frame(data)
        if _is_long(frame):
            self._update_long(frame)
        else:
            self._update_wide(frame)
        return self

    def _update_arrays(self, functional: Any, dysfunctional: Any, groups: Any) -> None:
        f = _answers(functional, name="functional")
        d = _answers(dysfunctional, name="dysfunctional")
        if f.ndim == 1:
            f, d = f.reshape(-1, 1), d.reshape(-1, 1) if d.ndim == 1 else d
        if f.shape != d.shape:
            raise InputError(f"dysfunctional: expected the shape of functional {f.shape}, got {d.shape}")
        if self.attributes is None:
            self.attributes = [f"attribute_{j + 1}" for j in range(f.shape[1])]
        if f.shape[1] != len(self.attributes):
            raise InputError(f"functional: expected {len(self.attributes)} columns (attributes), got {f.shape[1]}")
        if groups is None:
            codes, keys = np.zeros(0, dtype=np.int32), ["all"]
        else:
            g = pd.Series(np.asarray(groups))
            if len(g) != f.shape[0]:
                raise InputError(f"groups: expected {f.shape[0]} labels (one per row), got {len(g)}")
            fr = pd.DataFrame({"_g": g})
            codes, keys = _group_keys(fr, "_g")
        self._count_wide(f, d, codes, keys, None)  # read in place whatever the layout

    def _count_wide(
        self, f: np.ndarray, d: np.ndarray, codes: np.ndarray, keys: list[Any], index: pd.Index | None
    ) -> None:
        assert self.attributes is not None
        state = KanoState(len(keys), len(self.attributes), self.levels)
        try:
            state.update(f, d, codes, self.workers, 0)
        except InputError as e:
            cols = [a + self.suffixes[0 if str(e).startswith("functional") else 1] for a in self.attributes]
            raise _relabel(e, index, cols) from None
        self._add(keys, state.counts)
        self.rows += f.shape[0]

    def _update_wide(self, frame: pd.DataFrame) -> None:
        sf, sd = self.suffixes
        if self.attributes is None:
            self.attributes = _wide_attributes(frame.columns, self.suffixes)
            if not self.attributes:
                raise InputError(
                    f"data: no attribute columns found; expected wide pairs '<attribute>{sf}' and "
                    f"'<attribute>{sd}', or long columns {', '.join(LONG_COLUMNS)}; "
                    f"columns present: {', '.join(map(str, frame.columns[:30]))}"
                )
        fcols = [a + sf for a in self.attributes]
        dcols = [a + sd for a in self.attributes]
        missing = [c for c in fcols + dcols if c not in frame.columns]
        if missing:
            raise InputError(
                f"data: missing column(s) {', '.join(map(repr, missing))}; columns present: "
                f"{', '.join(map(str, frame.columns[:30]))}"
            )
        if len(frame) == 0:
            return
        n, k = len(frame), len(self.attributes)
        f = np.empty((n, k), dtype=np.int8)
        d = np.empty((n, k), dtype=np.int8)
        for j in range(k):
            f[:, j] = _answers(frame[fcols[j]], name="data", index=frame.index, columns=[fcols[j]])
            d[:, j] = _answers(frame[dcols[j]], name="data", index=frame.index, columns=[dcols[j]])
        codes, keys = self._groups_of(frame)
        self._count_wide(f, d, codes, keys, frame.index)

    def _groups_of(self, frame: pd.DataFrame) -> tuple[np.ndarray, list[Any]]:
        if self.by is None:
            return np.zeros(0, dtype=np.int32), ["all"]
        return _group_keys(frame, self.by)

    def _update_long(self, frame: pd.DataFrame) -> None:
        if len(frame) == 0:
            return
        attr = frame["attribute"].astype("object")
        if attr.isna().any():
            pos = int(np.flatnonzero(attr.isna().to_numpy())[0])
            raise InputError(f"data: column 'attribute', row {_key(frame.index[pos])!r}: missing attribute name")
        if self._fixed_attributes:
            # only the attributes asked for (a selection, not a loss: the others were not asked for)
            keep = attr.astype(str).isin(self.attributes or []).to_numpy()
            if not keep.all():
                frame, attr = frame[keep], attr[keep]
            if len(frame) == 0:
                return
        names = [str(a) for a in pd.unique(attr.astype(str))]
        if self.attributes is None:
            self.attributes = []
        for a in names:
            if a not in self.attributes:
                self.attributes.append(a)
        lookup = {a: i for i, a in enumerate(self.attributes)}
        acodes = attr.astype(str).map(lookup).to_numpy(dtype=np.int32)
        f = _answers(frame["functional"], name="data", index=frame.index, columns=["functional"])
        d = _answers(frame["dysfunctional"], name="data", index=frame.index, columns=["dysfunctional"])
        codes, keys = self._groups_of(frame)
        state = KanoState(len(keys), len(self.attributes), self.levels)
        try:
            state.update_long(f, d, acodes, codes, 0)
        except InputError as e:
            names = self.attributes

            def label(m: re.Match[str]) -> str:
                return f"row {_key(frame.index[int(m.group(1))])!r}, attribute {names[int(m.group(2))]!r}"

            msg = re.sub(r"row (\d+), column (\d+)", label, str(e))
            raise InputError(msg) from None
        self._add(keys, state.counts)
        self.rows += len(frame)

    # merge ----------------------------------------------------------------------------------
    def _compatible(self, other: Accumulator) -> None:
        if not isinstance(other, Accumulator):
            raise TypeError(f"can only merge an Accumulator, not {type(other).__name__}")
        if other.levels != self.levels or other.config != self.config:
            raise ConfigError("merge: the accumulators use different configurations")
        if other.by != self.by:
            raise ConfigError(f"merge: grouped by {self.by} vs {other.by}")

    def merge(self, other: Accumulator) -> Accumulator:
        """Add another state in place (exact); attributes of ``other`` not seen yet are appended."""
        self._compatible(other)
        mine = list(self.attributes or [])
        for a in other.attributes or []:
            if a not in mine:
                mine.append(a)
        self.attributes = mine
        self._grow(len(mine))
        pos = [mine.index(a) for a in other.attributes or []]
        for key, c in other._counts.items():
            block = np.zeros((len(mine), self.cells), dtype=np.int64)
            block[pos] = c
            self._counts[key] = self._counts[key] + block if key in self._counts else block
        self.rows += other.rows
        return self

    def copy(self) -> Accumulator:
        """An independent copy of the state."""
        return Accumulator.from_bytes(self.to_bytes())

    def __add__(self, other: Accumulator) -> Accumulator:
        return self.copy().merge(other)

    def __iadd__(self, other: Accumulator) -> Accumulator:
        return self.merge(other)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Accumulator):
            return NotImplemented
        if set(self._counts) != set(other._counts) or self.attributes != other.attributes:
            return False
        return all(np.array_equal(self._counts[k], other._counts[k]) for k in self._counts)

    __hash__ = None  # type: ignore[assignment]

    # serialisation ----------------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        """A portable byte string of the whole state (JSON header + little-endian int64 counts)."""
        keys = sorted(self._counts, key=repr)
        header = json.dumps(
            {
                "config": self.config.to_json(),
                "attributes": self.attributes,
                "by": self.by,
                "suffixes": list(self.suffixes),
                "workers": self.workers,
                "rows": self.rows,
                "keys": [list(k) if isinstance(k, tuple) else k for k in keys],
                "tuple_keys": [isinstance(k, tuple) for k in keys],
            }
        ).encode("utf-8")
        body = b"".join(self._counts[k].astype("<i8").tobytes() for k in keys)
        return self._MAGIC + struct.pack("<Q", len(header)) + header + body

    @classmethod
    def from_bytes(cls, data: bytes) -> Accumulator:
        """Rebuild a state written by :meth:`to_bytes`."""
        if not data.startswith(cls._MAGIC):
            raise InputError("from_bytes: not a serialised Kano accumulator (bad header)")
        p = len(cls._MAGIC)
        (hl,) = struct.unpack("<Q", data[p : p + 8])
        h = json.loads(data[p + 8 : p + 8 + hl].decode("utf-8"))
        acc = cls(h["attributes"], by=h["by"], config=KanoConfig.from_json(h["config"]), suffixes=tuple(h["suffixes"]))
        acc.workers = h["workers"]
        acc.rows = h["rows"]
        k = len(h["attributes"] or [])
        body = np.frombuffer(data, dtype="<i8", offset=p + 8 + hl)
        size = k * acc.cells
        if body.size != size * len(h["keys"]):
            raise InputError(f"from_bytes: expected {size * len(h['keys'])} counts, got {body.size}")
        for i, (key, is_t) in enumerate(zip(h["keys"], h["tuple_keys"])):
            acc._counts[tuple(key) if is_t else key] = (
                body[i * size : (i + 1) * size].reshape(k, acc.cells).astype(np.int64)
            )
        return acc

    def __getstate__(self) -> dict[str, Any]:
        return {"bytes": self.to_bytes()}

    def __setstate__(self, state: dict[str, Any]) -> None:
        other = Accumulator.from_bytes(state["bytes"])
        self.__dict__.update(other.__dict__)

    def __repr__(self) -> str:
        k = len(self.attributes or [])
        return f"kano.Accumulator({self.rows} rows, {k} attributes, {len(self._counts)} group(s), table {self.config.table_name!r})"

    # result -----------------------------------------------------------------------------------
    def counts(self) -> pd.DataFrame:
        """The pair histograms: one row per (group, attribute), columns ``f<f>d<d>`` (0 = missing)."""
        keys = sorted(self._counts, key=_sort_key)
        attrs = self.attributes or []
        rows = np.vstack([self._counts[k] for k in keys]) if keys else np.zeros((0, self.cells), dtype=np.int64)
        L = self.levels
        cols = [f"f{f}d{d}" for f in range(L + 1) for d in range(L + 1)]
        idx = pd.MultiIndex.from_tuples([(k, a) for k in keys for a in attrs], names=["group", "attribute"])
        return pd.DataFrame(rows, index=idx, columns=cols)

    def result(self, *, ci: str = "wilson", n_boot: int = 2000, seed: int = 0) -> KanoResult:
        """Summarise the state: one row per attribute (and group); see :func:`analyze`."""
        if not self._counts or not self.attributes:
            raise InputError("kano: no data (no attribute was counted)")
        return _summarise(self, ci=ci, n_boot=n_boot, seed=seed)


def _sort_key(k: Any) -> tuple[int, str]:
    return (1 if k is None else 0, repr(k) if not isinstance(k, str) else k)


# ---- result --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, repr=False)
class KanoResult(Result):
    """Per-attribute Kano summary.

    Attributes
    ----------
    table
        One row per attribute (index ``attribute``), or per group and attribute (index
        ``group, attribute``) when grouped. Columns: ``n`` (classified pairs in the base),
        ``missing`` (pairs with an answer missing), the counts ``A O M I R Q``, ``mode``,
        ``category`` (after the near-tie rule), ``near_tie``, ``category_strength``,
        ``total_strength``, ``better``, ``worse`` and their intervals ``better_lo``,
        ``better_hi``, ``worse_lo``, ``worse_hi``, ``fong_difference``, ``fong_critical``,
        ``fong_significant``, ``functional_mean``, ``functional_sd``, ``dysfunctional_mean``,
        ``dysfunctional_sd``, ``n_continuous``, ``expectation_level``, ``q_share``, ``q_warning``.
    ci_method
        How the Better / Worse intervals were made: ``"wilson"`` (analytic, on the A+O+M+I base)
        or ``"bootstrap"`` (seeded multinomial percentile bootstrap).
    config
        The :class:`KanoConfig` used.
    grouped
        True when the table has a group level.
    warnings
        Human-readable warnings (high Q share, thin groups).
    """

    table: pd.DataFrame
    ci_method: str
    config: KanoConfig
    grouped: bool
    warnings: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        """The per-attribute table."""
        return self.table

    _SHORT = ("n", "missing", "A", "O", "M", "I", "R", "Q", "category", "better", "worse", "expectation_level")

    def __repr__(self) -> str:
        lines = [type(self).__name__ + ":"] + ["  " + s for s in self._summary_lines()]
        with pd.option_context("display.width", 160, "display.max_columns", 20):
            lines.append(self.table[list(self._SHORT)].round(3).to_string(max_rows=30))
        lines.append("(to_frame() has every column)")
        return "\n".join(lines)

    def _summary_lines(self) -> list[str]:
        t = self.table
        cats = t["category"].astype(str).value_counts()
        lines = [
            f"{len(t)} attribute row(s), table {self.config.table_name!r}, intervals: {self.ci_method}",
            "categories: " + ", ".join(f"{c} {n}" for c, n in cats.items()),
        ]
        near = [str(i) for i in t.index[t["near_tie"].to_numpy(dtype=bool)]]
        if near:
            lines.append("near ties decided by precedence: " + ", ".join(near))
        lines.extend(self.warnings)
        return lines

    def compare(self, a: Any = None, b: Any = None) -> pd.DataFrame:
        """Segment comparison: for each attribute, a chi-square test of the category distributions
        (A, O, M, I, R, Q) of groups ``a`` and ``b`` (default: the two groups when there are two).

        Returns one row per attribute: the category and Better / Worse of each group, ``chi2``,
        ``dof`` and ``p_value``. An attribute with no classified pair in a group raises InputError.
        """
        if not self.grouped:
            raise ConfigError("compare: the result is not grouped; analyze with by=... first")
        groups = list(dict.fromkeys(self.table.index.get_level_values("group")))
        if a is None and b is None:
            if len(groups) != 2:
                raise ConfigError(f"compare: {len(groups)} groups {groups}; name the two to compare (a=..., b=...)")
            a, b = groups
        for g in (a, b):
            if g not in groups:
                raise InputError(f"compare: no group {g!r}; groups present: {groups}")
        ta, tb = self.table.xs(a, level="group"), self.table.xs(b, level="group")
        rows = []
        for attr in ta.index:
            if attr not in tb.index:
                continue
            ca = ta.loc[attr, list(LETTERS)].to_numpy(dtype=np.int64)
            cb = tb.loc[attr, list(LETTERS)].to_numpy(dtype=np.int64)
            try:
                stat, dof, p = _core.kano_chi_square(np.vstack([ca, cb]))
            except InputError as e:
                raise InputError(f"compare: attribute {attr!r}: {e} (groups {a!r}, {b!r})") from None
            rows.append(
                {
                    "attribute": attr,
                    f"category_{a}": ta.loc[attr, "category"],
                    f"category_{b}": tb.loc[attr, "category"],
                    f"better_{a}": ta.loc[attr, "better"],
                    f"better_{b}": tb.loc[attr, "better"],
                    f"worse_{a}": ta.loc[attr, "worse"],
                    f"worse_{b}": tb.loc[attr, "worse"],
                    "chi2": stat,
                    "dof": dof,
                    "p_value": p,
                }
            )
        return pd.DataFrame(rows).set_index("attribute")

    def plot(self, ax: Any = None, *, kind: str = "better_worse", lang: str | None = None, **kwargs: Any) -> Any:
        """Better/Worse chart (``kind="better_worse"``, default: |Worse| on x, Better on y, quadrants
        at 0.5) or DuMouchel's continuous chart (``kind="continuous"``: dysfunctional mean on x,
        functional mean on y, with 1-SD error bars). Returns the matplotlib Axes."""
        if kind == "better_worse":
            return _plot_better_worse(self, ax=ax, lang=lang, **kwargs)
        if kind == "continuous":
            return _plot_continuous(self, ax=ax, lang=lang, **kwargs)
        raise ConfigError(f"plot: kind {kind!r} is not supported; expected 'better_worse' or 'continuous'")


def _summarise(acc: Accumulator, *, ci: str, n_boot: int, seed: int) -> KanoResult:
    seed = check_seed(seed)
    cfg = acc.config
    keys = sorted(acc._counts, key=_sort_key)
    attrs = list(acc.attributes or [])
    counts = np.vstack([acc._counts[k] for k in keys])
    s = _core.kano_summarize_counts(np.ascontiguousarray(counts), cfg)
    cc = s["category_counts"]
    cat = pd.Categorical.from_codes(s["category"], categories=CATEGORIES)
    data: dict[str, Any] = {"n": s["n"], "missing": s["missing"]}
    for j, letter in enumerate(LETTERS):
        data[letter] = cc[:, j]
    data["mode"] = pd.Categorical.from_codes(s["mode"], categories=CATEGORIES)
    data["category"] = cat
    data["near_tie"] = s["near_tie"]
    for c in ("category_strength", "total_strength", "better", "worse"):
        data[c] = s[c]
    lo_hi = {c: s[c] for c in ("better_lo", "better_hi", "worse_lo", "worse_hi")}
    if ci == "bootstrap":
        lo_hi = _bootstrap(cc, cfg.ci_level, n_boot, seed)
    elif ci != "wilson":
        raise ConfigError(f"ci: {ci!r} is not supported; expected 'wilson' or 'bootstrap'")
    data.update(lo_hi)
    for c in (
        "fong_difference",
        "fong_critical",
        "fong_significant",
        "functional_mean",
        "functional_sd",
        "dysfunctional_mean",
        "dysfunctional_sd",
        "n_continuous",
    ):
        data[c] = s[c]
    data["expectation_level"] = pd.Categorical.from_codes(s["expectation_level"], categories=ExpectationLevel.names())
    data["q_share"] = s["q_share"]
    data["q_warning"] = s["q_warning"]
    grouped = acc.by is not None
    if grouped:
        index = pd.MultiIndex.from_tuples([(k, a) for k in keys for a in attrs], names=["group", "attribute"])
    else:
        index = pd.Index(attrs, name="attribute")
    table = pd.DataFrame(data, index=index)
    warnings = []
    for idx, row in table[table["q_warning"]].iterrows():
        warnings.append(
            f"{idx}: {100 * row['q_share']:.1f}% questionable answers (> {100 * cfg.q_warning_share:.0f}%): "
            "check the wording of the question pair"
        )
    for idx in table.index[table["n"] == 0]:
        warnings.append(f"{idx}: no classified answer pair")
    return KanoResult(
        table=table,
        ci_method=ci if ci == "wilson" else f"bootstrap (n_boot={n_boot}, seed={seed})",
        config=cfg,
        grouped=grouped,
        warnings=tuple(warnings),
    )


def _bootstrap(cc: np.ndarray, level: float, n_boot: int, seed: int) -> dict[str, np.ndarray]:
    """Percentile intervals of Better and Worse from multinomial resamples of each row's categories."""
    if n_boot < 10:
        raise ConfigError(f"n_boot: {n_boot} is too small; expected at least 10")
    rng = np.random.default_rng(seed)
    out = {c: np.full(len(cc), np.nan) for c in ("better_lo", "better_hi", "worse_lo", "worse_hi")}
    q = [(1 - level) / 2, (1 + level) / 2]
    for r, counts in enumerate(cc):
        total = int(counts.sum())
        if counts[:4].sum() == 0:
            continue
        draws = rng.multinomial(total, counts / total, size=n_boot)
        base = draws[:, :4].sum(axis=1).astype(float)
        ok = base > 0
        better = (draws[ok, 0] + draws[ok, 1]) / base[ok]
        worse = -(draws[ok, 1] + draws[ok, 2]) / base[ok]
        out["better_lo"][r], out["better_hi"][r] = np.quantile(better, q)
        out["worse_lo"][r], out["worse_hi"][r] = np.quantile(worse, q)
    return out


def analyze(
    data: Any,
    *,
    attributes: Sequence[str] | None = None,
    by: str | Sequence[str] | None = None,
    config: Any = None,
    table: Any = None,
    suffixes: tuple[str, str] = DEFAULT_SUFFIXES,
    ci: str = "wilson",
    n_boot: int = 2000,
    seed: int = 0,
    workers: int = 1,
) -> KanoResult:
    """Kano analysis of a survey: one row per attribute (and group).

    Parameters
    ----------
    data
        Wide data (columns ``<attribute>_f`` and ``<attribute>_d`` per attribute) or long data
        (columns ``respondent``, ``attribute``, ``functional``, ``dysfunctional``); pandas, polars
        or Arrow. Answers 1..L; NaN / None / 0 = not answered (counted in ``missing``).
    attributes
        Attributes to analyse, in order; default: every attribute found.
    by
        Column(s) with segments; the table then has a ``group`` level and
        :meth:`KanoResult.compare` tests two segments against each other.
    config
        :class:`KanoConfig`, a dict of its keys, JSON text or a file path.
    table
        Evaluation table override: ``"cqm"`` (default), ``"pouliot"``, ``"short"``, a dict
        ``{"name", "rows"}`` or a JSON file.
    suffixes
        Column suffixes of the wide layout.
    ci
        ``"wilson"`` (default; Wilson score interval of (A+O) and (O+M) out of A+O+M+I) or
        ``"bootstrap"`` (seeded percentile bootstrap, ``n_boot`` multinomial resamples).
    workers
        Threads for the counting kernel (``<= 0``: all cores); results do not depend on it.

    Raises
    ------
    InputError
        No attribute columns, an answer outside 1..L (naming row, column and value), empty data.
    ConfigError
        An invalid configuration or table.

    Examples
    --------
    >>> import servscore as ss
    >>> r = ss.kano.analyze(ss.datasets.sample(seed=1, n_kano=300).kano, by="segment")
    >>> sorted(r.table.columns[:8])
    ['A', 'I', 'M', 'O', 'Q', 'R', 'missing', 'n']
    """
    acc = Accumulator(attributes, by=by, config=config, table=table, suffixes=suffixes, workers=workers)
    frame = to_frame(data)
    if len(frame) == 0:
        raise InputError("data: the input is empty (0 rows)")
    acc.update(frame)
    return acc.result(ci=ci, n_boot=n_boot, seed=seed)


# ---- plots ---------------------------------------------------------------------------------------

_TEXT = {
    "en": {
        "better": "Better (satisfaction if present)",
        "worse": "|Worse| (dissatisfaction if absent)",
        "bw_title": "Kano: Better vs Worse",
        "func": "Functional (mean points)",
        "dysf": "Dysfunctional (mean points)",
        "cont_title": "Kano: DuMouchel continuous analysis",
    },
    "zh": {
        "better": "Better 系数（具备时的满意度）",
        "worse": "|Worse| 系数（不具备时的不满意度）",
        "bw_title": "Kano：Better-Worse 图",
        "func": "正向问题平均分",
        "dysf": "反向问题平均分",
        "cont_title": "Kano：连续分析（DuMouchel）",
    },
}

CATEGORY_COLOURS = {
    "attractive": "#009E73",
    "one_dimensional": "#0072B2",
    "must_be": "#D55E00",
    "indifferent": "#999999",
    "reverse": "#CC79A7",
    "questionable": "#F0E442",
}


def _prepare(lang: str | None) -> tuple[Any, str, dict[str, str]]:
    from .plotting import require_matplotlib, use_language_fonts

    plt = require_matplotlib()
    lang = lang or get_language()
    use_language_fonts(lang)
    return plt, lang, _TEXT.get(lang, _TEXT["en"])


def _labels(result: KanoResult) -> list[str]:
    return [" / ".join(map(str, i)) if isinstance(i, tuple) else str(i) for i in result.table.index]


def _legend(ax: Any, result: KanoResult, lang: str) -> None:
    seen = [c for c in CATEGORIES if (result.table["category"].astype(str) == c).any()]
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], marker="o", ls="", color=CATEGORY_COLOURS[c], label=KanoCategory(c).label(lang)) for c in seen
    ]
    ax.legend(handles=handles, fontsize="small", loc="best", framealpha=0.9)


def _plot_better_worse(result: KanoResult, *, ax: Any = None, lang: str | None = None, **kwargs: Any) -> Any:
    plt, lang, t = _prepare(lang)
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 6))
    tab = result.table
    x, y = -tab["worse"].to_numpy(dtype=float), tab["better"].to_numpy(dtype=float)
    colours = [CATEGORY_COLOURS.get(str(c), "#999999") for c in tab["category"].astype(str)]
    xerr = np.vstack([x - (-tab["worse_hi"].to_numpy(dtype=float)), -tab["worse_lo"].to_numpy(dtype=float) - x])
    yerr = np.vstack([y - tab["better_lo"].to_numpy(dtype=float), tab["better_hi"].to_numpy(dtype=float) - y])
    ax.errorbar(x, y, xerr=np.abs(xerr), yerr=np.abs(yerr), fmt="none", ecolor="0.75", lw=0.8, zorder=1)
    ax.scatter(x, y, c=colours, s=kwargs.pop("s", 50), zorder=2, **kwargs)
    for xi, yi, lab in zip(x, y, _labels(result)):
        ax.annotate(lab, (xi, yi), textcoords="offset points", xytext=(4, 4), fontsize="small")
    ax.axvline(0.5, color="0.3", lw=1, ls="--")
    ax.axhline(0.5, color="0.3", lw=1, ls="--")
    corner = {
        "attractive": (0.02, 0.98),
        "one_dimensional": (0.98, 0.98),
        "must_be": (0.98, 0.02),
        "indifferent": (0.02, 0.02),
    }
    for cat, (cx, cy) in corner.items():
        ax.text(
            cx,
            cy,
            KanoCategory(cat).label(lang),
            transform=ax.transAxes,
            ha="left" if cx < 0.5 else "right",
            va="top" if cy > 0.5 else "bottom",
            color=CATEGORY_COLOURS[cat],
            fontsize="small",
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel(t["worse"])
    ax.set_ylabel(t["better"])
    ax.set_title(t["bw_title"])
    _legend(ax, result, lang)
    return ax


def _plot_continuous(result: KanoResult, *, ax: Any = None, lang: str | None = None, **kwargs: Any) -> Any:
    plt, lang, t = _prepare(lang)
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 6))
    tab = result.table
    x, y = tab["dysfunctional_mean"].to_numpy(dtype=float), tab["functional_mean"].to_numpy(dtype=float)
    colours = [CATEGORY_COLOURS.get(str(c), "#999999") for c in tab["category"].astype(str)]
    ax.errorbar(
        x,
        y,
        xerr=tab["dysfunctional_sd"].to_numpy(dtype=float),
        yerr=tab["functional_sd"].to_numpy(dtype=float),
        fmt="none",
        ecolor="0.8",
        lw=0.8,
        zorder=1,
    )
    ax.scatter(x, y, c=colours, s=kwargs.pop("s", 50), zorder=2, **kwargs)
    for xi, yi, lab in zip(x, y, _labels(result)):
        ax.annotate(lab, (xi, yi), textcoords="offset points", xytext=(4, 4), fontsize="small")
    fp, dp = result.config.functional_points, result.config.dysfunctional_points
    ax.axvline(0, color="0.3", lw=1, ls="--")
    ax.axhline(0, color="0.3", lw=1, ls="--")
    ax.set_xlim(min(dp) - 0.2, max(dp) + 0.2)
    ax.set_ylim(min(fp) - 0.2, max(fp) + 0.2)
    ax.set_xlabel(t["dysf"])
    ax.set_ylabel(t["func"])
    ax.set_title(t["cont_title"])
    _legend(ax, result, lang)
    return ax
