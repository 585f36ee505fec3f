import json
import pickle
import threading
import warnings

import numpy as np
import pandas as pd
import pytest
import servscore as ss
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from servscore.nps import ResponseCounts

# methods.md check: 250 promoters, 675 passives, 75 detractors
CHECK = np.repeat([10, 9, 8, 7, 6, 0], [125, 125, 400, 275, 50, 25]).astype(np.int8)
Z = stats.norm.ppf(0.975)


def ref_nps(x, w=None, method="adjusted_wald", level=0.95):
    """Independent numpy reference: NPS, Wald SE and the interval of `method`."""
    x = np.asarray(x, dtype=float)
    w = np.ones_like(x) if w is None else np.asarray(w, dtype=float)
    ok = ~np.isnan(x)
    x, w = x[ok], w[ok]
    n = w.sum() ** 2 / (w**2).sum()
    pp = w[x >= 9].sum() / w.sum()
    pd_ = w[x <= 6].sum() / w.sum()
    z = stats.norm.ppf(0.5 + level / 2)
    var = pp + pd_ - (pp - pd_) ** 2
    se = np.sqrt(var / n)
    if method == "wald":
        lo, hi = pp - pd_ - z * se, pp - pd_ + z * se
    elif method == "adjusted_wald":
        n2 = n + 3
        a, b = (pp * n + 0.75) / n2, (pd_ * n + 0.75) / n2
        h = z * np.sqrt((a + b - (a - b) ** 2) / n2)
        lo, hi = max(-1, a - b - h), min(1, a - b + h)
    else:
        from statsmodels.stats.proportion import proportion_confint

        lp, up = proportion_confint(pp * n, n, alpha=1 - level, method="wilson")
        ld, ud = proportion_confint(pd_ * n, n, alpha=1 - level, method="wilson")
        r = -np.sqrt(pp * pd_ / ((1 - pp) * (1 - pd_))) if pp * pd_ > 0 else 0.0
        d = pp - pd_
        lo = d - np.sqrt((pp - lp) ** 2 + (ud - pd_) ** 2 - 2 * r * (pp - lp) * (ud - pd_))
        hi = d + np.sqrt((up - pp) ** 2 + (pd_ - ld) ** 2 - 2 * r * (up - pp) * (pd_ - ld))
    return 100 * (pp - pd_), 100 * se, 100 * lo, 100 * hi


def test_methods_check_values():
    r = ss.nps(CHECK, method="wald")
    t = r.table.iloc[0]
    assert (t["promoters"], t["passives"], t["detractors"]) == (250, 675, 75)
    assert r.nps == pytest.approx(17.50)
    assert r.se == pytest.approx(1.716, abs=5e-4)
    assert (round(r.lower, 2), round(r.upper, 2)) == (14.14, 20.86)
    a = ss.nps(CHECK)  # adjusted Wald is the default
    assert a.config.method == "adjusted_wald"
    assert (round(a.lower, 2), round(a.upper, 2)) == (14.09, 20.81)
    assert "NPS 17.5 [14.1, 20.8] (adjusted Wald 95%)" in repr(a)


@pytest.mark.parametrize("method", ["wald", "adjusted_wald", "mover"])
def test_matches_numpy_reference_weighted_and_missing(method):
    pytest.importorskip("statsmodels")
    rng = np.random.default_rng(3)
    x = rng.integers(0, 11, size=3000).astype(float)
    x[rng.random(3000) < 0.05] = np.nan
    w = rng.gamma(2.0, 1.0, size=3000)
    for weights in (None, w):
        r = ss.nps(x, method=method, weights=weights, level=0.9)
        ref = ref_nps(x, weights, method, 0.9)
        assert r.nps == pytest.approx(ref[0], rel=1e-12)
        assert r.se == pytest.approx(ref[1], rel=1e-10)
        assert r.lower == pytest.approx(ref[2], rel=1e-10)
        assert r.upper == pytest.approx(ref[3], rel=1e-10)
        assert r.table["n_missing"].iloc[0] == np.isnan(x).sum()
        assert r.table["n"].iloc[0] == (~np.isnan(x)).sum()
    assert r.table["n_eff"].iloc[0] == pytest.approx(np.nansum(w[~np.isnan(x)]) ** 2 / np.sum(w[~np.isnan(x)] ** 2))


def test_input_forms_agree():
    base = ss.nps(CHECK).table
    for data in (CHECK.astype(float), CHECK.tolist(), pd.Series(CHECK), pd.Series(CHECK, dtype="Int16")):
        pd.testing.assert_frame_equal(ss.nps(data).table, base)
    df = pd.DataFrame({"nps": CHECK, "q": CHECK})
    pd.testing.assert_frame_equal(ss.nps(df).table, base)
    pd.testing.assert_frame_equal(ss.nps(df, column="q").table, base)
    pl = pytest.importorskip("polars")
    pd.testing.assert_frame_equal(ss.nps(pl.DataFrame({"nps": CHECK.astype(np.int64)})).table, base)


def test_grouped_matches_pandas_groupby():
    rng = np.random.default_rng(8)
    df = pd.DataFrame(
        {
            "nps": rng.integers(0, 11, 5000),
            "branch": rng.choice(["b", "a", "c"], 5000),
            "channel": rng.choice(["web", "phone"], 5000),
        }
    )
    r = ss.nps(df, by="branch", method="wald")
    assert list(r.table.index) == ["a", "b", "c"] and r.table.index.name == "branch"
    for g, sub in df.groupby("branch"):
        ref = ref_nps(sub["nps"], method="wald")
        assert r.table.loc[g, "nps"] == pytest.approx(ref[0])
        assert r.table.loc[g, "lower"] == pytest.approx(ref[2])
    two = ss.nps(df, by=["branch", "channel"])
    assert len(two.table) == 6
    assert two.table.loc[("a", "web"), "n"] == ((df.branch == "a") & (df.channel == "web")).sum()
    arr = ss.nps(df["nps"].to_numpy(), by=df["branch"].to_numpy())
    np.testing.assert_allclose(arr.table["nps"].to_numpy(), ss.nps(df, by="branch").table["nps"].to_numpy())
    assert isinstance(r.nps, pd.Series) and r.grouped
    assert r.distribution.loc["a"].sum() == (df.branch == "a").sum()


def test_workers_and_dtypes_identical():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 11, 400_000).astype(np.int8)
    w = rng.random(400_000)
    g = rng.choice(["p", "q", "r"], 400_000)
    a = ss.nps(x, workers=1).table
    pd.testing.assert_frame_equal(a, ss.nps(x, workers=0).table)
    pd.testing.assert_frame_equal(a, ss.nps(x.astype(np.float64), workers=3).table)
    b = ss.nps(x, weights=w, by=g, workers=1).table
    pd.testing.assert_frame_equal(b, ss.nps(x, weights=w, by=g, workers=4).table)  # bit for bit


def test_releases_the_gil_and_is_thread_safe():
    x = np.random.default_rng(2).integers(0, 11, 2_000_000).astype(np.int8)
    expected = ss.nps(x).table
    out = [None] * 4

    def run(i):
        out[i] = ss.nps(x).table

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for o in out:
        pd.testing.assert_frame_equal(o, expected)


def test_bad_input_errors():
    with pytest.raises(ss.InputError, match=r"scores, row 2: value 11 is outside the scale \[0, 10\]"):
        ss.nps([1, 2, 11])
    with pytest.raises(ss.InputError, match=r"column 'q', row 7: value 7.5 is not a whole number"):
        ss.nps(pd.Series([1, 2, 7.5], name="q", index=[5, 6, 7]))
    df = pd.DataFrame({"nps": [3, 12], "w": [1, 1]}, index=["r1", "r2"])
    with pytest.raises(ss.InputError, match=r"column 'nps', row 'r2': value 12 is outside"):
        ss.nps(df)
    with pytest.raises(ss.InputError, match=r"row 9999: value -1 is outside"):
        ss.nps(np.r_[np.full(9999, 5, np.int8), np.int8(-1)], workers=2)
    with pytest.raises(ss.InputError, match=r"weights, row 1: weight -1; expected a finite number >= 0"):
        ss.nps([1, 2, 3], weights=[1, -1, 1])
    with pytest.raises(ss.InputError, match=r"weights: 2 values for 3 scores"):
        ss.nps([1, 2, 3], weights=[1, 1])
    with pytest.raises(ss.InputError, match=r"by: 2 values for 3 scores"):
        ss.nps([1, 2, 3], by=["a", "b"])
    with pytest.raises(ss.InputError, match=r"group 'b' has no valid answers \(0 answered, 1 missing\)"):
        ss.nps([1, 2, np.nan], by=["a", "a", "b"])
    kept = ss.nps([1, 2, np.nan], by=["a", "a", "b"], empty="nan").table
    assert kept.loc["b", "n_missing"] == 1 and np.isnan(kept.loc["b", "nps"])
    with pytest.raises(ss.InputError, match="empty"):
        ss.nps([])
    with pytest.raises(ss.InputError, match="no valid answers"):
        ss.nps([np.nan, None])
    with pytest.raises(ss.InputError, match="no column 'nps'"):
        ss.nps(pd.DataFrame({"score": [1]}))
    with pytest.raises(ss.InputError, match="value 'x' is not a number"):
        ss.nps(["1", "x"])
    with pytest.raises(ss.InputError, match="by: no column 'shop'"):
        ss.nps(df.assign(nps=[3, 4]), by="shop")


def test_missing_of_every_kind_is_counted():
    s = pd.Series([10, None, 3, pd.NA, 8], dtype="Int64")
    r = ss.nps(s)
    assert r.table["n"].iloc[0] == 3 and r.table["n_missing"].iloc[0] == 2
    assert r.nps == pytest.approx(0.0)


def test_config_overrides_and_errors(tmp_path):
    r = ss.nps([5, 4, 3, 1, 2], scale=(1, 5), promoter_min=5, detractor_max=3)
    assert r.nps == pytest.approx(100 * (1 - 3) / 5)
    cfg = ss.NpsConfig(promoter_min=8, level=0.9, method="mover")
    assert ss.NpsConfig.from_json(cfg.to_json()) == cfg
    assert pickle.loads(pickle.dumps(cfg)) == cfg
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"promoter_min": 8}))
    assert ss.nps([8, 8, 0], config=str(path)).nps == pytest.approx(100 / 3)
    assert ss.nps([8, 8, 0], config={"promoter_min": 8}, method="wald").config.method == "wald"
    with pytest.raises(ss.ConfigError, match="detractor_max: 9 is out of range"):
        ss.nps([1], detractor_max=9)
    with pytest.raises(ss.ConfigError, match="unknown key.*'promoters'"):
        ss.NpsConfig(promoters=9)
    with pytest.raises(ss.ConfigError, match="nps_interval 'exact'"):
        ss.nps([1], method="exact")
    with pytest.raises(ss.ConfigError, match="level"):
        ss.nps([1], level=1.5)
    with pytest.raises(ss.ConfigError, match="empty"):
        ss.nps([1], empty="skip")
    with pytest.raises(ss.ConfigError, match="bottom_max"):
        ss.csat([1], bottom_max=4)


def test_difference_by_hand():
    a = np.repeat([10, 7, 2], [300, 500, 200])  # P .3 D .2
    b = np.repeat([10, 7, 2], [100, 200, 100])  # P .25 D .25
    d = ss.nps_diff(a, b, method="wald")
    va, vb = 0.5 - 0.01, 0.5
    se = 100 * np.sqrt(va / 1000 + vb / 400)
    assert d.difference == pytest.approx(10.0)
    assert d.se == pytest.approx(se)
    assert (d.lower, d.upper) == pytest.approx((10 - Z * se, 10 + Z * se))
    assert d.p_value == pytest.approx(2 * stats.norm.sf(10 / se))
    rev = ss.nps_diff(b, a, method="wald")
    assert rev.difference == pytest.approx(-10.0) and rev.p_value == pytest.approx(d.p_value)
    adj = ss.nps_diff(a, b)
    pa, da = (300.75 / 1003, 200.75 / 1003)
    pb, db = (100.75 / 403, 100.75 / 403)
    c = 100 * ((pa - da) - (pb - db))
    h = 100 * Z * np.sqrt((pa + da - (pa - da) ** 2) / 1003 + (pb + db - (pb - db) ** 2) / 403)
    assert (adj.lower, adj.upper) == pytest.approx((c - h, c + h))
    m = ss.nps_diff(a, b, method="mover")
    ma, mb = ss.nps(a, method="mover"), ss.nps(b, method="mover")
    assert m.lower == pytest.approx(10 - np.hypot(ma.nps - ma.lower, mb.upper - mb.nps))
    assert m.upper == pytest.approx(10 + np.hypot(ma.upper - ma.nps, mb.nps - mb.lower))
    from_results = ss.nps_diff(ss.nps(a), ss.nps(b), method="wald")
    assert from_results.difference == pytest.approx(10.0) and from_results.se == pytest.approx(se)
    assert "NPS a - b = +10.0" in repr(d)
    assert d.to_frame()["n_b"].iloc[0] == 400
    with pytest.raises(ss.InputError, match="ungrouped"):
        ss.nps_diff(ss.nps(a, by=np.repeat(["x", "y"], 500)), b)


def test_sample_size_by_hand():
    # n = z^2 v / m^2: worst case v = 1 -> 1536.6 at +-5 points
    assert ss.nps_sample_size(5, method="wald") == int(np.ceil(Z**2 / 0.05**2)) == 1537
    assert ss.nps_sample_size(5) == 1534  # adjusted Wald counts 3 pseudo-answers
    v = 0.25 + 0.075 - 0.175**2
    assert ss.nps_sample_size(3, promoters=0.25, detractors=0.075, method="wald") == int(np.ceil(Z**2 * v / 0.03**2))
    assert ss.nps_sample_size(5, nps=40, method="wald", design_effect=1.5) == int(
        np.ceil(1.5 * Z**2 * (1 - 0.16) / 0.05**2)
    )
    z90 = stats.norm.ppf(0.95)
    assert ss.nps_sample_size(10, level=0.9, method="wald") == int(np.ceil(z90**2 / 0.01))
    with pytest.raises(ss.ConfigError, match="margin"):
        ss.nps_sample_size(-1)
    with pytest.raises(ss.ConfigError, match="both"):
        ss.nps_sample_size(5, promoters=0.3)


def test_csat_ces_mean_against_references():
    pytest.importorskip("statsmodels")
    from statsmodels.stats.proportion import proportion_confint

    rng = np.random.default_rng(4)
    x = rng.integers(1, 6, 700).astype(float)
    x[:9] = np.nan
    r = ss.csat(x)
    ok = x[~np.isnan(x)]
    top = (ok >= 4).sum()
    lo, hi = proportion_confint(top, len(ok), method="wilson")
    t = r.table.iloc[0]
    assert r.value == pytest.approx(top / len(ok))
    assert (t["top_lower"], t["top_upper"]) == pytest.approx((lo, hi), rel=1e-10)
    blo, bhi = proportion_confint((ok <= 2).sum(), len(ok), method="wilson")
    assert (t["bottom_lower"], t["bottom_upper"]) == pytest.approx((blo, bhi), rel=1e-10)
    assert t["mean"] == pytest.approx(ok.mean())
    assert t["sd"] == pytest.approx(ok.std(ddof=1))
    ci = stats.t.interval(0.95, len(ok) - 1, loc=ok.mean(), scale=stats.sem(ok))
    assert (t["mean_lower"], t["mean_upper"]) == pytest.approx(ci, rel=1e-10)
    assert t["n_missing"] == 9
    c = ss.ces(np.repeat([1, 2, 3, 4, 5, 6, 7], [5, 5, 10, 20, 30, 20, 10]))
    assert c.value == pytest.approx((5 + 10 + 30 + 80 + 150 + 120 + 70) / 100)
    assert c.table["top_share"].iloc[0] == pytest.approx(0.6)
    assert c.config.scale_max == 7 and c.config.top_min == 5
    m = ss.mean_score([1, 10, 4], scale=(1, 10), top_min=9, bottom_max=2)
    assert m.value == pytest.approx(5.0) and m.table["top"].iloc[0] == 1
    top3 = ss.csat([5, 4, 3, 3], top_min=3)
    assert top3.value == 1.0
    assert "CSAT 66.7%" in repr(ss.csat([5, 4, 1]))
    with pytest.raises(ss.InputError, match="value 6 is outside the scale"):
        ss.csat([5, 6])


def test_weighted_box_scores():
    x = np.array([5, 4, 1, 2])
    w = np.array([2.0, 1.0, 1.0, 4.0])
    t = ss.csat(x, weights=w).table.iloc[0]
    assert t["top_share"] == pytest.approx(3 / 8)
    assert t["n_eff"] == pytest.approx(64 / 22)
    assert t["mean"] == pytest.approx((10 + 4 + 1 + 8) / 8)


# ------------------------------------------------------------------ accumulator


@st.composite
def chunked(draw):
    n = draw(st.integers(1, 300))
    scores = draw(st.lists(st.one_of(st.integers(0, 10), st.just(None)), min_size=n, max_size=n))
    groups = draw(st.lists(st.sampled_from(["n", "s", "e"]), min_size=n, max_size=n))
    weights = draw(st.lists(st.integers(0, 8).map(lambda k: k / 4), min_size=n, max_size=n))  # dyadic: exact sums
    cuts = sorted(draw(st.lists(st.integers(0, n), max_size=6)))
    order = draw(st.permutations(list(range(len(cuts) + 1))))
    return scores, groups, weights, cuts, order


@settings(max_examples=60, deadline=None)
@given(chunked(), st.booleans(), st.sampled_from(["nps", "csat"]))
def test_any_chunking_and_merge_order_equals_one_pass(case, weighted, metric):
    scores, groups, weights, cuts, order = case
    if metric == "csat":
        scores = [None if s is None else 1 + s % 5 for s in scores]
    x = np.array([np.nan if s is None else s for s in scores], dtype=float)
    g = np.array(groups, dtype=object)
    w = np.array(weights) if weighted else None
    fn = ss.nps if metric == "nps" else ss.csat
    bounds = [0, *cuts, len(x)]
    parts = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        acc = ss.ResponseAccumulator(metric)
        if b > a:
            acc.update(x[a:b], by=g[a:b], weights=None if w is None else w[a:b])
        parts.append(acc)
    total = ss.ResponseAccumulator(metric)
    for i in order:
        total = total + pickle.loads(pickle.dumps(parts[i]))
    try:
        one = fn(x, by=g, weights=w, empty="nan")
    except ss.InputError:  # e.g. every weight zero
        return
    res = total.result(empty="nan")
    pd.testing.assert_frame_equal(res.distribution, one.distribution, check_names=False)
    pd.testing.assert_frame_equal(res.table, one.table, check_names=False)
    back = ss.ResponseAccumulator.from_bytes(total.to_bytes())
    pd.testing.assert_frame_equal(back.result(empty="nan").table, res.table)


def test_accumulator_streaming_dataframe_and_errors():
    df = pd.DataFrame({"nps": CHECK, "branch": np.resize(["x", "y"], len(CHECK))})
    acc = ss.ResponseAccumulator("nps", method="wald")
    for chunk in np.array_split(np.arange(len(df)), 5):
        acc.update(df.iloc[chunk], by="branch")
    pd.testing.assert_frame_equal(acc.result().table, ss.nps(df, by="branch", method="wald").table)
    assert "1000 answers" in repr(acc)
    assert acc.counts.counts.sum() == 1000
    with pytest.raises(ss.InputError, match="mixing grouped"):
        acc.update(CHECK)
    with pytest.raises(ss.InputError, match="nothing counted"):
        ss.ResponseAccumulator().result()
    with pytest.raises(ss.InputError, match="differ in configuration.*'nps'.*this one.*'csat'.*the other"):
        acc + ss.ResponseAccumulator("csat")
    with pytest.raises(ss.InputError, match="not a servscore"):
        ss.ResponseAccumulator.from_bytes(b"junk")
    with pytest.raises(ss.ConfigError, match="metric"):
        ss.ResponseAccumulator("ltr")
    c = ResponseCounts(0, 10)
    with pytest.raises(ss.InputError, match="truncated"):
        ResponseCounts.from_bytes(acc.counts.to_bytes()[:-4])
    assert pickle.loads(pickle.dumps(acc.counts)) == acc.counts
    with pytest.raises(ss.InputError, match="differ"):
        c.merge(acc.counts)


def test_results_dict_frame_and_plots():
    import matplotlib

    matplotlib.use("Agg")
    r = ss.nps(CHECK)
    d = r.to_dict()
    json.dumps(d)
    assert d["table"]["all"]["nps"] == pytest.approx(17.5)
    assert "<table" in r._repr_html_()
    ax = r.plot()
    assert len(ax.patches) == 11 and "17.5" in ax.get_title()
    g = ss.nps(CHECK, by=np.resize(["x", "y", "z"], len(CHECK)))
    ax = g.plot()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["x", "y", "z"]
    ss.set_language("zh")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # no CJK font installed
            ax = r.plot()
        assert "净推荐值" in ax.get_title()
    finally:
        ss.set_language("en")
    assert ss.csat([5, 4, 1]).plot() is not None
    assert ss.csat([5, 4, 1, 2], by=["a", "a", "b", "b"]).plot() is not None
    assert ss.nps_diff(CHECK, CHECK[::2]).plot() is not None
    json.dumps(ss.nps_diff(CHECK, CHECK[::2]).to_dict())


def test_sample_transactions_planted_structure():
    data = ss.datasets.sample(seed=2026)
    t = data.transactions
    truth = data.truth["transactions"]
    assert set(t.columns) >= {"branch", "channel", "month", "nps", "csat", "ces"}
    assert set(t["branch"]) == set(ss.datasets.sample().branches["branch"])
    r = ss.nps(t, by="branch")
    assert r.nps.idxmax() == truth["best_branch"] and r.nps.idxmin() == truth["worst_branch"]
    d = ss.nps_diff(t.loc[t.branch == truth["best_branch"], "nps"], t.loc[t.branch == truth["worst_branch"], "nps"])
    assert d.lower > 0 and d.p_value < 1e-6
    ces = ss.ces(t, by="channel")
    assert ces.value.idxmin() == truth["hardest_channel"]
    assert ces.table["n_missing"].sum() == t["ces"].isna().sum() > 0
    trend = ss.nps(t[t.branch == truth["improving_branch"]], by="month").nps
    assert np.corrcoef(np.arange(len(trend)), trend.to_numpy())[0, 1] > 0.8
    assert ss.csat(t).table["n_missing"].iloc[0] == t["csat"].isna().sum()


# ------------------------------------------------------------------ command line


@pytest.fixture()
def tx_csv(tmp_path):
    path = tmp_path / "tx.csv"
    ss.datasets.sample(seed=5, n_transactions=600).transactions.to_csv(path, index=False)
    return path


def test_cli_nps_stdout_and_outputs(tx_csv, tmp_path, capsys):
    from servscore.cli import main

    assert main(["nps", str(tx_csv), "--by", "branch"]) == 0
    out = capsys.readouterr().out
    assert "5 groups, 600 answers" in out and "Old Town" in out
    df = pd.read_csv(tx_csv)
    for ext in ("csv", "json", "parquet"):
        path = tmp_path / f"out.{ext}"
        assert main(["nps", str(tx_csv), "--by", "branch", "--method", "wald", "-o", str(path)]) == 0
        got = pd.read_csv(path) if ext == "csv" else pd.read_parquet(path) if ext == "parquet" else pd.read_json(path)
        expected = ss.nps(df, by="branch", method="wald").table
        assert got["branch"].tolist() == expected.index.tolist()
        np.testing.assert_allclose(got["lower"], expected["lower"])
    path = tmp_path / "ces.csv"
    assert main(["nps", str(tx_csv), "--metric", "ces", "--by", "channel", "-o", str(path)]) == 0
    np.testing.assert_allclose(pd.read_csv(path)["mean"], ss.ces(df, by="channel").table["mean"])
    assert main(["nps", str(tx_csv), "--metric", "csat"]) == 0
    assert "CSAT" in capsys.readouterr().out


def test_cli_nps_errors(tx_csv, tmp_path, capsys):
    from servscore.cli import main

    df = pd.read_csv(tx_csv)
    df.loc[4, "nps"] = 12  # the 5th record
    bad = tmp_path / "bad.csv"
    df.to_csv(bad, index=False)
    assert main(["nps", str(bad)]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "column 'nps', row 5: value 12 is outside the scale [0, 10]" in err
    cfg = tmp_path / "cfg.json"
    cfg.write_text('{"promoter_min": 3, "detractor_max": 5}')
    assert main(["nps", str(tx_csv), "--config", str(cfg)]) == 2
    assert "detractor_max: 5 is out of range" in capsys.readouterr().err
    assert main(["nps", str(tx_csv), "--metric", "csat", "--method", "wald"]) == 2
    assert main(["nps", str(tx_csv), "--column", "nope"]) == 1
    assert "no column 'nope'" in capsys.readouterr().err


# ------------------------------------------------------------------ report section


def test_report_section_recognises_transactions():
    pytest.importorskip("matplotlib")
    from servscore.report import build_report

    data = ss.datasets.sample(seed=2026)
    rep = build_report({"transactions": data.transactions, "encounters": data.encounters})
    keys = [s.key for s in rep.sections]
    assert "nps" in keys and "encounters" in keys
    sec = rep.sections[keys.index("nps")]
    truth = data.truth["transactions"]
    overall = ss.nps(data.transactions)
    assert sec.findings[0].startswith(f"NPS {overall.nps:.1f} (95% interval {overall.lower:.1f}")
    assert any(f.startswith(f"branch {truth['best_branch']}:") and "above the rest" in f for f in sec.findings)
    assert any(f.startswith(f"branch {truth['worst_branch']}:") and "below the rest" in f for f in sec.findings)
    assert any(f.startswith(f"channel {truth['hardest_channel']}: the hardest") for f in sec.findings)
    assert any("CSAT (top-2-box)" in f for f in sec.findings)
    assert len(sec.figures) == 3  # distribution, by branch, by channel
    assert [t for t, _ in sec.tables] == ["NPS by branch", "NPS by channel", "NPS by month"]
    zh = build_report({"transactions": data.transactions}, lang="zh")
    assert "净推荐值" in zh.to_html()
    assert build_report({"x": pd.DataFrame({"nps": ["a", "b"]})}).sections == []


def test_missing_group_keys_form_a_group_in_both_paths():
    x = np.array([1, 9, 10, np.nan, 3, 8])
    g = np.array(["a", None, "b", "a", np.nan, "b"], dtype=object)
    one = ss.nps(x, by=g, empty="nan")
    assert one.table["n"].tolist() == [1, 2, 2] and np.isnan(one.table.index[-1])
    acc = ss.ResponseAccumulator().update(x[:3], by=g[:3]) + ss.ResponseAccumulator().update(x[3:], by=g[3:])
    pd.testing.assert_frame_equal(acc.result(empty="nan").table, one.table)


def test_interval_coverage_by_simulation():
    """Rocks (2016): Wald under-covers small samples with extreme shares; adjusted Wald and MOVER hold up."""
    rng = np.random.default_rng(2016)
    p = np.array([0.02, 0.08, 0.90])  # detractors, passives, promoters: true NPS 88
    n, reps = 25, 4000
    cat = rng.choice(3, size=(reps, n), p=p)
    answers = np.array([3, 8, 10], dtype=np.int8)[cat].ravel()
    sample = np.repeat(np.arange(reps), n)
    cover = {}
    for method in ("wald", "adjusted_wald", "mover"):
        t = ss.nps(answers, by=sample, method=method).table  # 4000 samples counted in one call
        cover[method] = ((t["lower"] <= 88) & (t["upper"] >= 88)).mean()
    assert cover["wald"] < 0.90
    assert cover["adjusted_wald"] > 0.93
    assert cover["mover"] > 0.93


def test_report_prefers_the_transactional_table():
    from servscore.report_sections.nps import find_table

    data = ss.datasets.sample(seed=1, n_transactions=200)
    other = pd.DataFrame({"nps": [10, 0, 7], "loyalty": [1, 2, 3]})
    found = find_table({"a_loyalty": other, "transactions": data.transactions})
    assert found is not None and found[0] == "transactions" and found[2] == "nps"
    assert find_table({"a_loyalty": other})[0] == "a_loyalty"
    assert find_table({"x": pd.DataFrame({"nps": [1, 2, 3]})}) is None  # a 1-5 item is not a 0-10 NPS
