import pickle

import numpy as np
import pandas as pd
import pytest
import servscore as ss
from hypothesis import given, settings
from hypothesis import strategies as st


def data(n=500, p=4, seed=0, missing=0.0, offset=0.0):
    rng = np.random.default_rng(seed)
    x = offset + rng.normal(size=(n, 1)) + rng.normal(size=(n, p)) * np.arange(1, p + 1)
    x[rng.random(x.shape) < missing] = np.nan
    return x


def test_matches_pandas_listwise_and_pairwise():
    x = data(800, 5, 1, missing=0.08)
    df = pd.DataFrame(x, columns=list("abcde"))
    m = ss.Moments(df)
    ref = df.dropna()
    assert m.n == len(ref) and m.n_dropped == len(df) - len(ref) and m.n_rows == 800
    np.testing.assert_allclose(m.cov().to_numpy(), ref.cov().to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(m.corr().to_numpy(), ref.corr().to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(m.mean.to_numpy(), ref.mean().to_numpy(), rtol=1e-12)
    assert list(m.cov().columns) == list("abcde")
    assert m.n_missing.to_dict() == df.isna().sum().to_dict()
    p = ss.Moments(df, missing="pairwise")
    np.testing.assert_allclose(p.cov().to_numpy(), df.cov().to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(p.corr().to_numpy(), df.corr().to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(p.mean.to_numpy(), df.mean().to_numpy(), rtol=1e-12)
    np.testing.assert_array_equal(p.counts.to_numpy(), df.notna().astype(int).T @ df.notna().astype(int))


def test_weights_match_numpy_fweights():
    x = data(300, 3, 2)
    w = np.random.default_rng(3).integers(0, 5, size=300)
    m = ss.Moments(x, weights=w)
    np.testing.assert_allclose(m.cov().to_numpy(), np.cov(x.T, fweights=w), rtol=1e-12)
    np.testing.assert_allclose(m.mean.to_numpy(), np.average(x, axis=0, weights=w), rtol=1e-12)
    assert m.effective_n.iloc[0] == pytest.approx(w.sum() ** 2 / (w**2).sum())
    df = pd.DataFrame(x, columns=["a", "b", "c"]).assign(wt=w)
    m2 = ss.Moments(df, weights="wt")
    assert m2.columns == ["a", "b", "c"]
    np.testing.assert_allclose(m2.cov().to_numpy(), m.cov().to_numpy(), rtol=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    cuts=st.lists(st.integers(0, 400), max_size=5),
    order=st.randoms(use_true_random=False),
    policy=st.sampled_from(["listwise", "pairwise"]),
    weighted=st.booleans(),
)
def test_any_chunking_and_merge_order_equals_one_pass(cuts, order, policy, weighted):
    x = data(400, 3, 5, missing=0.1, offset=1e4)
    w = np.random.default_rng(1).random(400) if weighted else None
    one = ss.Moments(x, weights=w, missing=policy)
    bounds = [0, *sorted(cuts), 400]
    parts = [
        ss.Moments(x[a:b], weights=None if w is None else w[a:b], missing=policy)
        for a, b in zip(bounds[:-1], bounds[1:])
    ]
    order.shuffle(parts)
    total = ss.Moments(missing=policy)
    for part in parts:
        total = total + pickle.loads(pickle.dumps(part))
    assert total.n == one.n and total.n_rows == 400
    np.testing.assert_allclose(total.cov().to_numpy(), one.cov().to_numpy(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(total.mean.to_numpy(), one.mean.to_numpy(), rtol=1e-12)


def test_bytes_pickle_subset_and_workers():
    x = data(70000, 4, 7, missing=0.02)
    m = ss.Moments(pd.DataFrame(x, columns=list("wxyz")), missing="pairwise")
    back = ss.Moments.from_bytes(m.to_bytes())
    assert back == m and back.columns == list("wxyz") and back.nan_policy == "pairwise"
    assert pickle.loads(pickle.dumps(m)) == m
    assert ss.Moments(x, missing="pairwise", workers=3) == ss.Moments(x, missing="pairwise", workers=1)
    s = m.subset(["z", "w"])
    assert s.cov().loc["z", "w"] == m.cov().loc["z", "w"]
    assert "p=4" in repr(m)


def test_errors_name_what_is_wrong():
    m = ss.Moments(data(10, 3))
    with pytest.raises(ss.InputError, match="expected 3 columns"):
        m.update(data(10, 2))
    with pytest.raises(ss.InputError, match="row 4"):
        ss.Moments(data(10, 2), weights=[1, 1, 1, 1, -2, 1, 1, 1, 1, 1])
    with pytest.raises(ss.InputError, match="row 'r2', column 'b'"):
        ss.Moments(pd.DataFrame({"a": [1.0, 2, 3], "b": [1, 2, np.inf]}, index=["r0", "r1", "r2"]))
    with pytest.raises(ss.InputError, match="'b'"):
        ss.Moments(pd.DataFrame({"a": [1.0, 2], "b": ["x", 2]}))
    with pytest.raises(ss.ConfigError, match="missing"):
        ss.Moments(missing="sometimes")
    with pytest.raises(ss.InputError, match="differ in configuration: 'listwise' .this one. vs 'pairwise' .the other."):
        m.merge(ss.Moments(data(10, 3), missing="pairwise"))
    with pytest.raises(ss.InputError, match="cannot merge a AlphaAccumulator into a Moments"):
        m.merge(ss.AlphaAccumulator())
    with pytest.raises(ss.InputError, match="empty"):
        ss.Moments().cov()
    with pytest.raises(ss.InputError, match="no variable 'q'"):
        m.subset(["q"])


def test_column_major_and_dataframe_inputs_read_in_place():
    x = data(5000, 5, 11, missing=0.02)
    ref = ss.Moments(np.ascontiguousarray(x))
    f = ss.Moments(np.asfortranarray(x))
    np.testing.assert_allclose(f.cov().to_numpy(), ref.cov().to_numpy(), rtol=1e-12)
    assert f.n_dropped == ref.n_dropped
    df = pd.DataFrame(x, columns=list("abcde")).astype({"a": "float32"})
    m = ss.Moments(df)
    np.testing.assert_allclose(m.cov().to_numpy(), df.dropna().astype(float).cov().to_numpy(), rtol=1e-6)
    with pytest.raises(ss.InputError, match=r"row 7, column 2"):
        bad = np.asfortranarray(x.copy())
        bad[7, 2] = np.inf
        ss.Moments(bad)


# ------------------------------------------------------------------ exact int8 path
def likert(n, p, seed, lo=-128, hi=127):
    """n x p int8 answers in [lo, hi] that correlate (a common part plus noise)."""
    rng = np.random.default_rng(seed)
    common = rng.integers(lo, hi + 1, size=(n, 1))
    x = np.clip(common + rng.integers(-3, 4, size=(n, p)), lo, hi)
    x[:, ::3] = rng.integers(lo, hi + 1, size=x[:, ::3].shape)
    return x.astype(np.int8)


def assert_same_as_float(m, ref):
    assert m.n == ref.n and m.n_rows == ref.n_rows and m.n_dropped == ref.n_dropped
    assert (m.counts.to_numpy() == ref.counts.to_numpy()).all()
    np.testing.assert_allclose(m.mean.to_numpy(), ref.mean.to_numpy(), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(m.comoment.to_numpy(), ref.comoment.to_numpy(), rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(m.corr().to_numpy(), ref.corr().to_numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("policy", ["listwise", "pairwise"])
def test_int8_array_and_frames_equal_the_float_path(policy):
    x = likert(5003, 7, 1)
    cols = [f"q{j}" for j in range(7)]
    ref = ss.Moments(pd.DataFrame(x.astype(np.float64), columns=cols), missing=policy)
    variants = {
        "C array": np.ascontiguousarray(x),
        "F array": np.asfortranarray(x),
        "frame": pd.DataFrame(x, columns=cols),
        "frame of separate columns": pd.concat([pd.Series(x[:, j], name=c) for j, c in enumerate(cols)], axis=1),
    }
    states = {}
    for name, v in variants.items():
        m = ss.Moments(v, missing=policy)
        assert_same_as_float(m, ref)
        states[name] = m
    assert states["C array"] == states["F array"]  # exact integer sums: identical states
    assert states["frame"] == states["frame of separate columns"]
    assert states["frame"].columns == cols


def test_int8_frames_from_polars_arrow_and_a_column_selection():
    x = likert(3000, 5, 2, lo=1, hi=5)
    cols = list("abcde")
    df = pd.DataFrame(x, columns=cols)
    ref = ss.Moments(df.astype(float)[["d", "b", "a"]])
    assert_same_as_float(ss.Moments(df, columns=["d", "b", "a"]), ref)
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    for frame in (pl.from_pandas(df), pa.Table.from_pandas(df)):
        m = ss.Moments(frame, columns=["d", "b", "a"])
        assert_same_as_float(m, ref)
        assert m.columns == ["d", "b", "a"]
    assert ss.Moments(pl.from_pandas(df)) == ss.Moments(df)
    # chunked columns (row groups): one exact batch, identical to the contiguous frame
    chunked_pl = pl.concat([pl.from_pandas(df.iloc[:1000]), pl.from_pandas(df.iloc[1000:])], rechunk=False)
    chunked_pa = pa.concat_tables([pa.Table.from_pandas(df.iloc[:1234]), pa.Table.from_pandas(df.iloc[1234:])])
    assert chunked_pl.n_chunks() == 2 and chunked_pa.column(0).num_chunks == 2
    assert ss.Moments(chunked_pl) == ss.Moments(df)
    assert ss.Moments(chunked_pa) == ss.Moments(df)
    # columns cut at different rows are read whole
    ragged = pa.table({"a": pa.chunked_array([x[:10, 0], x[10:, 0]]), "b": pa.chunked_array([x[:20, 1], x[20:, 1]])})
    assert ss.Moments(ragged) == ss.Moments(df[["a", "b"]])


def test_int8_uint8_strided_and_workers():
    u = likert(4099, 6, 3, lo=0, hi=127).astype(np.uint8) * 2  # 0..254
    assert_same_as_float(ss.Moments(u), ss.Moments(u.astype(np.float64)))
    x = likert(9001, 9, 4)
    for view in (x[::2], x[:, ::2], x[::-1], np.asfortranarray(x)[:, 1:]):
        assert_same_as_float(ss.Moments(view), ss.Moments(view.astype(np.float64)))
    one = ss.Moments(x, workers=1)
    assert ss.Moments(x, workers=2) == one
    assert ss.Moments(x, workers=3) == one
    assert ss.Moments(np.asfortranarray(x), workers=2) == one
    assert ss.Moments(x[:1]).n == 1 and ss.Moments(x[:1]).mean.tolist() == x[0].astype(float).tolist()


def test_int8_every_kernel_gives_the_same_state():
    from servscore import _core

    x = likert(7777, 13, 5)
    auto = ss.Moments(x)
    try:
        for kernel in ("scalar", "avx2", "avx512_vnni"):
            if not _core._int8_kernel_supported(kernel):
                continue
            _core._set_int8_kernel(kernel)
            assert _core._int8_kernel() == kernel
            assert ss.Moments(x) == auto
            assert ss.Moments(np.asfortranarray(x)) == auto
    finally:
        _core._set_int8_kernel("automatic")
    with pytest.raises(ss.ConfigError, match="expected 'automatic'"):
        _core._set_int8_kernel("sse9")


def test_int8_frame_is_read_without_a_float_copy():
    import tracemalloc

    x = likert(200_000, 10, 6, lo=1, hi=5)  # 2 MB of int8; a float64 copy would be 16 MB
    df = pd.DataFrame(x, columns=[f"q{j}" for j in range(10)])
    separate = pd.concat([df[c] for c in df.columns], axis=1)
    for frame in (df, separate, x):
        tracemalloc.start()
        ss.Moments(frame)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 1_000_000


def test_int8_falls_back_for_mixed_nullable_or_weighted_data():
    x = likert(500, 3, 7, lo=1, hi=5)
    df = pd.DataFrame(x, columns=list("abc"))
    mixed = df.assign(c=df["c"].astype(float))
    assert_same_as_float(ss.Moments(mixed), ss.Moments(df.astype(float)))
    nullable = df.astype("Int8")
    nullable.loc[3, "b"] = pd.NA
    m = ss.Moments(nullable)
    assert m.n == 499 and m.n_dropped == 1
    w = np.linspace(0.5, 2.0, 500)
    weighted = ss.Moments(df, weights=w)
    assert weighted.weighted
    assert_same_as_float(weighted, ss.Moments(df.astype(float), weights=w))


@settings(max_examples=25, deadline=None)
@given(cuts=st.lists(st.integers(0, 700), max_size=5), as_int8=st.lists(st.booleans(), min_size=6, max_size=6))
def test_int8_and_float_chunks_merge_to_the_one_pass_state(cuts, as_int8):
    x = likert(700, 4, 8)
    bounds = [0, *sorted(cuts), 700]
    acc = ss.Moments(missing="listwise")
    for i, (b, e) in enumerate(zip(bounds[:-1], bounds[1:])):
        chunk = x[b:e]
        acc.update(chunk if as_int8[i] else chunk.astype(np.float64))
    assert_same_as_float(acc, ss.Moments(x.astype(np.float64)))


def test_accuracy_claim_for_means_a_billion_times_the_spread():
    """The documented accuracy (moments.py, moments.hpp): ~1e-15 within one block, about 1e-9
    relative once blocks are merged, against the exact variance in rational arithmetic."""
    from fractions import Fraction

    rng = np.random.default_rng(1)
    x = 1e9 + rng.normal(0, 1, (1000, 1))
    exact = [Fraction(float(v)) for v in x[:, 0]]
    mean = sum(exact) / len(exact)
    var = float(sum((v - mean) ** 2 for v in exact) / (len(exact) - 1))
    one_block = ss.Moments(x)  # 1000 rows: one block of 1024
    assert abs(float(one_block.var().iloc[0]) / var - 1) < 1e-13
    merged = sum((ss.Moments(c) for c in np.array_split(x, 7)), ss.Moments())
    err = abs(float(merged.var().iloc[0]) / var - 1)
    assert err < 5e-8  # the documented order, 1e-9 ... 1e-8; not the 1e-12 claimed before
    centred = sum((ss.Moments(c - 1e9) for c in np.array_split(x, 7)), ss.Moments())
    exact_c = [v - Fraction(10**9) for v in exact]
    mc = sum(exact_c) / len(exact_c)
    var_c = float(sum((v - mc) ** 2 for v in exact_c) / (len(exact_c) - 1))
    assert abs(float(centred.var().iloc[0]) / var_c - 1) < 1e-13  # centring first restores the digits
