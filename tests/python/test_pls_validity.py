"""PLS reliability and validity: HTMT / HTMT2, rho_c, rho_A, Fornell-Larcker, VIF, f2, PLSc.

References: seminr's own test fixtures (values copied into tests/data/pls_seminr_mobi.json with
their repository, path and commit) and slow numpy implementations written from the formulas.
"""

from __future__ import annotations

import itertools
import json
import pathlib
import warnings

import numpy as np
import pandas as pd
import pytest
import servscore as ss
from servscore.pls import PlsWarning
from test_pls import ECSI  # the published ECSI model (Tenenhaus et al. 2005), stated once

DATA = pathlib.Path(__file__).resolve().parents[1] / "data"
SEMINR = json.loads((DATA / "pls_seminr_mobi.json").read_text())


@pytest.fixture(scope="module")
def satisfaction() -> pd.DataFrame:
    return pd.read_csv(DATA / "satisfaction.csv", index_col=0)


@pytest.fixture(scope="module")
def mobi() -> pd.DataFrame:
    return pd.read_csv(DATA / "mobi.csv", index_col=0)


def seminr_model() -> ss.PathModel:
    m = SEMINR["model"]
    return ss.PathModel(m["blocks"], [tuple(p) for p in m["paths"]])


# ------------------------------------------------------------------ numpy references


def htmt_reference(corr: np.ndarray, blocks: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """HTMT (arithmetic) and HTMT2 (geometric) from the formulas, pair by pair, absolute correlations."""
    a = np.abs(corr)
    J = len(blocks)

    def mono(b: list[int], geo: bool) -> float:
        if len(b) == 1:
            return 1.0
        v = [a[i, k] for i, k in itertools.combinations(b, 2)]
        return float(np.exp(np.mean(np.log(v)))) if geo else float(np.mean(v))

    h = np.eye(J)
    h2 = np.eye(J)
    for j in range(J):
        for k in range(J):
            if j != k:
                het = [a[i, q] for i in blocks[j] for q in blocks[k]]
                h[j, k] = np.mean(het) / np.sqrt(mono(blocks[j], False) * mono(blocks[k], False))
                h2[j, k] = np.exp(np.mean(np.log(het))) / np.sqrt(mono(blocks[j], True) * mono(blocks[k], True))
    return h, h2


def block_positions(model: ss.PathModel) -> list[list[int]]:
    out, at = [], 0
    for cols in model.blocks.values():
        out.append(list(range(at, at + len(cols))))
        at += len(cols)
    return out


# ------------------------------------------------------------------ HTMT


def test_htmt_uses_absolute_correlations_with_a_reverse_coded_indicator(satisfaction: pd.DataFrame) -> None:
    model = ss.PathModel(ECSI)
    flipped = satisfaction.copy()
    flipped["imag2"] = 10 - flipped["imag2"]  # reverse-coded on the 0-10 scale
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PlsWarning)  # the negative weight is clipped for the index
        r = model.fit(flipped, scale_min=0)
    base = model.fit(satisfaction, scale_min=0)
    corr = np.corrcoef(flipped[model.indicators].to_numpy(float), rowvar=False)
    assert (corr[1, [0, 2, 3, 4]] < 0).all()  # the reversal makes imag2's correlations negative
    h, h2 = htmt_reference(corr, block_positions(model))
    np.testing.assert_allclose(r.htmt.to_numpy(), h, atol=1e-12)
    np.testing.assert_allclose(r.htmt2.to_numpy(), h2, atol=1e-12)
    # absolute correlations: reversing an indicator leaves both ratios unchanged
    np.testing.assert_allclose(r.htmt.to_numpy(), base.htmt.to_numpy(), atol=1e-12)
    np.testing.assert_allclose(r.htmt2.to_numpy(), base.htmt2.to_numpy(), atol=1e-12)
    assert not np.allclose(r.htmt.to_numpy(), r.htmt2.to_numpy(), atol=1e-3)
    signed = corr.copy()
    b = block_positions(model)
    het = signed[np.ix_(b[0], b[4])].mean()
    mono_i = signed[np.ix_(b[0], b[0])][np.triu_indices(5, 1)].mean()
    mono_s = signed[np.ix_(b[4], b[4])][np.triu_indices(4, 1)].mean()
    assert abs(het / np.sqrt(mono_i * mono_s) - r.htmt.loc["IMAG", "SAT"]) > 0.05  # the old, signed figure


def test_htmt_matches_the_seminr_fixture(mobi: pd.DataFrame) -> None:
    r = seminr_model().fit(mobi, scheme="path")
    fx = SEMINR["htmt"]["values"]
    for key, v in fx.items():
        a, b = key.split("|")
        assert r.htmt.loc[a, b] == pytest.approx(v, abs=1e-12), key
        assert r.htmt.loc[b, a] == pytest.approx(v, abs=1e-12), key
    h, h2 = htmt_reference(
        np.corrcoef(mobi[seminr_model().indicators].to_numpy(float), rowvar=False), block_positions(seminr_model())
    )
    np.testing.assert_allclose(r.htmt2.to_numpy(), h2, atol=1e-12)


# ------------------------------------------------------------------ reliability, validity, VIF, f2 (seminr)


@pytest.fixture(scope="module")
def composite_path(mobi: pd.DataFrame) -> ss.PLSResult:
    """seminr's test-summary.R / test-validity.R model1: composite mode_A blocks, path weighting."""
    return seminr_model().fit(mobi, scheme="path", indices=False)


def test_reliability_matches_seminr(composite_path: ss.PLSResult) -> None:
    fx = SEMINR["reliability"]["values"]
    lat = composite_path.latents
    for lv, (alpha, rho_c, ave, rho_a) in fx.items():
        # seminr's alpha is the standardised one (item correlations): no iteration involved
        assert lat.loc[lv, "alpha_std"] == pytest.approx(alpha, abs=1e-12), lv
        # seminr stops at sum (w_old - w_new)^2 < 1e-7; servscore iterates to 1e-10
        assert lat.loc[lv, "rho_c"] == pytest.approx(rho_c, abs=1e-9), lv
        assert lat.loc[lv, "ave"] == pytest.approx(ave, abs=1e-9), lv
        assert lat.loc[lv, "rho_a"] == pytest.approx(rho_a, abs=1e-9), lv
    pd.testing.assert_series_equal(composite_path.rho_a, lat["rho_a"])
    pd.testing.assert_series_equal(composite_path.rho_c, lat["rho_c"])


def test_rho_a_factorial_matches_seminr(mobi: pd.DataFrame) -> None:
    r = seminr_model().fit(mobi, scheme="factorial", indices=False)
    for lv, v in SEMINR["rho_a_factorial"]["values"].items():
        assert r.rho_a[lv] == pytest.approx(v, abs=1e-9), lv


def test_fornell_larcker_matches_seminr(composite_path: ss.PLSResult) -> None:
    fx = SEMINR["fornell_larcker"]
    fl = composite_path.fornell_larcker
    for i, row in enumerate(fx["lower"]):
        for j, v in enumerate(row):
            a, b = fx["order"][i], fx["order"][j]
            assert fl.loc[a, b] == pytest.approx(v, abs=1e-9), (a, b)
            assert fl.loc[b, a] == pytest.approx(v, abs=1e-9), (a, b)


def test_vif_matches_seminr(mobi: pd.DataFrame, composite_path: ss.PLSResult) -> None:
    for ind, v in SEMINR["item_vif"]["values"].items():
        assert composite_path.outer.loc[ind, "vif"] == pytest.approx(v, abs=1e-10), ind  # correlations only
    fx = SEMINR["antecedent_vif_model2"]
    model2 = ss.PathModel(SEMINR["model"]["blocks"], [tuple(p) for p in fx["paths"]])
    r = model2.fit(mobi, scheme="path", indices=False)
    inner = r.vif[r.vif["kind"] == "inner"].set_index(["latent", "variable"])["vif"]
    for key, v in fx["values"].items():
        to, frm = key.split("|")
        assert inner[(to, frm)] == pytest.approx(v, abs=1e-9), key
        assert r.inner.set_index(["from", "to"]).loc[(frm, to), "vif"] == pytest.approx(v, abs=1e-9)


# ------------------------------------------------------------------ numpy references


def _standardised_weights(r: ss.PLSResult, data: pd.DataFrame) -> np.ndarray:
    """Outer weights rescaled so that every block's composite of the z-scored indicators has unit variance."""
    x = data[r.model.indicators].to_numpy(float)
    z = (x - x.mean(0)) / x.std(0)
    w = r.outer["weight"].to_numpy().copy()
    if not r.config.scaled:
        w = w * x.std(0)
    for b in block_positions(r.model):
        w[b] /= np.std(z[:, b] @ w[b])
    return w


def _r2(sc: pd.DataFrame, y_name: str, cols: list[str]) -> float:
    """R2 of an OLS regression of score y_name on the scores cols (with intercept)."""
    if not cols:
        return 0.0
    a = np.column_stack([np.ones(len(sc))] + [sc[c].to_numpy() for c in cols])
    y = sc[y_name].to_numpy()
    resid = y - a @ np.linalg.lstsq(a, y, rcond=None)[0]
    return float(1 - resid.var() / y.var())


def test_rho_c_rho_a_vif_f2_against_numpy(satisfaction: pd.DataFrame) -> None:
    model = ss.PathModel(ECSI)
    for scaled in (True, False):
        r = model.fit(satisfaction, scaled=scaled, scale_min=0)
        x = satisfaction[model.indicators].to_numpy(float)
        corr = np.corrcoef(x, rowvar=False)
        w = _standardised_weights(r, satisfaction)
        lam = r.outer["loading"].to_numpy()
        for lv, b in zip(model.latents, block_positions(model)):
            s = lam[b].sum()
            assert r.rho_c[lv] == pytest.approx(s**2 / (s**2 + (1 - lam[b] ** 2).sum()), abs=1e-12)
            wb, kb = w[b], corr[np.ix_(b, b)]
            num = wb @ (kb - np.diag(np.diag(kb))) @ wb
            outer = np.outer(wb, wb)
            den = wb @ (outer - np.diag(np.diag(outer))) @ wb
            assert r.rho_a[lv] == pytest.approx((wb @ wb) ** 2 * num / den, abs=1e-10), lv
            inv = np.linalg.inv(kb)
            np.testing.assert_allclose(r.outer.loc[model.blocks[lv], "vif"], np.diag(inv), rtol=1e-10)
            assert r.fornell_larcker.loc[lv, lv] == pytest.approx(np.sqrt(np.mean(lam[b] ** 2)), abs=1e-12)
        # VIF and f2 of the inner model from the latent scores, by regression
        sc = r.scores
        for t in model.latents:
            preds = [f for f, tt in model.paths if tt == t]
            if not preds:
                continue

            full = _r2(sc, t, preds)
            assert r.latents.loc[t, "r2"] == pytest.approx(full, abs=1e-10)
            for f in preds:
                rest = [g for g in preds if g != f]
                f2 = (full - _r2(sc, t, rest)) / (1 - full)
                assert r.f2.loc[t, f] == pytest.approx(f2, abs=1e-10), (f, t)
                vif = 1 / (1 - _r2(sc, f, rest))
                row = r.inner[(r.inner["from"] == f) & (r.inner["to"] == t)].iloc[0]
                assert row["vif"] == pytest.approx(vif, abs=1e-9) and row["f2"] == pytest.approx(f2, abs=1e-10)
        assert np.isnan(r.f2.loc["IMAG", "SAT"])  # no path SAT -> IMAG


def _collinear_survey(n: int = 400, seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = rng.normal(size=n)
    g = f + 0.1 * rng.normal(size=n)  # X2's factor is nearly X1's: VIF about 100
    y = f + rng.normal(size=n)
    cols = {}
    for name, fac in (("a", f), ("b", g), ("y", y)):
        for k in (1, 2, 3):
            cols[f"{name}{k}"] = fac + 0.5 * rng.normal(size=n)
    return pd.DataFrame(cols)


def test_vif_warning_names_the_constructs_and_limit_is_configurable() -> None:
    df = _collinear_survey()
    m = ss.PathModel("X1 =~ a1 + a2 + a3; X2 =~ b1 + b2 + b3; Y =~ y1 + y2 + y3; Y ~ X1 + X2")
    with pytest.warns(PlsWarning, match=r"vif: predecessor\(s\) of 'Y'.*X1 .*X2 "):
        r = m.fit(df, indices=False)
    v = r.inner.set_index("from")["vif"]
    rho = r.latent_correlations.loc["X1", "X2"]
    assert v["X1"] == pytest.approx(1 / (1 - rho**2), abs=1e-10) and v["X2"] == pytest.approx(v["X1"], abs=1e-12)
    assert v["X1"] > 5
    assert any("vif_limit = 5" in w for w in r.warnings)
    with warnings.catch_warnings():
        warnings.simplefilter("error", PlsWarning)
        quiet = m.fit(df, indices=False, vif_limit=1e6)
    assert not any(w.startswith("vif") for w in quiet.warnings)
    assert ss.PlsConfig.from_dict({"vif_limit": 7}).vif_limit == 7
    with pytest.raises(ss.ConfigError, match="vif_limit"):
        m.fit(df, indices=False, vif_limit=0)
    # Mode B indicators: collinear ones are named with their block
    mb = ss.PathModel("X <~ a1 + a2 + b1; Y =~ y1 + y2 + y3; Y ~ X")
    df2 = df.assign(b1=df["a1"] + 0.05 * np.random.default_rng(2).normal(size=len(df)))
    with pytest.warns(PlsWarning, match=r"Mode B block 'X'.*a1 .*b1 "):
        mb.fit(df2, indices=False)


# ------------------------------------------------------------------ consistent PLS


def test_plsc_matches_seminr(mobi: pd.DataFrame) -> None:
    fx = SEMINR["plsc"]
    r = seminr_model().fit(mobi, scheme="factorial", indices=False, consistent=True)
    assert r.consistent and not r.inadmissible and r.converged
    for f, v in fx["paths"].items():
        assert r.paths.loc["Satisfaction", f] == pytest.approx(v, abs=1e-6), f
    for ind, v in fx["loadings"].items():
        assert r.outer.loc[ind, "loading"] == pytest.approx(v, abs=1e-6), ind
    r2, r2_adj = fx["r2"]["Satisfaction"]
    assert r.latents.loc["Satisfaction", "r2"] == pytest.approx(r2, abs=1e-6)
    assert r.latents.loc["Satisfaction", "r2_adj"] == pytest.approx(r2_adj, abs=1e-6)
    # the same through the model's own switch
    m = ss.PathModel(SEMINR["model"]["blocks"], [tuple(p) for p in SEMINR["model"]["paths"]], consistent=True)
    r2_ = m.fit(mobi, scheme="factorial", indices=False)
    pd.testing.assert_frame_equal(r2_.paths, r.paths)
    assert "consistent" in repr(m) and pickle_round_trip(m) == m and m != seminr_model()
    assert "PLSc" in str(r.summary())


def pickle_round_trip(obj: object) -> object:
    import pickle

    return pickle.loads(pickle.dumps(obj))


@pytest.mark.filterwarnings("ignore:vif:servscore.pls.PlsWarning")  # corrected EXPE-QUAL: VIF 25-48
def test_plsc_against_numpy_with_a_composite(satisfaction: pd.DataFrame) -> None:
    """Mode B blocks are left as they are; Mode A factors corrected with sqrt(rho_A); paths by OLS."""
    model = ss.PathModel(ECSI, modes={"VAL": "B"})
    plain = model.fit(satisfaction, scale_min=0, scheme="path")
    r = model.fit(satisfaction, scale_min=0, scheme="path", consistent=True)
    np.testing.assert_allclose(r.outer["weight"], plain.outer["weight"], atol=1e-15)  # weights are PLS's
    rho = plain.rho_a.to_numpy().copy()
    q = np.sqrt(np.where(np.asarray(model.latents) == "VAL", 1.0, rho))
    R = plain.latent_correlations.to_numpy()
    P = R / np.outer(q, q)
    np.fill_diagonal(P, 1.0)
    np.testing.assert_allclose(r.latent_correlations.to_numpy(), P, atol=1e-12)
    lv = model.latents
    for t in lv:
        preds = [f for f, tt in model.paths if tt == t]
        if not preds:
            continue
        ip, it = [lv.index(f) for f in preds], lv.index(t)
        beta = np.linalg.solve(P[np.ix_(ip, ip)], P[ip, it])
        for f, b in zip(preds, beta):
            assert r.paths.loc[t, f] == pytest.approx(b, abs=1e-12), (f, t)
        assert r.latents.loc[t, "r2"] == pytest.approx(P[ip, it] @ beta, abs=1e-12)
    w = _standardised_weights(plain, satisfaction)
    for j, (name, b) in enumerate(zip(lv, block_positions(model))):
        expected = plain.outer["loading"].to_numpy()[b] if name == "VAL" else q[j] * w[b] / (w[b] @ w[b])
        np.testing.assert_allclose(r.outer["loading"].to_numpy()[b], expected, atol=1e-12)
    assert r.latents.loc["SAT", "ave"] == pytest.approx(np.mean(r.outer.loc[model.blocks["SAT"], "loading"] ** 2))
    # the bootstrap corrects every resample: its "original" rows are the corrected figures
    rb = model.fit(satisfaction, scale_min=0, scheme="path", consistent=True, n_bootstrap=30, seed=3)
    assert rb.bootstrap is not None
    bp = rb.bootstrap[rb.bootstrap["statistic"] == "path"].set_index(["from", "to"])["original"]
    for f, t in model.paths:
        assert bp[(f, t)] == pytest.approx(r.paths.loc[t, f], abs=1e-12)
    assert rb.bootstrap_failed == 0


def _exact_sample(corr: np.ndarray, names: list[str], n: int = 300, seed: int = 5) -> pd.DataFrame:
    """Data whose sample correlation matrix is exactly `corr` (whitened normals times its Cholesky factor)."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, len(names)))
    z -= z.mean(0)
    z = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False, ddof=0))).T
    return pd.DataFrame(z @ np.linalg.cholesky(corr).T, columns=names)


def test_plsc_inadmissible_solutions_are_flagged_not_nan() -> None:
    m = ss.PathModel("A =~ a1 + a2; B =~ b1 + b2; B ~ A", consistent=True)
    # cross-block correlations (0.4) above the within-block ones (0.3): the factors would correlate 4/3
    c = np.full((4, 4), 0.4)
    c[0, 1] = c[1, 0] = c[2, 3] = c[3, 2] = 0.3
    np.fill_diagonal(c, 1.0)
    df = _exact_sample(c, ["a1", "a2", "b1", "b2"])
    with pytest.warns(PlsWarning, match=r"corrected construct correlation.*A-B 1\.33\)"):
        r = m.fit(df, indices=False)
    assert r.inadmissible and r.consistent
    assert r.rho_a["A"] == pytest.approx(4 * 0.3 / 2.6, abs=1e-12)  # 4 w^2 r, w^2 = 1 / (2 + 2 r)
    assert r.latent_correlations.loc["A", "B"] == pytest.approx(4 / 3, abs=1e-12)
    assert r.paths.loc["B", "A"] == pytest.approx(4 / 3, abs=1e-12) and np.isfinite(r.r2).all()
    assert "INADMISSIBLE" in str(r.summary())
    # a negative within-block correlation with both indicators pointing the same way: rho_A < 0
    c = np.array([[1, -0.1, 0.4, 0.4], [-0.1, 1, 0.4, 0.4], [0.4, 0.4, 1, 0.5], [0.4, 0.4, 0.5, 1]])
    df = _exact_sample(c, ["a1", "a2", "b1", "b2"])
    with pytest.warns(PlsWarning, match=r"rho_A is not positive for A -"):
        r = m.fit(df, indices=False)
    assert r.inadmissible and r.rho_a["A"] < 0
    plain = ss.PathModel("A =~ a1 + a2; B =~ b1 + b2; B ~ A").fit(df, indices=False)
    qb = np.sqrt(plain.rho_a["B"])
    assert r.latent_correlations.loc["A", "B"] == pytest.approx(plain.latent_correlations.loc["A", "B"] / qb)
    np.testing.assert_allclose(r.outer.loc[["a1", "a2"], "loading"], plain.outer.loc[["a1", "a2"], "loading"])
    assert all(np.isfinite(r.outer["loading"])) and np.isfinite(r.paths.to_numpy()).all()


# ------------------------------------------------------------------ defaults and edge cases (item 10)


MOBI_BLOCKS = {
    "IMAG": ["IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5"],
    "CUEX": ["CUEX1", "CUEX2", "CUEX3"],
    "PERQ": ["PERQ1", "PERQ2", "PERQ3", "PERQ4", "PERQ5", "PERQ6", "PERQ7"],
    "PERV": ["PERV1", "PERV2"],
    "CUSA": ["CUSA1", "CUSA2", "CUSA3"],
    "CUSL": ["CUSL1", "CUSL2", "CUSL3"],
}
MOBI_PATHS = [
    ("IMAG", "CUEX"), ("IMAG", "CUSA"), ("IMAG", "CUSL"), ("CUEX", "PERQ"), ("CUEX", "PERV"),
    ("CUEX", "CUSA"), ("PERQ", "PERV"), ("PERQ", "CUSA"), ("PERV", "CUSA"), ("CUSA", "CUSL"),
]  # fmt: skip


def test_default_tolerance_converges_tightly_with_mode_b(mobi: pd.DataFrame) -> None:
    m = ss.PathModel(MOBI_BLOCKS, MOBI_PATHS, modes={"IMAG": "B", "PERQ": "B"})
    limit = m.fit(mobi, scheme="factorial", tolerance=1e-15, max_iter=5000, indices=False)
    default = m.fit(mobi, scheme="factorial", indices=False)
    plspm = m.fit(mobi, scheme="factorial", convergence="plspm", tolerance=1e-6, indices=False)
    assert default.config.tolerance == 1e-10 and default.config.convergence == "max_abs" and default.converged
    d_default = np.abs(default.paths.to_numpy() - limit.paths.to_numpy()).max()
    d_plspm = np.abs(plspm.paths.to_numpy() - limit.paths.to_numpy()).max()
    assert d_default < 1e-10
    assert d_plspm > 4e-6  # R plspm's rule stops early on this model (4.9e-6 away)
    assert plspm.iterations < default.iterations


def test_one_indicator_block_bootstrap_t_is_infinite(satisfaction: pd.DataFrame) -> None:
    m = ss.PathModel("IMAG =~ imag1 + imag2 + imag3; SAT =~ sat1; SAT ~ IMAG")
    r = m.fit(satisfaction, scale_min=0, n_bootstrap=50, seed=2)
    assert r.bootstrap is not None
    b = r.bootstrap[r.bootstrap["from"] == "sat1"]
    assert set(b["statistic"]) == {"weight", "loading"}
    assert (b["original"] == 1.0).all() and (b["se"] == 0.0).all() and (b["t"] == np.inf).all()
    others = r.bootstrap[r.bootstrap["from"] == "imag1"]
    assert np.isfinite(others["t"]).all() and (others["se"] > 0).all()


def test_shifted_ratings_are_centred_before_the_variance_test(satisfaction: pd.DataFrame) -> None:
    m = ss.PathModel(ECSI)
    base = m.fit(satisfaction, indices=False)
    cols = m.indicators
    shifted = satisfaction[cols] + 1e7  # variance about 3, mean 1e7
    r = m.fit(shifted, indices=False)
    np.testing.assert_allclose(r.paths.to_numpy(), base.paths.to_numpy(), atol=1e-6)
    np.testing.assert_allclose(r.outer["loading"], base.outer["loading"], atol=1e-6)
    const = shifted.assign(imag1=1e7 + 0.5)
    with pytest.raises(ss.InputError, match="'imag1'.*no variance"):
        m.fit(const, indices=False)


def test_new_config_keys_round_trip() -> None:
    cfg = ss.PlsConfig.from_dict({"convergence": "plspm", "tolerance": 1e-6, "vif_limit": 3.3, "consistent": True})
    assert cfg.convergence == "plspm" and cfg.consistent and cfg.vif_limit == 3.3
    assert ss.PlsConfig.from_json(cfg.to_json()) == cfg
    assert ss.PlsConfig().tolerance == 1e-10 and ss.PlsConfig().max_iter == 300 and ss.PlsConfig().vif_limit == 5
    with pytest.raises(ss.ConfigError, match="max_abs"):
        ss.PlsConfig.from_dict({"convergence": "loose"})


def test_summary_has_the_validity_sections(composite_path: ss.PLSResult) -> None:
    s = composite_path.summary()
    text = str(s)
    for title in ("Reliability", "Fornell-Larcker", "HTMT2"):
        assert title in text, title
    assert "rho_a" in text and "rho_c" in text
    paths = dict(s.sections)["Paths"]
    assert {"vif", "f2"} <= set(paths.columns)
    d = composite_path.to_dict()
    json.dumps(d)
    assert d["htmt2"]["Image"]["Value"] == pytest.approx(composite_path.htmt2.loc["Image", "Value"])


ADANCO = json.loads((DATA / "pls_adanco_satisfaction_cf.json").read_text())


@pytest.mark.filterwarnings("ignore:vif:servscore.pls.PlsWarning")  # corrected EXPE-QUAL 0.98: VIF 25-91
def test_plsc_matches_adanco_shipped_with_csem(satisfaction: pd.DataFrame) -> None:
    """ADANCO 2.2.1's common-factor (PLSc) results for the ECSI bank model, as cSEM compares them."""
    r = ss.PathModel(ECSI, consistent=True).fit(satisfaction, scale_min=0, scheme="centroid")
    assert r.consistent and not r.inadmissible
    # ADANCO stops at a tolerance of 1e-6; servscore iterates to 1e-10: agreement to about 1e-7
    for key, v in ADANCO["paths"].items():
        f, t = key.split("->")
        assert r.paths.loc[t, f] == pytest.approx(v, abs=1e-6), key
    for lv, (r2, r2_adj) in ADANCO["r2"].items():
        assert r.latents.loc[lv, "r2"] == pytest.approx(r2, abs=1e-6), lv
        assert r.latents.loc[lv, "r2_adj"] == pytest.approx(r2_adj, abs=1e-6), lv
    for lv, (rho_a, rho_c, alpha) in ADANCO["reliability"]["values"].items():
        assert r.rho_a[lv] == pytest.approx(rho_a, abs=1e-6), lv
        assert r.rho_c[lv] == pytest.approx(rho_c, abs=1e-6), lv  # from the corrected loadings
        assert r.latents.loc[lv, "alpha_std"] == pytest.approx(alpha, abs=1e-6), lv
    for ind, v in ADANCO["loadings"].items():
        assert r.outer.loc[ind, "loading"] == pytest.approx(v, abs=1e-6), ind
    for key, v in ADANCO["f2"].items():
        f, t = key.split("->")
        assert r.f2.loc[t, f] == pytest.approx(v, rel=1e-6, abs=1e-9), key  # EXPE -> QUAL: 24
    for key, v in ADANCO["htmt"].items():
        a, b = key.split("|")
        assert r.htmt.loc[a, b] == pytest.approx(v, abs=1e-6), key
    for key, v in ADANCO["construct_correlations"].items():
        a, b = key.split("|")
        assert r.latent_correlations.loc[a, b] == pytest.approx(v, abs=1e-6), key
        assert r.fornell_larcker.loc[a, b] == pytest.approx(v, abs=1e-6), key


ADANCO_B = json.loads((DATA / "pls_adanco_satisfaction_composite.json").read_text())


def test_mode_b_model_matches_adanco_shipped_with_csem(satisfaction: pd.DataFrame) -> None:
    """ADANCO 2.2.1 on the ECSI bank model with every block Mode B: paths, R2, f2, indicator VIFs."""
    model = ss.PathModel(ECSI, modes={lv: "B" for lv in ss.PathModel(ECSI).latents})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PlsWarning)  # negative Mode B weights are clipped for the indices
        r = model.fit(satisfaction, scale_min=0, scheme="centroid")
    for key, v in ADANCO_B["paths"].items():
        f, t = key.split("->")
        assert r.paths.loc[t, f] == pytest.approx(v, abs=1e-6), key
    for lv, (r2, r2_adj) in ADANCO_B["r2"].items():
        assert r.latents.loc[lv, "r2"] == pytest.approx(r2, abs=1e-6), lv
        assert r.latents.loc[lv, "r2_adj"] == pytest.approx(r2_adj, abs=1e-6), lv
    for key, v in ADANCO_B["f2"].items():
        f, t = key.split("->")
        assert r.f2.loc[t, f] == pytest.approx(v, rel=1e-6, abs=1e-9), key
    for ind, v in ADANCO_B["indicator_vif"].items():
        assert r.outer.loc[ind, "vif"] == pytest.approx(v, abs=1e-6), ind  # ADANCO differs by ~1e-7


def test_plsc_with_mode_a_composites_matches_seminr(mobi: pd.DataFrame) -> None:
    """seminr's mixed model: reflective Image and Expectation, composite (mode A) Value and Satisfaction."""
    fx = SEMINR["plsc_mixed"]["values"]
    m = seminr_model()
    r = m.fit(mobi, scheme="path", indices=False, consistent=True, composites=["Value", "Satisfaction"])
    plain = m.fit(mobi, scheme="path", indices=False)
    for lv, (ave, rho_a) in fx.items():
        assert r.latents.loc[lv, "ave"] == pytest.approx(ave, abs=1e-9), lv  # from the corrected loadings
        assert r.rho_a[lv] == pytest.approx(rho_a, abs=1e-9), lv
    # the composites keep PLS's loadings and their correlation
    comp = m.blocks["Value"] + m.blocks["Satisfaction"]
    np.testing.assert_allclose(r.outer.loc[comp, "loading"], plain.outer.loc[comp, "loading"], atol=1e-15)
    lc, pc = r.latent_correlations, plain.latent_correlations
    assert lc.loc["Value", "Satisfaction"] == pytest.approx(pc.loc["Value", "Satisfaction"], abs=1e-15)
    q = np.sqrt(plain.rho_a["Image"])
    assert lc.loc["Image", "Value"] == pytest.approx(pc.loc["Image", "Value"] / q, abs=1e-14)
    # the model's own switches, pickling, and an unknown name
    mm = ss.PathModel(
        SEMINR["model"]["blocks"],
        [tuple(p) for p in SEMINR["model"]["paths"]],
        consistent=True,
        composites=["Value", "Satisfaction"],
    )
    pd.testing.assert_frame_equal(mm.fit(mobi, scheme="path", indices=False).paths, r.paths)
    assert pickle_round_trip(mm) == mm and "composites=['Value', 'Satisfaction']" in repr(mm)
    assert ss.PlsConfig.from_dict({"composites": ["Value"]}).composites == ["Value"]
    with pytest.raises(ss.ConfigError, match="unknown latent 'Valeu'"):
        m.fit(mobi, indices=False, consistent=True, composites=["Valeu"])
    with pytest.raises(ss.ConfigError, match="composites"):
        ss.PathModel("A =~ a1 + a2; B =~ b1 + b2; B ~ A", composites=["C"])


def test_htmt_heat_map(composite_path: ss.PLSResult) -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = composite_path.plot(kind="htmt")
    texts = {t.get_text() for t in ax.texts}
    fx = SEMINR["htmt"]["values"]
    assert f"{fx['Image|Satisfaction']:.2f}" in texts and f"{fx['Expectation|Value']:.2f}" in texts
    assert len(ax.texts) == 6  # the lower triangle of 4 latents
    # Image-Expectation 0.888 and Image-Satisfaction 0.910, Expectation-Satisfaction 0.865 exceed 0.85
    assert len(ax.patches) == 3
    ax2 = composite_path.plot(kind="htmt2", limit=0.9, digits=3)
    assert f"{composite_path.htmt2.loc['Satisfaction', 'Image']:.3f}" in {t.get_text() for t in ax2.texts}
    assert "HTMT2" in ax2.get_title() and len(ax2.patches) == 3  # 0.919, 0.912 and 0.901
    with pytest.raises(ss.ConfigError, match="htmt2"):
        composite_path.plot(kind="heat")
    plt.close("all")


@pytest.mark.filterwarnings("ignore:vif:servscore.pls.PlsWarning")
def test_validity_and_plsc_from_moments_equal_the_listwise_fit(satisfaction: pd.DataFrame) -> None:
    m = ss.PathModel(ECSI, consistent=True, composites=["VAL"])
    full = m.fit(satisfaction, scale_min=0, missing="listwise")
    acc = ss.Moments(satisfaction[m.indicators])
    r = m.fit_moments(acc, scale_min=0)
    assert r.consistent and not r.inadmissible
    for name in ("htmt", "htmt2", "fornell_larcker", "f2", "paths", "latent_correlations"):
        np.testing.assert_allclose(getattr(r, name), getattr(full, name), atol=1e-10, err_msg=name)
    for col in ("rho_a", "rho_c", "ave", "r2"):
        np.testing.assert_allclose(r.latents[col], full.latents[col], atol=1e-10, err_msg=col)
    np.testing.assert_allclose(r.vif["vif"], full.vif["vif"], atol=1e-8)
