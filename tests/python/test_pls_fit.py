"""PLS model fit (SRMR, d_ULS, d_G, AIC, BIC) and mediation (specific indirect effects).

References: ADANCO 2.2.1's fit figures shipped with cSEM (copied into
tests/data/pls_adanco_satisfaction_fit.json with repository, path and commit), slow numpy
implementations of cSEM's formulas (csem_fit.R, helper_assess.R) and seminr's
information criteria (compute_metrics.R), and products of path coefficients by hand.
"""

from __future__ import annotations

import json
import math
import pathlib
import warnings

import numpy as np
import pandas as pd
import pytest
import servscore as ss
from servscore.pls import PlsWarning
from test_pls import ECSI

DATA = pathlib.Path(__file__).resolve().parents[1] / "data"
ADANCO = json.loads((DATA / "pls_adanco_satisfaction_fit.json").read_text())


@pytest.fixture(scope="module")
def satisfaction() -> pd.DataFrame:
    return pd.read_csv(DATA / "satisfaction.csv", index_col=0)


@pytest.fixture(scope="module")
def composite(satisfaction: pd.DataFrame) -> ss.PLSResult:
    model = ss.PathModel(ECSI, modes={lv: "B" for lv in ss.PathModel(ECSI).latents})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PlsWarning)  # negative Mode B weights are clipped for the indices
        return model.fit(satisfaction, scale_min=0, scheme="centroid")


@pytest.fixture(scope="module")
def plsc(satisfaction: pd.DataFrame) -> ss.PLSResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PlsWarning)  # corrected EXPE-QUAL 0.98: VIF 25-91
        return ss.PathModel(ECSI, consistent=True).fit(satisfaction, scale_min=0, scheme="centroid")


# ------------------------------------------------------------------ numpy references (cSEM's formulas)
def implied(r: ss.PLSResult, S: np.ndarray, saturated: bool) -> np.ndarray:
    """cSEM's fit(): Lambda' V Lambda + Theta, composite blocks replaced by S."""
    lv = list(r.latents.index)
    block = np.array([lv.index(b) for b in r.outer["latent"]])
    lam = r.outer["loading"].to_numpy()
    C = r.latent_correlations.to_numpy()
    if saturated:
        V = C
    else:
        B = r.paths.to_numpy()
        endo = np.flatnonzero(np.abs(B).sum(axis=1) > 0)
        exo = np.setdiff1d(np.arange(len(lv)), endo)
        Be, G, Phi = B[np.ix_(endo, endo)], B[np.ix_(endo, exo)], C[np.ix_(exo, exo)]
        zeta = np.diag((1 - (B * C).sum(axis=1))[endo])
        inv = np.linalg.inv(np.eye(len(endo)) - Be)
        V = np.zeros_like(C)
        V[np.ix_(exo, exo)] = Phi
        V[np.ix_(exo, endo)] = Phi @ G.T @ inv.T
        V[np.ix_(endo, exo)] = V[np.ix_(exo, endo)].T
        ce = inv @ (G @ Phi @ G.T + zeta) @ inv.T
        np.fill_diagonal(ce, 1.0)
        V[np.ix_(endo, endo)] = ce
    L = np.zeros((len(lv), len(lam)))
    L[block, np.arange(len(lam))] = lam
    Sig = L.T @ V @ L + np.diag(1 - lam**2)
    composites = [j for j in range(len(lv)) if not r.consistent or r.latents["mode"].iloc[j] == "B"]
    for j in composites:
        ix = np.flatnonzero(block == j)
        Sig[np.ix_(ix, ix)] = S[np.ix_(ix, ix)]
    return Sig


def srmr_slow(S: np.ndarray, Sig: np.ndarray) -> float:
    d = 1 / np.sqrt(np.diag(Sig))
    C = Sig * np.outer(d, d)
    total, count = 0.0, 0
    for i in range(len(S)):
        for k in range(i + 1):
            total += (S[i, k] - C[i, k]) ** 2
            count += 1
    return math.sqrt(total / count)


def measures(S: np.ndarray, Sig: np.ndarray) -> tuple[float, float, float]:
    ev = np.linalg.eigvals(np.linalg.solve(S, Sig)).real
    return srmr_slow(S, Sig), 0.5 * float(((S - Sig) ** 2).sum()), 0.5 * float((np.log10(ev) ** 2).sum())


def indicator_corr(r: ss.PLSResult, df: pd.DataFrame) -> np.ndarray:
    return np.corrcoef(df[list(r.outer.index)].to_numpy(dtype=float), rowvar=False)


# ------------------------------------------------------------------ fit
@pytest.mark.parametrize("case", ["composite", "cf"])
def test_saturated_fit_matches_adanco(case: str, request: pytest.FixtureRequest) -> None:
    """ADANCO's SRMR, d_ULS and d_G of the saturated model (cSEM equals ADANCO here)."""
    r = request.getfixturevalue("composite" if case == "composite" else "plsc")
    for m in ("srmr", "d_uls", "d_g"):
        # ADANCO stops at a tolerance of 1e-6; servscore iterates to 1e-10
        assert r.fit.at[m, "saturated"] == pytest.approx(ADANCO[case]["saturated"][m]["value"], abs=1e-6), m


@pytest.mark.parametrize("case", ["composite", "cf"])
def test_fit_matches_slow_numpy_reference(case: str, request: pytest.FixtureRequest) -> None:
    r = request.getfixturevalue("composite" if case == "composite" else "plsc")
    S = indicator_corr(r, request.getfixturevalue("satisfaction"))
    for col, sat in (("saturated", True), ("estimated", False)):
        want = measures(S, implied(r, S, sat))
        got = r.fit[col].to_numpy()
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12, err_msg=col)
    # the estimated model is a restriction of the saturated one
    assert (r.fit["estimated"] >= r.fit["saturated"]).all()


def test_fit_frame_names_and_log_base(satisfaction: pd.DataFrame, composite: ss.PLSResult) -> None:
    assert list(composite.fit.index) == ["srmr", "d_uls", "d_g"]
    assert list(composite.fit.columns) == ["saturated", "estimated"]
    model = ss.PathModel(ECSI, modes={lv: "B" for lv in ss.PathModel(ECSI).latents})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PlsWarning)
        r = model.fit(satisfaction, scale_min=0, scheme="centroid", config={"dg_log_base": math.e})
    np.testing.assert_allclose(r.fit.loc["d_g"], composite.fit.loc["d_g"] * math.log(10) ** 2, rtol=1e-12)
    np.testing.assert_array_equal(r.fit.loc[["srmr", "d_uls"]], composite.fit.loc[["srmr", "d_uls"]])
    with pytest.raises(ss.ConfigError, match="dg_log_base"):
        model.fit(satisfaction, config={"dg_log_base": 1.0})
    d = composite.to_dict()
    assert d["fit"]["srmr"]["saturated"] == pytest.approx(ADANCO["composite"]["saturated"]["srmr"]["value"], abs=1e-6)
    text = str(composite.summary())
    assert "Model fit" in text and "SRMR" in text


def test_aic_bic_as_seminr(satisfaction: pd.DataFrame) -> None:
    """seminr's BIC_func / AIC_func on the PLS scores: SSE = (1 - R2) var(score) (n - 1)."""
    r = ss.PathModel(ECSI).fit(satisfaction, scale_min=0)
    Z = r.scores.to_numpy()
    Z = (Z - Z.mean(axis=0)) / Z.std(axis=0, ddof=1)  # seminr's scores: R's scale(), sd with n - 1
    n = len(Z)
    lv = list(r.latents.index)
    for t in lv:
        preds = [f for f in lv if r.paths.loc[t, f] != 0]
        if not preds:
            assert math.isnan(r.latents.at[t, "aic"]) and math.isnan(r.latents.at[t, "bic"])
            continue
        y = Z[:, lv.index(t)]
        X = np.column_stack([np.ones(n), Z[:, [lv.index(f) for f in preds]]])
        res = y - X @ np.linalg.lstsq(X, y, rcond=None)[0]
        rsq = 1 - res @ res / ((y - y.mean()) @ (y - y.mean()))
        sse = (1 - rsq) * np.var(y, ddof=1) * (n - 1)
        k = len(preds) + 1
        assert r.latents.at[t, "aic"] == pytest.approx(2 * k + n * math.log(sse / n), rel=1e-10), t
        assert r.latents.at[t, "bic"] == pytest.approx(n * math.log(sse / n) + k * math.log(n), rel=1e-10), t


# ------------------------------------------------------------------ mediation
def test_specific_indirect_effects_are_products_of_paths(satisfaction: pd.DataFrame) -> None:
    r = ss.PathModel(ECSI).fit(satisfaction, scale_min=0)
    P = r.paths
    med = r.mediation
    # IMAG -> EXPE -> QUAL -> VAL -> SAT -> LOY and its sub-chains, by hand
    want = {
        "IMAG -> EXPE -> SAT": P.loc["EXPE", "IMAG"] * P.loc["SAT", "EXPE"],
        "IMAG -> EXPE -> QUAL -> VAL -> SAT": P.loc["EXPE", "IMAG"]
        * P.loc["QUAL", "EXPE"]
        * P.loc["VAL", "QUAL"]
        * P.loc["SAT", "VAL"],
        "EXPE -> VAL -> SAT -> LOY": P.loc["VAL", "EXPE"] * P.loc["SAT", "VAL"] * P.loc["LOY", "SAT"],
        "IMAG -> SAT -> LOY": P.loc["SAT", "IMAG"] * P.loc["LOY", "SAT"],
    }
    for name, v in want.items():
        assert med.at[name, "effect"] == pytest.approx(v, rel=1e-14), name
    row = med.loc["IMAG -> EXPE -> SAT"]
    assert (row["from"], row["to"], row["mediators"]) == ("IMAG", "SAT", "EXPE")
    assert row["direct"] == P.loc["SAT", "IMAG"]
    # the specific effects of a pair add up to its indirect effect
    sums = med.groupby(["from", "to"], observed=True)["effect"].sum()
    eff = r.effects.set_index(["from", "to"])
    for (f, t), v in sums.items():
        assert eff.at[(f, t), "indirect"] == pytest.approx(v, abs=1e-14), (f, t)
    assert (eff["indirect"][~eff.index.isin(sums.index)] == 0).all()
    assert med["type"].isna().all() and med["lower"].isna().all()  # no bootstrap: no interval, no type


def test_mediation_bootstrap_intervals_and_zhao_types(satisfaction: pd.DataFrame) -> None:
    m = ss.PathModel(ECSI)
    r = m.fit(satisfaction, scale_min=0, n_bootstrap=200, seed=7, workers=1)
    r2 = m.fit(satisfaction, scale_min=0, n_bootstrap=200, seed=7, workers=2)
    pd.testing.assert_frame_equal(r.mediation, r2.mediation)
    pd.testing.assert_frame_equal(r.effects, r2.effects)
    b = r.bootstrap
    paths = b[b["statistic"] == "path"].reset_index(drop=True)
    cols = {(str(f), str(t)): k for k, (f, t) in enumerate(zip(paths["from"], paths["to"]))}
    path_cols = np.flatnonzero((b["statistic"] == "path").to_numpy())
    samples = r.bootstrap_samples[:, path_cols]
    lo_q, hi_q = 0.025, 0.975
    for name, row in r.mediation.iterrows():
        chain = str(name).split(" -> ")
        prod = np.prod([samples[:, cols[(f, t)]] for f, t in zip(chain, chain[1:])], axis=0)
        assert row["lower"] == pytest.approx(np.quantile(prod, lo_q), rel=1e-12), name
        assert row["upper"] == pytest.approx(np.quantile(prod, hi_q), rel=1e-12), name
        assert row["se"] == pytest.approx(np.std(prod, ddof=1), rel=1e-12), name
        isig = not row["lower"] <= 0 <= row["upper"]
        key = (chain[0], chain[-1])
        dsig = key in cols and not row["direct_lower"] <= 0 <= row["direct_upper"]
        want = (
            ("complementary" if row["effect"] * row["direct"] > 0 else "competitive")
            if isig and dsig
            else "indirect-only"
            if isig
            else "direct-only"
            if dsig
            else "no-effect"
        )
        assert row["type"] == want, name
    assert set(r.mediation["type"]) <= {"complementary", "competitive", "indirect-only", "direct-only", "no-effect"}
    # total-effect intervals from the resampled paths equal the C++ bootstrap's own total rows
    tot = b[b["statistic"] == "total"].set_index(["from", "to"])
    eff = r.effects.set_index(["from", "to"])
    for (f, t), row in tot.iterrows():
        assert eff.at[(f, t), "total_lower"] == pytest.approx(row["lower"], abs=1e-12), (f, t)
        assert eff.at[(f, t), "total_upper"] == pytest.approx(row["upper"], abs=1e-12), (f, t)
    text = str(r.summary())
    assert "IMAG -> EXPE -> SAT" in text and "mediation" in text
