"""Omega, split halves, Guttman's lambdas, alpha intervals and keys against R psych 2.2.9 on psych's
own bfi data (tests/data/psych_reliability.R made tests/data/psych_reliability.json and psych_bfi.csv)."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest
import servscore as ss
from scipy import stats


@pytest.fixture(scope="module")
def ref(data_dir):
    return json.loads((data_dir / "psych_reliability.json").read_text())


@pytest.fixture(scope="module")
def bfi(data_dir):
    return pd.read_csv(data_dir / "psych_bfi.csv")


# psych's minres (optim L-BFGS-B) and GPArotation (eps 1e-5) stop short of their optima: the values
# psych iterates agree to about 2e-6 (the closed forms of the same correlations to 1e-12).
ITER = 5e-6


@pytest.mark.parametrize(("key", "nf"), [("omega_bfi25", 3), ("omega_bfi25_5f", 5)])
def test_omega_reproduces_psych_on_bfi(bfi, ref, key, nf):
    o = ss.omega(bfi, nfactors=nf, missing="pairwise")
    r = ref[key]
    assert o.converged and o.nfactors == nf and o.k == 25
    for ours, theirs in [
        ("omega_h", "omega_h"),
        ("omega_total", "omega_total"),
        ("omega_limit", "omega_limit"),
        ("ecv", "ECV"),
    ]:
        assert getattr(o, ours) == pytest.approx(r[theirs], abs=ITER), ours
    # closed forms of the (keyed) correlation matrix
    assert o.alpha == pytest.approx(r["alpha"], abs=1e-12)
    assert o.lambda6 == pytest.approx(r["G6"], abs=1e-12)
    assert list(o.keys) == r["key"]
    np.testing.assert_allclose(o.loadings["g"], r["g"], atol=ITER)
    np.testing.assert_allclose(o.loadings["h2"], r["h2"], atol=ITER)
    np.testing.assert_allclose(o.groups["total"], r["group_total"], atol=ITER)
    np.testing.assert_allclose(o.groups["general"], r["group_general"], atol=ITER)
    np.testing.assert_allclose(o.groups["group"], r["group_group"], atol=ITER)
    np.testing.assert_allclose(o.phi.to_numpy(), np.array(r["phi"]), atol=ITER)
    np.testing.assert_allclose(o.oblique.to_numpy(), np.array(r["oblique"]), atol=ITER)


def test_minres_is_at_its_fixed_point_where_psych_stops_short(bfi, ref):
    # the uniquenesses psi solve diag(R) - psi = diag(LL'), L the top 3 eigen-pairs of R - diag(psi):
    # ours to 1e-12; psych's optimiser leaves a residual of about 1e-6, hence ITER above
    r = bfi.corr().to_numpy()

    def residual(h2):
        s = r - np.diag(1 - h2)
        w, v = np.linalg.eigh(s)
        lam, vec = w[::-1][:3], v[:, ::-1][:, :3]
        return np.abs(1 - (1 - h2) - (vec**2 * lam).sum(axis=1)).max()

    o = ss.omega(bfi, missing="pairwise")
    assert residual(o.loadings["h2"].to_numpy()) < 1e-10
    assert residual(np.array(ref["omega_bfi25"]["h2"])) > 1e-7


def test_omega_from_given_loadings(ref):
    r = ref["omega_bfi25"]
    o = ss.omega(loadings=np.array(r["oblique"]), phi=np.array(r["phi"]))
    g = ref["omega_given"]
    # psych's one-factor minres of the 3 x 3 factor correlations also stops short: ITER
    assert o.omega_h == pytest.approx(g["omega_h"], abs=ITER)
    assert o.omega_total == pytest.approx(g["omega_total"], abs=ITER)
    assert o.omega_limit == pytest.approx(g["omega_limit"], abs=ITER)
    np.testing.assert_allclose(o.loadings["g"], g["g"], atol=ITER)
    np.testing.assert_allclose(o.loadings["u2"], g["u2"], atol=ITER)


def test_one_factor_omega_with_keys(bfi, ref):
    a = bfi[["A1", "A2", "A3", "A4", "A5"]]
    o = ss.omega(a, nfactors=1, keys=["A1"], missing="pairwise")
    r = ref["omega1_agree"]
    assert o.keys == (-1, 1, 1, 1, 1)
    np.testing.assert_allclose(o.loadings["g"], r["loadings"], atol=ITER)
    assert o.omega_h == pytest.approx(r["omega"], abs=ITER)
    assert o.omega_total == pytest.approx(r["omega_total"], abs=ITER)
    # the same from a numpy reference of the definition: (sum l)^2 / 1'R1 with our loadings
    rr = a.corr().to_numpy() * np.outer([-1, 1, 1, 1, 1], [-1, 1, 1, 1, 1])
    assert o.omega_h == pytest.approx(o.loadings["g"].sum() ** 2 / rr.sum(), abs=1e-12)
    assert ss.omega(a, nfactors=1, keys=["-A1", "A2", "A3", "A4", "A5"], missing="pairwise") == o
    assert ss.omega(a, nfactors=1, keys=[-1, 1, 1, 1, 1], missing="pairwise") == o
    assert ss.omega(a, nfactors=1, keys=[0], missing="pairwise") == o


@pytest.mark.parametrize("name", ["agree", "consc"])
def test_alpha_with_keys_and_psych_pairwise_convention(bfi, ref, name):
    r = ref[f"alpha_{name}"]
    cols = [f"{name[0].upper()}{i}" for i in range(1, 6)]
    keys = [c.lstrip("-") for c in r["call"].split('"')[1::2] if c.startswith("-")]
    a = ss.cronbach_alpha(bfi[cols], missing="pairwise", keys=keys, pairwise_r="covariance")
    assert a.alpha == pytest.approx(r["raw_alpha"], abs=1e-12)
    assert a.alpha_standardized == pytest.approx(r["std_alpha"], abs=1e-12)
    assert a.mean_r == pytest.approx(r["average_r"], abs=1e-12)
    np.testing.assert_allclose(a.items["alpha_if_deleted"], r["raw_alpha_drop"], atol=1e-12)
    np.testing.assert_allclose(a.items["alpha_standardized_if_deleted"], r["std_alpha_drop"], atol=1e-12)
    np.testing.assert_allclose(a.items["item_total_r"], r["r_drop"], atol=1e-12)
    # psych's n for the intervals is every row (2800); ours is the rows with an answer
    n_psych = 2800
    se = r["ase"] * np.sqrt(n_psych / a.n)
    assert a.ase == pytest.approx(se, rel=1e-10)
    z = stats.norm.ppf(0.975)
    assert a.ci_duhachek == pytest.approx((a.alpha - z * se, a.alpha + z * se), abs=1e-12)
    # the default convention (each pair's own correlation) differs, as documented
    d = ss.cronbach_alpha(bfi[cols], missing="pairwise", keys=keys)
    assert d.pairwise_r == "pairs" and d.alpha == a.alpha
    assert 1e-6 < abs(d.alpha_standardized - a.alpha_standardized) < 1e-3


def test_alpha_duhachek_listwise_equals_psych(bfi, ref):
    r = ref["alpha_agree_listwise"]
    a = ss.cronbach_alpha(bfi[["A1", "A2", "A3", "A4", "A5"]], keys=["A1"])
    assert a.alpha == pytest.approx(r["raw_alpha"], abs=1e-12)
    assert a.alpha_standardized == pytest.approx(r["std_alpha"], abs=1e-12)
    # psych's n is every row (2800) also with complete cases; ours the complete rows
    assert a.ase == pytest.approx(r["ase"] * np.sqrt(2800 / a.n), rel=1e-10)
    assert a.keys == (-1, 1, 1, 1, 1) and a.items["key"].tolist() == [-1, 1, 1, 1, 1]


def test_bootstrap_interval_monte_carlo(bfi):
    x = bfi[["C1", "C2", "C3", "C4", "C5"]].dropna()
    a = ss.cronbach_alpha(x, keys=["C4", "C5"], n_bootstrap=400, seed=3)
    assert a.n_bootstrap == 400 and a.ci_bootstrap is not None
    lo, hi = a.ci_bootstrap
    # percentile interval ~ alpha -+ 1.96 se; Monte Carlo error of a 2.5% quantile with 400 resamples
    # is ~ 0.25 se: compare with the Duhachek interval to 1 se
    se = a.ase
    assert lo == pytest.approx(a.ci_duhachek[0], abs=se) and hi == pytest.approx(a.ci_duhachek[1], abs=se)
    again = ss.cronbach_alpha(x, keys=["C4", "C5"], n_bootstrap=400, seed=3, workers=2)
    assert again.ci_bootstrap == a.ci_bootstrap  # seeded, independent of workers
    assert ss.cronbach_alpha(x, keys=["C4", "C5"], n_bootstrap=400, seed=4).ci_bootstrap != a.ci_bootstrap


def test_split_half_exhaustive_reproduces_psych(bfi, ref):
    r = ref["split_bfi10"]
    s = ss.split_half(bfi.iloc[:, :10], keys=r["keys"], missing="pairwise")
    assert s.exhaustive and s.n_splits == 126
    for f in ["max", "min", "mean", "lambda2", "lambda6", "lambda1", "lambda3", "lambda4", "lambda5", "lambda5p"]:
        assert getattr(s, f) == pytest.approx(r[f], abs=1e-12), f
    assert s.mean_r == pytest.approx(r["av_r"], abs=1e-12)
    assert s.median_r == pytest.approx(r["med_r"], abs=1e-12)
    assert s.alpha == pytest.approx(r["alpha"], abs=1e-12)


def test_split_half_sampled_monte_carlo(bfi, ref):
    r = ref["split_bfi25"]
    with pytest.warns(ss.ReliabilityWarning, match="reversed"):
        s = ss.split_half(bfi, missing="pairwise", seed=1)
    assert not s.exhaustive and s.n_splits == 10000
    # closed forms to 1e-12; the mean of 10,000 random splits within Monte Carlo error of psych's
    assert s.lambda2 == pytest.approx(r["lambda2"], abs=1e-12)
    assert s.lambda6 == pytest.approx(r["lambda6"], abs=1e-12)
    assert s.alpha == pytest.approx(r["alpha"], abs=1e-12)
    assert s.mean == pytest.approx(r["mean"], abs=2e-3)
    assert r["min"] - 0.05 < s.min < s.mean < s.max < r["max"] + 0.02
    assert ss.split_half(bfi, missing="pairwise", seed=1, workers=2, check_keys=True) == s


def test_split_half_numpy_reference():
    # every split of 6 items from the definition 4 r_AB / 1'R1
    import itertools

    rng = np.random.default_rng(5)
    x = rng.normal(size=(300, 1)) + rng.normal(size=(300, 6))
    r = np.corrcoef(x.T)
    vals = []
    for a in itertools.combinations(range(6), 3):
        if 0 not in a:
            continue
        b = [i for i in range(6) if i not in a]
        vals.append(4 * r[np.ix_(a, b)].sum() / r.sum())
    s = ss.split_half(x)
    assert s.n_splits == 10 and s.exhaustive
    assert s.max == pytest.approx(max(vals), abs=1e-12) and s.min == pytest.approx(min(vals), abs=1e-12)
    assert s.mean == pytest.approx(np.mean(vals), abs=1e-12)


def test_silent_results_now_raise_or_warn():
    x = np.random.default_rng(0).normal(size=(100, 3))
    with pytest.raises(ss.InputError, match="weights"):
        ss.cronbach_alpha(x, weights=np.zeros(100))
    y = x.copy()
    y[:, 1] = 4.0
    df = pd.DataFrame(y, columns=["a", "b", "c"])
    with pytest.warns(ss.ReliabilityWarning, match="'b' has zero variance"):
        r = ss.cronbach_alpha(df)
    assert np.isnan(r.alpha_standardized) and r.constant_items == ("b",)
    with pytest.raises(ss.InputError, match="'b' has zero variance"):
        ss.omega(df, nfactors=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ss.cronbach_alpha(x)  # no warning without a constant item


def test_bad_configuration():
    x = np.random.default_rng(0).normal(size=(50, 4))
    with pytest.raises(ss.ConfigError, match="nfactors"):
        ss.omega(x, nfactors=4)
    with pytest.raises(ss.ConfigError, match="keys"):
        ss.cronbach_alpha(pd.DataFrame(x, columns=list("abcd")), keys=["z"])
    with pytest.raises(ss.ConfigError, match="keys"):
        ss.cronbach_alpha(x, keys=[7])
    with pytest.raises(ss.ConfigError, match="pairwise_r"):
        ss.cronbach_alpha(x, pairwise_r="psych")
    with pytest.raises(ss.ConfigError, match="n_bootstrap"):
        ss.cronbach_alpha(x, n_bootstrap=-1)
    with pytest.raises(ss.ConfigError, match="seed"):
        ss.cronbach_alpha(x, n_bootstrap=10, seed=1.5)
    with pytest.raises(ss.InputError, match="square"):
        ss.omega(correlation=np.ones((3, 2)))
    with pytest.raises(ss.ConfigError, match="loadings and phi"):
        ss.omega(loadings=np.ones((3, 2)))


def test_result_protocol(bfi):
    o = ss.omega(bfi.iloc[:, :10], missing="pairwise")
    d = o.to_dict()
    assert d["omega_h"] == o.omega_h and "omega_h" in repr(o)
    assert list(o.to_frame().columns)[:4] == ["g", "F1*", "F2*", "F3*"]
    s = ss.split_half(bfi.iloc[:, :6], missing="pairwise", check_keys=False)
    assert "split half" in repr(s) and s.to_frame().loc["lambda4", "value"] == s.max
