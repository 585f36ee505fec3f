"""Input coercion shared by every area: lenient at the edge, strict inside.

Data arrive as numpy arrays, lists, pandas / polars DataFrames or Series, or Arrow
tables and arrays; they are coerced once here into C-contiguous numpy arrays for
the compiled core. Missing values (NaN, None, ``pandas.NA``) become NaN; a value
that is not a number is an :class:`InputError` naming the column, row and value.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._checks import check_columns, refuse_odd_objects
from ._core import ConfigError, InputError


def is_frame_like(data: Any) -> bool:
    """True for tables with named columns: pandas, polars, Arrow tables and record batches,
    or any object offering an Arrow stream (``__arrow_c_stream__``)."""
    if isinstance(data, pd.DataFrame):
        return True
    if isinstance(data, (np.ndarray, list, tuple, pd.Series)):
        return False
    if _is_polars(data, "DataFrame") or _is_arrow_table(data) or _is_duckdb_relation(data):
        return True
    # other Arrow producers (DuckDB relations, ...) offer a stream; Series and arrays are not tables
    return hasattr(data, "__arrow_c_stream__") and not (_is_polars(data, "Series") or hasattr(data, "type"))


def _is_polars(data: Any, kind: str) -> bool:
    return type(data).__module__.startswith("polars") and type(data).__name__ == kind


def _is_duckdb_relation(data: Any) -> bool:
    # a relation has a .type (its kind of relation), so it would not pass the Series test below
    return type(data).__name__ == "DuckDBPyRelation" and hasattr(data, "__arrow_c_stream__")


def _is_arrow_table(data: Any) -> bool:
    return type(data).__module__.startswith("pyarrow") and hasattr(data, "column_names")


def _from_arrow(data: Any) -> pd.DataFrame:
    # The compiled core reads the Arrow C Data Interface: no pyarrow or polars needed here.
    return pd.DataFrame(_core.arrow_columns(data))


def to_frame(data: Any, *, name: str = "data") -> pd.DataFrame:
    """A pandas DataFrame of frame-like input (pandas returned as is).

    polars DataFrames, pyarrow Tables and RecordBatches and any object with
    ``__arrow_c_stream__`` / ``__arrow_c_array__`` are read through the Arrow C Data
    Interface by the compiled core, column by column, without a Python row loop and
    without requiring pyarrow or polars. A dict of columns is accepted too.
    """
    if isinstance(data, pd.DataFrame):
        return check_columns(data, name=name)  # MultiIndex or duplicated labels: InputError naming them
    if hasattr(data, "__arrow_c_stream__") or hasattr(data, "__arrow_c_array__"):
        return _from_arrow(data)
    if _is_polars(data, "DataFrame"):  # an old polars without the PyCapsule interface
        return data.to_pandas()  # pragma: no cover - depends on the polars version
    if isinstance(data, dict):
        return pd.DataFrame(data)
    raise InputError(f"{name}: expected a DataFrame (pandas, polars or Arrow), got {type(data).__name__}")


_COPY_ON_WRITE = int(pd.__version__.split(".")[0]) >= 3


def result_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` to add result columns to without touching the caller's frame.

    Under copy-on-write (pandas >= 3) a shallow copy shares the input's columns until either
    side writes to them, so the input is not duplicated (on a million-row table that copy
    took longer than the scoring); older pandas get a deep copy."""
    return frame.copy(deep=not _COPY_ON_WRITE)


def to_array(data: Any, *, name: str = "data", dtype: Any = np.float64) -> np.ndarray:
    """1-D input (list, numpy, pandas / polars Series, Arrow array) as a contiguous numpy array.

    Missing values (None, NaN, ``pandas.NA``, Arrow nulls) become NaN for float dtypes;
    a value that is not a number is an InputError naming its position.
    """
    if isinstance(data, pd.DataFrame) or (isinstance(data, np.ndarray) and data.ndim != 1):
        raise InputError(f"{name}: expected one column (1-D), got a table or {getattr(data, 'ndim', 2)}-D array")
    if not isinstance(data, (np.ndarray, pd.Series, list, tuple)) and (
        hasattr(data, "__arrow_c_stream__") or hasattr(data, "__arrow_c_array__")
    ):
        cols = _core.arrow_columns(data)
        if len(cols) != 1:
            raise InputError(f"{name}: expected one column, got {len(cols)}")
        data = next(iter(cols.values()))
    s = (
        data
        if isinstance(data, pd.Series)
        else pd.Series(np.asarray(data, dtype=object) if not isinstance(data, np.ndarray) else data)
    )
    frame = pd.DataFrame({name: s.reset_index(drop=True)}).set_axis(s.index)  # errors name the caller's rows
    values = numeric_column(frame, name, name=name)
    return np.ascontiguousarray(values, dtype=dtype)


def is_label(frame: pd.DataFrame | None, key: Any) -> bool:
    """True when ``key`` names a column of ``frame``: any hashable label (str, int, tuple, ...), not
    an array of values. Strings count as labels even when absent (the caller then reports them)."""
    if isinstance(key, str):
        return True
    if frame is None or key is None or isinstance(key, (np.ndarray, pd.Series, pd.Index, list, dict, set)):
        return False
    try:
        return bool(key in frame.columns)
    except (TypeError, ValueError):  # unhashable, or an array-like pandas cannot look up
        return False


def label_list(frame: pd.DataFrame | None, keys: Any) -> list[Any]:
    """Column labels of ``keys``: one label (any hashable present in ``frame``, or a str) or a
    list / tuple of them. A tuple that is itself a column label is one label."""
    if is_label(frame, keys):
        return [keys]
    if isinstance(keys, (list, tuple, pd.Index)):
        return list(keys)
    return [keys]


def names_of(labels: Sequence[Any]) -> list[str]:
    """The labels as the strings the compiled core prints in messages and stores in states."""
    return [c if isinstance(c, str) else str(c) for c in labels]


def text_labels(frame: pd.DataFrame) -> dict[str, Any]:
    """Each column label by the text it prints as (str labels map to themselves first), for
    configurations that name fields as text: an int label 3 is field "3"."""
    out: dict[str, Any] = {c: c for c in frame.columns if isinstance(c, str)}
    for c in frame.columns:
        out.setdefault(names_of([c])[0], c)
    return out


def text_columns(frame: pd.DataFrame, names: Sequence[str]) -> list[Any]:
    """The frame's labels for columns a configuration names as text (indicators, touchpoints):
    each name itself when present, else the one label that prints as it (an int label 3 for
    "3"), else -- when none is present and the first k labels are the positions 0..k-1, as in
    ``pd.DataFrame(array)`` (and its scored copy) -- the columns in configuration order. Names
    not found stay as they are, for the caller's error."""
    cols = frame.columns
    present = [n in cols for n in names]
    if all(present):
        return list(names)
    text = text_labels(frame)
    if (
        not any(present)
        and not any(n in text for n in names)
        and len(cols) >= len(names)
        and list(cols[: len(names)]) == list(range(len(names)))
    ):
        return list(range(len(names)))
    return [n if p else text.get(n, n) for n, p in zip(names, present)]


def refuse_temporal(s: pd.Series, column: Any, *, name: str = "data") -> None:
    """InputError when a column that should hold numbers holds dates, times or durations
    (pandas would turn them into nanoseconds since 1970, a silent nonsense number)."""
    kind = getattr(s.dtype, "kind", "")
    where = name if column == name else f"{name}: column {column!r}"
    if kind in "mM" or isinstance(s.dtype, (pd.DatetimeTZDtype, pd.PeriodDtype)):
        raise InputError(
            f"{where} holds {s.dtype} values, expected numbers; convert it first"
            " (for a duration in minutes: s.dt.total_seconds() / 60)"
        )
    if s.dtype == object:
        first = s.dropna().head(1)
        if len(first) and isinstance(first.iloc[0], (pd.Timestamp, pd.Timedelta, np.datetime64, np.timedelta64)):
            raise InputError(f"{where} holds dates or durations, expected numbers")


def numeric_column(frame: pd.DataFrame, column: Any, *, name: str = "data") -> np.ndarray:
    """One column as float64 with NaN for missing; InputError for the first non-numeric value."""
    if column not in frame.columns:
        available = ", ".join(map(str, frame.columns[:30]))
        raise InputError(f"{name}: no column {column!r}; columns present: {available}")
    s = frame[column]
    if isinstance(s, pd.DataFrame):
        raise InputError(f"{name}: column {column!r} appears more than once")
    out: np.ndarray
    if isinstance(s.dtype, pd.CategoricalDtype) and s.cat.ordered:  # an ordered scale: its order (or numbers)
        from .readers import ordered_values

        return ordered_values(s)
    if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
        out = s.to_numpy(dtype=np.float64, na_value=np.nan)
        return out
    refuse_temporal(s, column, name=name)
    refuse_odd_objects(s, column, frame.index, name=name)  # complex numbers and bytes are not numbers
    coerced = pd.to_numeric(s, errors="coerce")
    bad = coerced.isna().to_numpy() & s.notna().to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        where = f"column {column!r}" if column == name else f"{name}: column {column!r}"  # to_array: named once
        label = frame.index[pos].item() if isinstance(frame.index[pos], np.generic) else frame.index[pos]
        raise InputError(
            f"{where}, row {label!r}: value {s.iloc[pos]!r} is not a number"
            f" ({int(bad.sum())} non-numeric value(s) in the column){_label_hint(s[bad])}"
        )
    out = coerced.to_numpy(dtype=np.float64, na_value=np.nan)
    return out


def _label_hint(values: pd.Series) -> str:
    """When the text is an answer label of a built-in set: how to map it (servscore.readers)."""
    from .labels import detect_set

    try:
        det = detect_set(values.astype(str).unique()[:100].tolist())
    except Exception:  # noqa: BLE001 - only a hint
        return ""
    if det is None:
        return ""
    return f"; these are answer labels of the set {det.name}: ss.read_table(data) maps them to codes (labels= for your own)"


def numeric_matrix(frame: pd.DataFrame, columns: Sequence[Any], *, name: str = "data") -> np.ndarray:
    """Columns by name as a C-contiguous (rows x columns) float64 matrix; NaN for missing."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        available = ", ".join(map(str, frame.columns[:30]))
        raise InputError(f"{name}: missing column(s) {', '.join(map(repr, missing))}; columns present: {available}")
    out = np.empty((len(frame), len(columns)), dtype=np.float64)
    for j, c in enumerate(columns):
        out[:, j] = numeric_column(frame, c, name=name)
    return out


def float_columns(frame: pd.DataFrame, names: Sequence[Any]) -> list[np.ndarray] | None:
    """The columns as 1-D float64 arrays for the compiled core: float64 columns are views of the
    frame's memory (read in place, no copy), other numeric columns are converted one by one. None
    when a column is missing, repeated, boolean or not numeric: the caller then takes the slow path
    (``numeric_matrix``), whose errors name the offending value."""
    if not frame.columns.is_unique or any(c not in frame.columns for c in names):
        return None
    out: list[np.ndarray] = []
    for c in names:
        s = frame[c]
        t = s.dtype
        if not pd.api.types.is_numeric_dtype(t) or pd.api.types.is_bool_dtype(t):
            return None
        if isinstance(t, np.dtype):  # numpy-backed: no NA objects to look for
            a = s.to_numpy()
            out.append(a if t == np.float64 else a.astype(np.float64))
        else:  # extension dtypes (nullable, Arrow): NA becomes NaN
            out.append(s.to_numpy(dtype=np.float64, na_value=np.nan))
    return out


def as_matrix(data: Any, *, name: str = "data", ncols: int | None = None, contiguous: bool = True) -> np.ndarray:
    """Array-like input as a 2-D float64 array (None and pandas.NA become NaN).

    C-contiguous, unless ``contiguous=False``: then a float64 array of any layout is returned as
    it is, for engines that read strided columns in place.
    """
    if isinstance(data, np.ndarray) and data.dtype.kind in "fiub":
        arr = data
    else:
        try:
            arr = np.asarray(pd.DataFrame(data).to_numpy(dtype=np.float64, na_value=np.nan))
        except (TypeError, ValueError) as e:
            raise InputError(f"{name}: expected a 2-D array of numbers ({e})") from e
    if arr.ndim != 2:
        raise InputError(f"{name}: expected a 2-D array (records x items), got {arr.ndim} dimension(s)")
    if arr.shape[0] == 0:
        raise InputError(f"{name}: the input is empty (0 rows)")
    if ncols is not None and arr.shape[1] != ncols:
        raise InputError(f"{name}: expected {ncols} columns, got {arr.shape[1]}")
    if not contiguous and arr.dtype == np.float64:
        return arr
    return np.ascontiguousarray(arr, dtype=np.float64)


_ROW = re.compile(r"\brow (\d+)\b")


def relabel_rows(error: Exception, index: pd.Index) -> Exception:
    """The same error with 'row N' (a 0-based position from the core) replaced by the row's index label."""
    msg = str(error)
    m = _ROW.search(msg)
    if not m or int(m.group(1)) >= len(index):
        return error
    label = index[int(m.group(1))]
    if isinstance(label, np.generic):
        label = label.item()  # numpy scalars print as np.int64(7); the user wrote 7
    new = type(error)(msg[: m.start()] + f"row {label!r}" + msg[m.end() :])
    return new


def group_codes(frame: pd.DataFrame, by: Any) -> tuple[np.ndarray, pd.Index | None]:
    """Integer group codes (int32, in [0, n_groups)) and the group keys for ``by`` columns.

    Groups are sorted (numbers numerically, strings by code point, categoricals in category
    order; unused categories are left out) and missing keys form their own group, last (never
    dropped): pandas' ``groupby(by, sort=True, dropna=False, observed=True)``. The keys are
    factorised in C++ (:func:`factorize`); key types it does not know (dates, tuples, ...) go
    through pandas. Without ``by``: all zeros, no keys.
    """
    if by is None:
        return np.zeros(len(frame), dtype=np.int32), None
    codes, _, index = factorize(frame, by)
    return codes, index


def _by_columns(frame: pd.DataFrame, by: Any) -> list[Any]:
    cols = label_list(frame, by)
    for c in cols:
        if not is_label(frame, c) or c not in frame.columns:
            raise InputError(f"by: no column {c!r}; columns present: {', '.join(map(str, frame.columns[:30]))}")
    return cols


def factorize(frame: Any, by: Any, *, workers: int = 1) -> tuple[np.ndarray, Any, pd.Index]:
    """Group codes, their :class:`~servscore._core.GroupKeys` and the pandas index of the keys.

    ``frame`` is a pandas DataFrame (polars and Arrow tables are read column by column without
    converting the whole table); ``by`` one column label or a list of them. The codes follow the
    order of :func:`group_codes` (pandas' sorted ``groupby``, missing keys last); the keys are
    factorised once in C++ from the columns' memory: numbers (NaN missing), booleans, strings
    (numpy, object, Arrow-backed pandas and polars), pandas Categoricals (through their codes:
    one table look-up per row) and Arrow dictionaries. Integer 1 and float 1.0 are one key.
    ``workers`` threads (``<= 0``: all) factorise string columns; the result does not depend on it.

    >>> import pandas as pd
    >>> from servscore._input import factorize
    >>> codes, keys, index = factorize(pd.DataFrame({"b": ["y", "x", None, "x"]}), "b")
    >>> codes.tolist(), index.tolist(), keys.keys()
    ([1, 0, 2, 0], ['x', 'y', nan], [('x',), ('y',), (None,)])
    """
    if _is_polars(frame, "DataFrame") or _is_arrow_table(frame):
        names_all = list(frame.columns) if _is_polars(frame, "DataFrame") else list(frame.column_names)
        labels = label_list(None, by) if not isinstance(by, str) else [by]
        for c in labels:
            if c not in names_all:
                raise InputError(f"by: no column {c!r}; columns present: {', '.join(map(str, names_all[:30]))}")
        series = [frame.get_column(c) if _is_polars(frame, "DataFrame") else frame.column(c) for c in labels]
        return factorize_columns(series, labels, workers=workers)
    if not isinstance(frame, pd.DataFrame):
        frame = to_frame(frame)
    cols = _by_columns(frame, by)
    if len(set(map(repr, cols))) != len(cols) or not frame.columns.is_unique:
        return _factorize_pandas(frame, cols)
    return factorize_columns([frame[c] for c in cols], cols, workers=workers)


def factorize_columns(
    columns: Sequence[Any], labels: Sequence[Any], *, workers: int = 1
) -> tuple[np.ndarray, Any, pd.Index]:
    """:func:`factorize` of key columns given as values (pandas / polars Series, numpy arrays,
    Arrow arrays, lists), one label each."""
    parts: list[Any] = []
    rebuild: list[Any] = []
    for col in columns:
        part = _key_input(col)
        if part is None:
            return _factorize_pandas(pd.DataFrame({i: _as_series(c) for i, c in enumerate(columns)}), None, labels)
        parts.append(part[0])
        rebuild.append(part[1])
    try:
        codes, keys = _core.factorize_keys(parts, names_of(list(labels)), int(workers))
    except TypeError:  # objects that are not keys the core knows (dates, tuples, ...): pandas decides
        return _factorize_pandas(pd.DataFrame({i: _as_series(c) for i, c in enumerate(columns)}), None, labels)
    return codes, keys, _keys_index(keys, rebuild, labels)


def _as_series(c: Any) -> pd.Series:
    if isinstance(c, pd.Series):
        return c.reset_index(drop=True)
    if _is_polars(c, "Series"):
        return pd.Series(c.to_list(), dtype=object)
    if hasattr(c, "to_pylist"):
        return pd.Series(c.to_pylist(), dtype=object)
    return pd.Series(np.asarray(c) if isinstance(c, np.ndarray) else np.asarray(c, dtype=object))


def _arrow_part(arr: Any) -> tuple[Any, Any] | None:
    """A pyarrow Array / ChunkedArray as a factorize_keys input and how to rebuild its keys."""
    import pyarrow as pa

    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    t = arr.type
    if pa.types.is_dictionary(t):
        idx = arr.indices
        if arr.null_count:
            idx = idx.cast(pa.int64()).fill_null(-1)
        values = arr.dictionary
        if not (
            pa.types.is_string(values.type)
            or pa.types.is_large_string(values.type)
            or pa.types.is_string_view(values.type)
            or pa.types.is_integer(values.type)
            or pa.types.is_floating(values.type)
        ):
            return None
        return (np.asarray(idx.to_numpy(zero_copy_only=False)), values.to_pylist(), "value"), "object"
    if pa.types.is_string_view(t):
        arr = arr.cast(pa.large_string())
        t = arr.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        _, off, data = arr.buffers()
        odt = np.int64 if pa.types.is_large_string(t) else np.int32
        offsets = np.frombuffer(off, dtype=odt)[arr.offset : arr.offset + len(arr) + 1] if off is not None else None
        if offsets is None or len(offsets) != len(arr) + 1:
            return None
        raw = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
        valid = None
        if arr.null_count:
            valid = np.asarray(arr.is_valid().to_numpy(zero_copy_only=False)).view(np.uint8)
        return ("arrow_string", offsets, raw, valid), "object"
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t):
        if arr.null_count:
            if pa.types.is_boolean(t) or pa.types.is_integer(t):
                return np.asarray(arr.to_pandas().to_numpy(dtype=object)), "object"
            return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=np.float64), np.dtype(np.float64)
        a = np.asarray(arr.to_numpy(zero_copy_only=False))
        return a, a.dtype
    return None


def _key_input(col: Any) -> tuple[Any, Any] | None:
    """One key column as a factorize_keys input and how its keys go back into an index: a numpy
    dtype, ``"object"`` or a CategoricalDtype. None when the core cannot read it (pandas decides)."""
    if isinstance(col, pd.Series):
        t = col.dtype
        if isinstance(t, pd.CategoricalDtype):
            cats = t.categories
            if cats.dtype.kind in "mM" or isinstance(cats.dtype, (pd.DatetimeTZDtype, pd.PeriodDtype)):
                return None
            return (np.asarray(col.cat.codes.to_numpy()), cats.tolist(), "category"), t
        if isinstance(t, np.dtype):
            if t.kind in "biuf":
                return np.asarray(col.to_numpy()), t
            if t.kind in "OU":
                return np.asarray(col.to_numpy()), "object"
            return None
        if hasattr(col.array, "__arrow_array__") and t.kind in "OUS":  # Arrow-backed strings
            try:
                import pyarrow as pa

                got = _arrow_part(pa.chunked_array(col.array.__arrow_array__()))
            except (ImportError, TypeError, ValueError):  # pragma: no cover - depends on pyarrow
                got = None
            if got is not None:
                return got
        if pd.api.types.is_string_dtype(t) or pd.api.types.is_object_dtype(t):
            return np.asarray(col.to_numpy(dtype=object)), "object"
        if pd.api.types.is_numeric_dtype(t) or pd.api.types.is_bool_dtype(t):  # nullable: NA is missing
            return np.asarray(col.to_numpy(dtype=object)), "object"
        return None
    if isinstance(col, np.ndarray):
        if col.ndim != 1 or col.dtype.kind not in "biufOU":
            return None
        return col, col.dtype if col.dtype.kind in "biuf" else "object"
    if _is_polars(col, "Series"):
        try:
            dt = str(col.dtype)
            if dt.startswith(("Int", "UInt", "Float", "Boolean")) and col.null_count() == 0:
                a = np.asarray(col.to_numpy())
                return a, a.dtype
            return _arrow_part(col.to_arrow())
        except (ImportError, TypeError, ValueError):  # pragma: no cover
            return None
    if type(col).__module__.startswith("pyarrow"):
        return _arrow_part(col)
    if isinstance(col, (list, tuple, pd.Index)):
        return _key_input(pd.Series(list(col), dtype=object) if not isinstance(col, pd.Index) else col.to_series())
    return None


def _keys_index(keys: Any, rebuild: list[Any], labels: Sequence[Any]) -> pd.Index:
    """The pandas index of the keys, as pandas' groupby shows them (dtypes kept, missing as NaN)."""
    levels: list[Any] = []
    for j, how in enumerate(rebuild):
        vals = keys.column(j)
        has_missing = any(v is None for v in vals)
        if isinstance(how, pd.CategoricalDtype):
            levels.append(pd.Categorical(vals, categories=how.categories, ordered=how.ordered))
        elif isinstance(how, np.dtype) and how.kind == "b" and not has_missing:
            levels.append(np.asarray(vals, dtype=bool))
        elif isinstance(how, np.dtype) and how.kind in "iu" and not has_missing:
            levels.append(np.asarray(vals, dtype=how))
        elif isinstance(how, np.dtype) and how.kind == "f":
            levels.append(np.asarray([np.nan if v is None else v for v in vals], dtype=how))
        else:
            levels.append(pd.array([np.nan if v is None else v for v in vals], dtype=object))
    if len(levels) == 1:
        lvl = levels[0]
        if isinstance(lvl, pd.Categorical):
            return pd.CategoricalIndex(lvl, name=labels[0])
        if isinstance(lvl, np.ndarray):
            return pd.Index(lvl, name=labels[0])
        return pd.Index(list(lvl), name=labels[0], tupleize_cols=False)
    arrays = [
        lvl if isinstance(lvl, (np.ndarray, pd.Categorical)) else pd.Index(list(lvl), tupleize_cols=False)
        for lvl in levels
    ]
    return pd.MultiIndex.from_arrays(arrays, names=list(labels))


def _factorize_pandas(
    frame: pd.DataFrame, cols: list[Any] | None, labels: Sequence[Any] | None = None
) -> tuple[np.ndarray, Any, pd.Index]:
    """pandas' sorted groupby for key types the core does not read; the GroupKeys hold the keys
    as far as they are numbers or text (others as their str)."""
    if cols is None:
        cols = list(frame.columns)
    g = frame.groupby(cols if len(cols) > 1 else cols[0], sort=True, dropna=False, observed=True)
    codes = np.ascontiguousarray(g.ngroup().to_numpy(dtype=np.int32))
    index = g.size().index
    if labels is not None:
        index = index.set_names(list(labels) if len(labels) > 1 else labels[0])
    names = names_of(list(labels) if labels is not None else cols)
    keys = _core.GroupKeys(names)
    for k in index:
        t = k if isinstance(k, tuple) else (k,)
        keys.insert(tuple(_plain_key(v) for v in t))
    return codes, keys, index


def _plain_key(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, int) and not -(2**63) <= v < 2**63:
        return str(v)  # beyond the int64 keys: kept distinct as text
    if isinstance(v, (str, int, float)):
        return v
    return str(v)


def resolve_config(config: Any, cls: Any, *, name: str = "config") -> Any:
    """None (defaults), an instance, a dict of keys, a JSON string or a path to a JSON file."""
    if config is None:
        return cls()
    if isinstance(config, cls):
        return config
    if isinstance(config, dict):
        return cls.from_dict(config)
    if isinstance(config, str):
        text = config
        if not config.lstrip().startswith("{"):
            try:
                with open(config, encoding="utf-8") as fh:
                    text = fh.read()
            except OSError as e:
                raise ConfigError(f"{name}: {config!r} is neither a JSON object nor a readable file ({e})") from e
        return cls.from_json(text)
    raise ConfigError(f"{name}: expected {cls.__name__}, a dict, JSON text or a file path; got {type(config).__name__}")


def check_seed(seed: Any, *, name: str = "seed") -> int:
    """The one seed contract: an integer in [0, 2^64) (numpy integers too; booleans, floats and
    strings are refused, so ``seed=1.5`` is not silently seed 1)."""
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise ConfigError(f"{name}: expected an integer in [0, 2^64), got {seed!r} ({type(seed).__name__})")
    value = int(seed)
    if not 0 <= value < 2**64:
        raise ConfigError(f"{name}: {value} is out of range; expected an integer in [0, 2^64)")
    return value
