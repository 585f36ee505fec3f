"""Group keys factorised in C++ (servscore._input.factorize / group_codes) against pandas' groupby."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pandas as pd
import pytest
import servscore as ss
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from servscore import _core
from servscore._input import factorize, factorize_columns, group_codes


def _norm(v):
    if isinstance(v, tuple):
        return tuple(_norm(x) for x in v)
    if isinstance(v, np.generic):
        v = v.item()
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    return v


def _reference(frame: pd.DataFrame, by):
    """The pandas groupby path: sorted groups, missing last, unused categories left out."""
    g = frame.groupby(by, sort=True, dropna=False, observed=True)
    return g.ngroup().to_numpy(dtype=np.int32), [_norm(k) for k in g.size().index]


def _check(frame: pd.DataFrame, by) -> None:
    codes, keys, index = factorize(frame, by)
    ref_codes, ref_keys = _reference(frame, by)
    assert codes.dtype == np.int32
    np.testing.assert_array_equal(codes, ref_codes)
    assert [_norm(k) for k in index] == ref_keys
    width = 1 if isinstance(by, str) else len(by)
    got = [_norm(k) if width > 1 else _norm(k[0]) for k in keys.keys()]  # noqa: SIM118 (GroupKeys, not a dict)
    assert got == ref_keys
    assert len(keys) == len(ref_keys)


words = st.sampled_from(["north", "south", "east", "wést", "中", "", "b", "B", "aa", "a"])


@st.composite
def key_column(draw, n):
    kind = draw(st.sampled_from(["str", "str_none", "object_str", "int", "int8", "float", "bool", "cat", "cat_nan"]))
    if kind in ("str", "str_none", "object_str"):
        vals = draw(st.lists(words, min_size=n, max_size=n))
        if kind != "str":
            vals = [None if draw(st.booleans()) and i % 3 == 0 else v for i, v in enumerate(vals)]
        return pd.Series(vals, dtype=object if kind == "object_str" else None)
    if kind in ("int", "int8"):
        big = draw(st.booleans()) and kind == "int"
        ints = st.integers(-(2**62), 2**62) if big else st.integers(-3, 3)
        vals = draw(st.lists(ints, min_size=n, max_size=n))
        return pd.Series(np.array(vals, dtype=np.int8 if kind == "int8" else np.int64))
    if kind == "float":
        fl = st.sampled_from([0.0, -0.0, 1.5, -2.0, 3.0, float("nan"), 1e300])
        return pd.Series(np.array(draw(st.lists(fl, min_size=n, max_size=n)), dtype=float))
    if kind == "bool":
        return pd.Series(np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n))))
    cats = ["z", "a", "m", "unused"]
    vals = draw(st.lists(st.sampled_from(cats[:3] + ([None] if kind == "cat_nan" else [])), min_size=n, max_size=n))
    return pd.Series(pd.Categorical(vals, categories=cats, ordered=draw(st.booleans())))


@st.composite
def frames(draw):
    n = draw(st.integers(1, 40))
    k = draw(st.integers(1, 3))
    return pd.DataFrame({f"k{j}": draw(key_column(n)) for j in range(k)})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames())
def test_factorize_equals_pandas_groupby(frame):
    for c in frame.columns:
        _check(frame, c)
    if frame.shape[1] > 1:
        _check(frame, list(frame.columns))


@settings(max_examples=100, deadline=None)
@given(frames())
def test_polars_and_arrow_inputs_equal_pandas(frame):
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    for c in frame.columns:
        s = frame[c]
        if isinstance(s.dtype, pd.CategoricalDtype):
            # polars and Arrow categoricals sort by value (their dictionary order is an accident)
            plain = s.astype(object).where(s.notna(), None)
            ref_codes, ref_keys = _reference(pd.DataFrame({c: plain}), c)
            arrow = pa.array(plain.tolist()).dictionary_encode()
            polars = pl.Series(c, plain.tolist(), dtype=pl.Categorical)
        else:
            ref_codes, ref_keys = _reference(frame, c)
            vals = [_norm(v) for v in s.tolist()]
            arrow = pa.array(vals, type=pa.float64() if s.dtype.kind == "f" else None)
            polars = pl.Series(c, vals, dtype=pl.Float64 if s.dtype.kind == "f" else None, strict=False)
        for col in (arrow, polars):
            codes, keys, index = factorize_columns([col], [c])
            np.testing.assert_array_equal(codes, ref_codes)
            assert [_norm(k) for k in index] == ref_keys


def test_group_codes_keeps_its_contract():
    df = pd.DataFrame({"b": ["y", None, "x", "y"], "n": [2, 1, 1, 2]})
    codes, keys = group_codes(df, "b")
    assert codes.tolist() == [1, 2, 0, 1]
    assert [_norm(k) for k in keys] == ["x", "y", None]
    codes, keys = group_codes(df, ["n", "b"])
    assert codes.tolist() == [2, 1, 0, 2]
    assert [_norm(k) for k in keys] == [(1, "x"), (1, None), (2, "y")]
    codes, keys = group_codes(df, None)
    assert codes.tolist() == [0, 0, 0, 0] and keys is None
    with pytest.raises(ss.InputError, match="no column 'zz'"):
        group_codes(df, "zz")


def test_numpy_str_and_object_arrays():
    u = np.array(["b", "a", "b", "ccc"])
    codes, keys, index = factorize_columns([u], ["g"])
    assert codes.tolist() == [1, 0, 1, 2]
    assert index.tolist() == ["a", "b", "ccc"]
    o = np.array(["b", None, 1.0, 1, float("nan"), "a"], dtype=object)
    codes, keys, _ = factorize_columns([o], ["g"])
    # 1 and 1.0 are one key (numbers first), then strings, then missing (None and NaN)
    assert codes.tolist() == [2, 3, 0, 0, 3, 1]
    assert keys.keys() == [(1.0,), ("a",), ("b",), (None,)]


def test_dates_fall_back_to_pandas():
    d = pd.Series(pd.to_datetime(["2024-01-02", "2024-01-01", None, "2024-01-02"]))
    codes, keys, index = factorize(pd.DataFrame({"d": d}), "d")
    assert codes.tolist() == [1, 0, 2, 1]
    assert len(keys) == 3


def test_group_keys_object_protocol():
    g = _core.GroupKeys(["branch"])
    assert g.insert(("north",)) == 0 and g.insert("south") == 1 and g.insert(("north",)) == 0
    assert g.find(("south",)) == 1 and g.find(("west",)) is None
    other = _core.GroupKeys(["branch"])
    other.insert("west")
    other.insert("north")
    assert g.merge(other).tolist() == [2, 0]
    assert g.keys() == [("north",), ("south",), ("west",)]
    back = _core.GroupKeys.from_bytes(g.to_bytes())
    assert back == g and pickle.loads(pickle.dumps(g)) == g
    with pytest.raises(ss.InputError, match="after the image"):
        _core.GroupKeys.from_bytes(g.to_bytes() + b"x")
    with pytest.raises(ss.InputError, match="truncated"):
        _core.GroupKeys.from_bytes(g.to_bytes()[:-3])
    with pytest.raises(ss.InputError, match="'other'"):
        g.merge(_core.GroupKeys(["other"]))


def test_factorize_large_numeric_paths():
    rng = np.random.default_rng(3)
    for x in (rng.integers(0, 20, 10_000), rng.integers(-(2**60), 2**60, 1000), rng.normal(size=1000).round(1)):
        codes, keys, _ = factorize_columns([x], ["x"])
        ref, uniq = pd.factorize(x, sort=True)
        np.testing.assert_array_equal(codes, ref)
        assert len(keys) == len(uniq)


def test_string_factorisation_does_not_depend_on_workers():
    rng = np.random.default_rng(2)
    n = 300_000  # large enough for several threads
    names = np.array(["a", "bb", "", "a key longer than sixteen bytes", "中文", None], dtype=object)
    s = pd.Series(names[rng.integers(0, 6, n)])
    u = np.array(["a", "bb", "", "a key longer than sixteen bytes", "中文"])[rng.integers(0, 5, n)]
    for v in (s, u):
        ref_codes, ref_keys = _reference(pd.DataFrame({"k": v}), "k")
        for w in (1, 0, 3):
            codes, keys, _ = factorize_columns([v], ["k"], workers=w)
            np.testing.assert_array_equal(codes, ref_codes)
            assert [_norm(k[0]) for k in keys.keys()] == ref_keys  # noqa: SIM118
