"""Key drivers against relaimpo 2.2-7 and domir 1.2.0 (values in tests/data/drivers_reference.json,
made by tests/data/drivers_reference.R), the new metrics, sets, always, logistic dominance and the
bootstrap intervals (against a slow numpy reference on the same resample indices, and against
relaimpo's boot.relimp within Monte Carlo error)."""

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import servscore as ss
from servscore import _core

DATA = Path(__file__).resolve().parents[1] / "data"
REF = json.loads((DATA / "drivers_reference.json").read_text(encoding="utf-8"))
SWISS = pd.read_csv(DATA / "drivers_swiss.csv", index_col=0)
MTCARS = pd.read_csv(DATA / "drivers_mtcars.csv", index_col=0)
SWISS_X = ["Agriculture", "Examination", "Education", "Catholic", "Infant.Mortality"]


def close(got, want, tol=1e-10):
    got, want = np.asarray(got, float), np.asarray(want, float)
    gap = np.abs(got - want)
    assert np.all(gap <= tol), f"got {got}, want {want}, gap {gap}, tolerance {tol}"


# ---------------------------------------------------------------- relaimpo metrics


@pytest.mark.parametrize("method", ["lmg", "first", "last", "betasq", "pratt", "genizi", "car"])
def test_relaimpo_metrics_on_swiss(method):
    ref = REF["swiss"]
    imp = ss.drivers.importance(SWISS, "Fertility", method=method)
    assert imp.predictors == SWISS_X
    close(imp.table["importance"], [ref[method][c] for c in SWISS_X])
    assert imp.r2 == pytest.approx(ref["r2"], abs=1e-12)


def test_genizi_equals_johnsons_relative_weights():
    a = ss.drivers.importance(SWISS, "Fertility", method="genizi").table["importance"]
    b = ss.drivers.importance(SWISS, "Fertility", method="relative_weights").table["importance"]
    close(a, b, 1e-12)


@pytest.mark.parametrize("method", ["lmg", "first", "last"])
def test_relaimpo_groups(method):
    ref = REF["swiss_groups"][method]
    imp = ss.drivers.importance(SWISS, "Fertility", method=method, sets={"AgEx": ["Agriculture", "Examination"]})
    assert imp.predictors == ["AgEx", "Education", "Catholic", "Infant.Mortality"]
    close(imp.table["importance"], [ref[c] for c in imp.predictors])
    assert imp.sets == {"AgEx": ["Agriculture", "Examination"]}


@pytest.mark.parametrize("method", ["lmg", "first", "last", "betasq", "pratt"])
def test_relaimpo_always(method):
    ref = REF["swiss_always"][method]
    imp = ss.drivers.importance(SWISS, "Fertility", method=method, always="Catholic")
    assert imp.predictors == ["Agriculture", "Examination", "Education", "Infant.Mortality"]
    close(imp.table["importance"], [ref[c] for c in imp.predictors])
    # relaimpo: "21.5 % of variance explained by this regressor"
    assert imp.r2_always == pytest.approx(REF["swiss"]["first"]["Catholic"], abs=1e-12)
    assert "always in the model: Catholic" in str(imp.summary())


def _r2(r, s):
    p = r.shape[0] - 1
    s = list(s)
    return 0.0 if not s else float(r[s, p] @ np.linalg.solve(r[np.ix_(s, s)], r[s, p]))


def test_kruskal_against_a_numpy_reference():
    """Kruskal (1987): squared partial correlation of j given S, averaged over all orders."""
    r = np.corrcoef(SWISS[[*SWISS_X, "Fertility"]].to_numpy().T)
    p = len(SWISS_X)
    want = np.zeros(p)
    for order in itertools.permutations(range(p)):
        for k, j in enumerate(order):
            s = order[:k]
            want[j] += (_r2(r, s + (j,)) - _r2(r, s)) / (1 - _r2(r, s)) / math.factorial(p)
    close(ss.drivers.importance(SWISS, "Fertility", method="kruskal").table["importance"], want, 1e-12)


# ---------------------------------------------------------------- domir


def _complete_from_proportions(rows):
    m = np.asarray([[np.nan if v in (None, "NA") else v for v in row] for row in rows], float)
    out = np.zeros(m.shape, dtype=np.int8)
    out[m == 1.0] = 1
    out[m == 0.0] = -1
    np.fill_diagonal(out, 0)
    return out


def test_domir_lm_general_conditional_complete():
    ref = REF["mtcars_lm"]
    cols = ["am", "vs", "cyl", "carb"]
    imp = ss.drivers.importance(MTCARS, "mpg", columns=cols, method="dominance")
    close(imp.table["importance"], [ref["general"][c] for c in cols])
    close(imp.conditional.to_numpy(), np.asarray(ref["conditional"]))
    np.testing.assert_array_equal(imp.complete.to_numpy(), _complete_from_proportions(ref["complete"]))


def test_domir_sets_and_all():
    ref = REF["mtcars_sets"]
    cols = ["am", "vs", "cyl", "carb", "gear", "wt"]
    imp = ss.drivers.importance(
        MTCARS, "mpg", columns=cols, method="dominance", sets={"trans": ["am", "gear"]}, always="wt"
    )
    order = ref["conditional_names"]  # vs, cyl, carb, trans
    tab = imp.table.loc[order]
    close(tab["importance"], [ref["general"][c] for c in order])
    close(imp.conditional.loc[order].to_numpy(), np.asarray(ref["conditional"]))
    assert imp.r2 == pytest.approx(ref["value"], abs=1e-10)
    # domir prints "All Subset Value: 0.7528328": the R2 of wt alone
    assert imp.r2_always == pytest.approx(np.corrcoef(MTCARS["mpg"], MTCARS["wt"])[0, 1] ** 2, abs=1e-12)
    assert imp.r2_always == pytest.approx(0.7528328, abs=5e-8)
    got = imp.complete.loc[order, order].to_numpy()
    np.testing.assert_array_equal(got, _complete_from_proportions(ref["complete"]))


@pytest.mark.parametrize("stat", ["mcfadden", "estrella"])
def test_domir_logistic_pseudo_r2(stat):
    ref = REF[f"mtcars_{stat}"]
    cols = ["vs", "qsec", "drat", "carb"]
    imp = ss.drivers.importance(MTCARS, "am", columns=cols, method="dominance", model="logistic", pseudo_r2=stat)
    close(imp.table["importance"], [ref["general"][c] for c in cols], 1e-8)
    close(imp.conditional.to_numpy(), np.asarray(ref["conditional"]), 1e-8)
    assert imp.r2 == pytest.approx(ref["value"], abs=1e-8)
    np.testing.assert_array_equal(imp.complete.to_numpy(), _complete_from_proportions(ref["complete"]))


def test_logistic_refuses_a_non_binary_outcome_and_separation():
    with pytest.raises(ss.InputError, match=r"y: row 0: 21; a binary outcome"):
        ss.drivers.importance(MTCARS, "mpg", columns=["vs", "am"], model="logistic")
    df = pd.DataFrame({"x": np.arange(40.0), "z": np.sin(np.arange(40.0)), "y": (np.arange(40) >= 20).astype(float)})
    with pytest.raises(ss.InputError, match=r"'x'.*does not converge.*separation"):
        ss.drivers.importance(df, "y", columns=["x", "z"], model="logistic")


# ---------------------------------------------------------------- bootstrap


def _lmg(r):
    p = r.shape[0] - 1
    v = {s: _r2(r, s) for k in range(p + 1) for s in itertools.combinations(range(p), k)}
    out = np.zeros(p)
    for j in range(p):
        others = [k for k in range(p) if k != j]
        for k in range(p):
            for s in itertools.combinations(others, k):
                wgt = math.factorial(k) * math.factorial(p - k - 1) / math.factorial(p)
                out[j] += wgt * (v[tuple(sorted((*s, j)))] - v[s])
    return out


def _wcorr(d, w):
    m = np.average(d, axis=0, weights=w)
    c = (d - m).T @ ((d - m) * w[:, None]) / w.sum()
    s = np.sqrt(np.diag(c))
    return c / np.outer(s, s)


def _bca(reps, est, jack, alpha):
    from statistics import NormalDist

    nd = NormalDist()
    z0 = nd.inv_cdf(np.mean(reps < est))
    lj = jack.mean() - jack
    a = (lj**3).sum() / (6 * (lj**2).sum() ** 1.5)
    out = []
    for q in (alpha / 2, 1 - alpha / 2):
        z = nd.inv_cdf(q)
        out.append(np.quantile(reps, nd.cdf(z0 + (z0 + z) / (1 - a * (z0 + z)))))
    return out


@pytest.mark.parametrize("weighted", [False, True])
def test_bootstrap_percentile_and_bca_against_a_numpy_reference(weighted):
    """The same resample indices (drivers_bootstrap_indices), a brute-force LMG per resample,
    numpy's type-7 quantiles, and BCa from the definition (Efron 1987) with a jackknife."""
    cols = SWISS_X[:4]
    d = SWISS[[*cols, "Fertility"]].to_numpy(float)
    n = len(d)
    w = np.linspace(0.5, 2.0, n) if weighted else np.ones(n)
    B, seed = 150, 7
    reps = np.array([_lmg(_wcorr(d[i], w[i])) for i in (_core.drivers_bootstrap_indices(n, seed, b) for b in range(B))])
    est = _lmg(_wcorr(d, w))
    jack = np.array([_lmg(_wcorr(np.delete(d, i, 0), np.delete(w, i))) for i in range(n)])
    kw = {"weights": w if weighted else None, "columns": cols, "n_bootstrap": B, "seed": seed}
    pct = ss.drivers.importance(SWISS, "Fertility", **kw)
    close(pct.table["lower"], np.quantile(reps, 0.025, axis=0), 1e-10)
    close(pct.table["upper"], np.quantile(reps, 0.975, axis=0), 1e-10)
    close(pct.table["boot_se"], reps.std(axis=0, ddof=1), 1e-10)
    diff = reps[:, 0] - reps[:, 2]
    close(pct.differences.loc[("Agriculture", "Education"), ["lower", "upper"]], np.quantile(diff, [0.025, 0.975]))
    bca = ss.drivers.importance(SWISS, "Fertility", interval="bca", **kw)
    for j in range(len(cols)):
        close(bca.table[["lower", "upper"]].iloc[j], _bca(reps[:, j], est[j], jack[:, j], 0.05), 1e-9)
    close(
        bca.differences.loc[("Agriculture", "Education"), ["lower", "upper"]],
        _bca(diff, est[0] - est[2], jack[:, 0] - jack[:, 2], 0.05),
        1e-9,
    )


def test_bootstrap_against_relaimpo_within_monte_carlo_error():
    ref = REF["swiss_boot"]
    imp = ss.drivers.importance(SWISS, "Fertility", n_bootstrap=4000, seed=3, interval="bca", workers=2)
    pct = ss.drivers.importance(SWISS, "Fertility", n_bootstrap=4000, seed=3, workers=2)
    se = np.asarray(ref["se"])
    # bootstrap standard errors within 8%; interval limits within a quarter of a standard error
    close(pct.table["boot_se"] / se, np.ones(5), 0.08)
    close(pct.table["lower"], ref["perc_lower"], 0.25 * se)
    close(pct.table["upper"], ref["perc_upper"], 0.25 * se)
    close(imp.table["lower"], ref["bca_lower"], 0.3 * se)
    close(imp.table["upper"], ref["bca_upper"], 0.3 * se)
    # differences: relaimpo lists the pairs in the same order (i < j, value i minus value j)
    dse = pct.differences["boot_se"].to_numpy()
    close(pct.differences["lower"], ref["diff_perc_lower"], 0.3 * dse)
    close(pct.differences["upper"], ref["diff_perc_upper"], 0.3 * dse)
    close(imp.differences["lower"], ref["diff_bca_lower"], 0.35 * dse)
    close(imp.differences["upper"], ref["diff_bca_upper"], 0.35 * dse)


def test_bootstrap_is_the_same_for_any_workers_and_seeded():
    kw = {"n_bootstrap": 300, "seed": 11, "method": "dominance"}
    a = ss.drivers.importance(SWISS, "Fertility", workers=1, **kw)
    b = ss.drivers.importance(SWISS, "Fertility", workers=3, **kw)
    c = ss.drivers.importance(SWISS, "Fertility", workers=1, n_bootstrap=300, seed=12, method="dominance")
    assert a == b
    assert not a.table["lower"].equals(c.table["lower"])
    sh = a.dominance_shares
    # shares are fractions; general dominance of a over b and b over a add to at most 1
    assert ((sh >= 0) & (sh <= 1)).all().all()
    g = sh["general"].unstack().fillna(0.0)
    assert (g + g.T <= 1 + 1e-12).all().all()
    # the complete dominance of the data (Education over Agriculture) is reproduced in most resamples
    assert a.complete.loc["Education", "Agriculture"] == 1
    assert sh.loc[("Education", "Agriculture"), "complete"] > 0.5


@pytest.mark.parametrize("method", ["relative_weights", "first", "last", "pratt", "kruskal"])
def test_bootstrap_of_other_metrics_brackets_the_estimate(method):
    imp = ss.drivers.importance(SWISS, "Fertility", method=method, n_bootstrap=400, seed=5)
    t = imp.table
    assert (t["lower"] < t["upper"]).all()
    assert (t["boot_se"] > 0).all()
    # the replicates centre near the estimate: the interval contains it
    assert ((t["lower"] <= t["importance"]) & (t["importance"] <= t["upper"])).all()
    assert imp.interval == "percentile" and imp.n_bootstrap == 400
    assert "percentile intervals at level 0.95 from 400 resamples" in str(imp.summary())


def test_level_and_alpha_are_one_setting():
    a = ss.drivers.importance(SWISS, "Fertility", n_bootstrap=200, level=0.9)
    b = ss.drivers.importance(SWISS, "Fertility", n_bootstrap=200, alpha=0.1)
    pd.testing.assert_frame_equal(a.table, b.table, rtol=0, atol=1e-15)
    with pytest.raises(ss.ConfigError, match="level, alpha"):
        ss.drivers.importance(SWISS, "Fertility", n_bootstrap=200, alpha=0.1, level=0.9)


def test_sets_and_always_are_checked():
    with pytest.raises(ss.InputError, match=r"sets\['g'\]: 'nope' is not a predictor"):
        ss.drivers.importance(SWISS, "Fertility", sets={"g": ["nope"]})
    with pytest.raises(ss.InputError, match="in a set and in always"):
        ss.drivers.importance(SWISS, "Fertility", sets={"g": ["Catholic", "Education"]}, always=["Catholic"])
    with pytest.raises(ss.ConfigError, match="betasq: predictor sets are for lmg"):
        ss.drivers.importance(SWISS, "Fertility", method="betasq", sets={"g": ["Catholic", "Education"]})
