import json
import pickle

import numpy as np
import pandas as pd
import pytest
import servscore as ss
from hypothesis import given, settings
from hypothesis import strategies as st

scipy_stats = pytest.importorskip("scipy.stats")

# ---------------------------------------------------------------- Wilson interval and p-chart


@pytest.mark.parametrize(("k", "n"), [(8, 10), (0, 20), (20, 20), (1, 3), (527, 1000), (45, 50)])
def test_wilson_matches_scipy(k, n):
    ci = scipy_stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    lo, hi = ss.standards.wilson_interval(k, n)
    assert float(lo) == pytest.approx(ci.low, abs=1e-12)
    assert float(hi) == pytest.approx(ci.high, abs=1e-12)
    ci90 = scipy_stats.binomtest(k, n).proportion_ci(confidence_level=0.9, method="wilson")
    lo, hi = ss.standards.wilson_interval(k, n, level=0.9)
    assert float(lo) == pytest.approx(ci90.low, abs=1e-12)


def test_wilson_hand_value_and_edges():
    # 8 of 10 at 95%: (0.4901625, 0.9433178) (Wilson 1927; as statsmodels proportion_confint)
    lo, hi = ss.standards.wilson_interval(np.array([8, 0]), np.array([10, 0]))
    assert lo[0] == pytest.approx(0.4901625, abs=1e-7) and hi[0] == pytest.approx(0.9433178, abs=1e-7)
    assert np.isnan(lo[1]) and np.isnan(hi[1])
    with pytest.raises(ss.InputError):
        ss.standards.wilson_interval(11, 10)
    with pytest.raises(ss.ConfigError):
        ss.standards.wilson_interval(1, 10, level=1.5)


def numpy_p_chart(met, n, sigma=3.0):
    met, n = np.asarray(met, float), np.asarray(n, float)
    pbar = met.sum() / n.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        half = sigma * np.sqrt(pbar * (1 - pbar) / n)
        p = met / n
    lo, hi = np.clip(pbar - half, 0, 1), np.clip(pbar + half, 0, 1)
    sig = np.where(p < lo, "below", np.where(p > hi, "above", ""))
    return pbar, p, lo, hi, sig


def test_p_chart_against_numpy():
    rng = np.random.default_rng(2)
    n = rng.integers(20, 200, size=30).astype(float)
    met = rng.binomial(n.astype(int), 0.8).astype(float)
    met[7] = round(0.45 * n[7])  # an out-of-control period
    t = ss.standards.p_chart(met, n)
    pbar, p, lo, hi, sig = numpy_p_chart(met, n)
    assert t["center"].iloc[0] == pytest.approx(pbar)
    np.testing.assert_allclose(t["p"], p)
    np.testing.assert_allclose(t["lower"], lo)
    np.testing.assert_allclose(t["upper"], hi)
    assert t["signal"].tolist() == sig.tolist()
    assert t["signal"].iloc[7] == "below"
    t2 = ss.standards.p_chart(met, n, sigma=2.0)
    np.testing.assert_allclose(t2["lower"], numpy_p_chart(met, n, 2.0)[2])


def test_p_chart_hand_values():
    # pbar = 105 / 140 = 0.75; n = 40: LCL = 0.75 - 3 sqrt(0.1875 / 40) = 0.544604
    t = ss.standards.p_chart([45, 40, 20], [50, 50, 40])
    assert t["center"].iloc[0] == 0.75
    assert t["lower"].iloc[2] == pytest.approx(0.5446040, abs=1e-7)
    assert t["upper"].iloc[0] == pytest.approx(0.9337117, abs=1e-7)
    assert t["signal"].tolist() == ["", "", "below"]
    with pytest.raises(ss.InputError, match="period 1"):
        ss.standards.p_chart([45, 60], [50, 50])


# ---------------------------------------------------------------- standards


STD = [
    {"id": "greet", "level": "quality", "met": {"field": "greet_seconds", "op": "<=", "value": 3}},
    {
        "id": "manager",
        "applies": {"field": "dissatisfied", "op": "is_true"},
        "met": {"field": "manager_handled", "op": "is_true"},
    },
]


def test_check_standards_codes_and_boundary():
    df = pd.DataFrame(
        {
            "greet_seconds": [3.0, 3.01, np.nan, 0.0],
            "dissatisfied": [0, 1, 1, np.nan],
            "manager_handled": [np.nan, 1, 0, 1],
        },
        index=list("abcd"),
    )
    codes = ss.standards.check_standards(df, standards=STD)
    assert list(codes.index) == list("abcd")
    assert codes["greet"].tolist() == [1, 0, -2, 1]
    assert codes["manager"].tolist() == [-1, 1, 0, -1]


def test_compliance_by_group_with_wilson():
    df = pd.DataFrame(
        {
            "greet_seconds": [1, 2, 5, 4, 1, np.nan],
            "dissatisfied": [1, 0, 1, 1, 0, 0],
            "manager_handled": [1, np.nan, 0, 1, np.nan, np.nan],
            "branch": ["n", "n", "n", "s", "s", "s"],
        }
    )
    r = ss.standards.compliance(df, standards=STD, by="branch")
    t = r.table
    assert t.loc[("n", "greet"), "n_met"] == 2 and t.loc[("n", "greet"), "n_observed"] == 3
    assert t.loc[("s", "greet"), "not_observed"] == 1
    assert t.loc[("n", "manager"), "share"] == 0.5 and t.loc[("n", "manager"), "not_applicable"] == 1
    ci = scipy_stats.binomtest(2, 3).proportion_ci(method="wilson")
    assert t.loc[("n", "greet"), "low"] == pytest.approx(ci.low)
    assert t.loc[("s", "greet"), "share"] == 0.5
    assert t.loc[("n", "greet"), "level"] == "quality"


def test_default_standards_are_the_source_table():
    s = ss.standards.load_standards()
    tab = pd.DataFrame(s.table)
    assert set(tab["dimension"]) == {"timeliness", "anticipation", "attitude", "feedback", "appearance"}
    assert all(sorted(levels) == ["general", "quality"] for levels in tab.groupby("dimension")["level"].apply(list))
    assert sorted(tab["level"].value_counts().tolist()) == [5, 5]
    q = json.loads(s.to_json())["standards"][1]
    assert q["met"] == {"field": "greet_seconds", "op": "<=", "value": 3}
    assert pickle.loads(pickle.dumps(s)) == s
    with pytest.raises(ss.ConfigError, match="unknown field 'greet_seconds'"):
        ss.standards.load_standards(None, schema=["wait_minutes"])
    with pytest.raises(ss.ConfigError, match="met: required"):
        ss.standards.load_standards([{"id": "x"}])


def test_planted_out_of_control_week_and_branch_differences():
    data = ss.datasets.sample()
    v = data.visits
    truth = data.truth["visits"]
    r = ss.standards.compliance(v, period="week")
    pc = r.pchart
    greet = pc[pc["standard"] == truth["out_of_control_standard"]]
    below = greet[greet["signal"] == "below"]["period"].tolist()
    assert below == [truth["out_of_control_week"]]
    # the chart's limits agree with the numpy computation
    pbar, p, lo, hi, sig = numpy_p_chart(greet["met"], greet["n"])
    np.testing.assert_allclose(greet["lower"], lo)
    np.testing.assert_allclose(greet["upper"], hi)
    # quality standards are met less often than general ones
    t = r.table
    for dim in ("greeting", "anticipation", "attitude", "feedback", "appearance"):
        assert t.loc[f"{dim}_quality", "share"] < t.loc[f"{dim}_general", "share"]
    g = ss.standards.compliance(v, by="branch").table
    assert g.xs("anticipation_quality", level="standard")["share"].idxmax() == truth["anticipating_branch"]
    assert g.xs("attitude_general", level="standard")["share"].idxmin() == truth["unfriendly_branch"]
    # grouped p-charts carry the group column
    gp = ss.standards.compliance(v, by="branch", period="week").pchart
    assert {"branch", "standard", "period", "lower", "upper", "signal"} <= set(gp.columns)
    assert len(gp) == 5 * 10 * 12


# ---------------------------------------------------------------- time elements


def test_time_elements_against_numpy():
    rng = np.random.default_rng(4)
    n = 3000
    df = pd.DataFrame(
        {
            "w": np.round(rng.exponential(5, n), 1),
            "s": np.where(rng.random(n) < 0.1, np.nan, rng.gamma(3, 4, n)),
            "g": rng.integers(0, 3, n),
        }
    )
    cfg = {
        "targets": [
            {"element": "waiting", "column": "w", "target": 5, "unit": "minutes"},
            {"element": "service", "column": "s", "target": 10, "unit": "minutes"},
        ],
        "quantiles": [0.5, 0.9, 0.95],
    }
    r = ss.standards.time_elements(df, targets=cfg, by="g", workers=2)
    for g in range(3):
        for el, col, tgt in (("waiting", "w", 5), ("service", "s", 10)):
            x = df.loc[df["g"] == g, col].dropna().to_numpy()
            row = r.table.loc[(g, el)]
            assert row["n"] == len(x)
            assert row["attainment"] == pytest.approx(np.mean(x <= tgt))
            assert row["p50"] == pytest.approx(np.quantile(x, 0.5))
            assert row["p90"] == pytest.approx(np.quantile(x, 0.9))
            assert row["p95"] == pytest.approx(np.quantile(x, 0.95))
            assert row["mean"] == pytest.approx(x.mean())
            assert row["mean_excess"] == pytest.approx(np.maximum(x - tgt, 0).mean())
            assert row["n_missing"] == df.loc[df["g"] == g, col].isna().sum()


def test_time_elements_errors_and_defaults():
    with pytest.raises(ss.InputError, match=r"row 'b', column 'w'"):
        ss.standards.time_elements(
            pd.DataFrame({"w": [1.0, -2.0]}, index=["a", "b"]),
            targets={"targets": [{"element": "waiting", "column": "w", "target": 5}]},
        )
    with pytest.raises(ss.ConfigError, match="booking"):
        ss.standards.time_elements(
            pd.DataFrame({"w": [1.0]}), targets={"targets": [{"element": "lunch", "column": "w", "target": 5}]}
        )
    with pytest.raises(ss.InputError, match="none of the default"):
        ss.standards.time_elements(pd.DataFrame({"w": [1.0]}))


def test_planted_slow_branch():
    data = ss.datasets.sample()
    r = ss.standards.time_elements(data.visits, by="branch")
    assert set(r.table.index.get_level_values("element")) == set(ss.TimeElement.names())
    waiting = r.table.xs("waiting", level="element")
    assert waiting["attainment"].idxmin() == data.truth["visits"]["slow_branch"]
    assert waiting["p90"].idxmax() == data.truth["visits"]["slow_branch"]


# ---------------------------------------------------------------- moments of truth


def pandas_moments(df, fail_at=2.0, gap=1.0):
    d = df.dropna(subset=["score"]).sort_values(["visit_id", "order"], kind="stable")
    g = d.groupby("visit_id")
    first, last = g["score"].first(), g["score"].last()
    weakest = d.loc[g["score"].idxmin(), ["visit_id", "moment"]].set_index("visit_id")["moment"]
    worst, best = g["score"].min(), g["score"].max()
    mid = 3.0
    peak = np.where(np.abs(worst - mid) >= np.abs(best - mid), worst, best)
    return pd.DataFrame(
        {"first": first, "last": last, "weakest": weakest, "bad_ending": (first - last) >= gap, "peak": peak}
    )


def test_moments_against_pandas_reference():
    data = ss.datasets.sample(n_moment_visits=400)
    m = data.moments
    r = ss.standards.moments(m)
    ref = pandas_moments(m)
    v = r.visits.loc[ref.index]
    np.testing.assert_allclose(v["first"], ref["first"])
    np.testing.assert_allclose(v["last"], ref["last"])
    assert (v["weakest"].astype(str) == ref["weakest"]).all()
    assert (v["bad_ending"] == ref["bad_ending"]).all()
    np.testing.assert_allclose(v["peak"], ref["peak"])
    np.testing.assert_allclose(v["peak_end"], (ref["peak"] + ref["last"]) / 2)
    assert r.n_missing == int(m["score"].isna().sum())
    counts = m.dropna(subset=["score"]).groupby("moment")["score"].agg(["size", "mean"])
    np.testing.assert_allclose(r.moments.loc[counts.index, "n"], counts["size"])
    np.testing.assert_allclose(r.moments.loc[counts.index, "mean"], counts["mean"])
    fails = m.assign(f=m["score"] <= 2).groupby("moment")["f"].sum()
    np.testing.assert_allclose(r.moments.loc[fails.index, "failed"], fails)


def test_planted_weakest_moment_and_bad_ending():
    data = ss.datasets.sample()
    m = data.moments
    truth = data.truth["moments"]
    r = ss.standards.moments(m)
    assert r.weakest_moment == truth["weakest_moment"]
    assert r.most_failed == truth["weakest_moment"]
    assert list(r.moments.index) == truth["cycle"]  # ordered by position in the cycle
    branch = m.groupby("visit_id")["branch"].first()
    bad = r.visits["bad_ending"].groupby(branch).mean()
    assert bad.idxmax() == truth["bad_ending_branch"]


def test_moments_hand_values_and_options():
    df = pd.DataFrame(
        {
            "visit_id": [1, 1, 1, 2, 2, 2],
            "moment": ["a", "b", "c", "a", "b", "c"],
            "order": [3, 1, 2, 1, 2, 3],
            "score": [2, 5, 4, 3, np.nan, 4],
        }
    )
    r = ss.standards.moments(df)
    v = r.visits
    assert v.loc[1, "first"] == 5 and v.loc[1, "last"] == 2 and v.loc[1, "weakest"] == "a"
    assert v.loc[1, "peak"] == 5 and v.loc[1, "peak_end"] == 3.5 and bool(v.loc[1, "bad_ending"])
    assert v.loc[2, "gap"] == 1 and not v.loc[2, "bad_ending"] and v.loc[2, "n_scored"] == 2
    assert r.n_missing == 1
    r2 = ss.standards.moments(df, config={"peak": "worst", "bad_ending_gap": 3})
    assert r2.visits.loc[1, "peak"] == 2 and bool(r2.visits.loc[1, "bad_ending"])
    with pytest.raises(ss.InputError, match=r"row 0, column 'score'"):
        ss.standards.moments(df.assign(score=[9, 1, 1, 1, 1, 1]))
    with pytest.raises(ss.ConfigError, match="extreme, worst, best"):
        ss.standards.moments(df, config={"peak": "median"})
    with pytest.raises(ss.InputError, match="no column 'visit'"):
        ss.standards.moments(df, visit="visit")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 3), st.integers(1, 5)), min_size=1, max_size=40))
def test_moments_do_not_depend_on_row_order(rows):
    df = pd.DataFrame(rows, columns=["visit_id", "moment", "score"]).astype({"score": float})
    df["order"] = np.arange(len(df))
    df["moment"] = "m" + df["moment"].astype(str)
    a = ss.standards.moments(df)
    b = ss.standards.moments(df.iloc[::-1])
    pd.testing.assert_frame_equal(a.visits, b.visits)
    pd.testing.assert_frame_equal(a.moments, b.moments)
    assert (a.visits["peak_end"] >= 1).all() and (a.visits["peak_end"] <= 5).all()


# ---------------------------------------------------------------- plots


def test_plots_return_axes():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    data = ss.datasets.sample(n_visits=800, n_moment_visits=100)
    c = ss.standards.compliance(data.visits, period="week")
    ax = c.plot(standard="greeting_quality")
    assert ax.get_title() == "greeting_quality"
    assert len(ax.lines) >= 2
    ax = ss.standards.time_elements(data.visits).plot()
    assert len(ax.patches) == 9
    ax = ss.standards.moments(data.moments).plot()
    assert len(ax.get_xticklabels()) == 11
    ss.set_language("zh")
    try:
        assert ss.standards.moments(data.moments).plot().get_title() == "服务循环：真实一刻"
    finally:
        ss.set_language("en")


# ---------------------------------------------------------------- command line


@pytest.fixture()
def sample_csvs(tmp_path):
    data = ss.datasets.sample(seed=5, n_visits=600, n_moment_visits=120)
    v, m = tmp_path / "visits.csv", tmp_path / "moments.csv"
    data.visits.to_csv(v, index=False)
    data.moments.to_csv(m, index=False)
    return v, m


def test_cli_needs(sample_csvs, tmp_path, capsys):
    from servscore.cli import main

    v, _ = sample_csvs
    assert main(["needs", str(v), "--by", "branch"]) == 0
    out = capsys.readouterr().out
    assert "600 interactions" in out and "long_wait" in out and "Harbour" in out
    path = tmp_path / "needs.csv"
    assert main(["needs", str(v), "-o", str(path)]) == 0
    got = pd.read_csv(path)
    expected = ss.needs.evaluate(pd.read_csv(v)).to_frame()
    assert got["rules"].fillna("").tolist() == expected["rules"].tolist()
    assert got["need_timely_service"].sum() == ss.needs.evaluate(pd.read_csv(v)).needs["timely_service"].sum()
    extra = tmp_path / "extra.json"
    extra.write_text(json.dumps([{"id": "x", "when": {"field": "elderly", "op": "is_true"}, "needs": ["respected"]}]))
    summary = tmp_path / "rules.csv"
    assert main(["needs", str(v), "--extra-rules", str(extra), "--summary", "-o", str(summary)]) == 0
    assert pd.read_csv(summary)["rule"].tolist()[-1] == "x"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"id": "x", "when": {"field": "nope", "op": ">", "value": 1}, "needs": ["help"]}]))
    assert main(["needs", str(v), "--config", str(bad)]) == 2
    assert "unknown field 'nope'" in capsys.readouterr().err


def test_cli_standards_and_time(sample_csvs, tmp_path, capsys):
    from servscore.cli import main

    v, _ = sample_csvs
    assert main(["standards", str(v), "--period", "week"]) == 0
    out = capsys.readouterr().out
    assert "greeting_quality" in out and "2026-W08" in out
    path = tmp_path / "pchart.csv"
    assert main(["standards", str(v), "--period", "week", "--pchart", "-o", str(path)]) == 0
    pc = pd.read_csv(path)
    assert len(pc) == 10 * 12 and {"lower", "upper", "signal"} <= set(pc.columns)
    assert main(["standards", str(v), "--time", "--by", "branch"]) == 0
    assert "waiting" in capsys.readouterr().out
    tpath = tmp_path / "time.json"
    assert main(["standards", str(v), "--time", "-o", str(tpath)]) == 0
    assert len(pd.read_json(tpath)) == 9


def test_cli_moments(sample_csvs, tmp_path, capsys):
    from servscore.cli import main

    _, m = sample_csvs
    assert main(["moments", str(m)]) == 0
    assert "wait_in_line" in capsys.readouterr().out
    path = tmp_path / "visits.parquet"
    assert main(["moments", str(m), "--visits", "-o", str(path)]) == 0
    assert len(pd.read_parquet(path)) == 120
    assert main(["moments", str(m), "--score", "nope"]) == 1
    assert "no column 'nope'" in capsys.readouterr().err
