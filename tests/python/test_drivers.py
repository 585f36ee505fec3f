import contextlib
import io
import itertools
import math
import pickle

import numpy as np
import pandas as pd
import pytest
import servscore as ss
from hypothesis import given, settings
from hypothesis import strategies as st

MOBI_PERQ = [f"PERQ{i}" for i in range(1, 8)]


# ---------------------------------------------------------------- references


def ref_corr(x, y, w=None):
    d = np.column_stack([x, y])
    w = np.ones(len(d)) if w is None else np.asarray(w, float)
    m = np.average(d, axis=0, weights=w)
    c = (d - m).T @ ((d - m) * w[:, None]) / w.sum()
    s = np.sqrt(np.diag(c))
    return c / np.outer(s, s)


def ref_r2(r, s):
    p = r.shape[0] - 1
    s = list(s)
    if not s:
        return 0.0
    return float(r[s, p] @ np.linalg.lstsq(r[np.ix_(s, s)], r[s, p], rcond=None)[0])


def ref_lmg(r):
    """LMG by brute force over all subsets (Shapley weights), a slow numpy reference."""
    p = r.shape[0] - 1
    v = {s: ref_r2(r, s) for k in range(p + 1) for s in itertools.combinations(range(p), k)}
    out = np.zeros(p)
    for j in range(p):
        others = [k for k in range(p) if k != j]
        for k in range(p):
            for s in itertools.combinations(others, k):
                wgt = math.factorial(k) * math.factorial(p - k - 1) / math.factorial(p)
                out[j] += wgt * (v[tuple(sorted(s + (j,)))] - v[s])
    return out


def ref_relative_weights(r):
    p = r.shape[0] - 1
    ev, v = np.linalg.eigh(r[:p, :p])
    lam = v @ np.diag(np.sqrt(ev)) @ v.T
    beta = np.linalg.solve(lam, r[:p, p])
    return (lam**2) @ beta**2


def data(n=300, p=5, seed=0):
    rng = np.random.default_rng(seed)
    f = rng.normal(size=(n, 1))
    x = 0.6 * f + rng.normal(size=(n, p))
    y = x @ np.linspace(0.7, 0.0, p) + rng.normal(size=n)
    return x, y


@pytest.fixture(scope="module")
def mobi(data_dir):
    return pd.read_csv(data_dir / "mobi.csv", index_col=0)


@pytest.fixture(scope="module")
def survey():
    d = ss.datasets.sample()
    return d.driver_survey, d.truth["driver_survey"]


def dominance_analysis():
    """Import the peer package with its notebook side effects disabled (bokeh/plotly)."""
    import importlib.util

    if importlib.util.find_spec("dominance_analysis") is None:
        pytest.skip("dominance-analysis not installed")
    np.bool8 = np.bool_  # the package imports the removed alias
    import bokeh.io
    import plotly.offline

    bokeh.io.output_notebook = lambda *a, **k: None
    plotly.offline.init_notebook_mode = lambda *a, **k: None
    from dominance_analysis import Dominance

    return Dominance


# ---------------------------------------------------------------- LMG / dominance


def test_lmg_matches_brute_force_and_sums_to_r2():
    x, y = data()
    imp = ss.drivers.importance(x, y, method="dominance")
    r = ref_corr(x, y)
    np.testing.assert_allclose(imp.table["importance"], ref_lmg(r), atol=1e-13)
    assert imp.r2 == pytest.approx(ref_r2(r, range(5)), abs=1e-13)
    assert imp.table["share"].sum() == pytest.approx(1.0, abs=1e-12)
    assert imp.exact and imp.n_used == 300
    # conditional dominance at size 0 is r^2
    np.testing.assert_allclose(imp.conditional[0], r[:5, 5] ** 2, atol=1e-13)


@settings(max_examples=25, deadline=None)
@given(
    p=st.integers(1, 7),
    n_extra=st.integers(3, 40),
    seed=st.integers(0, 2**31),
    collin=st.floats(0.0, 0.95),
)
def test_property_sums_equal_r2(p, n_extra, seed, collin):
    rng = np.random.default_rng(seed)
    n = p + n_extra
    f = rng.normal(size=(n, 1))
    x = collin * f + np.sqrt(1 - collin**2) * rng.normal(size=(n, p))
    y = x @ rng.normal(size=p) + rng.normal(size=n)
    lmg = ss.drivers.importance(x, y, method="lmg")
    rw = ss.drivers.importance(x, y, method="relative_weights")
    r = ref_corr(x, y)
    r2 = ref_r2(r, range(p))
    assert lmg.r2 == pytest.approx(r2, abs=1e-9)
    assert lmg.table["importance"].sum() == pytest.approx(r2, abs=1e-9)
    assert rw.table["importance"].sum() == pytest.approx(r2, abs=1e-9)
    assert (lmg.table["importance"] >= -1e-12).all()
    np.testing.assert_allclose(lmg.table["importance"], ref_lmg(r), atol=1e-9)
    np.testing.assert_allclose(rw.table["importance"], ref_relative_weights(r), atol=1e-9)


def test_lmg_equals_dominance_analysis_on_mobi(mobi):
    Dominance = dominance_analysis()
    df = mobi[MOBI_PERQ + ["CUSA1"]]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        peer = Dominance(data=df, target="CUSA1", objective=1, top_k=len(MOBI_PERQ))
        inc = peer.incremental_rsquare()
        stats = peer.dominance_stats()
    ours = ss.drivers.importance(df, "CUSA1", method="dominance")
    for name in MOBI_PERQ:
        assert ours.table.loc[name, "importance"] == pytest.approx(inc[name], abs=1e-10)
        assert ours.table.loc[name, "share"] * 100 == pytest.approx(
            stats.loc[name, "Percentage Relative Importance"], abs=1e-8
        )


def test_relative_weights_equal_relativeimp_on_mobi(mobi):
    from relativeImp import relativeImp

    peer = relativeImp(mobi, outcomeName="CUSA1", driverNames=list(MOBI_PERQ)).set_index("driver")
    ours = ss.drivers.importance(mobi, "CUSA1", columns=MOBI_PERQ, method="relative_weights")
    np.testing.assert_allclose(ours.table["importance"], peer.loc[MOBI_PERQ, "rawRelaImpt"].to_numpy(), atol=1e-12)
    np.testing.assert_allclose(ours.table["share"] * 100, peer.loc[MOBI_PERQ, "normRelaImpt"].to_numpy(), atol=1e-10)


def test_pairwise_missing_equals_relativeimp_pairwise_correlations(mobi):
    from relativeImp import relativeImp

    df = mobi[MOBI_PERQ + ["CUSA1"]].copy()
    rng = np.random.default_rng(3)
    for c in MOBI_PERQ:
        df.loc[rng.random(len(df)) < 0.05, c] = np.nan
    peer = relativeImp(df, outcomeName="CUSA1", driverNames=list(MOBI_PERQ)).set_index("driver")
    ours = ss.drivers.importance(df, "CUSA1", method="relative_weights", missing="pairwise")
    np.testing.assert_allclose(ours.table["importance"], peer.loc[MOBI_PERQ, "rawRelaImpt"].to_numpy(), atol=1e-12)
    listwise = ss.drivers.importance(df, "CUSA1", method="relative_weights")
    assert listwise.n_dropped == int(df.isna().any(axis=1).sum()) > 0
    assert listwise.n_missing == int(df.isna().sum().sum())


def test_complete_dominance_brute_force():
    x, y = data(200, 5, seed=2)
    imp = ss.drivers.importance(x, y, method="dominance")
    r = ref_corr(x, y)
    names = list(imp.table.index)
    for i, j in itertools.permutations(range(5), 2):
        others = [k for k in range(5) if k not in (i, j)]
        diffs = [
            ref_r2(r, sorted(s + (i,))) - ref_r2(r, sorted(s + (j,)))
            for k in range(4)
            for s in itertools.combinations(others, k)
        ]
        expect = (
            1
            if min(diffs) >= -1e-12 and max(diffs) > 1e-12
            else (-1 if max(diffs) <= 1e-12 and min(diffs) < -1e-12 else 0)
        )
        assert imp.complete.loc[names[i], names[j]] == expect
    pairs = imp.dominance_pairs()
    assert set(pairs["level"]) <= {"complete", "conditional", "general"}


def test_workers_identical_and_sampling_has_se():
    x, y = data(400, 14, seed=5)
    a = ss.drivers.importance(x, y, workers=1)
    b = ss.drivers.importance(x, y, workers=2)
    assert (a.table["importance"].to_numpy() == b.table["importance"].to_numpy()).all()
    s1 = ss.drivers.importance(x, y, exact_max_predictors=10, n_permutations=3000, seed=1, workers=1)
    s2 = ss.drivers.importance(x, y, exact_max_predictors=10, n_permutations=3000, seed=1, workers=2)
    assert not s1.exact
    assert (s1.table["importance"].to_numpy() == s2.table["importance"].to_numpy()).all()
    assert (np.abs(s1.table["importance"] - a.table["importance"]) < 4.5 * s1.table["se"]).all()
    assert s1.table["importance"].sum() == pytest.approx(a.r2, abs=1e-12)


def test_correlation_or_covariance_matrix_input():
    x, y = data()
    names = ["a", "b", "c", "d", "e"]
    df = pd.DataFrame(x, columns=names).assign(sat=y)
    raw = ss.drivers.importance(df, "sat", method="lmg")
    cov = ss.drivers.importance(df.cov(), "sat", matrix=True)
    cor = ss.drivers.importance(df.corr(), "sat", matrix=True, method="relative_weights")
    np.testing.assert_allclose(cov.table["importance"], raw.table["importance"], atol=1e-12)
    assert math.isnan(cov.n_used)
    np.testing.assert_allclose(cor.table["importance"], ref_relative_weights(ref_corr(x, y)), atol=1e-12)
    with pytest.raises(ss.InputError, match="raw data"):
        ss.drivers.importance(df.corr(), "sat", matrix=True, method="relative_weights", n_bootstrap=10)


def test_survey_weights_equal_replication():
    x, y = data(120, 4, seed=9)
    w = np.where(np.arange(120) < 30, 3.0, 1.0)
    xr = np.vstack([x, x[:30], x[:30]])
    yr = np.concatenate([y, y[:30], y[:30]])
    a = ss.drivers.importance(x, y, weights=w)
    b = ss.drivers.importance(xr, yr)
    np.testing.assert_allclose(a.table["importance"], b.table["importance"], atol=1e-12)
    np.testing.assert_allclose(a.table["importance"], ref_lmg(ref_corr(x, y, w)), atol=1e-12)


# ---------------------------------------------------------------- degenerate input


def test_degenerate_inputs_are_clear_errors():
    x, y = data(50, 3)
    df = pd.DataFrame(x, columns=["a", "b", "c"]).assign(y=y)
    with pytest.raises(ss.InputError, match="'b' is constant"):
        ss.drivers.importance(df.assign(b=2.0), "y")
    with pytest.raises(ss.InputError, match="'c' is a linear combination of 'a', 'b'"):
        ss.drivers.importance(df.assign(c=df["a"] + df["b"]), "y")
    with pytest.raises(ss.InputError, match="'c' is a linear combination"):
        ss.drivers.importance(df.assign(c=df["a"] + df["b"]), "y", method="relative_weights")
    with pytest.raises(ss.InputError, match="more rows than predictors"):
        ss.drivers.importance(df.head(4), "y")
    with pytest.raises(ss.InputError, match="the outcome"):
        ss.drivers.importance(df.assign(y=1.0), "y")
    with pytest.raises(ss.InputError, match="weights: row 3"):
        ss.drivers.importance(df, "y", weights=np.r_[1, 1, 1, -2, np.ones(46)])
    with pytest.raises(ss.InputError, match="column 'a', row 7"):
        ss.drivers.importance(
            df.astype({"a": object}).assign(a=lambda d: d["a"].where(d.index != 7, "x")), "y", columns=["a", "b", "c"]
        )
    with pytest.raises(ss.InputError, match="no column 'zz'"):
        ss.drivers.importance(df, "zz")
    with pytest.raises(ss.ConfigError, match="expected one of"):
        ss.drivers.importance(df, "y", method="shapley")
    with pytest.raises(ss.ConfigError):
        ss.drivers.importance(df, "y", missing="drop")
    # missing values are counted, never silently dropped
    dm = df.copy()
    dm.loc[[2, 5], "a"] = np.nan
    r = ss.drivers.importance(dm, "y")
    assert (r.n_used, r.n_dropped, r.n_missing) == (48, 2, 2)
    assert np.isfinite(r.table["importance"]).all()


def test_more_than_exact_limit_uses_sampling_and_reports_it():
    x, y = data(200, 9, seed=4)
    r = ss.drivers.importance(x, y, exact_max_predictors=6, n_permutations=500)
    assert not r.exact
    assert "sampled (500 permutations)" in repr(r)
    assert (r.table["se"] > 0).all()
    d = ss.drivers.importance(x, y, method="dominance", exact_max_predictors=6)
    assert d.conditional is None and d.complete is None


# ---------------------------------------------------------------- relative weights test


def test_relative_weights_bootstrap_test_and_signed():
    rng = np.random.default_rng(8)
    x = rng.normal(size=(300, 3))
    y = 0.7 * x[:, 0] - 0.4 * x[:, 1] + rng.normal(size=300)
    a = ss.drivers.importance(x, y, method="relative_weights", n_bootstrap=300, seed=3, signed=True, workers=2)
    b = ss.drivers.importance(x, y, method="relative_weights", n_bootstrap=300, seed=3, signed=True, workers=1)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert a.table["significant"].tolist() == [True, True, False]
    assert a.table.loc["x1", "signed_share"] < 0 < a.table.loc["x0", "signed_share"]
    assert (a.table["ci_low"] <= a.table["importance"]).all()
    assert (a.table["importance"] <= a.table["ci_high"]).all()


# ---------------------------------------------------------------- sample data, PRCA, IPA


def test_driver_survey_recovers_planted_structure(survey):
    df, truth = survey
    attrs = list(truth["weights"])
    imp = ss.drivers.importance(df, "overall", columns=attrs, weights="weight")
    top = list(imp.table.sort_values("rank").index[:3])
    assert set(truth["top_drivers"]) <= set(top)
    pr = ss.drivers.penalty_reward(df, "overall", columns=attrs, weights="weight")
    cls = pr.table["factor_class"].astype(str)
    for name, c in truth["classes"].items():
        if truth["weights"][name] >= 0.3:  # the minor attributes are noise
            assert cls[name] == c, name
    assert pr.table.loc["accuracy", "kano"] == "must_be"
    assert pr.n_dropped == int(df[attrs + ["overall"]].isna().any(axis=1).sum())


def test_penalty_reward_hand_example_and_unclassified():
    a = np.repeat([1, 2, 3, 4, 5], 8).astype(float)
    b = np.tile([1, 3, 4, 5, 3, 4, 5, 1], 5).astype(float)
    y = 6 - 2.0 * (a <= 2) + 0.5 * (a >= 5) + 1.0 * (b >= 5) - 0.5 * (b <= 2)
    df = pd.DataFrame({"a": a, "b": b, "y": y})
    pr = ss.drivers.penalty_reward(df, "y")
    assert pr.table.loc["a", "penalty"] == pytest.approx(2.0)
    assert pr.table.loc["b", "reward"] == pytest.approx(1.0)
    assert pr.table["factor_class"].astype(str).tolist() == ["basic", "exciting"]
    pr2 = ss.drivers.penalty_reward(df, "y", high_min=6)  # no top box anywhere
    assert pr2.table["reward"].isna().all()
    assert (pr2.table["factor_class"].astype(str) == "unclassified").all()
    with pytest.raises(ss.InputError, match="no middle answers"):
        ss.drivers.penalty_reward(df.assign(c=np.where(a <= 2, 1.0, 5.0)), "y")


def test_ipa_hand_example_crosshairs_and_derived(survey):
    perf = {"wait": 2.8, "staff": 4.4, "price": 3.9, "decor": 4.5}
    imp = {"wait": 0.30, "staff": 0.25, "price": 0.10, "decor": 0.05}
    r = ss.ipa(perf, imp)
    assert r.performance_cut == pytest.approx(3.9)
    assert r.table.loc["price", "quadrant"] == "possible_overkill"  # equal to the cut: high
    assert ss.ipa(perf, imp, crosshair="data_median").table.loc["price", "quadrant"] == "low_priority"
    # stated importance by name in another order
    r2 = ss.ipa(pd.Series(perf), pd.Series(imp).iloc[::-1])
    pd.testing.assert_frame_equal(r.table, r2.table)
    d = ss.ipa(perf, imp, crosshair="diagonal")
    assert d.table.loc["wait", "priority"] == pytest.approx(1.0 - 0.45)
    df, truth = survey
    attrs = list(truth["weights"])
    lmg = ss.ipa(df, "lmg", y="overall", columns=attrs)
    assert lmg.importance_source == "lmg"
    assert lmg.table.loc["wait_time", "quadrant"] == "concentrate_here"
    cor = ss.ipa(df, "correlation", y="overall", columns=attrs, crosshair="scale")
    assert cor.performance_cut == 3.0
    with pytest.raises(ss.InputError, match="do not match"):
        ss.ipa(perf, {"a": 1, "b": 2, "c": 3, "d": 4})
    with pytest.raises(ss.ConfigError):
        ss.ipa(perf, imp, crosshair="middle")


def test_results_pickle_dict_and_plots():
    import matplotlib

    matplotlib.use("Agg")
    x, y = data(200, 4)
    imp = ss.drivers.importance(x, y, method="dominance")
    again = pickle.loads(pickle.dumps(imp))
    pd.testing.assert_frame_equal(again.table, imp.table)
    assert imp.to_dict()["method"] == "dominance"
    assert "<strong>Importance</strong>" in imp._repr_html_()
    ax = imp.plot()
    assert len(ax.patches) == 4
    r = ss.ipa(imp.table["r2_alone"] * 0 + np.arange(4) + 2.0, imp)
    ax = r.plot(lang="zh")
    texts = [t.get_text() for t in ax.texts]
    assert "重点改进区" in texts
    ax = ss.ipa({"a": 3.0, "b": 4.0}, {"a": 0.2, "b": 0.1}, crosshair="diagonal").plot()
    assert ax.get_xlabel() == "Performance"
    pr = ss.drivers.penalty_reward(np.column_stack([np.tile([1, 3, 5], 10)]), np.tile([1.0, 2.0, 4.0], 10))
    assert pr.plot() is not None


# ---------------------------------------------------------------- CLI and report


def test_cli_drivers_and_ipa(tmp_path, capsys, survey):
    from servscore.cli import main

    df, truth = survey
    path = tmp_path / "survey.csv"
    df.to_csv(path, index=False)
    attrs = list(truth["weights"])
    out = tmp_path / "lmg.csv"
    assert (
        main(["drivers", str(path), "-y", "overall", "--columns", *attrs, "--weights", "weight", "-o", str(out)]) == 0
    )
    got = pd.read_csv(out).set_index("predictor")
    ref = ss.drivers.importance(pd.read_csv(path), "overall", columns=attrs, weights="weight")
    np.testing.assert_allclose(got["importance"], ref.table["importance"], atol=1e-12)
    assert (
        main(
            [
                "drivers",
                str(path),
                "-y",
                "overall",
                "--columns",
                *attrs[:4],
                "--method",
                "penalty_reward",
                "--by",
                "branch",
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "Harbour" in text and "factor_class" in text
    png = tmp_path / "ipa.png"
    out2 = tmp_path / "ipa.json"
    assert main(["ipa", str(path), "-y", "overall", "--columns", *attrs, "--plot", str(png), "-o", str(out2)]) == 0
    assert png.stat().st_size > 1000
    grid = pd.read_json(out2)
    assert grid.set_index("attribute").loc["wait_time", "quadrant"] == "concentrate_here"
    stated = tmp_path / "stated.csv"
    pd.DataFrame({"attribute": ["wait_time", "decor", "parking"], "importance": [9, 3, 5]}).to_csv(stated, index=False)
    assert main(["ipa", str(path), "--importance", str(stated), "--crosshair", "scale"]) == 0
    assert "decor" in capsys.readouterr().out


def test_report_section_recognises_driver_survey(survey):
    pytest.importorskip("matplotlib")
    from servscore.report import build_report

    df, truth = survey
    rep = build_report({"driver_survey": df})
    keys = [s.key for s in rep.sections]
    assert "drivers" in keys
    sec = rep.sections[keys.index("drivers")]
    text = " ".join(sec.findings)
    assert "wait_time" in text and "R² = 0.81" in text
    assert "basic factors (penalty-reward, bottom box <= 2, top box >= 5): accuracy, cleanliness" in text
    assert len(sec.figures) == 2
    assert any("left out" in w for w in sec.warnings)
    zh = build_report({"driver_survey": df}, lang="zh")
    assert "关键驱动因素" in zh.text()


def test_polars_and_arrow_input_equal_pandas(survey):
    pl = pytest.importorskip("polars")
    df, truth = survey
    attrs = list(truth["weights"])[:5]
    ref = ss.drivers.importance(df, "overall", columns=attrs, weights="weight")
    got = ss.drivers.importance(pl.from_pandas(df), "overall", columns=attrs, weights="weight")
    pd.testing.assert_frame_equal(got.table, ref.table)


def test_threads_with_the_gil_released_give_the_same_result():
    import threading

    x, y = data(500, 14, seed=6)
    ref = ss.drivers.importance(x, y, method="dominance").table
    out: list[pd.DataFrame] = []

    def work() -> None:
        out.append(ss.drivers.importance(x, y, method="dominance").table)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(out) == 4
    for t in out:
        pd.testing.assert_frame_equal(t, ref)


def test_weighted_penalty_reward_equals_replication_and_matrix_n():
    rng = np.random.default_rng(2)
    x = rng.integers(1, 6, size=(200, 3)).astype(float)
    y = 5 + (x[:, 0] >= 5) - 1.5 * (x[:, 1] <= 2) + rng.normal(0, 0.5, 200)
    w = np.where(np.arange(200) < 50, 2.0, 1.0)
    a = ss.drivers.penalty_reward(x, y, weights=w)
    b = ss.drivers.penalty_reward(np.vstack([x, x[:50]]), np.r_[y, y[:50]])
    np.testing.assert_allclose(a.table["penalty"], b.table["penalty"], atol=1e-12)
    np.testing.assert_allclose(a.table["reward"], b.table["reward"], atol=1e-12)
    df = pd.DataFrame(x, columns=["a", "b", "c"]).assign(y=y)
    m = ss.drivers.importance(df.corr(), "y", matrix=True, n=200)
    assert m.n_used == 200
    with pytest.raises(ss.InputError, match="only with a matrix"):
        ss.drivers.importance(df, "y", n=200)


def test_config_json_round_trip_and_keywords():
    cfg = ss.drivers.DriverConfig(exact_max_predictors=12, seed=5, missing="pairwise")
    assert ss.drivers.DriverConfig.from_json(cfg.to_json()) == cfg
    assert pickle.loads(pickle.dumps(cfg)) == cfg
    with pytest.raises(ss.ConfigError, match="exact_max_predictors"):
        ss.drivers.DriverConfig(exact_max_predictors=31)
    with pytest.raises(ss.ConfigError):
        ss.drivers.DriverConfig(n_perms=3)
    x, y = data(100, 4)
    r = ss.drivers.importance(x, y, config={"seed": 9}, n_permutations=100)
    assert r.config.seed == 9 and r.config.n_permutations == 100
    assert ss.drivers.IpaConfig(crosshair="diagonal").to_dict()["importance_min"] is None


def test_moments_state_as_input_equals_raw_data(survey):
    df, truth = survey
    attrs = list(truth["weights"])[:6]
    cols = attrs + ["overall"]
    ref = ss.drivers.importance(df, "overall", columns=attrs, weights="weight", method="dominance")
    # chunks merged in any order give the same state, hence the same importance
    parts = [ss.Moments(df.iloc[a : a + 400][cols + ["weight"]], weights="weight") for a in range(0, len(df), 400)]
    m = parts[2] + parts[0] + parts[3] + parts[1]
    got = ss.drivers.importance(m, "overall", method="dominance")
    np.testing.assert_allclose(got.table["importance"], ref.table["importance"], atol=1e-10)
    assert (got.n_used, got.n_dropped) == (ref.n_used, ref.n_dropped)
    rw = ss.drivers.importance(m, "overall", columns=attrs[:3], method="relative_weights")
    ref_rw = ss.drivers.importance(df, "overall", columns=attrs[:3], weights="weight", method="relative_weights")
    # listwise rows of the state are complete over all six attributes: compare on the same rows
    rows = df[cols].notna().all(axis=1)
    ref_rw = ss.drivers.importance(df[rows], "overall", columns=attrs[:3], weights="weight", method="relative_weights")
    np.testing.assert_allclose(rw.table["importance"], ref_rw.table["importance"], atol=1e-10)
    pw = ss.Moments(df[cols], missing="pairwise")
    got_pw = ss.drivers.importance(pw, "overall", method="relative_weights")
    ref_pw = ss.drivers.importance(df, "overall", columns=attrs, method="relative_weights", missing="pairwise")
    np.testing.assert_allclose(got_pw.table["importance"], ref_pw.table["importance"], atol=1e-10)
    with pytest.raises(ss.InputError, match="'const' is constant"):
        ss.drivers.importance(ss.Moments(df[cols].assign(const=1.0)), "overall")
    with pytest.raises(ss.InputError, match="outcome's column name"):
        ss.drivers.importance(m, "nope")
