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
import math
import re
import struct
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._accumulator import Mergeable
from ._compat import renamed
from ._core import ConfigError, InputError, KanoConfig, KanoState
from ._input import (
    check_seed,
    factorize,
    factorize_columns,
    is_frame_like,
    is_label,
    names_of,
    resolve_config,
    text_labels,
    to_frame,
)
from ._result import Result
from .model import ExpectationLevel, KanoCategory, get_language

__all__ = [
    "chi2_sf",
    "filter_respondents",
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
        elif any(pd.api.types.is_bool_dtype(t) for t in frame.dtypes):  # True as 1 and False as 0: nonsense
            c = next(c for c, t in frame.dtypes.items() if pd.api.types.is_bool_dtype(t))
            raise InputError(
                f"{name}: column {c!r} holds booleans; expected answer codes (integers 1..L, 0 or missing)"
            )
        elif all(pd.api.types.is_numeric_dtype(t) for t in frame.dtypes):
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
    odd = flat.map(lambda v: isinstance(v, (complex, np.complexfloating, bytes, bytearray)))  # not numbers
    badm = (num.isna() & flat.notna()).to_numpy() | odd.to_numpy(dtype=bool)
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


def _key(k: Any) -> Any:
    if isinstance(k, np.generic):
        k = k.item()
    if isinstance(k, float) and np.isnan(k):
        return None
    return k


# ---- accumulator ---------------------------------------------------------------------------------

_PY1_MAGIC = b"SSKANOPY1\n"


class _MergeKey:
    """What two Kano states must share to merge: the key columns and the configuration."""

    __slots__ = ("names", "config")

    def __init__(self, names: Sequence[str], config: str) -> None:
        self.names, self.config = tuple(names), config

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _MergeKey) and (self.names, self.config) == (other.names, other.config)

    def __hash__(self) -> int:
        return hash((self.names, self.config))

    def __repr__(self) -> str:
        by = f"grouped by {list(self.names)}" if self.names else "ungrouped"
        return f"{by}, config {self.config}"


class Accumulator(Mergeable):
    """Mergeable Kano state: pair histograms per (group, attribute), built chunk by chunk.

    The state lives in C++ (:class:`servscore._core.KanoState`): the configuration, the
    attribute names, the group keys, the histograms and the rows counted. ``update(chunk)``
    counts a chunk (wide or long DataFrame, or ``update(functional, dysfunctional)`` with two
    respondents x attributes arrays); an empty chunk is a no-op. ``merge(other)`` / ``+`` /
    ``sum([...])`` add another state exactly (groups aligned by key, attributes by name, new
    ones appended), so chunks merged in any order give the one-pass result; ``result()``
    summarises; ``to_bytes()`` / ``from_bytes()`` (format ``SSKANO2``; the older ``SSKANO1``
    and ``SSKANOPY1`` images still load) and pickling carry the state between processes.

    Parameters
    ----------
    attributes
        Attribute names, fixed: only these are counted (long rows of other attributes are not
        selected). Default: taken from the data (wide: every ``<a>_f`` / ``<a>_d`` pair in
        column order; long: the ``attribute`` values in order of appearance), new attributes in
        later chunks or merged states appended.
    by
        Column(s) defining groups (segments); missing keys form their own group.
    config, table
        :class:`KanoConfig` (or dict / JSON / path) and an optional table override.
    suffixes
        Wide-data column suffixes (functional, dysfunctional); default ``("_f", "_d")``.
    workers
        Threads for the counting kernel (``<= 0``: all cores); results do not depend on it.

    Examples
    --------
    >>> import pandas as pd, servscore as ss
    >>> a = ss.kano.Accumulator(); b = ss.kano.Accumulator()
    >>> _ = a.update(pd.DataFrame({"wifi_f": [1, 1], "wifi_d": [4, 5]}))
    >>> _ = b.update(pd.DataFrame({"wifi_f": [2], "wifi_d": [5]}))
    >>> (a + b).result().table[["A", "O", "M"]].to_dict("records")
    [{'A': 1, 'O': 1, 'M': 1}]
    >>> sum([a, b]) == a + b
    True
    """

    _kind = "kano.Accumulator"

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
        cfg = _config(config, table)
        self._by: list[Any] | None = _by_list(by)
        attrs = [str(a) for a in attributes] if attributes is not None else []
        self._state = KanoState(cfg, names_of(self._by or []), attrs, attributes is not None)
        self._state.suffixes = (str(suffixes[0]), str(suffixes[1]))
        self.workers = int(workers)

    @classmethod
    def _wrap(cls, state: Any, workers: int = 1, by: list[Any] | None = None) -> Accumulator:
        acc = cls.__new__(cls)
        acc._state = state
        names = list(state.key_names)
        acc._by = by if by is not None and names_of(by) == names else (names or None)
        acc.workers = workers
        return acc

    # state (read from C++) ------------------------------------------------------------------
    @property
    def config(self) -> KanoConfig:
        """The :class:`KanoConfig` of the state."""
        cfg: KanoConfig = self._state.config
        return cfg

    @property
    def attributes(self) -> list[str] | None:
        """Attribute names in state order (None before the first chunk when not given)."""
        names = list(self._state.attribute_names)
        return names if names or self._state.fixed_attributes else None

    @property
    def by(self) -> list[Any] | None:
        """The key columns (None: ungrouped)."""
        return None if self._by is None else list(self._by)

    @property
    def suffixes(self) -> tuple[str, str]:
        """The wide-layout suffixes (kept in the state's bytes)."""
        sf, sd = self._state.suffixes
        return (str(sf), str(sd))

    @property
    def levels(self) -> int:
        return int(self._state.levels)

    @property
    def cells(self) -> int:
        return int(self._state.cells)

    @property
    def rows(self) -> int:
        """Rows counted: respondents (wide) or answer pairs (long)."""
        return int(self._state.rows)

    # update ---------------------------------------------------------------------------------
    def update(self, data: Any, dysfunctional: Any = None, *, groups: Any = None, by: Any = None) -> Accumulator:
        """Count one chunk; returns self. An empty chunk (0 rows) is a no-op.

        ``data`` is a wide or long DataFrame (pandas, polars, Arrow), or a functional answer
        matrix with ``dysfunctional`` of the same shape (``groups``: optional group label per
        row). ``by`` names the key columns of a frame when the constructor did not (a state
        keeps the key columns it first counted with).
        """
        if by is not None:
            self._set_by(_by_list(by))
        if dysfunctional is not None:
            self._update_arrays(data, dysfunctional, groups)
            return self
        if not is_frame_like(data) and not isinstance(data, dict):
            raise InputError("data: expected a DataFrame (wide or long), or functional and dysfunctional arrays")
        frame = to_frame(data)
        if len(frame) == 0:
            return self
        if _is_long(frame):
            self._update_long(frame)
        else:
            self._update_wide(frame)
        return self

    def _set_by(self, by: list[Any] | None) -> None:
        names = names_of(by or [])
        if names == list(self._state.key_names):
            self._by = by
            return
        s = self._state
        if s.groups == 0 and s.rows == 0:  # nothing counted yet: regroup the empty state
            fresh = KanoState(s.config, names, list(s.attribute_names), s.fixed_attributes)
            fresh.suffixes = s.suffixes
            self._state, self._by = fresh, by
            return
        have = list(s.key_names)
        raise InputError(
            f"by: {names} but the accumulator is {'grouped by ' + str(have) if have else 'ungrouped'} "
            "(a state keeps the key columns it first counted with)"
        )

    def _update_arrays(self, functional: Any, dysfunctional: Any, groups: Any) -> None:
        f = _answers(functional, name="functional")
        d = _answers(dysfunctional, name="dysfunctional")
        if f.ndim == 1:
            f, d = f.reshape(-1, 1), d.reshape(-1, 1) if d.ndim == 1 else d
        if f.shape != d.shape:
            raise InputError(f"dysfunctional: expected the shape of functional {f.shape}, got {d.shape}")
        if f.shape[0] == 0:
            return
        names = list(self._state.attribute_names)
        if not names:
            names = [f"attribute_{j + 1}" for j in range(f.shape[1])]
        if f.shape[1] != len(names):
            raise InputError(f"functional: expected {len(names)} columns (attributes), got {f.shape[1]}")
        if groups is None:
            codes, keys = _ungrouped(self._state.key_names)
        else:
            if not list(self._state.key_names):
                self._set_by(["group"])
            g = np.asarray(groups) if not isinstance(groups, (pd.Series, list, tuple)) else groups
            if len(g) != f.shape[0]:
                raise InputError(f"groups: expected {f.shape[0]} labels (one per row), got {len(g)}")
            codes, keys, _ = factorize_columns([g], list(self._state.key_names))
        self._count_wide(f, d, names, codes, keys, None)  # read in place whatever the layout

    def _count_wide(
        self, f: np.ndarray, d: np.ndarray, names: list[str], codes: np.ndarray, keys: Any, index: pd.Index | None
    ) -> None:
        try:
            self._state.update_batch(f, d, names, np.ascontiguousarray(codes, dtype=np.int32), keys, self.workers, 0)
        except InputError as e:
            sf, sd = self.suffixes
            cols = [a + (sf if str(e).startswith("functional") else sd) for a in names]
            raise _relabel(e, index, cols) from None

    def _update_wide(self, frame: pd.DataFrame) -> None:
        sf, sd = self.suffixes
        if self._state.fixed_attributes:
            attrs = list(self._state.attribute_names)
        else:
            _check_pairs(frame.columns, self.suffixes)
            attrs = _wide_attributes(frame.columns, self.suffixes)
            if not attrs:
                raise InputError(
                    f"data: no attribute columns found; expected wide pairs '<attribute>{sf}' and "
                    f"'<attribute>{sd}', or long columns {', '.join(LONG_COLUMNS)}; "
                    f"columns present: {', '.join(map(str, frame.columns[:30]))}"
                )
        labels = _text_columns(frame)
        fcols = [a + sf for a in attrs]
        dcols = [a + sd for a in attrs]
        missing = [c for c in fcols + dcols if c not in labels]
        if missing:
            raise InputError(
                f"data: missing column(s) {', '.join(map(repr, missing))}; columns present: "
                f"{', '.join(map(str, frame.columns[:30]))}"
            )
        n, k = len(frame), len(attrs)
        f = np.empty((n, k), dtype=np.int8)
        d = np.empty((n, k), dtype=np.int8)
        for j in range(k):
            f[:, j] = _answers(frame[labels[fcols[j]]], name="data", index=frame.index, columns=[fcols[j]])
            d[:, j] = _answers(frame[labels[dcols[j]]], name="data", index=frame.index, columns=[dcols[j]])
        codes, keys = self._groups_of(frame)
        self._count_wide(f, d, attrs, codes, keys, frame.index)

    def _groups_of(self, frame: pd.DataFrame) -> tuple[np.ndarray, Any]:
        names = list(self._state.key_names)
        if not names:
            return _ungrouped(names)
        labels = _text_columns(frame)
        cols = []
        for label, name in zip(self._by or names, names):
            if is_label(frame, label) and label in frame.columns:
                cols.append(label)
            elif name in labels:  # a state read from bytes knows its key columns by their text
                cols.append(labels[name])
            else:
                raise InputError(f"by: no column {label!r}; columns present: {', '.join(map(str, frame.columns[:30]))}")
        codes, keys, _ = factorize(frame, cols if len(cols) > 1 else cols[0])
        if list(keys.names) != names:  # the frame's labels print differently: the state's names rule
            codes, keys, _ = factorize_columns([frame[c] for c in cols], names)
        return codes, keys

    def _update_long(self, frame: pd.DataFrame) -> None:
        attr = frame["attribute"].astype("object")
        isna = attr.isna().to_numpy()
        if isna.any():
            pos = int(np.flatnonzero(isna)[0])
            raise InputError(f"data: column 'attribute', row {_key(frame.index[pos])!r}: missing attribute name")
        acodes, uniques = pd.factorize(attr.astype(str), sort=False)
        names = [str(a) for a in uniques]
        f = _answers(frame["functional"], name="data", index=frame.index, columns=["functional"])
        d = _answers(frame["dysfunctional"], name="data", index=frame.index, columns=["dysfunctional"])
        codes, keys = self._groups_of(frame)
        try:
            self._state.update_long_batch(
                f, d, acodes.astype(np.int32), names, np.ascontiguousarray(codes, dtype=np.int32), keys, 0
            )
        except InputError as e:

            def label(m: re.Match[str]) -> str:
                return f"row {_key(frame.index[int(m.group(1))])!r}, attribute {names[int(m.group(2))]!r}"

            raise InputError(re.sub(r"row (\d+), column (\d+)", label, str(e))) from None

    # protocol ---------------------------------------------------------------------------------
    def _merge_key(self) -> Any:
        return _MergeKey(self._state.key_names, self._state.config.to_json())

    def _merge_into(self, other: Any) -> None:
        self._state.merge(other._state)

    def copy(self) -> Accumulator:
        """An independent copy of the state."""
        return type(self)._wrap(KanoState.from_bytes(self._state.to_bytes()), self.workers, self._by)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore, (type(self), self.to_bytes(), self.workers))

    def to_bytes(self) -> bytes:
        """The state's ``SSKANO2`` image (little-endian, versioned; see ``docs/kano.md``)."""
        return bytes(self._state.to_bytes())

    @classmethod
    def from_bytes(cls, data: bytes) -> Accumulator:
        """Rebuild a state from its bytes: ``SSKANO2``, the C++ ``SSKANO1`` or the older Python
        ``SSKANOPY1`` image. Untrusted bytes are validated before anything is allocated; a
        malformed image raises :class:`~servscore.InputError`."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise InputError(f"from_bytes: expected bytes, got {type(data).__name__}")
        data = bytes(data)
        if data.startswith(_PY1_MAGIC):
            out: Accumulator = _from_py1(cls, data)
            return out
        return cls._wrap(KanoState.from_bytes(data))

    def __repr__(self) -> str:
        k = len(self._state.attribute_names)
        return (
            f"kano.Accumulator({self.rows} rows, {k} attributes, {self._state.groups} group(s), "
            f"table {self.config.table_name!r})"
        )

    # result -----------------------------------------------------------------------------------
    def _group_index(self, order: np.ndarray) -> list[Any]:
        keys = self._state.keys
        width = len(keys.names)
        out = []
        for c in order:
            k = keys.key(int(c))
            out.append(k[0] if width == 1 else tuple(k))
        return out

    def counts(self) -> pd.DataFrame:
        """The pair histograms: one row per (group, attribute), groups in key order, columns
        ``f<f>d<d>`` (0 = missing)."""
        s = self._state
        order = np.asarray(s.sorted_groups(), dtype=np.int64)
        k = len(s.attribute_names)
        rows = (order[:, None] * k + np.arange(k)[None, :]).ravel()
        L = self.levels
        cols = [f"f{f}d{d}" for f in range(L + 1) for d in range(L + 1)]
        idx = pd.MultiIndex.from_tuples(
            [(g, a) for g in self._group_index(order) for a in s.attribute_names], names=["group", "attribute"]
        )
        return pd.DataFrame(
            s.counts[rows] if len(rows) else np.zeros((0, self.cells), np.int64), index=idx, columns=cols
        )

    @renamed(n_boot="n_bootstrap")
    def result(
        self,
        *,
        ci: str = "wilson",
        n_bootstrap: int | None = None,
        level: float | None = None,
        seed: int = 0,
        workers: int | None = None,
    ) -> KanoResult:
        """Summarise the state: one row per attribute (and group); see :func:`analyze`."""
        if self._state.groups == 0 or not list(self._state.attribute_names):
            raise InputError("kano: no data (no attribute was counted)")
        return _summarise(
            self,
            ci=ci,
            n_bootstrap=2000 if n_bootstrap is None else n_bootstrap,
            level=level,
            seed=seed,
            workers=self.workers if workers is None else int(workers),
        )


def _restore(cls: Any, data: bytes, workers: int = 1) -> Any:
    acc = cls.from_bytes(data)
    acc.workers = workers
    return acc


def _by_list(by: Any) -> list[Any] | None:
    # a list or tuple names several columns; any other label (str, int, ...) one
    return None if by is None else (list(by) if isinstance(by, (list, tuple)) else [by])


def _ungrouped(names: Sequence[str]) -> tuple[np.ndarray, Any]:
    return np.zeros(0, dtype=np.int32), _core.GroupKeys(list(names))


def _text_columns(frame: pd.DataFrame) -> dict[str, Any]:
    """Column labels by their text (str labels first): the layout names columns as text."""
    return text_labels(frame)


def _check_pairs(columns: Sequence[Any], suffixes: tuple[str, str]) -> None:
    """Refuse a wide column whose partner is missing (``wifi_f`` without ``wifi_d``): its answers
    would otherwise be left out without a word."""
    sf, sd = suffixes
    have = {str(c) for c in columns}
    for c in map(str, columns):
        for mine, other, what in ((sf, sd, "dysfunctional"), (sd, sf, "functional")):
            if c.endswith(mine) and len(c) > len(mine) and not c.endswith(other):
                partner = c[: -len(mine)] + other
                if partner not in have:
                    raise InputError(
                        f"data: column {c!r} has no {what} partner {partner!r} (an incomplete pair: a typo?); "
                        f"rename the column, or choose the attributes with attributes=[...]"
                    )


def _from_py1(cls: Any, data: bytes) -> Any:
    """Convert the old Python image (``SSKANOPY1``: JSON header + int64 counts) into the C++ state."""
    try:
        p = len(_PY1_MAGIC)
        if len(data) < p + 8:
            raise ValueError("the header length is cut off")
        (hl,) = struct.unpack("<Q", data[p : p + 8])
        if hl > len(data) - p - 8:
            raise ValueError(f"the header declares {hl} bytes but {len(data) - p - 8} remain")
        h = json.loads(data[p + 8 : p + 8 + hl].decode("utf-8"))
        if not isinstance(h, dict):
            raise ValueError("the header is not an object")
        cfg = KanoConfig.from_json(str(h["config"]))
        attrs = h["attributes"] or []
        by = h["by"]
        keys_in, tuple_keys = h["keys"], h["tuple_keys"]
        if not (
            isinstance(attrs, list)
            and all(isinstance(a, str) for a in attrs)
            and (by is None or isinstance(by, list))
            and isinstance(keys_in, list)
            and isinstance(tuple_keys, list)
            and len(tuple_keys) == len(keys_in)
        ):
            raise ValueError("unexpected header fields")
        rows = int(h["rows"])
        sf, sd = (str(x) for x in h["suffixes"])
        names = names_of(by or [])
        state = KanoState(cfg, names, attrs, False)
        state.suffixes = (sf, sd)
        cells = int(state.cells)
        size = len(attrs) * cells
        body_bytes = len(data) - p - 8 - hl
        if body_bytes != 8 * size * len(keys_in):
            raise ValueError(f"expected {size * len(keys_in)} counts, got {body_bytes / 8:g}")
        body = np.frombuffer(data, dtype="<i8", offset=p + 8 + hl)
        gk = _core.GroupKeys(names)
        for i, (key, is_t) in enumerate(zip(keys_in, tuple_keys)):
            if by is None:
                k: tuple[Any, ...] = ()
            elif is_t:
                k = tuple(key)
            else:
                k = (key,)
            code = gk.insert(k)
            block = body[i * size : (i + 1) * size].reshape(len(attrs), cells).astype(np.int64)
            state.add_counts(gk, code, block, rows if i == 0 else 0)
        if not keys_in and rows:
            raise ValueError(f"{rows} rows but no group")
        workers = int(h.get("workers", 1))
    except InputError as e:
        raise InputError(f"from_bytes: corrupt SSKANOPY1 image: {e}") from None
    except (ValueError, KeyError, TypeError, IndexError, OverflowError, UnicodeDecodeError, struct.error) as e:
        raise InputError(f"from_bytes: corrupt SSKANOPY1 image: {type(e).__name__}: {e}") from None
    return cls._wrap(state, workers, by)


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
        ``dof`` and ``p_value``, and the differences ``better_diff`` = Better_a - Better_b and
        ``worse_diff`` with intervals at the configuration's ``ci_level``
        (``better_diff_lower`` / ``_upper``, ``worse_diff_lower`` / ``_upper``: Newcombe's (1998)
        hybrid score interval, the Wilson limits of the two shares combined by MOVER). An attribute
        with no classified pair in a group raises InputError.
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
                    **_share_differences(ca, cb, float(self.config.ci_level)),
                }
            )
        return pd.DataFrame(rows).set_index("attribute")

    def goodness_of_fit(self, categories: Sequence[str] = ("A", "O", "M", "I")) -> pd.DataFrame:
        """Chi-square tests of each attribute's category distribution.

        Per attribute (and group): Pearson's goodness of fit of the counts of ``categories``
        (default the classified base A, O, M, I) against equal shares, ``chi2`` on k - 1 degrees
        of freedom and ``p_value`` (is any category more frequent than chance?); and whether the
        most frequent category is significantly more frequent than the second: the chi-square of
        the top two counts a, b against equal shares, (a - b)^2 / (a + b) on 1 degree of freedom
        (``top_chi2``, ``top_p_value``; the exact binomial form of the same question is the sign
        test), beside Fong's (1996) test of the same two counts (``fong_significant``:
        |a - b| > ``fong_z`` sqrt((a + b)(2n - a - b) / (2n))).

        Examples
        --------
        >>> import servscore as ss
        >>> r = ss.kano.analyze(ss.datasets.sample(seed=1, n_kano=300).kano)
        >>> list(r.goodness_of_fit().columns[:4])
        ['chi2', 'dof', 'p_value', 'top']
        """
        cats = list(categories)
        bad = [c for c in cats if c not in LETTERS]
        if bad or len(cats) < 2:
            raise ConfigError(f"categories: {cats!r}; expected at least two of {list(LETTERS)}")
        counts = self.table[cats].to_numpy(dtype=float)
        n = counts.sum(axis=1)
        expected = n[:, None] / len(cats)
        with np.errstate(divide="ignore", invalid="ignore"):
            chi2 = np.where(n > 0, ((counts - expected) ** 2 / np.where(expected > 0, expected, 1)).sum(axis=1), np.nan)
        order = np.argsort(-counts, axis=1, kind="stable")
        a = np.take_along_axis(counts, order[:, :1], axis=1)[:, 0]
        b = np.take_along_axis(counts, order[:, 1:2], axis=1)[:, 0]
        with np.errstate(divide="ignore", invalid="ignore"):
            top = np.where(a + b > 0, (a - b) ** 2 / (a + b), np.nan)
        dof = len(cats) - 1
        out = pd.DataFrame(
            {
                "chi2": chi2,
                "dof": dof,
                "p_value": [chi2_sf(x, dof) for x in chi2],
                "top": [cats[i] for i in order[:, 0]],
                "second": [cats[i] for i in order[:, 1]],
                "top_chi2": top,
                "top_p_value": [chi2_sf(x, 1) for x in top],
                "fong_significant": self.table["fong_significant"].to_numpy(),
            },
            index=self.table.index,
        )
        return out

    def plot(self, ax: Any = None, *, kind: str = "better_worse", lang: str | None = None, **kwargs: Any) -> Any:
        """Better/Worse chart (``kind="better_worse"``, default: |Worse| on x, Better on y, quadrants
        at 0.5) or DuMouchel's continuous chart (``kind="continuous"``: dysfunctional mean on x,
        functional mean on y, with 1-SD error bars). Returns the matplotlib Axes."""
        if kind == "better_worse":
            return _plot_better_worse(self, ax=ax, lang=lang, **kwargs)
        if kind == "continuous":
            return _plot_continuous(self, ax=ax, lang=lang, **kwargs)
        raise ConfigError(f"plot: kind {kind!r} is not supported; expected 'better_worse' or 'continuous'")


def chi2_sf(x: float, dof: int) -> float:
    """Upper tail P(X > x) of a chi-square with a whole number of degrees of freedom (closed form:
    the Poisson sum for even dof, erfc plus the half-integer series for odd dof)."""
    if not np.isfinite(x):
        return float("nan") if np.isnan(x) else 0.0
    if x <= 0:
        return 1.0
    h = x / 2.0
    if dof % 2 == 0:
        term, total = 1.0, 1.0
        for i in range(1, dof // 2):
            term *= h / i
            total += term
        return float(min(1.0, math.exp(-h) * total))
    total = math.erfc(math.sqrt(h))
    term = math.sqrt(h) * 2.0 / math.sqrt(math.pi) * math.exp(-h)  # k = 3: 2 sqrt(h / pi) exp(-h)
    for i in range(1, (dof - 1) // 2 + 1):
        total += term
        term *= h / (i + 0.5)
    return float(min(1.0, total))


def _share_differences(ca: np.ndarray, cb: np.ndarray, level: float) -> dict[str, float]:
    """Better and Worse differences of two groups' counts (A, O, M, I, R, Q) with Newcombe intervals."""
    out: dict[str, float] = {}
    for name, idx, sign in (("better", (0, 1), 1.0), ("worse", (1, 2), -1.0)):
        na, nb = float(ca[:4].sum()), float(cb[:4].sum())
        xa, xb = float(ca[list(idx)].sum()), float(cb[list(idx)].sum())
        pa, pb = xa / na, xb / nb
        la, ua = (float(v) for v in _core.wilson_interval(xa, na, level))
        lb, ub = (float(v) for v in _core.wilson_interval(xb, nb, level))
        d = pa - pb
        lo = d - math.sqrt((pa - la) ** 2 + (ub - pb) ** 2)
        hi = d + math.sqrt((ua - pa) ** 2 + (pb - lb) ** 2)
        if sign < 0:  # Worse is minus the share: the difference and its limits change sign
            d, lo, hi = -d, -hi, -lo
        out[f"{name}_diff"] = d
        out[f"{name}_diff_lower"] = lo
        out[f"{name}_diff_upper"] = hi
    return out


def filter_respondents(
    data: Any,
    *,
    max_q_share: float | None = None,
    max_i_share: float | None = None,
    attributes: Sequence[str] | None = None,
    suffixes: tuple[str, str] = DEFAULT_SUFFIXES,
    table: Any = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Set aside respondents who answer too many pairs Questionable (or Indifferent), as
    stp25kano's ``rm_Q`` / ``rm_I``.

    Each respondent's answered pairs (wide data: ``<attribute>_f`` / ``<attribute>_d``) are
    classified; a respondent whose share of Q answers is above ``max_q_share`` (or of I answers
    above ``max_i_share``) is removed. Returns ``(kept, report)``: the rows kept, and one row per
    respondent with ``n_answered``, ``n_q``, ``n_i``, ``q_share``, ``i_share`` and ``removed``
    (``"Q"``, ``"I"`` or empty), so that nothing is dropped in silence.

    Examples
    --------
    >>> import servscore as ss
    >>> d = ss.datasets.sample(seed=1, n_kano=300).kano
    >>> kept, report = ss.kano.filter_respondents(d, max_q_share=0.2)
    >>> len(kept) + int((report["removed"] != "").sum()) == len(d)
    True
    """
    for name, v in (("max_q_share", max_q_share), ("max_i_share", max_i_share)):
        if v is not None and not (isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1):
            raise ConfigError(f"{name}: {v!r} is out of range; expected a share in [0, 1]")
    if max_q_share is None and max_i_share is None:
        raise ConfigError("filter_respondents: give max_q_share and / or max_i_share")
    frame = to_frame(data)
    if _is_long(frame):
        raise InputError("filter_respondents: expected wide data (<attribute>_f / <attribute>_d columns)")
    attrs = list(attributes) if attributes is not None else _wide_attributes(list(frame.columns), suffixes)
    if not attrs:
        raise InputError(f"data: no attribute column pairs ending in {suffixes}")
    text = {str(c): c for c in frame.columns}
    for a in attrs:
        for sfx in suffixes:
            if a + sfx not in text:
                raise InputError(f"data: no column {a + sfx!r} for attribute {a!r}")
    f = frame[[text[a + suffixes[0]] for a in attrs]]
    d = frame[[text[a + suffixes[1]] for a in attrs]].set_axis(f.columns, axis=1)
    cats = classify(f, d, table=table)
    answered = cats.notna().sum(axis=1).to_numpy()
    n_q = (cats == "questionable").sum(axis=1).to_numpy()
    n_i = (cats == "indifferent").sum(axis=1).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        q_share = np.where(answered > 0, n_q / np.maximum(answered, 1), np.nan)
        i_share = np.where(answered > 0, n_i / np.maximum(answered, 1), np.nan)
    removed = np.full(len(frame), "", dtype=object)
    if max_i_share is not None:
        removed[i_share > max_i_share] = "I"
    if max_q_share is not None:
        removed[q_share > max_q_share] = "Q"
    report = pd.DataFrame(
        {"n_answered": answered, "n_q": n_q, "n_i": n_i, "q_share": q_share, "i_share": i_share, "removed": removed},
        index=frame.index,
    )
    return frame[removed == ""], report


def _summarise(
    acc: Accumulator, *, ci: str, n_bootstrap: int, level: float | None, seed: int, workers: int
) -> KanoResult:
    seed = check_seed(seed)
    if ci not in ("wilson", "bootstrap"):
        raise ConfigError(f"ci: {ci!r} is not supported; expected 'wilson' or 'bootstrap'")
    if level is not None and not (isinstance(level, (int, float)) and 0 < float(level) < 1):
        raise ConfigError(f"level: {level!r} is out of range; expected a number in (0, 1)")
    state = acc._state
    # one C++ call: the summary in key order and, when asked, the seeded bootstrap intervals
    s = state.summary(
        float("nan") if level is None else float(level), n_bootstrap if ci == "bootstrap" else 0, seed, workers
    )
    cfg = state.config
    if level is not None:
        cfg.ci_level = float(level)
    attrs = list(state.attribute_names)
    cc = s["category_counts"]
    data: dict[str, Any] = {"n": s["n"], "missing": s["missing"]}
    for j, letter in enumerate(LETTERS):
        data[letter] = cc[:, j]
    data["mode"] = pd.Categorical.from_codes(s["mode"], categories=CATEGORIES)
    data["category"] = pd.Categorical.from_codes(s["category"], categories=CATEGORIES)
    data["near_tie"] = s["near_tie"]
    for c in (
        "category_strength",
        "total_strength",
        "better",
        "worse",
        "better_lo",
        "better_hi",
        "worse_lo",
        "worse_hi",
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
    grouped = len(state.key_names) > 0
    if grouped:
        keys = acc._group_index(s["group_order"])
        index = pd.MultiIndex.from_tuples([(k, a) for k in keys for a in attrs], names=["group", "attribute"])
    else:
        index = pd.Index(attrs, name="attribute")
    table = pd.DataFrame(data, index=index)
    warns = []
    for idx, row in table[table["q_warning"]].iterrows():
        warns.append(
            f"{idx}: {100 * row['q_share']:.1f}% questionable answers (> {100 * cfg.q_warning_share:.0f}%): "
            "check the wording of the question pair"
        )
    for idx in table.index[table["n"] == 0]:
        warns.append(f"{idx}: no classified answer pair")
    return KanoResult(
        table=table,
        ci_method=ci if ci == "wilson" else f"bootstrap (n_bootstrap={n_bootstrap}, seed={seed})",
        config=cfg,
        grouped=grouped,
        warnings=tuple(warns),
    )


@renamed(n_boot="n_bootstrap")
def analyze(
    data: Any,
    *,
    attributes: Sequence[str] | None = None,
    by: str | Sequence[str] | None = None,
    config: Any = None,
    table: Any = None,
    suffixes: tuple[str, str] = DEFAULT_SUFFIXES,
    ci: str = "wilson",
    n_bootstrap: int | None = None,
    level: float | None = None,
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
        ``"bootstrap"`` (seeded percentile bootstrap in C++, ``n_bootstrap`` multinomial resamples).
    n_bootstrap
        Bootstrap resamples per row (default 2000; 10..1,000,000). ``n_boot=`` is the old,
        deprecated name.
    level
        Confidence level of the intervals (default: the configuration's ``ci_level``, 0.95).
    seed
        Bootstrap seed, any integer in [0, 2^64); results depend on it alone, not on ``workers``.
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
    return acc.result(ci=ci, n_bootstrap=n_bootstrap, level=level, seed=seed, workers=workers)


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
