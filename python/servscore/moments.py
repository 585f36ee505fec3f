"""Mergeable co-moment state: counts, means and the co-moment matrix of p variables.

:class:`Moments` summarises data once so that covariances and correlations (and
every score built on them: Cronbach's alpha, PLS path models, key-driver
regressions) can be computed from chunks, processes or machines and merged
exactly. Blocks of rows are summarised around their own means and combined with
the pairwise update of Chan, Golub & LeVeque (1979); weights follow West (1979).

Missing values (NaN, None, ``pandas.NA``) follow ``missing`` (the missing-data policy):

- ``"listwise"`` (default): rows with a missing value are left out and counted
  (``n_dropped``);
- ``"pairwise"``: each pair of variables uses the rows where both are present (as
  ``pandas.DataFrame.cov`` / ``corr``); ``mean`` is then per variable over its
  present rows.

Weights are survey weights >= 0; ``cov(ddof)`` divides by ``W - ddof`` (W the
weight sum), as ``numpy.cov(..., fweights=w)``.

Accuracy: within one block the moments are taken around the block's own rows, so a single
block keeps ~1e-15 relative even when the means are 1e9 times the spread. Every merge of two
blocks, chunks or states adds d d' Wa Wb / W with d the difference of two stored means, and a
stored mean carries the rounding of its magnitude (|mean| x 1.1e-16, about 1e-7 at a mean of
1e9): with means 1e9 times the standard deviation the variance of several blocks is accurate
to about 1e-9 relative (measured: 5e-9 for 1,000 rows in 7 chunks, 1e-9 for 20,000), and in
general to about (|mean| / sd) x 1e-17 ... 1e-18 relative per merge level. Centre such data
first (subtract a typical value; the covariances do not change) when more digits matter.

Answers stored as ``int8`` / ``uint8`` (numpy arrays, or pandas / polars / Arrow frames whose
columns are all int8), unweighted, take an exact integer path: read in place without a
float64 copy, integer sums and cross-products (AVX-512 VNNI / AVX2 / scalar kernels chosen
at run time), the same state as float64 to ~1e-15, identical for any ``workers``.

>>> import numpy as np, servscore as ss
>>> x = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 5.0], [4.0, 9.0]])
>>> a = ss.Moments(x[:2]) + ss.Moments(x[2:])
>>> bool(np.allclose(a.cov().to_numpy(), np.cov(x.T)))
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._accumulator import Mergeable
from ._checks import relabel_columns
from ._compat import renamed
from ._core import InputError
from ._input import as_matrix, is_frame_like, is_label, names_of, numeric_matrix, relabel_rows, to_array, to_frame

__all__ = ["Moments"]

_POLICIES = ("listwise", "pairwise")


def check_policy(missing: str) -> str:
    """Validate a missing-data policy name (ConfigError listing the valid ones)."""
    if missing not in _POLICIES:
        raise _core.ConfigError(f"missing: {missing!r} is not valid; expected 'listwise' or 'pairwise'")
    return missing


class Moments(Mergeable):
    """Mergeable first and second moments of p variables.

    An accumulator of the package protocol (``servscore._accumulator``): :meth:`update` adds a
    batch in place (an empty batch is a no-op), :meth:`merge` folds another state in place,
    ``a + b`` and ``sum([...])`` make a new one, pickling and ``==`` go through the bytes, and
    merging states of another policy or other variables is an :class:`InputError` naming both.

    Parameters
    ----------
    data
        Optional first batch: a DataFrame (pandas, polars, Arrow; numeric columns by name)
        or a 2-D array (rows x variables). Without data the state is empty and takes its
        variables from the first :meth:`update`. int8 / uint8 data without weights take the
        exact integer path (see :meth:`update`).
    weights
        Survey weights (one per row, finite, >= 0), or the name of a weight column of ``data``.
    columns
        Variables to use from DataFrames, by label (any hashable: str, the ints of
        ``pd.DataFrame(array)``, tuples; default: every column of the first batch, except a
        weight column named by ``weights``). :meth:`to_bytes` stores the labels as text;
        pickling keeps them as they are.
    missing
        The missing-data policy: ``"listwise"`` (default) or ``"pairwise"`` (``nan_policy=`` is
        its deprecated old name).
    workers
        Threads for the compiled kernel; the result does not depend on it.

    Examples
    --------
    >>> import pandas as pd, servscore as ss
    >>> df = pd.DataFrame({"a": [1.0, 2.0, 4.0, None], "b": [2.0, 1.0, 5.0, 3.0]})
    >>> m = ss.Moments(df)
    >>> m.n, m.n_dropped, round(float(m.cov().loc["a", "b"]), 4)
    (3, 1, 2.6667)
    >>> p = ss.Moments(df, missing="pairwise")
    >>> p.mean.round(2).to_dict()
    {'a': 2.33, 'b': 2.75}
    """

    __slots__ = ("_state", "_columns", "_policy")
    _kind = "Moments"

    @renamed(nan_policy="missing")
    def __init__(
        self,
        data: Any = None,
        *,
        weights: Any = None,
        columns: list[Any] | None = None,
        missing: str = "listwise",
        workers: int = 1,
    ) -> None:
        self._policy = check_policy(missing)
        # the caller's labels (any hashable); the core stores them as strings (names_of)
        self._columns: list[Any] | None = list(columns) if columns is not None else None
        self._state: Any = None
        if self._columns is not None:
            self._state = _core.Moments(len(self._columns), self._policy, names_of(self._columns))
        if data is not None:
            self.update(data, weights=weights, workers=workers)

    # ----------------------------------------------------------------- building
    def update(self, data: Any, *, weights: Any = None, workers: int = 1) -> Moments:
        """Add a batch of rows (DataFrame or 2-D array); returns ``self``.

        Unweighted int8 or uint8 data (a 2-D numpy array in C or Fortran order, or a pandas,
        polars or Arrow DataFrame whose selected columns all have one of these dtypes) take an
        exact integer path: the columns are read in place (no float64 copy) and the sums and
        cross-products are exact integers, so the state equals the float64 one (to ~1e-15) and
        is identical for any ``workers``. A batch of 0 rows is a no-op.
        """
        if _n_rows(data) == 0:
            return self
        if weights is None and self._update_int8(data, int(workers)):
            return self
        w: np.ndarray | None = None
        if is_frame_like(data):
            frame = to_frame(data)
            wcol = is_label(frame, weights)
            if wcol:
                w = to_array(frame[weights] if weights in frame.columns else _no_column(weights, frame), name="weights")
            if self._columns is None:
                self._columns = [c for c in frame.columns if not (wcol and c == weights)]
                if not self._columns:
                    raise InputError("data: no columns")
            x = _frame_matrix(frame, self._columns)
            index: pd.Index = frame.index
        else:
            if isinstance(weights, str):
                raise InputError(f"weights: a column name ({weights!r}) needs a DataFrame, got an array")
            if isinstance(data, np.ndarray) and data.ndim == 2 and data.shape[0] == 0:
                x = np.empty(data.shape, dtype=np.float64)  # an empty chunk is fine for an accumulator
            else:
                x = as_matrix(data, name="data")
            if isinstance(data, np.ndarray) and data.dtype == np.float64 and data.flags.f_contiguous:
                x = data  # column-major: the core reads it in place
            if self._state is None and self._columns is None:
                self._state = _core.Moments(x.shape[1], self._policy, [])
            index = pd.RangeIndex(x.shape[0])
        if w is None and weights is not None:
            w = to_array(weights, name="weights")
        if self._state is None:
            assert self._columns is not None
            self._state = _core.Moments(len(self._columns), self._policy, names_of(self._columns))
        if x.shape[1] != self._state.dim:
            raise InputError(f"data: expected {self._state.dim} columns, got {x.shape[1]}")
        try:
            self._state.update(x, w, int(workers))
        except InputError as e:
            raise relabel_columns(relabel_rows(e, index), self._columns or []) from None
        return self

    def _update_int8(self, data: Any, workers: int) -> bool:
        """The exact int8/uint8 path; False (nothing done) when ``data`` does not qualify."""
        if isinstance(data, np.ndarray):
            if data.ndim != 2 or data.dtype not in _INT8 or data.shape[0] == 0:
                return False
            if self._state is None:
                self._state = _core.Moments(
                    data.shape[1], self._policy, names_of(self._columns) if self._columns is not None else []
                )
            if data.shape[1] != self._state.dim:
                raise InputError(f"data: expected {self._state.dim} columns, got {data.shape[1]}")
            self._state.update(data, None, workers)
            return True
        found = _int8_columns(data, self._columns)
        if found is None:
            return False
        names, batches = found
        if self._state is None:
            self._columns = names
            self._state = _core.Moments(len(names), self._policy, names_of(names))
        if len(names) != self._state.dim:
            raise InputError(f"data: expected {self._state.dim} columns, got {len(names)}")
        if len(batches) == 1 and isinstance(batches[0], np.ndarray):
            self._state.update(batches[0], None, workers)  # a pandas block: column-major view
        else:  # chunks of columns: their integer sums add up before the state changes (one exact batch)
            self._state.update_int8_chunks(batches, workers)
        return True

    def _merge_key(self) -> Any:
        return self._policy

    def _merge_into(self, other: Any) -> None:
        if other._state is None:
            return
        if self._state is None:
            self._state = other._state.copy()
            self._columns = None if other._columns is None else list(other._columns)
            return
        mine, theirs = self.columns, other.columns
        if len(mine) != len(theirs) or (
            self._columns is not None and other._columns is not None and names_of(mine) != names_of(theirs)
        ):
            raise InputError(
                f"merge: a Moments state of variables {theirs!r} cannot merge into one of variables {mine!r};"
                " both must hold the same variables"
            )
        self._state.merge(other._state)
        if self._columns is None and other._columns is not None:
            self._columns = list(other._columns)

    def copy(self) -> Moments:
        """An independent copy."""
        out = Moments(missing=self._policy)
        out._columns = None if self._columns is None else list(self._columns)
        out._state = None if self._state is None else self._state.copy()
        return out

    def subset(self, columns: list[str] | list[int]) -> Moments:
        """The state of some variables only (by name or position), as if only they had been collected."""
        idx = [self._index(c) for c in columns]
        out = Moments(missing=self._policy)
        out._state = self._core().subset(idx)
        out._columns = None if self._columns is None else [self._columns[i] for i in idx]
        return out

    # ---------------------------------------------------------- serialisation
    def to_bytes(self) -> bytes:
        """Portable bytes (the C++ ``Moments::to_bytes`` format); a state that has seen no batch
        yet is the short image ``SSMOMENTS-EMPTY1`` followed by its policy."""
        if self._state is None:
            return _EMPTY + self._policy.encode("ascii")
        return bytes(self._state.to_bytes())

    @classmethod
    def from_bytes(cls, data: bytes) -> Moments:
        """Inverse of :meth:`to_bytes` (untrusted bytes: validated by the core before allocating)."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise InputError(f"from_bytes: expected bytes, got {type(data).__name__}")
        data = bytes(data)
        if data.startswith(_EMPTY):
            policy = data[len(_EMPTY) :].decode("ascii", "replace")
            if policy not in _POLICIES:
                raise InputError(f"from_bytes: empty Moments image with policy {policy!r}")
            return cls(missing=policy)
        state = _core.Moments.from_bytes(data)
        out = cls(missing=state.policy)
        out._state = state
        out._columns = list(state.names) or None
        return out

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        labels = self._columns
        if labels is None or all(isinstance(c, str) for c in labels):
            return (Moments.from_bytes, (self.to_bytes(),))
        # the bytes keep names as text; pickling keeps the caller's labels (ints, tuples, ...)
        return (_restore, (self.to_bytes(), list(labels)))

    # ----------------------------------------------------------------- results
    @property
    def columns(self) -> list[Any]:
        """Variable names (positions 0..p-1 for arrays without names)."""
        if self._columns is not None:
            return list(self._columns)
        return list(range(self._core().dim))

    @property
    def missing(self) -> str:
        """The missing-data policy: ``"listwise"`` or ``"pairwise"``."""
        return self._policy

    @property
    def nan_policy(self) -> str:
        """The old name of :attr:`missing`."""
        return self._policy

    @property
    def p(self) -> int:
        """Number of variables."""
        return int(self._core().dim)

    @property
    def n(self) -> int:
        """Rows used: the complete rows (listwise) or the rows with at least one value (pairwise)."""
        return int(self._core().n_used)

    @property
    def n_rows(self) -> int:
        """Rows seen, used or not."""
        return int(self._core().n_rows)

    @property
    def n_dropped(self) -> int:
        """Rows left out (listwise: with a missing value; pairwise: with no value at all)."""
        return int(self._core().n_dropped)

    @property
    def weighted(self) -> bool:
        """True once a weighted batch was added."""
        return bool(self._core().weighted)

    @property
    def n_missing(self) -> pd.Series:
        """Missing values per variable."""
        return pd.Series(self._core().n_missing, index=self._labels(), name="n_missing")

    @property
    def counts(self) -> pd.DataFrame:
        """Rows used per pair of variables (every entry equal under listwise)."""
        return self._frame(self._core().pair_count)

    @property
    def weight_sum(self) -> pd.Series:
        """Weight sum per variable (= count without weights)."""
        return pd.Series(self._core().weight_sum(), index=self._labels(), name="weight_sum")

    @property
    def effective_n(self) -> pd.Series:
        """Effective sample size per variable, (sum w)^2 / sum w^2."""
        return pd.Series(self._core().effective_n(), index=self._labels(), name="effective_n")

    @property
    def mean(self) -> pd.Series:
        """Mean per variable (weighted when weights were given)."""
        return pd.Series(self._core().mean(), index=self._labels(), name="mean")

    @property
    def comoment(self) -> pd.DataFrame:
        """Co-moment matrix: sum of w (x_j - mean_j)(x_k - mean_k)."""
        return self._frame(self._core().comoment)

    def cov(self, ddof: float = 1.0) -> pd.DataFrame:
        """Covariance matrix, co-moment / (W - ddof); NaN where W <= ddof."""
        return self._frame(self._core().covariance(float(ddof)))

    def corr(self) -> pd.DataFrame:
        """Pearson correlation matrix (pairwise: each pair over its own rows)."""
        return self._frame(self._core().correlation())

    def var(self, ddof: float = 1.0) -> pd.Series:
        """Variance per variable."""
        return pd.Series(np.diag(self._core().covariance(float(ddof))), index=self._labels(), name="var")

    def __repr__(self) -> str:
        if self._state is None:
            return f"Moments(empty, missing={self._policy!r})"
        return (
            f"Moments(p={self.p}, n={self.n}, n_rows={self.n_rows}, n_dropped={self.n_dropped},"
            f" missing={self._policy!r}, weighted={self.weighted}, columns={self.columns!r})"
        )

    # ---------------------------------------------------------------- helpers
    def _core(self) -> Any:
        if self._state is None:
            raise InputError("Moments: the state is empty; call update() with data first")
        return self._state

    def _labels(self) -> pd.Index:
        return pd.Index(self.columns, tupleize_cols=False)  # tuple labels stay labels

    def _frame(self, a: np.ndarray) -> pd.DataFrame:
        labels = self._labels()
        return pd.DataFrame(np.asarray(a), index=labels, columns=labels)

    def _index(self, c: Any) -> int:
        cols = self.columns
        try:
            if c in cols:  # a label first (integer labels too), then a position
                return cols.index(c)
        except (TypeError, ValueError):
            pass
        if isinstance(c, (int, np.integer)) and not isinstance(c, bool):
            if not 0 <= int(c) < len(cols):
                raise InputError(f"Moments: variable position {c} is out of range [0, {len(cols)})")
            return int(c)
        if c not in cols:
            raise InputError(f"Moments: no variable {c!r}; variables: {', '.join(map(str, cols))}")
        return cols.index(c)


def _restore(data: bytes, labels: list[Any]) -> Moments:
    """Unpickle a state whose labels are not all text."""
    out = Moments.from_bytes(data)
    out._columns = labels
    return out


_INT8 = (np.dtype(np.int8), np.dtype(np.uint8))
_EMPTY = b"SSMOMENTS-EMPTY1\n"


def _n_rows(data: Any) -> int | None:
    """Rows of a batch (arrays, pandas / polars / Arrow tables), None when unknown."""
    if isinstance(data, np.ndarray):
        return int(data.shape[0]) if data.ndim else None
    for attr in ("num_rows", "height"):
        v = getattr(data, attr, None)
        if isinstance(v, int):
            return v
    try:
        return len(data)
    except TypeError:
        return None


def _int8_columns(data: Any, columns: list[Any] | None) -> tuple[list[Any], list[Any]] | None:
    """The selected columns of a pandas/polars/Arrow DataFrame as int8 (or uint8) numpy views,
    without copies where the frame's memory allows: ``(names, batches)``, each batch a Fortran-
    ordered 2-D array (a pandas frame held as one block) or a list of 1-D arrays (polars and Arrow
    columns chunk by chunk when their chunks line up); None when a column is missing, has nulls
    or another dtype (the float64 path then reads the data)."""
    if isinstance(data, pd.DataFrame):
        if not data.columns.is_unique or len(data) == 0:
            return None
        names = data.columns.tolist()  # any hashable labels
        if columns is None:
            columns = names
        pos = {n: i for i, n in enumerate(names)}
        if any(c not in pos for c in columns):
            return None
        dtypes = data.dtypes.to_numpy()
        sel = [pos[c] for c in columns]
        kinds = {dtypes[i] for i in sel}
        if len(kinds) != 1 or next(iter(kinds)) not in _INT8:
            return None
        # pandas' block manager is private API, used only to avoid copies and the ~10 us per column
        # of the public accessors; anything unexpected takes the public route
        if sel == list(range(len(names))) and getattr(getattr(data, "_mgr", None), "nblocks", 0) == 1:
            values = data.to_numpy()  # one block: a column-major view of it, no copy
            if values.dtype in _INT8:
                return columns, [values]
        getter = getattr(data, "_get_column_array", None)
        if getter is not None:
            try:
                return columns, [[np.asarray(getter(i)) for i in sel]]
            except (TypeError, IndexError, AttributeError):  # pragma: no cover - depends on the pandas version
                pass
        return columns, [[np.asarray(data.iloc[:, i].to_numpy()) for i in sel]]  # pragma: no cover
    if type(data).__module__.startswith("polars") and type(data).__name__ == "DataFrame":
        names = [str(c) for c in data.columns]
        columns = names if columns is None else columns
        if any(c not in names for c in columns) or data.height == 0:
            return None
        series = [data.get_column(c) for c in columns]
        if any(str(s.dtype) not in ("Int8", "UInt8") or s.null_count() for s in series):
            return None
        if len({str(s.dtype) for s in series}) != 1:
            return None
        chunks = _aligned_chunks([s.get_chunks() for s in series], len)
        if chunks is not None:
            return columns, [[np.asarray(c.to_numpy()) for c in batch] for batch in chunks]
        return columns, [[np.asarray(s.to_numpy()) for s in series]]
    if type(data).__module__.startswith("pyarrow") and hasattr(data, "column_names"):
        names = [str(c) for c in data.column_names]
        columns = names if columns is None else columns
        if any(c not in names for c in columns) or data.num_rows == 0:
            return None
        cols = [data.column(c) for c in columns]
        types = {str(c.type) for c in cols}
        if len(types) != 1 or next(iter(types)) not in ("int8", "uint8") or any(c.null_count for c in cols):
            return None
        if all(hasattr(c, "chunks") for c in cols):  # a Table's ChunkedArrays
            chunks = _aligned_chunks([c.chunks for c in cols], len)
            if chunks is not None:
                return columns, [[np.asarray(c.to_numpy(zero_copy_only=False)) for c in batch] for batch in chunks]
        return columns, [[np.asarray(c.to_numpy()) for c in cols]]
    return None


def _aligned_chunks(per_column: list[list[Any]], length: Any) -> list[list[Any]] | None:
    """Chunks of several columns regrouped as row batches (chunk k of every column), or None when
    the columns are cut at different rows (the caller then reads each column whole)."""
    if not per_column:
        return None
    lengths = [length(c) for c in per_column[0]]
    if any([length(c) for c in col] != lengths for col in per_column[1:]):
        return None
    return [[col[k] for col in per_column] for k in range(len(lengths)) if lengths[k] > 0]


def _frame_matrix(frame: pd.DataFrame, columns: list[Any]) -> np.ndarray:
    """The columns as float64 (NaN for missing): one block copy when they are all numeric (the core
    reads the column-major result in place), else column by column with errors naming the bad value."""
    if len(frame) == 0:
        return np.empty((0, len(columns)))
    missing = [c for c in columns if c not in frame.columns]
    if not missing and frame.columns.is_unique:
        sub = frame[columns]
        if all(pd.api.types.is_numeric_dtype(t) or pd.api.types.is_bool_dtype(t) for t in sub.dtypes):
            return np.asarray(sub.to_numpy(dtype=np.float64, na_value=np.nan))
    return numeric_matrix(frame, columns, name="data")


def _no_column(name: Any, frame: pd.DataFrame) -> Any:
    raise InputError(f"weights: no column {name!r}; columns present: {', '.join(map(str, frame.columns[:30]))}")
