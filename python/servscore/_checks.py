"""Validation shared by the engines' Python edge: table layouts, values and resource limits.

Every check raises :class:`InputError` (data) or :class:`ConfigError` (settings) with a message
naming the column, the row (by the caller's index label) and the value, and saying what was
expected; none returns a silently repaired value.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._core import ConfigError, InputError

#: Largest number of bootstrap resamples any engine accepts. Each resample keeps its estimates
#: (a few hundred bytes to kilobytes), so 10**6 resamples stay within a few GB of memory and a
#: run of hours; 10**8 (about 59 GB for a driver analysis) cannot finish on one machine.
MAX_BOOTSTRAP = 1_000_000

#: Largest number of sampled LMG permutations (each costs one sweep over the predictors; the
#: compiled DriverConfig enforces the same cap).
MAX_PERMUTATIONS = 10_000_000


def check_columns(frame: pd.DataFrame, *, name: str = "data") -> pd.DataFrame:
    """InputError for column labels the engines cannot address one by one: a MultiIndex (each
    label a tuple of levels) or a label used by more than one column. Returns ``frame``."""
    cols = frame.columns
    if isinstance(cols, pd.MultiIndex):
        shown = ", ".join(map(repr, list(cols[:5]))) + (", ..." if len(cols) > 5 else "")
        raise InputError(
            f"{name}: the columns are a MultiIndex ({cols.nlevels} levels: {shown}); expected one label per"
            " column: flatten it first, e.g. frame.columns = ['_'.join(map(str, c)) for c in frame.columns]"
        )
    if not cols.is_unique:
        dup = list(dict.fromkeys(cols[cols.duplicated()]))
        shown = ", ".join(f"{c!r} ({int((cols == c).sum())} times)" for c in dup[:10])
        raise InputError(f"{name}: duplicated column name(s) {shown}; each column appears more than once")
    return frame


def refuse_odd_objects(s: pd.Series, column: Any, index: pd.Index, *, name: str = "data") -> None:
    """InputError for values of an object column that pandas would turn into a number although
    they are not one: complex numbers (the imaginary part would be dropped) and bytes (b"3" would
    read as 3)."""
    if s.dtype != object:
        return
    bad = s.map(lambda v: isinstance(v, (complex, np.complexfloating, bytes, bytearray, memoryview))).to_numpy(
        dtype=bool
    )
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        v = s.iloc[pos]
        what = "a complex number" if isinstance(v, (complex, np.complexfloating)) else "bytes, not a number"
        raise InputError(
            f"{name}: column {column!r}, row {_label(index[pos])!r}: value {v!r} is {what}"
            f" ({int(bad.sum())} such value(s) in the column)"
        )


def refuse_booleans(s: Any, column: Any, *, name: str = "data", expected: str = "scores") -> None:
    """InputError when a column of answers on a rating scale holds booleans (True would count as
    a rating of 1 and False as 0: a silent nonsense score)."""
    dtype = getattr(s, "dtype", None)
    if dtype is not None and (pd.api.types.is_bool_dtype(dtype) or str(dtype) in ("bool", "boolean", "Boolean")):
        raise InputError(f"{name}: column {column!r} holds booleans ({dtype}); expected {expected}")


def check_finite(
    values: np.ndarray, columns: Sequence[Any], index: pd.Index, *, name: str = "data", what: str = "value"
) -> None:
    """InputError for the first infinite value of a (rows x columns) float array; NaN is missing."""
    x = np.asarray(values, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    bad = np.isinf(x)
    if bad.any():
        i, j = (int(v) for v in np.argwhere(bad)[0])
        raise InputError(
            f"{name}: column {columns[j]!r}, row {_label(index[i])!r}: {what} {x[i, j]:g} is not finite;"
            " expected a number or NaN for missing"
        )


def check_magnitude(
    values: np.ndarray,
    columns: Sequence[Any],
    index: pd.Index,
    *,
    name: str = "data",
    limit: float = 1e150,
) -> None:
    """InputError for the first value with ``|value| > limit``: squares and cross products of such
    values overflow a double (1e160 squared is inf), which would make variances 0 or NaN."""
    x = np.asarray(values, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    with np.errstate(invalid="ignore"):
        bad = np.abs(x) > limit
    if bad.any():
        i, j = (int(v) for v in np.argwhere(bad)[0])
        raise InputError(
            f"{name}: column {columns[j]!r}, row {_label(index[i])!r}: value {x[i, j]:g} is too large;"
            f" expected |value| <= {limit:g} (its square overflows a double)"
        )


_COLUMN = re.compile(r"\bcolumn (\d+)\b")


def relabel_columns(error: Exception, names: Sequence[Any]) -> Exception:
    """The same error with the core's 'column N' (a 0-based position) replaced by the column's name."""
    msg = str(error)
    m = _COLUMN.search(msg)
    if not m or int(m.group(1)) >= len(names):
        return error
    return type(error)(msg[: m.start()] + f"column {names[int(m.group(1))]!r}" + msg[m.end() :])


def check_count(value: Any, *, setting: str, cap: int) -> int:
    """A resample or permutation count as an int in [0, cap]; ConfigError naming the setting and
    the cap otherwise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ConfigError(f"{setting}: expected an integer count, got {value!r} ({type(value).__name__})")
    n = int(value)
    if n < 0:
        raise ConfigError(f"{setting}: {n} is negative; expected a count in [0, {cap:,}]")
    if n > cap:
        raise ConfigError(
            f"{setting}: {n:,} is above the cap of {cap:,} (memory and run time grow with it);"
            f" expected a count in [0, {cap:,}]"
        )
    return n


def check_scores(frame: pd.DataFrame, scores: dict[str, np.ndarray], *, name: str = "scored") -> None:
    """InputError for a 0-100 score outside [0, 100] (NaN is a missing score), naming the column,
    row and value: a scored table edited by hand or merged from elsewhere."""
    for col, x in scores.items():
        refuse_booleans(frame[col], col, name=name, expected="0-100 scores")
        with np.errstate(invalid="ignore"):
            bad = ~np.isnan(x) & ~((x >= 0.0) & (x <= 100.0))
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"{name}: column {col!r}, row {_label(frame.index[pos])!r}: score {x[pos]:g} is outside [0, 100];"
                " expected the output of score_encounters"
            )


def _label(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v
