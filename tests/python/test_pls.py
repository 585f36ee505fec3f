"""PLS path modelling: published figures, the Python plspm package as a peer, numpy references, edge cases."""

from __future__ import annotations

import json
import pathlib
import pickle
import threading
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
import servscore as ss
from hypothesis import given, settings
from hypothesis import strategies as st
from servscore.pls import PlsWarning, parse_syntax

DATA = pathlib.Path(__file__).resolve().parents[1] / "data"

ECSI = """
IMAG =~ imag1 + imag2 + imag3 + imag4 + imag5
EXPE =~ expe1 + expe2 + expe3 + expe4 + expe5
QUAL =~ qual1 + qual2 + qual3 + qual4 + qual5
VAL  =~ val1 + val2 + val3 + val4
SAT  =~ sat1 + sat2 + sat3 + sat4
LOY  =~ loy1 + loy2 + loy3 + loy4
EXPE ~ IMAG
QUAL ~ EXPE
VAL  ~ EXPE + QUAL
SAT  ~ IMAG + EXPE + QUAL + VAL
LOY  ~ IMAG + SAT
"""

MOBI_BLOCKS = {
    "IMAG": ["IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5"],
    "CUEX": ["CUEX1", "CUEX2", "CUEX3"],
    "PERQ": ["PERQ1", "PERQ2", "PERQ3", "PERQ4", "PERQ5", "PERQ6", "PERQ7"],
    "PERV": ["PERV1", "PERV2"],
    "CUSA": ["CUSA1", "CUSA2", "CUSA3"],
    "COMP": ["CUSCO"],  # complaints (plspm forbids an indicator named like its latent)
    "CUSL": ["CUSL1", "CUSL2", "CUSL3"],
}
MOBI_PATHS = [
    ("IMAG", "CUEX"),
    ("IMAG", "CUSA"),
    ("IMAG", "CUSL"),
    ("CUEX", "PERQ"),
    ("CUEX", "PERV"),
    ("CUEX", "CUSA"),
    ("PERQ", "PERV"),
    ("PERQ", "CUSA"),
    ("PERV", "CUSA"),
    ("CUSA", "COMP"),
    ("CUSA", "CUSL"),
    ("COMP", "CUSL"),
]

PUBLISHED_PATHS = {
    ("IMAG", "EXPE"): 0.5789591,
    ("EXPE", "QUAL"): 0.8483444,
    ("EXPE", "VAL"): 0.1054776,
    ("QUAL", "VAL"): 0.6766555,
    ("IMAG", "SAT"): 0.2007242,
    ("EXPE", "SAT"): -0.0027540,
    ("QUAL", "SAT"): 0.1221446,
    ("VAL", "SAT"): 0.5893307,
    ("IMAG", "LOY"): 0.2751496,
    ("SAT", "LOY"): 0.4954793,
}


@pytest.fixture(scope="module")
def satisfaction() -> pd.DataFrame:
    return pd.read_csv(DATA / "satisfaction.csv", index_col=0)


@pytest.fixture(scope="module")
def mobi() -> pd.DataFrame:
    return pd.read_csv(DATA / "mobi.csv", index_col=0)


@pytest.fixture(scope="module")
def published(satisfaction: pd.DataFrame) -> ss.PLSResult:
    # R plspm's stopping rule and tolerance, as the published figures
    return ss.PathModel(ECSI).fit(satisfaction, scaled=False, scale_min=0, convergence="plspm", tolerance=1e-6)


# ------------------------------------------------------------------ published figures


def test_published_satisfaction_figures(published: ss.PLSResult) -> None:
    r = published
    for (f, t), v in PUBLISHED_PATHS.items():
        assert r.paths.loc[t, f] == pytest.approx(v, abs=1e-6), (f, t)
    r2 = {"EXPE": 0.3351937, "QUAL": 0.7196882, "VAL": 0.5900844, "SAT": 0.7073209, "LOY": 0.5099226}
    for lv, v in r2.items():
        assert r.latents.loc[lv, "r2"] == pytest.approx(v, abs=1e-6)
    assert r.gof == pytest.approx(0.609741624, abs=1e-6)
    assert r.latents.loc["IMAG", "alpha_std"] == pytest.approx(0.8302267, abs=1e-6)
    assert r.latents.loc["SAT", "alpha_std"] == pytest.approx(0.8940109, abs=1e-6)
    raw = {
        "IMAG": 0.8218546,
        "EXPE": 0.8431449,
        "QUAL": 0.8685179,
        "VAL": 0.8319666,
        "SAT": 0.8942952,
        "LOY": 0.8206386,
    }
    for lv, v in raw.items():
        assert r.latents.loc[lv, "alpha"] == pytest.approx(v, abs=1e-6)
    assert r.latents.loc["IMAG", "rho"] == pytest.approx(0.8822033, abs=1e-6)
    assert r.latents.loc["SAT", "rho"] == pytest.approx(0.9267006, abs=1e-6)
    eff = r.effects.set_index(["from", "to"])
    assert eff.loc[("IMAG", "LOY"), "total"] == pytest.approx(0.5184156, abs=1e-6)
    assert r.converged and r.n_used == 250 and r.missing == "mean" and r.warnings == ()


def test_alpha_and_htmt_against_numpy(satisfaction: pd.DataFrame, published: ss.PLSResult) -> None:
    blocks = published.model.blocks
    for lv, cols in blocks.items():
        x = satisfaction[cols].to_numpy(float)
        k = x.shape[1]
        cov = np.cov(x, rowvar=False)
        alpha = k / (k - 1) * (1 - np.trace(cov) / cov.sum())
        assert published.latents.loc[lv, "alpha"] == pytest.approx(alpha, abs=1e-12)
        ev = np.linalg.eigvalsh(np.corrcoef(x, rowvar=False))
        assert published.latents.loc[lv, "eig1"] == pytest.approx(ev[-1], abs=1e-10)
        assert published.latents.loc[lv, "eig2"] == pytest.approx(ev[-2], abs=1e-10)
    corr = satisfaction.drop(columns="gender").corr()

    def mono(cols: list[str]) -> float:
        c = corr.loc[cols, cols].to_numpy()
        return float(c[np.triu_indices(len(cols), 1)].mean())

    for a in blocks:
        for b in blocks:
            if a != b:
                het = corr.loc[blocks[a], blocks[b]].to_numpy().mean()
                expected = het / np.sqrt(mono(blocks[a]) * mono(blocks[b]))
                assert published.htmt.loc[a, b] == pytest.approx(expected, abs=1e-12)


def test_outer_model_against_numpy(satisfaction: pd.DataFrame, published: ss.PLSResult) -> None:
    scores = published.scores
    for ind, row in published.outer.iterrows():
        c = np.corrcoef(satisfaction[ind], scores[row["latent"]])[0, 1]
        assert row["loading"] == pytest.approx(c, abs=1e-10)
        assert row["communality"] == pytest.approx(c * c, abs=1e-10)
    # the latent scores are the centred data times the outer weights
    x = satisfaction[published.outer.index].to_numpy(float)
    x = x - x.mean(axis=0)
    w = published.outer["weight"].to_numpy()
    for lv in published.latents.index:
        m = (published.outer["latent"] == lv).to_numpy()
        np.testing.assert_allclose(scores[lv], x[:, m] @ w[m], atol=1e-10)
    # path coefficients by OLS on the scores
    beta, *_ = np.linalg.lstsq(scores[["IMAG", "EXPE", "QUAL", "VAL"]].to_numpy(), scores["SAT"].to_numpy(), rcond=None)
    np.testing.assert_allclose(beta, published.paths.loc["SAT", ["IMAG", "EXPE", "QUAL", "VAL"]], atol=1e-10)


def test_ipma_against_numpy(satisfaction: pd.DataFrame, published: ss.PLSResult) -> None:
    r = published
    assert r.ipma_target == "LOY" and r.ipma is not None and r.ipma_indicators is not None
    # rescale the indicators to 0-100, build the latents with the index weights, regress, total effects
    x = (satisfaction[r.outer.index].to_numpy(float) - 0.0) / 10.0 * 100
    lv = list(r.latents.index)
    u = np.column_stack(
        [
            x[:, (r.outer["latent"] == lat).to_numpy()] @ r.outer.loc[r.outer["latent"] == lat, "index_weight"]
            for lat in lv
        ]
    )
    np.testing.assert_allclose(u, r.index_scores.to_numpy(), atol=1e-10)
    np.testing.assert_allclose(u.mean(axis=0), r.latents["index"], atol=1e-10)
    b = np.zeros((len(lv), len(lv)))
    for t in lv:
        preds = [f for f, to in r.model.paths if to == t]
        if preds:
            a = np.column_stack([u[:, lv.index(p)] for p in preds] + [np.ones(len(u))])
            coef, *_ = np.linalg.lstsq(a, u[:, lv.index(t)], rcond=None)
            for p, c in zip(preds, coef[:-1]):
                b[lv.index(t), lv.index(p)] = c
    total = np.linalg.inv(np.eye(len(lv)) - b) - np.eye(len(lv))
    for name, row in r.ipma.iterrows():
        assert row["importance"] == pytest.approx(total[lv.index("LOY"), lv.index(name)], abs=1e-10)
        assert row["performance"] == pytest.approx(r.latents.loc[name, "index"], abs=1e-12)
    ii = r.ipma_indicators
    exp = ii["latent"].map(r.ipma["importance"]) * r.outer.loc[ii.index, "index_weight"]
    np.testing.assert_allclose(ii["importance"], exp, atol=1e-12)
    np.testing.assert_allclose(ii["performance"], satisfaction[ii.index].mean().to_numpy() * 10, atol=1e-10)


def test_index_uses_unstandardised_weights_on_scaled_data(satisfaction: pd.DataFrame) -> None:
    r = ss.PathModel(ECSI).fit(satisfaction, scale_min=0)  # scaled (the default)
    o = r.outer
    for lv in r.latents.index:
        b = o[o["latent"] == lv]
        raw = b["weight"] / b["sd"]
        w = raw / raw.sum()
        np.testing.assert_allclose(b["index_weight"], w, atol=1e-12)
        assert r.latents.loc[lv, "index"] == pytest.approx(100 * (w * b["mean"]).sum() / 10, abs=1e-10)


# ------------------------------------------------------------------ Python plspm as a peer


def _plspm() -> Any:
    """The Python plspm package, with its pandas-3 incompatibility (``path.loc[dv,]``) patched in memory."""
    pytest.importorskip("plspm")
    import plspm.inner_model as im
    import plspm.plspm as pp

    if "path.loc[dv,]" in pathlib.Path(im.__file__).read_text():
        src = pathlib.Path(im.__file__).read_text().replace("path.loc[dv,]", "path.loc[dv]")
        exec(compile(src, im.__file__, "exec"), im.__dict__)
        pp.im = im
    return pp


@pytest.mark.parametrize(
    ("scheme", "mode_b", "scaled"),
    [("path", (), True), ("factorial", ("IMAG", "PERV"), True), ("centroid", ("CUEX",), False)],
)
def test_matches_python_plspm_on_mobi(mobi: pd.DataFrame, scheme: str, mode_b: tuple[str, ...], scaled: bool) -> None:
    pp = _plspm()
    import plspm.config as c
    from plspm.mode import Mode
    from plspm.scheme import Scheme

    lvs = list(MOBI_BLOCKS)
    path = pd.DataFrame(0, index=lvs, columns=lvs)
    for f, t in MOBI_PATHS:
        path.loc[t, f] = 1
    # plspm's scaled=True divides every column by ONE pooled sd (DataFrame.stack().std()), unlike R
    # plspm's per-column standardisation; give it per-column z-scores (population sd) and scaled=False.
    peer_data = (mobi - mobi.mean()) / mobi.std(ddof=0) if scaled else mobi
    cfg = c.Config(path, scaled=False)
    for lv, cols in MOBI_BLOCKS.items():
        cfg.add_lv(lv, Mode.B if lv in mode_b else Mode.A, *[c.MV(x) for x in cols])
    peer = pp.Plspm(peer_data, cfg, Scheme[scheme.upper()], iterations=1000, tolerance=1e-13)

    model = ss.PathModel(MOBI_BLOCKS, MOBI_PATHS, modes={lv: "B" for lv in mode_b})
    r = model.fit(mobi, scheme=scheme, scaled=scaled, tolerance=1e-13, max_iter=1000)
    assert r.converged
    pc = peer.path_coefficients()
    for f, t in MOBI_PATHS:
        assert r.paths.loc[t, f] == pytest.approx(pc.loc[t, f], abs=1e-7), (f, t)
    inner = peer.inner_summary()
    for lv in lvs:
        assert r.latents.loc[lv, "r2"] == pytest.approx(inner.loc[lv, "r_squared"], abs=1e-7)
        if lv not in mode_b:  # plspm reports AVE for Mode A blocks only
            assert r.latents.loc[lv, "ave"] == pytest.approx(inner.loc[lv, "ave"], abs=1e-7)
    outer = peer.outer_model()
    for ind in r.outer.index:
        assert r.outer.loc[ind, "loading"] == pytest.approx(outer.loc[ind, "loading"], abs=1e-7)
        assert r.outer.loc[ind, "redundancy"] == pytest.approx(outer.loc[ind, "redundancy"], abs=1e-7)
        # plspm leaves weights unscaled by the data sd when scaled=False, as servscore does
        assert r.outer.loc[ind, "weight"] == pytest.approx(outer.loc[ind, "weight"], abs=1e-7)
    assert r.gof == pytest.approx(peer.goodness_of_fit(), abs=1e-7)
    uni = peer.unidimensionality()
    for lv in lvs:
        if len(MOBI_BLOCKS[lv]) > 1:
            assert r.latents.loc[lv, "eig1"] == pytest.approx(uni.loc[lv, "eig_1st"], abs=1e-7)
            assert r.latents.loc[lv, "eig2"] == pytest.approx(uni.loc[lv, "eig_2nd"], abs=1e-7)
            if lv not in mode_b:
                assert r.latents.loc[lv, "alpha_std"] == pytest.approx(uni.loc[lv, "cronbach_alpha"], abs=1e-7)
                assert r.latents.loc[lv, "rho"] == pytest.approx(uni.loc[lv, "dillon_goldstein_rho"], abs=1e-7)
    eff = peer.effects().set_index(["from", "to"])
    mine = r.effects.set_index(["from", "to"])
    for key, row in eff.iterrows():
        assert mine.loc[key, "total"] == pytest.approx(row["total"], abs=1e-7)
        assert mine.loc[key, "indirect"] == pytest.approx(row["indirect"], abs=1e-7)
    np.testing.assert_allclose(r.scores.to_numpy(), peer.scores()[lvs].to_numpy(), atol=1e-6)
    cl = peer.crossloadings()
    np.testing.assert_allclose(r.cross_loadings.to_numpy(), cl.loc[r.outer.index, lvs].to_numpy(), atol=1e-7)


# ------------------------------------------------------------------ bootstrap


def test_bootstrap_identical_for_any_workers(satisfaction: pd.DataFrame) -> None:
    m = ss.PathModel(ECSI)
    a = m.fit(satisfaction, scaled=False, scale_min=0, n_bootstrap=60, seed=5, workers=1)
    b = m.fit(satisfaction, scaled=False, scale_min=0, n_bootstrap=60, seed=5, workers=4)
    assert a.bootstrap is not None and b.bootstrap is not None
    pd.testing.assert_frame_equal(a.bootstrap, b.bootstrap)
    np.testing.assert_array_equal(a.bootstrap_samples, b.bootstrap_samples)
    c = m.fit(satisfaction, scaled=False, scale_min=0, n_bootstrap=60, seed=6)
    assert not np.array_equal(a.bootstrap_samples, c.bootstrap_samples)
    bt = a.bootstrap
    s = a.bootstrap_samples
    assert s is not None
    np.testing.assert_allclose(bt["se"], s.std(axis=0, ddof=1), rtol=1e-12)
    np.testing.assert_allclose(bt["mean"], s.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(bt["lower"], np.quantile(s, 0.025, axis=0), rtol=1e-12)
    np.testing.assert_allclose(bt["upper"], np.quantile(s, 0.975, axis=0), rtol=1e-12)
    np.testing.assert_allclose(bt["t"], bt["original"] / bt["se"], rtol=1e-12)
    paths = bt[bt["statistic"] == "path"].set_index(["from", "to"])
    for (f, t), v in PUBLISHED_PATHS.items():
        assert paths.loc[(f, t), "original"] == pytest.approx(v, abs=1e-6)
    assert set(bt["statistic"]) == {"weight", "loading", "path", "total", "r2"}
    assert a.bootstrap_failed == 0 and "bootstrap" in a.summary()


def test_bootstrap_estimates_match_a_numpy_resample(satisfaction: pd.DataFrame) -> None:
    """Each bootstrap row is a full PLS fit of its resample: refit one resample and compare."""
    m = ss.PathModel(ECSI)
    r = m.fit(satisfaction, scaled=False, scale_min=0, n_bootstrap=3, seed=9)
    assert r.bootstrap is not None and r.bootstrap_samples is not None
    # the resample itself is internal; instead check consistency: sample paths near the original
    bp = r.bootstrap_samples[:, (r.bootstrap["statistic"] == "path").to_numpy()]
    orig = r.bootstrap.loc[r.bootstrap["statistic"] == "path", "original"].to_numpy()
    assert np.abs(bp - orig).max() < 0.3
    r2 = r.bootstrap_samples[:, (r.bootstrap["statistic"] == "r2").to_numpy()]
    assert ((r2 > 0) & (r2 < 1)).all()


def test_bootstrap_zero_variance_resamples_are_counted() -> None:
    rng = np.random.default_rng(3)
    n = 12
    f = rng.normal(size=n)
    df = pd.DataFrame(
        {
            "a": 5 + f + 0.5 * rng.normal(size=n),
            "b": np.where(np.arange(n) == 0, 2.0, 1.0),
            "c": 5 + f + 0.5 * rng.normal(size=n),
            "d": 5 + f + 0.5 * rng.normal(size=n),
        }
    )
    m = ss.PathModel("X =~ a + b; Y =~ c + d; Y ~ X")
    with pytest.warns(PlsWarning, match="resample"):
        r = m.fit(df, n_bootstrap=300, seed=2, workers=2)
    # P(record 0 absent) = (11/12)^12 = 0.352
    assert 60 < r.bootstrap_failed < 150
    assert r.bootstrap is not None and np.isfinite(r.bootstrap["se"]).all()
    assert r.bootstrap_samples is not None and len(r.bootstrap_samples) == 300 - r.bootstrap_failed


# ------------------------------------------------------------------ model and syntax


def test_syntax_round_trip_and_forms() -> None:
    m = ss.PathModel(ECSI)
    assert m.latents == ["IMAG", "EXPE", "QUAL", "VAL", "SAT", "LOY"]
    assert ss.PathModel(m.to_syntax()) == m
    assert ss.PathModel.from_json(m.to_json()) == m
    assert pickle.loads(pickle.dumps(m)) == m
    m2 = ss.PathModel(
        m.blocks,
        {
            "EXPE": ["IMAG"],
            "QUAL": "EXPE",
            "VAL": ["EXPE", "QUAL"],
            "SAT": ["IMAG", "EXPE", "QUAL", "VAL"],
            "LOY": ["IMAG", "SAT"],
        },
    )
    assert sorted(m2.paths) == sorted(m.paths)
    m3 = ss.PathModel({"A": ["a1", "a2"], "B": ["b1"]}, ["A -> B"], modes={"A": "B"})
    assert m3.modes == {"A": "B", "B": "A"}
    assert parse_syntax("F <~ f1 + f2 # formative\nG =~ g1; G ~ F")["blocks"][0]["mode"] == "B"


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("A =~ a1\nB =~ b1\nB ~ A\nA ~ B", "cycle"),
        ("A =~ a1\nB =~ b1\nB ~ C", "unknown latent 'C'"),
        ("A =~ a1\nB =~ b1", "connected to no other"),
        ("A =~ a1\nB =~ a1\nB ~ A", "already in block"),
        ("A =~ a1\nA =~ a2", "declared twice"),
        ("A => a1", "cannot read"),
        ("A =~ a1 + \nB =~ b1\nB ~ A", "invalid name"),
        ("A =~ a1", "at least two"),
    ],
)
def test_invalid_models_are_config_errors(text: str, match: str) -> None:
    with pytest.raises(ss.ConfigError, match=match):
        ss.PathModel(text)


def test_empty_block_and_missing_column(satisfaction: pd.DataFrame) -> None:
    with pytest.raises(ss.ConfigError, match="'B' is empty"):
        ss.PathModel({"A": ["imag1"], "B": []}, [("A", "B")])
    m = ss.PathModel("A =~ imag1 + nope; B =~ sat1; B ~ A")
    with pytest.raises(ss.ConfigError, match=r"'nope' \(block 'A'\)"):
        m.fit(satisfaction, scale_min=0)
    with pytest.raises(ss.ConfigError, match="scheme"):
        ss.PathModel(ECSI).fit(satisfaction, scheme="spiral")


# ------------------------------------------------------------------ degenerate inputs


def test_constant_column_is_an_input_error(satisfaction: pd.DataFrame) -> None:
    df = satisfaction.copy()
    df["qual3"] = 7
    with pytest.raises(ss.InputError, match=r"'qual3' \(block 'QUAL'\): no variance"):
        ss.PathModel(ECSI).fit(df, scale_min=0)


def test_collinear_mode_b_block(satisfaction: pd.DataFrame) -> None:
    df = satisfaction.copy()
    df["val3"] = (df["val1"] + df["val2"]) / 2
    m = ss.PathModel(ECSI.replace("VAL  =~", "VAL  <~"))
    with pytest.raises(ss.InputError, match=r"'VAL' \(Mode B\).*collinear \(rank 3 of 4\)"):
        m.fit(df, scale_min=0)
    # Mode A handles it
    assert ss.PathModel(ECSI).fit(df, scale_min=0).converged


def test_one_indicator_block(satisfaction: pd.DataFrame) -> None:
    r = ss.PathModel("IMAG =~ imag1 + imag2 + imag3; SAT =~ sat1; SAT ~ IMAG").fit(satisfaction, scale_min=0)
    assert r.outer.loc["sat1", "loading"] == pytest.approx(1.0)
    assert r.outer.loc["sat1", "weight"] == pytest.approx(1.0)
    assert r.outer.loc["sat1", "index_weight"] == 1.0
    row = r.latents.loc["SAT"]
    assert (row["alpha"], row["alpha_std"], row["rho"], row["eig1"], row["eig2"]) == (1.0, 1.0, 1.0, 1.0, 0.0)
    assert r.latents.loc["SAT", "index"] == pytest.approx(satisfaction["sat1"].mean() * 10)
    # one predictor: the path is the correlation of the scores
    assert r.paths.loc["SAT", "IMAG"] == pytest.approx(np.corrcoef(r.scores["IMAG"], r.scores["SAT"])[0, 1])


def test_non_positive_index_weights_warned_and_clipped() -> None:
    # Mode B with a suppressor: x2 gets a negative weight
    rng = np.random.default_rng(0)
    n = 400
    t = rng.normal(size=n)
    noise = rng.normal(size=n)
    df = pd.DataFrame(
        {
            "x1": t + noise,
            "x2": noise + 0.3 * rng.normal(size=n),
            "y1": t + 0.3 * rng.normal(size=n),
            "y2": t + 0.3 * rng.normal(size=n),
        }
    )
    df = (df - df.min()) / (df.max() - df.min()) * 9 + 1
    m = ss.PathModel("X <~ x1 + x2; Y =~ y1 + y2; Y ~ X")
    with pytest.warns(PlsWarning, match=r"non-positive outer weight\(s\) for x2 set to 0"):
        r = m.fit(df)
    assert r.outer.loc["x2", "weight"] < 0
    assert r.outer.loc["x2", "index_weight"] == 0.0
    assert r.outer.loc["x1", "index_weight"] == 1.0
    assert r.latents.loc["X", "index"] == pytest.approx((df["x1"].mean() - 1) / 9 * 100)
    assert any("x2" in w for w in r.warnings)


def test_values_outside_the_scale_and_non_numeric(satisfaction: pd.DataFrame) -> None:
    m = ss.PathModel(ECSI)
    with pytest.raises(
        ss.InputError, match=r"column 'expe2', row 17: value 0; expected a value in \[1, 10\].*scale_min"
    ):
        m.fit(satisfaction)  # default scale 1-10, the data have zeros
    df = satisfaction.copy()
    df.index = [f"r{i}" for i in range(len(df))]
    df.loc["r7", "sat2"] = 12
    with pytest.raises(ss.InputError, match=r"column 'sat2', row 'r7': value 12"):
        m.fit(df, scale_min=0)
    df = satisfaction.astype({"loy1": object})
    df.loc[df.index[3], "loy1"] = "n/a"
    with pytest.raises(ss.InputError, match="loy1.*not a number"):
        m.fit(df, scale_min=0)
    r = m.fit(satisfaction, indices=False)  # no indices: no scale check
    assert r.index is None and r.ipma is None and r.index_scores is None


def test_no_convergence_is_reported(satisfaction: pd.DataFrame) -> None:
    with pytest.warns(PlsWarning, match="did not converge"):
        r = ss.PathModel(ECSI).fit(satisfaction, scale_min=0, max_iter=1)
    assert not r.converged and r.iterations == 1
    assert "NOT converged" in repr(r)


# ------------------------------------------------------------------ missing data


def test_missing_values_mean_and_listwise(satisfaction: pd.DataFrame) -> None:
    df = satisfaction.astype({c: float for c in satisfaction.columns if c != "gender"})
    df.iloc[0, 0] = np.nan
    df.iloc[5, 10] = None
    df.iloc[5, 11] = np.nan
    m = ss.PathModel(ECSI)
    a = m.fit(df, scale_min=0)
    assert (a.n_missing, a.n_incomplete, a.n_used, a.missing) == (3, 2, 250, "mean")
    filled = df.fillna(df.mean(numeric_only=True))
    b = m.fit(filled, scale_min=0)
    np.testing.assert_allclose(a.paths, b.paths, atol=1e-12)
    lw = m.fit(df, scale_min=0, missing="listwise")
    assert (lw.n_used, lw.missing) == (248, "listwise")
    assert lw.scores.iloc[[0, 5]].isna().all().all() and lw.scores.drop(index=df.index[[0, 5]]).notna().all().all()
    c = m.fit(df.dropna(), scale_min=0)
    np.testing.assert_allclose(lw.paths, c.paths, atol=1e-12)
    assert "listwise" in lw.summary()


# ------------------------------------------------------------------ inputs, results, threads


def test_other_inputs(satisfaction: pd.DataFrame, published: ss.PLSResult) -> None:
    m = published.model
    x = satisfaction[m.indicators].to_numpy(float)
    r = m.fit(x, columns=m.indicators, scaled=False, scale_min=0, convergence="plspm", tolerance=1e-6)
    np.testing.assert_allclose(r.paths, published.paths, atol=1e-14)
    pl = pytest.importorskip("polars")
    r = m.fit(pl.from_pandas(satisfaction), scaled=False, scale_min=0, convergence="plspm", tolerance=1e-6)
    np.testing.assert_allclose(r.paths, published.paths, atol=1e-14)
    with pytest.raises(ss.InputError, match="columns="):
        m.fit(x)


def test_result_protocol(published: ss.PLSResult) -> None:
    d = published.to_dict()
    json.dumps(d)
    assert d["model"]["blocks"][0]["name"] == "IMAG"
    assert "scores" not in d
    assert "Latent variables" in published.summary() and "HTMT" in published.summary()
    assert "<table" in published._repr_html_()
    assert published.r2.index.tolist() == ["EXPE", "QUAL", "VAL", "SAT", "LOY"]
    cfg = ss.PlsConfig(scheme="path", bootstrap=10)
    assert pickle.loads(pickle.dumps(cfg)) == cfg and ss.PlsConfig.from_json(cfg.to_json()) == cfg


def test_plot(published: ss.PLSResult) -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = published.plot()
    texts = [t.get_text() for t in ax.texts]
    assert "0.58" in texts and "0.50" in texts and "-0.00" in texts
    assert any(t.startswith("SAT") for t in texts)
    ax2 = published.plot(kind="ipma")
    assert "LOY" in ax2.get_xlabel()
    ss.set_language("zh")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            ax3 = published.plot()
        assert "路径" in ax3.get_title()
    finally:
        ss.set_language("en")
    plt.close("all")


def test_threads_release_the_gil(satisfaction: pd.DataFrame, published: ss.PLSResult) -> None:
    m = published.model
    out: list[ss.PLSResult] = []

    def run() -> None:
        out.append(
            m.fit(satisfaction, scaled=False, scale_min=0, n_bootstrap=20, seed=1, convergence="plspm", tolerance=1e-6)
        )

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(out) == 4
    for r in out:
        np.testing.assert_array_equal(r.paths, published.paths)
        np.testing.assert_array_equal(r.bootstrap_samples, out[0].bootstrap_samples)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(30, 120))
def test_property_indices_in_range_and_row_order_invariance(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    f = rng.normal(size=n)
    g = 0.6 * f + 0.8 * rng.normal(size=n)
    cols = {}
    for k in range(3):
        cols[f"a{k}"] = np.clip(np.round(6 + 1.5 * f + rng.normal(size=n)), 1, 10)
        cols[f"b{k}"] = np.clip(np.round(6 + 1.5 * g + rng.normal(size=n)), 1, 10)
    df = pd.DataFrame(cols)
    if (df.std() == 0).any():
        return
    m = ss.PathModel("A =~ a0 + a1 + a2; B =~ b0 + b1 + b2; B ~ A")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PlsWarning)
        r = m.fit(df)
        r2 = m.fit(df.sample(frac=1.0, random_state=seed % 1000))
    assert ((r.latents["index"] >= 0) & (r.latents["index"] <= 100)).all()
    assert (r.outer["index_weight"] >= 0).all()
    np.testing.assert_allclose(r.outer.groupby("latent")["index_weight"].sum(), 1.0)
    np.testing.assert_allclose(r.paths, r2.paths, atol=1e-9)
    assert r.latents.loc["B", "r2"] == pytest.approx(r.paths.loc["B", "A"] ** 2, abs=1e-12)


# ------------------------------------------------------------------ sample data, report, command line


def test_index_survey_recovers_the_planted_paths() -> None:
    data = ss.datasets.sample(seed=2026)
    df = data.index_survey
    truth = data.truth["index_survey"]
    assert len(df) == 1500 and 0 < df.isna().mean().mean() < 0.03
    values = df.drop(columns=["respondent_id", "segment"]).to_numpy()
    assert np.nanmin(values) >= 1 and np.nanmax(values) <= 10
    r = ss.PathModel(truth["model"]).fit(df)
    err = [r.paths.loc[t, f] - v for (f, t), v in ((k.split(" -> "), v) for k, v in truth["paths"].items())]
    assert np.abs(err).max() < 0.1  # PLS composites attenuate paths a little; n = 1500
    assert np.abs(err).mean() < 0.04
    sat = r.paths.loc["SAT", ["IMAG", "EXPE", "QUAL", "VAL"]]
    assert sat.idxmax() == "VAL"  # the planted strongest direct driver
    assert (r.outer["loading"] > 0.8).all()
    assert r.n_missing > 0 and r.missing == "mean"


def test_report_section() -> None:
    pytest.importorskip("matplotlib")
    from servscore.report import build_report

    data = ss.datasets.sample(seed=2026)
    rep = build_report({"index_survey": data.index_survey})
    keys = [s.key for s in rep.sections]
    assert "pls" in keys
    sec = rep.sections[keys.index("pls")]
    r = ss.PathModel(data.truth["index_survey"]["model"]).fit(data.index_survey)
    assert any(f"satisfaction index {r.latents.loc['SAT', 'index']:.1f}" in f for f in sec.findings)
    # planted total effects on SAT: QUAL 0.30 + 0.55 x 0.40 = 0.52 is the largest (EXPE 0.44, IMAG 0.44, VAL 0.40)
    assert any("strongest driver of satisfaction: QUAL" in f for f in sec.findings)
    assert len(sec.figures) == 2
    # the bank data (0-10 scale) are recognised too
    bank = pd.read_csv(DATA / "satisfaction.csv", index_col=0)
    rep = build_report({"bank": bank})
    sec = rep.sections[[s.key for s in rep.sections].index("pls")]
    assert any("scale 0-10" in f for f in sec.findings)
    assert build_report({"x": pd.DataFrame({"imag1": [1, 2]})}).sections == [] or all(
        s.key != "pls" for s in build_report({"x": pd.DataFrame({"imag1": [1, 2]})}).sections
    )


def test_cli(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    from servscore.cli import main

    syntax = tmp_path / "model.txt"
    syntax.write_text(ECSI)
    data = DATA / "satisfaction.csv"
    assert main(["pls", str(data), "--model", str(syntax), "--unscaled", "--scale", "0", "10"]) == 0
    out = capsys.readouterr().out
    assert "GoF 0.6097" in out and "Latent variables" in out
    paths_csv = tmp_path / "paths.csv"
    assert (
        main(
            [
                "pls",
                str(data),
                "--model",
                str(syntax),
                "--unscaled",
                "--scale",
                "0",
                "10",
                "--table",
                "paths",
                "-o",
                str(paths_csv),
            ]
        )
        == 0
    )
    t = pd.read_csv(paths_csv).set_index(["from", "to"])
    for (f, to), v in PUBLISHED_PATHS.items():
        assert t.loc[(f, to), "estimate"] == pytest.approx(v, abs=1e-6)
    # model and options in one JSON config
    cfg = tmp_path / "cfg.json"
    cfg.write_text(
        json.dumps({"model": ss.PathModel(ECSI).to_dict(), "scaled": False, "scale_min": 0, "bootstrap": 20, "seed": 4})
    )
    boot = tmp_path / "boot.jsonl"
    assert main(["pls", str(data), "--config", str(cfg), "--table", "bootstrap", "-o", str(boot)]) == 0
    b = pd.read_json(boot, lines=True)
    assert set(b["statistic"]) == {"weight", "loading", "path", "total", "r2"}
    # exit codes: 2 for usage / configuration, 1 for data errors
    assert main(["pls", str(data)]) == 2
    assert "a model is required" in capsys.readouterr().err
    bad = tmp_path / "bad.txt"
    bad.write_text("A =~ imag1\nB =~ sat1\nB ~ A\nA ~ B\n")
    assert main(["pls", str(data), "--model", str(bad)]) == 2
    assert "cycle" in capsys.readouterr().err
    assert main(["pls", str(data), "--model", str(syntax)]) == 1  # zeros outside the default 1-10 scale
    assert "value 0" in capsys.readouterr().err


# ------------------------------------------------------------------ from a mergeable co-moment state


def test_fit_moments_equals_listwise_fit(satisfaction: pd.DataFrame) -> None:
    df = satisfaction.astype({c: float for c in satisfaction.columns if c != "gender"})
    df.iloc[3, 2] = np.nan
    m = ss.PathModel(ECSI)
    full = m.fit(df, scaled=False, scale_min=0, missing="listwise")
    acc = ss.Moments(columns=m.indicators)
    for start in range(0, len(df), 37):
        acc.update(df.iloc[start : start + 37])
    r = m.fit_moments(acc, scaled=False, scale_min=0)
    np.testing.assert_allclose(r.paths, full.paths, atol=1e-10)
    for col in ("r2", "r2_adj", "alpha", "alpha_std", "rho", "ave", "eig1", "eig2", "index"):
        np.testing.assert_allclose(r.latents[col], full.latents[col], atol=1e-10, err_msg=col)
    np.testing.assert_allclose(r.outer["weight"], full.outer["weight"], atol=1e-10)
    np.testing.assert_allclose(r.htmt, full.htmt, atol=1e-10)
    assert r.gof == pytest.approx(full.gof, abs=1e-10)
    assert r.ipma is not None and full.ipma is not None
    np.testing.assert_allclose(r.ipma["importance"], full.ipma["importance"], atol=1e-9)
    assert (r.n_used, r.n_incomplete, r.n_missing, r.missing) == (249, 1, 1, "listwise")
    assert len(r.scores) == 0
    # the published figures from the moments of the complete bank data
    r = m.fit_moments(ss.Moments(satisfaction[m.indicators]), scaled=False, scale_min=0)
    for (f, t), v in PUBLISHED_PATHS.items():
        assert r.paths.loc[t, f] == pytest.approx(v, abs=1e-6)


def test_fit_moments_errors(satisfaction: pd.DataFrame) -> None:
    m = ss.PathModel(ECSI)
    with pytest.raises(ss.ConfigError, match="listwise"):
        m.fit_moments(ss.Moments(satisfaction[m.indicators], missing="pairwise"))
    with pytest.raises(ss.ConfigError, match="no variable names"):
        m.fit_moments(ss.Moments(satisfaction[m.indicators].to_numpy(float)))
    with pytest.raises(ss.ConfigError, match="'loy4'"):
        m.fit_moments(ss.Moments(satisfaction[m.indicators[:-1]]))
    with pytest.raises(ss.ConfigError, match="bootstrap"):
        m.fit_moments(ss.Moments(satisfaction[m.indicators]), config={"bootstrap": 10})


@settings(max_examples=20, deadline=None)
@given(cuts=st.lists(st.integers(1, 249), max_size=6, unique=True), order=st.randoms(use_true_random=False))
def test_property_any_chunking_and_merge_order(cuts: list[int], order: Any) -> None:
    df = pd.read_csv(DATA / "satisfaction.csv", index_col=0)
    m = ss.PathModel(ECSI)
    edges = [0, *sorted(cuts), len(df)]
    parts = [ss.Moments(df.iloc[a:b][m.indicators]) for a, b in zip(edges[:-1], edges[1:])]
    order.shuffle(parts)
    acc = parts[0]
    for p in parts[1:]:
        acc = acc.merge(p) if hasattr(acc, "merge") else acc + p
    r = m.fit_moments(acc, scaled=False, scale_min=0)
    for (f, t), v in PUBLISHED_PATHS.items():
        assert r.paths.loc[t, f] == pytest.approx(v, abs=1e-6)


def test_duplicate_and_boolean_columns(satisfaction: pd.DataFrame) -> None:
    df = pd.concat([satisfaction, satisfaction[["sat1"]]], axis=1)
    with pytest.raises(ss.InputError, match="'sat1'.*more than once"):
        ss.PathModel(ECSI).fit(df, scale_min=0)
    m = ss.PathModel("A =~ a1 + a2; B =~ b1 + b2; B ~ A")
    rng = np.random.default_rng(1)
    f = rng.normal(size=200)
    d = pd.DataFrame(
        {
            "a1": f + rng.normal(size=200) > 0,
            "a2": f + rng.normal(size=200) > 0,
            "b1": f + rng.normal(size=200) > 0,
            "b2": f + rng.normal(size=200) > 0,
        }
    )
    r = m.fit(d, scale_min=0, scale_max=1)  # booleans are 0/1 indicators
    assert r.converged and 0 < r.latents.loc["B", "index"] < 100


def test_every_layout_is_read_in_place_with_identical_results(satisfaction: pd.DataFrame) -> None:
    m = ss.PathModel(ECSI)
    x = satisfaction[m.indicators].to_numpy(float)
    x[[3, 17], [2, 9]] = np.nan
    frame = pd.DataFrame(x, columns=m.indicators)
    kw: dict[str, Any] = {"scaled": False, "scale_min": 0}
    ref = m.fit(frame, **kw)
    assert ref.n_missing == 2
    fits = [
        m.fit(np.ascontiguousarray(x), columns=m.indicators, **kw),
        m.fit(np.asfortranarray(x), columns=m.indicators, **kw),
        m.fit(x[::-1][::-1], columns=m.indicators, **kw),
        m.fit(frame.astype("Float64"), **kw),  # nullable floats: NA is missing
        m.fit(pd.concat([frame.iloc[:, ::-1], satisfaction[["gender"]].set_axis(frame.index)], axis=1), **kw),
        m.fit(frame, workers=2, **kw),
    ]
    for r in fits:
        np.testing.assert_array_equal(r.paths, ref.paths)
        np.testing.assert_array_equal(r.scores, ref.scores)
        np.testing.assert_array_equal(r.index_scores, ref.index_scores)
    # the scores equal the mean-replaced indicators times the index weights
    filled = frame.fillna(frame.mean())
    w = ref.outer["index_weight"]
    sat = m.blocks["SAT"]
    np.testing.assert_allclose(ref.index_scores["SAT"], filled[sat] @ w[sat] * 10, rtol=1e-12)


def test_path_p_values_against_scipy(published: ss.PLSResult) -> None:
    stats = pytest.importorskip("scipy.stats")
    inner = published.inner
    n = published.n_used
    preds = inner.groupby("to", observed=True)["from"].transform("size").to_numpy()
    expected = 2 * stats.t.sf(np.abs(inner["t"].to_numpy()), n - preds - 1)
    np.testing.assert_allclose(inner["p"].to_numpy(), expected, rtol=1e-9, atol=1e-300)
    # the published model: EXPE -> SAT is not significant, SAT -> LOY is
    p = inner.set_index(["from", "to"])["p"]
    assert p[("EXPE", "SAT")] > 0.9 and p[("SAT", "LOY")] < 1e-10
