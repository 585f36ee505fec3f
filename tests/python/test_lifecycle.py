"""Lifecycle stage indices, complaint economics and loyalty segments: the Python boundary.

Expected values are hand calculations, independent numpy references (below) or peer
implementations (statsmodels, scipy).
"""

import json
import pickle

import numpy as np
import pandas as pd
import pytest
import servscore as ss
from hypothesis import given, settings
from hypothesis import strategies as st

STAGES = ss.LifecycleStage.names()


@pytest.fixture(scope="module")
def sample():
    return ss.datasets.sample()


# ---------------------------------------------------------------- references


def reference_stage_scores(x, cfg):
    """Slow, independent numpy reference of the respondent stage scores (row by row)."""
    lo, hi = cfg.scale_min, cfg.scale_max
    stage = np.array([STAGES.index(t.stage) for t in cfg.touchpoints])
    w = np.array([t.importance for t in cfg.touchpoints])
    out = np.full((x.shape[0], 8), np.nan)
    for i, row in enumerate(x):
        for s in range(8):
            m = stage == s
            if not m.any():
                continue
            r = m & ~np.isnan(row)
            if r.any() and w[r].sum() >= cfg.min_coverage * w[m].sum() * (1 - 1e-12):
                out[i, s] = (np.sum(w[r] * row[r]) / w[r].sum() - lo) / (hi - lo) * 100
    return out


def reference_segments(sat, loy, nps, cmp, sat_thr=5, loy_thr=5, detractor_max=6):
    """Independent numpy rule of Jones & Sasser segments with the terrorist refinement."""
    out = np.empty(len(sat), dtype=object)
    for i in range(len(sat)):
        if np.isnan(sat[i]) or np.isnan(loy[i]):
            out[i] = None
            continue
        hs, hl = sat[i] >= sat_thr, loy[i] >= loy_thr
        seg = "apostle" if hs and hl else "mercenary" if hs else "hostage" if hl else "defector"
        if seg == "defector" and ((nps[i] <= detractor_max) or cmp[i] == 1):
            seg = "terrorist"
        out[i] = seg
    return out


# ---------------------------------------------------------------- economics


def test_tarp_defaults_by_hand():
    r = ss.economics.complaints(1000)
    b = r.table.loc["baseline"]
    # R = 1000 [0.96 x 0.1 + 0.04 (0.25 x 0.95 + 0.25 x 0.7 + 0.5 x 0.1)]
    assert b["retained"] == pytest.approx(114.5)
    assert b["lost"] == pytest.approx(885.5)
    assert b["negative_word_of_mouth"] == pytest.approx(885.5 * 12)
    assert b["positive_word_of_mouth"] == pytest.approx(100)
    assert b["clv"] == pytest.approx(10)
    assert b["value_at_risk"] == pytest.approx(8855)
    assert b["replacement_cost"] == pytest.approx(885.5 * 6)
    assert r["lost"] == pytest.approx(885.5)
    assert r.comparison == {}
    assert "885.5 lost" in repr(r)


def test_tarp_overrides_scenario_and_roi():
    r = ss.economics.complaints(
        500, complaint_rate=0.1, resolution_rate=0.6, quick_share=0.25, margin=50, retention=0.8, discount=0.1
    )
    b = r.table.loc["baseline"]
    # 500 [0.9 x 0.1 + 0.1 (0.6 x 0.25 x 0.95 + 0.6 x 0.75 x 0.7 + 0.4 x 0.1)] = 500 x 0.13975
    assert b["retained"] == pytest.approx(69.875)
    clv = 50 * 1.1 / (1.1 - 0.8)
    assert b["clv"] == pytest.approx(clv)
    assert b["value_at_risk"] == pytest.approx((500 - 69.875) * clv)
    s = ss.economics.complaints(1000, scenario={"resolution_rate": 0.9}, programme_cost=1000, margin=20)
    assert s.comparison["extra_retained"] == pytest.approx(11.6)
    assert s.comparison["value_gained"] == pytest.approx(2320)
    assert s.comparison["roi"] == pytest.approx(1.32)
    assert s.table.loc["scenario", "retained"] == pytest.approx(126.1)
    assert s.scenario_config.resolution_rate == 0.9
    assert s.config.resolution_rate == 0.5
    full = ss.economics.ComplaintConfig(resolution_rate=0.9)
    assert ss.economics.complaints(1000, scenario=full).comparison["extra_retained"] == pytest.approx(11.6)
    json.dumps(s.to_dict())


def test_clv_and_sensitivity():
    assert ss.economics.clv(1.0) == pytest.approx(10.0)
    assert ss.economics.clv(100, retention=0.8, discount=0.1, horizon=3) == pytest.approx(
        100 * (1 + 0.8 / 1.1 + 0.64 / 1.21)
    )
    # the source: 65 of 100 cars to repeat buyers on a 6-year cycle, 2 cycles
    assert ss.economics.clv(1, retention=0.65, horizon=2) == pytest.approx(1.65)
    s = ss.economics.sensitivity(1000, "resolution_rate", np.linspace(0, 1, 5))
    assert s.table["retained"].tolist() == pytest.approx([100, 107.25, 114.5, 121.75, 129])
    assert s.table.index.name == "resolution_rate"
    assert np.all(np.diff(s.table["lost"]) < 0)
    c = ss.economics.sensitivity(10, "clv.margin", [1, 2], retention=0.5)
    assert c.table["clv"].tolist() == pytest.approx([2, 4])
    assert "clv.horizon" in ss.economics.parameters()


def test_economics_errors():
    with pytest.raises(ss.ConfigError, match="complaint_rate"):
        ss.economics.complaints(100, complaint_rate=1.2)
    with pytest.raises(ss.ConfigError, match="unknown key"):
        ss.economics.complaints(100, complaint_rat=0.1)
    with pytest.raises(ss.InputError, match="customers"):
        ss.economics.complaints("many")
    with pytest.raises(ss.InputError, match="customers"):
        ss.economics.complaints(-5)
    with pytest.raises(ss.ConfigError, match="unknown 'nope'"):
        ss.economics.sensitivity(100, "nope", [1])
    with pytest.raises(ss.InputError, match="at least one"):
        ss.economics.sensitivity(100, "complaint_rate", [])
    with pytest.raises(ss.ConfigError, match="diverges"):
        ss.economics.clv(1, retention=1.0)
    with pytest.raises(ss.ConfigError, match="horizon"):
        ss.economics.clv(1, horizon=2.5)  # type: ignore[arg-type]


def test_complaint_config_roundtrip():
    c = ss.economics.ComplaintConfig(complaint_rate=0.2, clv={"margin": 3})
    assert pickle.loads(pickle.dumps(c)) == c
    assert ss.economics.ComplaintConfig.from_json(c.to_json()) == c
    assert c.clv.margin == 3
    assert c.tell_unhappy() == pytest.approx(12)


# ---------------------------------------------------------------- loyalty


def test_segments_match_the_reference_on_the_sample(sample):
    d = sample.loyalty
    r = ss.loyalty.segment("satisfaction", "loyalty", data=d, nps="nps", complained="complained")
    ref = reference_segments(
        d["satisfaction"].to_numpy(),
        d["loyalty"].to_numpy(),
        d["nps"].to_numpy(),
        d["complained"].to_numpy().astype(float),
    )
    got = r.customers["segment"].astype(object).where(r.customers["segment"].notna(), None).to_numpy()
    assert (got == ref).all()
    missing = int(d["satisfaction"].isna().sum() + (d["satisfaction"].notna() & d["loyalty"].isna()).sum())
    assert int(r.table["n_missing"].sum()) == missing
    assert int(r.table["n"].sum()) == len(d) - missing


def test_planted_shares_fall_in_the_simultaneous_intervals(sample):
    d = sample.loyalty
    r = ss.loyalty.segment("satisfaction", "loyalty", data=d, nps="nps", complained="complained", by="market")
    assert r.interval == "goodman" and r.n_categories == 5
    for market, shares in sample.truth["loyalty"]["shares"].items():
        row = r.table.loc[market]
        for seg, p in shares.items():
            assert row[f"lower_{seg}"] <= p <= row[f"upper_{seg}"], (market, seg)


def test_goodman_intervals_match_statsmodels(sample):
    from statsmodels.stats.proportion import multinomial_proportions_confint

    d = sample.loyalty
    r = ss.loyalty.segment("satisfaction", "loyalty", data=d, nps="nps", complained="complained", by="branch")
    segs = ss.LoyaltySegment.names()
    for branch, row in r.table.iterrows():
        counts = row[segs].to_numpy(dtype=int)
        ref = multinomial_proportions_confint(counts, alpha=0.05, method="goodman")
        got = row[[f"lower_{s}" for s in segs]].to_numpy(float), row[[f"upper_{s}" for s in segs]].to_numpy(float)
        np.testing.assert_allclose(got[0], ref[:, 0], atol=1e-9, err_msg=str(branch))
        np.testing.assert_allclose(got[1], ref[:, 1], atol=1e-9, err_msg=str(branch))
    q = ss.loyalty.multinomial_intervals([50, 30, 20], method="quesenberry_hurst", level=0.9)
    from scipy.stats import chi2

    a, n = chi2.ppf(0.9, 2), 100
    ni = np.array([50, 30, 20])
    root = np.sqrt(a * (a + 4 * ni * (n - ni) / n))
    np.testing.assert_allclose(q[:, 0], (a + 2 * ni - root) / (2 * (n + a)))
    np.testing.assert_allclose(q[:, 1], (a + 2 * ni + root) / (2 * (n + a)))


def test_segment_inputs_thresholds_and_refinement():
    sat = pd.Series([5, 4, 4, 2, 2, None, 5], index=list("abcdefg"))
    loy = [5, 5, 4, 1, 1, 5, 4]
    r = ss.loyalty.segment(sat, loy, complained=["no", "no", "yes", "yes", "no", "no", None])
    assert r.customers.index.tolist() == list("abcdefg")
    assert r.customers["segment"].astype(object).tolist()[:5] == [
        "apostle",
        "hostage",
        "terrorist",  # complained
        "terrorist",
        "defector",
    ]
    assert pd.isna(r.customers.loc["f", "segment"])
    assert r.table.loc["all", "n_missing"] == 1
    # top-2-box thresholds
    r4 = ss.loyalty.segment(sat, loy, satisfaction_threshold=4, loyalty_threshold=4)
    assert r4.customers["segment"].astype(object).tolist()[:3] == ["apostle", "apostle", "apostle"]
    assert r4.n_categories == 4  # nothing to refine with: no terrorist category
    assert np.isnan(r4.table.loc["all", "share_terrorist"])
    off = ss.loyalty.segment(sat, loy, complained=[1, 0, 1, 1, 0, 0, 0], refine=False)
    assert off.customers.loc["d", "segment"] == "defector"
    adv = ss.loyalty.segment([5, 5, 5], [5, 5, 5], nps=[10, 8, None])
    assert adv.customers["advocate"].tolist()[:2] == [True, False]
    assert pd.isna(adv.customers["advocate"].iloc[2])
    assert int(adv.table.loc["all", "n_advocates"]) == 1


def test_segment_by_labels_and_polars():
    sat, loy = [5, 1, 5, 1], [5, 1, 1, 5]
    r = ss.loyalty.segment(sat, loy, by=["x", "x", "y", "y"])
    assert r.table.loc["x", "apostle"] == 1 and r.table.loc["x", "defector"] == 1
    assert r.table.loc["y", "mercenary"] == 1 and r.table.loc["y", "hostage"] == 1
    pl = pytest.importorskip("polars")
    df = pl.DataFrame({"s": sat, "l": loy, "m": ["x", "x", "y", "y"]})
    rp = ss.loyalty.segment("s", "l", data=df, by="m")
    pd.testing.assert_frame_equal(rp.table, r.table.rename_axis("m"))


def test_loyalty_errors_name_column_row_value():
    df = pd.DataFrame({"s": [5, 7, 1], "l": [5, 5, 1]}, index=[10, 11, 12])
    with pytest.raises(ss.InputError, match=r"row 11, column 'satisfaction': value 7"):
        ss.loyalty.segment("s", "l", data=df)
    with pytest.raises(ss.InputError, match="no column 'x'"):
        ss.loyalty.segment("x", "l", data=df)
    with pytest.raises(ss.InputError, match="column 'loyalty'.*'high' is not a number"):
        ss.loyalty.segment([1, 2], ["high", 3])
    with pytest.raises(ss.InputError, match="expected 2 values"):
        ss.loyalty.segment([1, 2], [1, 2, 3])
    with pytest.raises(ss.InputError, match="complained.*not 0 or 1"):
        ss.loyalty.segment([1, 2], [1, 2], complained=[0, 3])
    with pytest.raises(ss.InputError, match=r"complained: row 1: value 'maybe' is not a complaint flag"):
        ss.loyalty.segment([1, 2], [1, 2], complained=["yes", "maybe"])
    flags = pd.Series(pd.array([True, None, False], dtype="boolean"))
    r = ss.loyalty.segment([1, 1, 1], [1, 1, 1], complained=flags)
    assert r.customers["segment"].astype(str).tolist() == ["terrorist", "defector", "defector"]
    r = ss.loyalty.segment([1, 1], [1, 1], complained=pd.Series(["Yes ", "0"], dtype="category"))
    assert r.customers["segment"].astype(str).tolist() == ["terrorist", "defector"]
    with pytest.raises(ss.InputError, match="empty"):
        ss.loyalty.segment([], [])
    with pytest.raises(ss.ConfigError, match="satisfaction_threshold"):
        ss.loyalty.segment([1], [1], satisfaction_threshold=9)
    with pytest.raises(ss.ConfigError, match="sison_glaz"):
        ss.loyalty.segment([1], [1], interval="sison_glaz")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.integers(1, 5)),
            st.one_of(st.none(), st.integers(1, 5)),
            st.integers(0, 10),
            st.booleans(),
        ),
        min_size=1,
        max_size=40,
    ),
    st.integers(2, 5),
    st.integers(2, 5),
)
def test_segments_property(rows, ts, tl):
    sat = np.array([np.nan if r[0] is None else r[0] for r in rows], dtype=float)
    loy = np.array([np.nan if r[1] is None else r[1] for r in rows], dtype=float)
    nps = np.array([r[2] for r in rows], dtype=float)
    cmp = np.array([r[3] for r in rows], dtype=float)
    r = ss.loyalty.segment(sat, loy, nps=nps, complained=cmp, satisfaction_threshold=ts, loyalty_threshold=tl)
    got = r.customers["segment"].astype(object).where(r.customers["segment"].notna(), None).to_numpy()
    assert (got == reference_segments(sat, loy, nps, cmp, ts, tl)).all()
    t = r.table.loc["all"]
    if t["n"] > 0:
        shares = t[[f"share_{s}" for s in ss.LoyaltySegment.names()]].to_numpy(float)
        assert np.nansum(shares) == pytest.approx(1.0)
        lo = t[[f"lower_{s}" for s in ss.LoyaltySegment.names()]].to_numpy(float)
        hi = t[[f"upper_{s}" for s in ss.LoyaltySegment.names()]].to_numpy(float)
        ok = ~np.isnan(shares)
        assert (lo[ok] <= shares[ok] + 1e-12).all() and (shares[ok] <= hi[ok] + 1e-12).all()
    w = ss.loyalty.segment(
        sat, loy, nps=nps, complained=cmp, workers=3, satisfaction_threshold=ts, loyalty_threshold=tl
    )
    pd.testing.assert_frame_equal(w.table, r.table)


def test_curve_recovers_the_planted_zones(sample):
    d = sample.loyalty
    c = ss.loyalty.curve("satisfaction", "loyalty", data=d, by="market")
    assert c.zones["zone"].to_dict() == sample.truth["loyalty"]["zones"]
    # reference: pandas groupby
    ok = d.dropna(subset=["satisfaction", "loyalty"])
    ref = ok.groupby(["market", "satisfaction"])["loyalty"].agg(["size", "mean", lambda v: (v >= 5).mean()])
    got = c.table.set_index(["group", "satisfaction"])
    np.testing.assert_array_equal(got["n"].to_numpy(), ref["size"].to_numpy())
    np.testing.assert_allclose(got["mean_loyalty"].to_numpy(), ref["mean"].to_numpy())
    np.testing.assert_allclose(got["loyal_share"].to_numpy(), ref.iloc[:, 2].to_numpy())
    assert c.n_missing == len(d) - len(ok)
    from statsmodels.stats.proportion import proportion_confint

    row = got.loc[("competitive", 5.0)]
    lo, hi = proportion_confint(round(row["loyal_share"] * row["n"]), row["n"], method="wilson")
    assert row["loyal_lower"] == pytest.approx(lo) and row["loyal_upper"] == pytest.approx(hi)


def test_curve_zone_rules_by_hand():
    sat = [5, 5, 5, 4, 4, 3]
    loy = [5, 5, 2, 5, 1, 1]
    assert ss.loyalty.curve(sat, loy).zones.loc["all", "zone"] == "insufficient"
    z = ss.loyalty.curve(sat, loy, min_curve_n=1).zones.loc["all"]
    assert z["loyal_below"] == pytest.approx(1 / 3) and z["loyal_top"] == pytest.approx(2 / 3)
    assert z["zone"] == "competitive"
    assert ss.loyalty.curve(sat, loy, min_curve_n=1, competitive_gap=0.34).zones.loc["all", "zone"] == "intermediate"
    nc = ss.loyalty.curve(sat, loy, min_curve_n=1, noncompetitive_loyalty=0.3, competitive_loyalty=0.3)
    assert nc.zones.loc["all", "zone"] == "non_competitive"
    with pytest.raises(ss.InputError, match="distinct values"):
        ss.loyalty.curve(np.linspace(1, 5, 300), np.ones(300))


# ---------------------------------------------------------------- lifecycle


def test_stage_scores_match_the_reference(sample):
    d = sample.journey.iloc[:400]
    cfg = ss.lifecycle.LifecycleConfig()
    got = ss.lifecycle.score_stages(d)
    x = d[[t.name for t in cfg.touchpoints]].to_numpy(float)
    np.testing.assert_allclose(got.to_numpy(), reference_stage_scores(x, cfg), equal_nan=True)
    assert got.index.equals(d.index)
    cfg2 = ss.lifecycle.LifecycleConfig(
        touchpoints=[{"name": "a", "stage": "caring", "importance": 3}, {"name": "b", "stage": "caring"}],
        min_coverage=0.8,
        scale_min=0,
        scale_max=10,
    )
    x2 = np.array([[10, 0], [np.nan, 5], [4, np.nan]], dtype=float)
    np.testing.assert_allclose(ss.lifecycle.score_stages(x2, cfg2).to_numpy(), reference_stage_scores(x2, cfg2))
    assert ss.lifecycle.score_stages(x2, cfg2)["caring"].tolist()[0] == pytest.approx(75)


def test_planted_weak_stage_is_recovered(sample):
    truth = sample.truth["journey"]
    r = ss.lifecycle.stages(sample.journey)
    j = r.journey.loc["all"]
    assert j["weakest"] == truth["weak_stage"]
    assert j["weak_stages"] == truth["weak_stages"]
    assert truth["strong_stage"] in j["strong_stages"]
    t = r.stage_table()
    # journey index = mean of the stage indices (equal stage weights)
    assert j["journey"] == pytest.approx(t["index"].mean())
    assert (t["n"] + t["n_missing"] == len(sample.journey)).all()
    # the stage index is the mean of the respondent stage scores, the interval a t interval
    from scipy import stats

    caring = r.scores["caring"].dropna()
    assert t.loc["caring", "index"] == pytest.approx(caring.mean())
    lo, hi = stats.t.interval(0.95, len(caring) - 1, loc=caring.mean(), scale=stats.sem(caring))
    assert (t.loc["caring", "lower"], t.loc["caring", "upper"]) == pytest.approx((lo, hi))


def test_importance_from_survey_and_ipa(sample):
    d = sample.journey
    r = ss.lifecycle.stages(d, importance="imp_")
    t = r.stage_table()
    assert t.loc[sample.truth["journey"]["concentrate_here"], "quadrant"] == "concentrate_here"
    imp = d[[c for c in d.columns if c.startswith("imp_")]].mean()
    assert t.loc["caring", "importance"] == pytest.approx(
        (imp["imp_follow_up_visits"] + imp["imp_community_services"]) / 2
    )
    # the same with an explicit dict of importances
    names = [tp.name for tp in r.config.touchpoints]
    r2 = ss.lifecycle.stages(d, importance={n: imp["imp_" + n] for n in names})
    pd.testing.assert_frame_equal(r.table, r2.table)
    with pytest.raises(ss.InputError, match="unknown touchpoint"):
        ss.lifecycle.stages(d, importance={"nope": 2})
    bad = d.copy()
    bad.loc[5, "imp_handover_inspection"] = 9
    with pytest.raises(ss.InputError, match=r"row 5, column 'handover_inspection': importance 9"):
        ss.lifecycle.stages(bad, importance="imp_")


def test_stages_per_segment_and_over_time(sample):
    r = ss.lifecycle.stages(sample.journey, by="wave")
    t = r.table.set_index(["group", "stage"])
    assert t.loc[("2026", "caring"), "index"] > t.loc[("2025", "caring"), "upper"]  # caring improved
    multi = ss.lifecycle.stages(sample.journey, by=["owner_type", "wave"])
    assert len(multi.journey) == 4
    # four-year check-up only rated by existing owners
    new = multi.table[(multi.table["group"].map(lambda g: g[0]) == "new_owner")]
    assert new[new["stage"] == "four_year_appointment"]["n"].eq(0).all()
    assert new[new["stage"] == "four_year_appointment"]["index"].isna().all()
    labels = ss.lifecycle.stages(sample.journey, by=sample.journey["wave"].to_numpy())
    np.testing.assert_allclose(labels.journey["journey"].to_numpy(), r.journey["journey"].to_numpy())


def test_lifecycle_options_and_workers(sample):
    d = sample.journey
    a = ss.lifecycle.stages(d, workers=1)
    b = ss.lifecycle.stages(d, workers=4)
    pd.testing.assert_frame_equal(a.table, b.table)
    tp = {"product_fit": "tying_the_knot", "follow_up_visits": "caring"}
    small = ss.lifecycle.stages(d, touchpoints=tp, margin=0)
    assert small.table["stage"].tolist() == ["tying_the_knot", "caring"]
    w = ss.lifecycle.stages(d, stage_weights={"caring": 3})
    t = w.stage_table()
    weights = np.where(t.index == "caring", 3.0, 1.0)
    assert w.journey.loc["all", "journey"] == pytest.approx(np.sum(weights * t["index"]) / weights.sum())
    cfg = ss.lifecycle.LifecycleConfig(margin=2)
    assert pickle.loads(pickle.dumps(cfg)) == cfg
    assert ss.lifecycle.LifecycleConfig.from_json(cfg.to_json()) == cfg
    json.dumps(a.to_dict())


def test_lifecycle_errors():
    df = pd.DataFrame({"a": [1, 5, 6], "b": [1, 2, 3]}, index=["x", "y", "z"])
    tp = {"a": "caring", "b": "moving_in"}
    with pytest.raises(ss.InputError, match=r"row 'z', column 'a': rating 6"):
        ss.lifecycle.stages(df, touchpoints=tp)
    with pytest.raises(ss.InputError, match="missing column"):
        ss.lifecycle.stages(df)
    with pytest.raises(ss.ConfigError, match="caringg"):
        ss.lifecycle.stages(df, touchpoints={"a": "caringg"})
    with pytest.raises(ss.ConfigError, match="margin"):
        ss.lifecycle.stages(df, touchpoints=tp, margin=-1)
    with pytest.raises(ss.InputError, match="empty"):
        ss.lifecycle.stages(df.iloc[:0], touchpoints=tp)
    with pytest.raises(ss.InputError, match="expected 2 group labels"):
        ss.lifecycle.stages(df.iloc[:2].assign(a=[1, 2]), touchpoints=tp, by=["g", "h", "i"])


# ---------------------------------------------------------------- plots, labels


def test_plots_return_axes(sample):
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    import matplotlib.pyplot as plt

    r = ss.lifecycle.stages(sample.journey)
    ax = r.plot()
    labels = [t.get_text() for t in ax.get_xticklabels()] + [t.get_text() for t in ax.get_yticklabels()]
    assert any("Caring" in s for s in labels)
    seg = ss.loyalty.segment("satisfaction", "loyalty", data=sample.loyalty, nps="nps", complained="complained")
    assert seg.plot() is not None
    cur = ss.loyalty.curve("satisfaction", "loyalty", data=sample.loyalty, by="market")
    ax = cur.plot()
    assert len(ax.get_lines()) >= 2
    sens = ss.economics.sensitivity(1000, "resolution_rate", [0, 0.5, 1])
    assert sens.plot(y="retained").get_xlabel()
    assert ss.economics.complaints(100, scenario={"resolution_rate": 1}).plot() is not None
    ss.set_language("zh")
    try:
        ax = r.plot()
        assert any("嘘寒问暖" in t.get_text() for t in ax.get_yticklabels() + ax.get_xticklabels())
    finally:
        ss.set_language("en")
    plt.close("all")


# ---------------------------------------------------------------- command line


def test_cli_lifecycle_loyalty_economics(tmp_path, capsys):
    from servscore.cli import main

    d = ss.datasets.sample(seed=5, n_journey=300, n_loyalty=400)
    j, lo = tmp_path / "journey.csv", tmp_path / "loyalty.csv"
    d.journey.to_csv(j, index=False)
    d.loyalty.to_csv(lo, index=False)
    assert main(["lifecycle", str(j), "--by", "wave"]) == 0
    assert "journey index" in capsys.readouterr().out
    out = tmp_path / "stages.csv"
    assert main(["lifecycle", str(j), "--importance", "imp_", "-o", str(out)]) == 0
    t = pd.read_csv(out)
    expected = ss.lifecycle.stages(pd.read_csv(j), importance="imp_").table
    np.testing.assert_allclose(t["index"], expected["index"])
    assert main(["lifecycle", str(j), "--scores", "-o", str(tmp_path / "scores.csv")]) == 0
    assert "caring" in pd.read_csv(tmp_path / "scores.csv").columns

    assert main(["loyalty", str(lo), "--by", "market"]) == 0
    printed = capsys.readouterr().out
    assert "goodman" in printed and "competitive" in printed
    seg = tmp_path / "seg.csv"
    assert main(["loyalty", str(lo), "-o", str(seg)]) == 0
    ref = ss.loyalty.segment("satisfaction", "loyalty", data=pd.read_csv(lo), nps="nps", complained="complained")
    assert (
        pd.read_csv(seg)["segment"].fillna("-").tolist() == ref.customers["segment"].astype(object).fillna("-").tolist()
    )
    assert main(["loyalty", str(lo), "--curve", "--by", "market", "-o", str(tmp_path / "curve.csv")]) == 0
    assert main(["loyalty", str(lo), "--summary", "-o", str(tmp_path / "summary.json")]) == 0

    assert main(["economics", "1000", "--set", "margin=20", "--scenario", "resolution_rate=0.9", "--cost", "1000"]) == 0
    assert "ROI 132%" in capsys.readouterr().out
    sens = tmp_path / "sens.csv"
    assert main(["economics", "1000", "--sensitivity", "resolution_rate=0:1:5", "-o", str(sens)]) == 0
    assert pd.read_csv(sens)["retained"].tolist() == pytest.approx([100, 107.25, 114.5, 121.75, 129])


def test_cli_exit_codes(tmp_path, capsys):
    from servscore.cli import main

    bad = tmp_path / "bad.csv"
    pd.DataFrame({"satisfaction": [5, 8], "loyalty": [5, 5]}).to_csv(bad, index=False)
    assert main(["loyalty", str(bad)]) == 1
    err = capsys.readouterr().err.strip()
    assert "row 2, column 'satisfaction': value 8" in err and err.count("\n") == 0
    assert main(["loyalty", str(bad), "--nps", "missing_col"]) == 2
    assert main(["economics", "100", "--set", "complaint_rate=3"]) == 2
    assert "complaint_rate" in capsys.readouterr().err
    assert main(["economics", "-5"]) == 1  # no input file: the message names none
    assert (
        capsys.readouterr().err.strip()
        == "servscore economics: customers: -5 is invalid; expected a finite number >= 0"
    )
    assert main(["economics", "100", "--set", "complaint_rate"]) == 2
    assert main(["economics", "100", "--sensitivity", "nope=0:1:3"]) == 2
    assert main(["economics", "100", "--sensitivity", "complaint_rate=0:1"]) == 2
    cfg = tmp_path / "cfg.json"
    cfg.write_text('{"margin": -3}')
    assert main(["lifecycle", str(bad), "--config", str(cfg)]) == 2
    assert "margin" in capsys.readouterr().err


def test_report_sections(sample):
    pytest.importorskip("matplotlib")
    from servscore.report import build_report

    d = ss.datasets.sample(seed=2, n_journey=500, n_loyalty=600)
    r = build_report({"journey": d.journey, "loyalty": d.loyalty})
    keys = [s.key for s in r.sections]
    assert "lifecycle" in keys and "loyalty" in keys
    text = r.text()
    assert "weakest stage Caring" in text
    assert "competitive zone" in text and "non-competitive zone" in text
    assert "goodman" in text
    html = r.to_html()
    assert 'id="lifecycle"' in html and "data:image/png;base64" in html
    zh = build_report({"journey": d.journey}, lang="zh").text()
    assert "嘘寒问暖" in zh


# ---------------------------------------------------------------- protocol: JSON, pickling, threads, properties


def test_results_serialise_and_pickle(sample):
    seg = ss.loyalty.segment("satisfaction", "loyalty", data=sample.loyalty.iloc[:200], nps="nps", by="market")
    cur = ss.loyalty.curve("satisfaction", "loyalty", data=sample.loyalty.iloc[:200])
    lc = ss.lifecycle.stages(sample.journey.iloc[:200], by="wave")
    eco = ss.economics.complaints(100, scenario={"quick_share": 1})
    for r in (seg, cur, lc, eco, ss.economics.sensitivity(10, "tell_wide", [10, 20])):
        json.dumps(r.to_dict())
        assert type(r).__name__ in repr(r)
        assert "<table" in r._repr_html_()
        back = pickle.loads(pickle.dumps(r))
        pd.testing.assert_frame_equal(back.to_frame(), r.to_frame())


def test_threads_with_the_gil_released(sample):
    import threading

    d = sample.journey
    x = d[[t.name for t in ss.lifecycle.LifecycleConfig().touchpoints]].to_numpy(float)
    x = np.ascontiguousarray(np.tile(x, (20, 1)))
    expected = ss.lifecycle.score_stages(x).to_numpy()
    results = [None] * 4

    def work(i):
        results[i] = ss.lifecycle.score_stages(x, workers=2).to_numpy()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        np.testing.assert_array_equal(r, expected)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=4, max_size=4), min_size=2, max_size=30),
    st.lists(st.floats(0.1, 5.0), min_size=4, max_size=4),
    st.sampled_from([0.25, 0.5, 1.0]),
)
def test_stage_indices_property(rows, weights, coverage):
    x = np.array([[np.nan if v is None else v for v in r] for r in rows], dtype=float)
    cfg = ss.lifecycle.LifecycleConfig(
        touchpoints=[
            {"name": "a", "stage": "caring", "importance": weights[0]},
            {"name": "b", "stage": "caring", "importance": weights[1]},
            {"name": "c", "stage": "moving_in", "importance": weights[2]},
            {"name": "d", "stage": "four_year_appointment", "importance": weights[3]},
        ],
        min_coverage=coverage,
    )
    r = ss.lifecycle.stages(x, config=cfg)
    ref = reference_stage_scores(x, cfg)
    np.testing.assert_allclose(r.scores.to_numpy(), ref, equal_nan=True, atol=1e-9)
    t = r.stage_table()
    for s in ("caring", "moving_in", "four_year_appointment"):
        col = ref[:, STAGES.index(s)]
        col = col[~np.isnan(col)]
        assert t.loc[s, "n"] == len(col)
        if len(col) >= 2:
            assert t.loc[s, "index"] == pytest.approx(col.mean())
            assert 0 <= t.loc[s, "index"] <= 100
        else:
            assert np.isnan(t.loc[s, "index"])
    idx = t["index"].dropna()
    if len(idx):
        assert r.journey.loc["all", "journey"] == pytest.approx(idx.mean())
        assert r.journey.loc["all", "weakest"] == idx.idxmin()
        assert not (t["weak"] & t["strong"]).any()


def test_change_between_waves_matches_scipy(sample):
    from scipy import stats

    r = ss.lifecycle.stages(sample.journey, by="wave")
    c = r.change("2025", "2026")
    a = r.scores[sample.journey["wave"].to_numpy() == "2025"]["caring"].dropna()
    b = r.scores[sample.journey["wave"].to_numpy() == "2026"]["caring"].dropna()
    res = stats.ttest_ind(b, a, equal_var=False)
    ci = res.confidence_interval(0.95)
    assert c.loc["caring", "diff"] == pytest.approx(b.mean() - a.mean())
    assert (c.loc["caring", "lower"], c.loc["caring", "upper"]) == pytest.approx((ci.low, ci.high))
    assert c.loc["caring", "df"] == pytest.approx(res.df)
    assert bool(c.loc["caring", "significant"])
    assert not bool(c.loc["tying_the_knot", "significant"]) or abs(c.loc["tying_the_knot", "diff"]) < 3
