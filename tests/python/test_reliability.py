import pickle

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
import servscore as ss
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

# R plspm on satisfaction.csv (tests/data/README.md)
RAW = {"imag": 0.8218546, "expe": 0.8431449, "qual": 0.8685179, "val": 0.8319666, "sat": 0.8942952, "loy": 0.8206386}
STD = {"imag": 0.8302267, "sat": 0.8940109}
RHO = {"imag": 0.8822033, "sat": 0.9267006}
SIZES = {"imag": 5, "expe": 5, "qual": 5, "val": 4, "sat": 4, "loy": 4}


@pytest.fixture(scope="module")
def satisfaction(data_dir):
    return pd.read_csv(data_dir / "satisfaction.csv", index_col=0)


def block(df, name):
    return df[[f"{name}{i}" for i in range(1, SIZES[name] + 1)]]


@pytest.mark.parametrize("name", list(SIZES))
def test_published_block_alphas(satisfaction, name):
    r = ss.cronbach_alpha(block(satisfaction, name))
    assert r.alpha == pytest.approx(RAW[name], abs=5e-8)
    if name in STD:
        assert r.alpha_standardized == pytest.approx(STD[name], abs=5e-8)
        assert r.dg_rho == pytest.approx(RHO[name], abs=5e-8)
    assert r.n == 250 and r.k == SIZES[name] and r.nan_policy == "listwise"


def item_reference(x):
    """numpy reference of the item statistics (corrected item-total r, alpha if deleted)."""
    k = x.shape[1]

    def alpha(a):
        c = np.cov(a.T)
        kk = a.shape[1]
        return kk / (kk - 1) * (1 - np.trace(c) / c.sum())

    rt = [np.corrcoef(x[:, i], np.delete(x, i, axis=1).sum(axis=1))[0, 1] for i in range(k)]
    ad = [alpha(np.delete(x, i, axis=1)) for i in range(k)]
    return np.array(rt), np.array(ad)


def test_against_pingouin_and_numpy(satisfaction):
    items = block(satisfaction, "qual")
    r = ss.cronbach_alpha(items)
    a, ci = pg.cronbach_alpha(items)
    assert r.alpha == pytest.approx(a, rel=1e-12)
    assert np.round(r.ci, 3).tolist() == ci.tolist()
    rt, ad = item_reference(items.to_numpy(float))
    np.testing.assert_allclose(r.items["item_total_r"], rt, rtol=1e-10)
    np.testing.assert_allclose(r.items["alpha_if_deleted"], ad, rtol=1e-10)
    # Feldt interval from scipy's F quantiles
    df1, df2 = 249, 249 * 4
    assert r.ci[0] == pytest.approx(1 - (1 - a) * stats.f.ppf(0.975, df1, df2), rel=1e-10)
    assert r.ci[1] == pytest.approx(1 - (1 - a) * stats.f.ppf(0.025, df1, df2), rel=1e-10)
    r90 = ss.cronbach_alpha(items, level=0.9)
    assert r90.ci[0] > r.ci[0] and r90.ci[1] < r.ci[1]


def test_missing_answers_listwise_and_pairwise(satisfaction):
    items = block(satisfaction, "loy").astype(float).copy()
    rng = np.random.default_rng(4)
    items = items.mask(rng.random(items.shape) < 0.05)
    r = ss.cronbach_alpha(items)
    assert r.alpha == pytest.approx(pg.cronbach_alpha(items, nan_policy="listwise")[0], rel=1e-12)
    assert r.n == len(items.dropna()) and r.n_dropped == 250 - r.n
    assert r.items["n_missing"].tolist() == items.isna().sum().tolist()
    p = ss.cronbach_alpha(items, missing="pairwise")
    a, ci = pg.cronbach_alpha(items, nan_policy="pairwise")
    assert p.alpha == pytest.approx(a, rel=1e-12)
    assert np.round(p.ci, 3).tolist() == ci.tolist()
    assert p.nan_policy == "pairwise" and "pairwise" in repr(p)


def test_weighted_alpha_equals_repeated_rows():
    rng = np.random.default_rng(2)
    x = rng.integers(1, 8, size=(60, 4)).astype(float) + rng.normal(size=(60, 1)).round()
    w = rng.integers(1, 4, size=60)
    r = ss.cronbach_alpha(x, weights=w)
    assert r.alpha == pytest.approx(pg.cronbach_alpha(pd.DataFrame(np.repeat(x, w, axis=0)))[0], rel=1e-12)
    assert r.weighted


def test_composite_reliability_helpers():
    lam = np.array([0.8, 0.7, 0.9, 0.6])
    assert ss.dillon_goldstein_rho(lam) == pytest.approx(lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum()))
    assert ss.average_variance_extracted(lam) == pytest.approx((lam**2).mean())
    with pytest.raises(ss.InputError, match="loadings"):
        ss.dillon_goldstein_rho([])


@settings(max_examples=30, deadline=None)
@given(cuts=st.lists(st.integers(0, 250), max_size=4), order=st.randoms(use_true_random=False))
def test_accumulator_any_chunking_equals_one_pass(satisfaction, cuts, order):
    items = block(satisfaction, "sat")
    one = ss.cronbach_alpha(items)
    bounds = [0, *sorted(cuts), 250]
    parts = [ss.AlphaAccumulator().update(items.iloc[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
    order.shuffle(parts)
    acc = ss.AlphaAccumulator()
    for p in parts:
        acc = acc + pickle.loads(pickle.dumps(p))
    r = acc.result()
    assert r.alpha == pytest.approx(one.alpha, rel=1e-10)
    assert r.ci == pytest.approx(one.ci, rel=1e-10)
    assert ss.AlphaAccumulator.from_bytes(acc.to_bytes()).result().alpha == r.alpha
    assert ss.cronbach_alpha(acc).alpha == r.alpha


def test_result_protocol(satisfaction):
    r = ss.cronbach_alpha(block(satisfaction, "imag"))
    d = r.to_dict()
    assert d["alpha"] == r.alpha and set(d["items"]) == {f"imag{i}" for i in range(1, 6)}
    assert list(r.to_frame().index) == [f"imag{i}" for i in range(1, 6)]
    assert "alpha 0.8219" in repr(r) and "<table" in r._repr_html_()
    assert float(r) == r.alpha
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    ax = r.plot()
    assert len(ax.patches) == 5


def test_bad_input():
    with pytest.raises(ss.InputError, match="at least 2 items"):
        ss.cronbach_alpha(np.ones((5, 1)))
    with pytest.raises(ss.InputError, match="at least 2 complete rows"):
        ss.cronbach_alpha(np.array([[1.0, 2.0], [np.nan, 1.0], [3.0, np.nan]]))
    with pytest.raises(ss.ConfigError, match="level"):
        ss.cronbach_alpha(np.ones((5, 2)), level=1.5)
    with pytest.raises(ss.ConfigError, match="missing"):
        ss.cronbach_alpha(np.ones((5, 2)), missing="drop")
    with pytest.raises(ss.InputError, match=r"column 'b', row 2: value 'x'"):
        ss.cronbach_alpha(pd.DataFrame({"a": [1, 2, 3], "b": [1, 2, "x"]}))


# ------------------------------------------------------------------ exact int8 path
def likert_items(n, k, seed):
    rng = np.random.default_rng(seed)
    common = rng.integers(1, 6, size=(n, 1))
    return np.clip(common + rng.integers(-1, 2, size=(n, k)), 1, 5).astype(np.int8)


def test_int8_published_alphas(satisfaction):
    # the answers are integers 1..10: as int8 they take the exact integer path
    for name in ("imag", "sat"):
        items = block(satisfaction, name).astype(np.int8)
        r = ss.cronbach_alpha(items)
        assert r.alpha == pytest.approx(RAW[name], abs=5e-8)
        assert r.alpha_standardized == pytest.approx(STD[name], abs=5e-8)
        assert r.dg_rho == pytest.approx(RHO[name], abs=5e-8)


@pytest.mark.parametrize("layout", ["frame", "C", "F"])
def test_int8_alpha_equals_float_alpha_and_pingouin(layout):
    x = likert_items(20011, 8, 3)
    df = pd.DataFrame(x, columns=[f"q{j}" for j in range(8)])
    data = {"frame": df, "C": np.ascontiguousarray(x), "F": np.asfortranarray(x)}[layout]
    r = ss.cronbach_alpha(data, workers=2)
    f = ss.cronbach_alpha(df.astype(np.float64))
    assert r.alpha == pytest.approx(f.alpha, abs=1e-12)
    assert r.alpha_standardized == pytest.approx(f.alpha_standardized, abs=1e-12)
    assert r.ci == pytest.approx(f.ci, abs=1e-12)
    np.testing.assert_allclose(r.items.to_numpy(dtype=float), f.items.to_numpy(dtype=float), rtol=1e-10, atol=1e-12)
    alpha, ci = pg.cronbach_alpha(df)
    assert r.alpha == pytest.approx(alpha, abs=1e-12)
    assert r.ci == pytest.approx(tuple(ci), abs=1e-3)  # pingouin rounds its interval to 3 decimals


def test_int8_and_float_chunks_in_an_accumulator():
    x = likert_items(6000, 5, 4)
    acc = ss.AlphaAccumulator().update(x[:2500]) + ss.AlphaAccumulator().update(x[2500:4000].astype(float))
    acc.update(pd.DataFrame(x[4000:]))
    acc2 = pickle.loads(pickle.dumps(acc))
    one = ss.cronbach_alpha(x.astype(float))
    assert acc2.result().alpha == pytest.approx(one.alpha, abs=1e-12)
    assert acc2.result().n == 6000


def test_lazy_item_table_in_the_result():
    r = ss.cronbach_alpha(likert_items(300, 4, 5))
    assert "items" not in vars(r)  # built on first use
    d = r.to_dict()
    assert set(d["items"]) == {"0", "1", "2", "3"} and "_item_data" not in d
    assert r.items is r.to_frame()
    assert list(r.items.columns)[:2] == ["mean", "sd"] and r.items.index.name == "item"
