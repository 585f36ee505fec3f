"""Design-based standard errors, paired NPS, cut-offs that follow the scale, the interval rule
and the error messages of the transactional metrics (issue 16, item 4 and its bugs).

Reference values: R survey 4.1.1 (``svymean`` / ``svyby`` / ``svyratio``) on its apistrat and
apiclus1 data, written by tests/data/survey_reference.R into tests/data/survey_reference.json
from the derived answers in tests/data/survey_api.csv.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import servscore as ss

DATA = Path(__file__).resolve().parents[1] / "data"
REF = json.loads((DATA / "survey_reference.json").read_text())["results"]
API = pd.read_csv(DATA / "survey_api.csv")
STRAT = API[API["sample"] == "apistrat"].reset_index(drop=True)
CLUS = API[API["sample"] == "apiclus1"].reset_index(drop=True)
TOL = 1e-10

DESIGNS = {
    "strat_fpc": (STRAT, {"strata": "stype", "fpc": "fpc"}),
    "strat": (STRAT, {"strata": "stype"}),
    "weights_only": (STRAT, {"design": True}),
    "clus1_fpc": (CLUS, {"clusters": "dnum", "fpc": "fpc"}),
    "clus1": (CLUS, {"clusters": "dnum"}),
}


def close(a, b, tol=TOL):
    return abs(a - b) <= tol * max(1.0, abs(b))


@pytest.mark.parametrize("name", list(DESIGNS))
def test_nps_design_se_matches_survey_svymean(name):
    df, design = DESIGNS[name]
    ref = REF[name]
    r = ss.nps(df, column="ltr", weights="pw", **design)
    t = r.table.iloc[0]
    assert close(t["nps"], ref["nps"]["mean"]), (t["nps"], ref["nps"]["mean"])
    assert close(t["se_design"], ref["nps"]["se"]), (t["se_design"], ref["nps"]["se"])
    assert close(t["se_design"], ref["ratio_nps"]["se"])  # svyratio(~nps, ~one) is the same estimator
    assert int(t["df_design"]) == ref["degf"]
    assert int(t["n_missing"]) == int(df["ltr"].isna().sum()) > 0
    z = 1.959963984540054
    assert close(t["lower_design"], t["nps"] - z * t["se_design"])
    assert "design-based SE" in str(r)


@pytest.mark.parametrize("name", list(DESIGNS))
def test_box_design_se_matches_survey_svymean(name):
    df, design = DESIGNS[name]
    ref = REF[name]
    c = ss.csat(df, column="csat", weights="pw", **design).table.iloc[0]
    assert close(c["top_share"], ref["top"]["mean"]) and close(c["top_se_design"], ref["top"]["se"])
    assert close(c["bottom_share"], ref["bottom"]["mean"]) and close(c["bottom_se_design"], ref["bottom"]["se"])
    assert close(c["mean"], ref["csat"]["mean"]) and close(c["mean_se_design"], ref["csat"]["se"])
    e = ss.ces(df, column="ces", weights="pw", **design).table.iloc[0]
    assert close(e["mean"], ref["ces"]["mean"]) and close(e["mean_se_design"], ref["ces"]["se"])
    assert close(e["top_share"], ref["ces_top"]["mean"]) and close(e["top_se_design"], ref["ces_top"]["se"])


@pytest.mark.parametrize("name", list(DESIGNS))
def test_domain_se_matches_survey_svyby(name):
    df, design = DESIGNS[name]
    ref = REF[name]
    t = ss.nps(df, column="ltr", weights="pw", by="stype", **design).table
    assert list(t.index) == ref["by_stype_nps"]["stype"]
    for g, m, se in zip(*(ref["by_stype_nps"][k] for k in ("stype", "mean", "se"))):
        assert close(t.loc[g, "nps"], m) and close(t.loc[g, "se_design"], se), (g, t.loc[g, "se_design"], se)
    b = ss.csat(df, column="csat", weights="pw", by="stype", **design).table
    for g, m, se in zip(*(ref["by_stype_top"][k] for k in ("stype", "mean", "se"))):
        assert close(b.loc[g, "top_share"], m) and close(b.loc[g, "top_se_design"], se)


def test_design_values_as_arrays_and_kish_n_eff_beside():
    r1 = ss.nps(STRAT, column="ltr", weights="pw", strata="stype", fpc="fpc")
    r2 = ss.nps(
        STRAT["ltr"].to_numpy(), weights=STRAT["pw"].to_numpy(), strata=STRAT["stype"].to_numpy(), fpc=STRAT["fpc"]
    )
    assert close(r1.table["se_design"].iloc[0], r2.table["se_design"].iloc[0])
    w = STRAT.loc[STRAT["ltr"].notna(), "pw"]
    assert close(r1.table["n_eff"].iloc[0], w.sum() ** 2 / (w**2).sum())  # Kish, unchanged beside the design SE


def test_unweighted_design_se_is_the_sample_sd_over_root_n():
    x = np.array([10, 9, 7, 3, 0, 10, 8, 6, 9, 5], dtype=float)
    s = np.where(x >= 9, 100.0, np.where(x <= 6, -100.0, 0.0))
    r = ss.nps(x, design=True).table.iloc[0]
    assert close(r["se_design"], s.std(ddof=1) / np.sqrt(len(s)))


def test_design_errors_name_the_problem():
    one_psu = STRAT.copy()
    one_psu.loc[0, "stype"] = "lonely"
    with pytest.raises(ss.InputError, match="stratum 'lonely' has a single PSU"):
        ss.nps(one_psu, column="ltr", weights="pw", strata="stype")
    bad = STRAT.copy()
    bad.loc[3, "fpc"] = 10
    with pytest.raises(ss.InputError, match="fpc: stratum 'E' has 2 different values"):
        ss.nps(bad, column="ltr", weights="pw", strata="stype", fpc="fpc")
    small = STRAT.copy()
    small["fpc"] = 5.0
    with pytest.raises(ss.InputError, match="fewer than the stratum's"):
        ss.nps(small, column="ltr", weights="pw", fpc="fpc")
    gap = STRAT.copy()
    gap.loc[7, "stype"] = None
    with pytest.raises(ss.InputError, match="strata: row 7 has no value"):
        ss.nps(gap, column="ltr", weights="pw", strata="stype")
    with pytest.raises(ss.InputError, match="strata: no column 'nope'"):
        ss.nps(STRAT, column="ltr", strata="nope")
    with pytest.raises(ss.InputError, match="clusters: 3 values for 200 scores"):
        ss.nps(STRAT, column="ltr", clusters=[1, 2, 3])


# ------------------------------------------------------------------ paired NPS


def test_paired_nps_difference_and_se_from_the_score_differences():
    a = np.array([10, 9, 6, 8, 3, 10, 9, 2, 7, 10, np.nan], dtype=float)
    b = np.array([8, 9, 3, 8, 6, 9, 6, 2, 9, 7, 10], dtype=float)

    def score(x):
        return np.where(x >= 9, 100.0, np.where(x <= 6, -100.0, 0.0))

    ok = ~np.isnan(a)
    d = score(a[ok]) - score(b[ok])
    r = ss.nps_paired(a, b)
    assert close(r.difference, d.mean())
    assert close(r.se, d.std(ddof=1) / np.sqrt(len(d)))
    assert close(r.lower, d.mean() - 1.959963984540054 * r.se)
    assert r.a.table["n"].iloc[0] == 10 and r.b.table["n"].iloc[0] == 10  # the complete pairs
    assert close(r.difference, r.a.nps - r.b.nps)
    from scipy import stats

    assert close(r.p_value, 2 * stats.norm.sf(abs(d.mean() / r.se)))
    assert "paired" in str(r)
    # the independent-samples SE ignores the pairing and is larger here (positively correlated waves)
    assert ss.nps_diff(a[ok], b[ok], method="wald").se > r.se


def test_paired_nps_with_a_design_matches_svymean_of_the_difference():
    # wave b: one point more (at most 10) for every third respondent with an answer (survey_reference.R)
    df = STRAT[STRAT["ltr"].notna()].reset_index(drop=True)
    later = np.minimum(10, df["ltr"] + (df.index % 3 == 0))
    r = ss.nps_paired(
        df["ltr"].to_numpy(), later.to_numpy(), weights=df["pw"].to_numpy(), strata=df["stype"].to_numpy()
    )
    ref = json.loads((DATA / "survey_reference.json").read_text())["paired"]
    assert close(r.difference, ref["mean"]) and close(r.se, ref["se"]), (r.difference, r.se, ref)


def test_paired_nps_pairs_pandas_inputs_by_index():
    a = pd.Series([10, 3, 9], index=["u", "v", "w"])
    b = pd.Series([9, 10, 3], index=["w", "u", "v"])  # the same respondents in another order
    r = ss.nps_paired(a, b)
    assert r.difference == 0.0
    with pytest.raises(ss.InputError, match="the index differs"):
        ss.nps_paired(a, pd.Series([9, 10, 3], index=["w", "u", "x"]))
    with pytest.raises(ss.InputError, match="2 answers for 3 in a"):
        ss.nps_paired([10, 9, 8], [10, 9])


# ------------------------------------------------------------------ cut-offs follow the scale


def test_box_cutoffs_follow_the_scale():
    assert ss.box_cutoffs(1, 5) == (2, 4)  # the CSAT default
    assert ss.box_cutoffs(1, 7) == (3, 5)  # the CES default
    assert ss.box_cutoffs(1, 10) == (5, 6)
    assert ss.box_cutoffs(0, 10) == (4, 6)
    assert ss.box_cutoffs(-3, 3) == (-1, 1)
    r = ss.csat([10, 9, 6, 5, 4, 1], scale=(1, 10))
    assert (r.config.top_min, r.config.bottom_max) == (6, 5)  # not the 1-5 top box >= 4
    assert r.table["top"].iloc[0] == 3 and r.table["bottom"].iloc[0] == 3
    assert "top box 6-10 of 1-10" in str(r) and "bottom box 1-5" in str(r)
    # a cut-off given is kept, the other follows the scale without crossing it
    assert ss.csat([10], scale=(1, 10), top_min=9).config.bottom_max == 5
    assert ss.csat([10], scale=(1, 10), bottom_max=7).config.top_min == 8
    assert ss.csat([5, 4]).config.top_min == 4  # the defaults are unchanged
    assert ss.ces([7], config={"top_min": 6}).config.bottom_max == 3
    grouped = ss.csat([10, 2, 7, 8], by=["a", "a", "b", "b"], scale=(1, 10))
    assert "top box 6-10 of 1-10" in str(grouped)  # printed in grouped results too


def test_nps_on_another_scale_requires_its_cutoffs():
    with pytest.raises(ss.ConfigError, match="promoter_min and detractor_max: required for an NPS on the scale 0-100"):
        ss.nps([90, 50], scale=(0, 100))
    r = ss.nps([90, 50], scale=(0, 100), promoter_min=90, detractor_max=60)
    assert r.nps == 0.0 and "promoters >= 90" in str(r)


# ------------------------------------------------------------------ the interval rule


def test_single_promoter_interval_contains_the_estimate():
    r = ss.nps([10])
    t = r.table.iloc[0]
    # adjusted Wald alone: centre 100 (1.75 - 0.75) / 4 = 25, half-width 1.96 * 100 sqrt(v / 4) with
    # v = 0.4375 + 0.1875 - 0.25^2 = 0.5625: [-48.5, 98.5], which excludes 100; the rule widens it
    assert r.nps == 100.0
    assert close(r.lower, 25 - 1.959963984540054 * 100 * np.sqrt(0.5625 / 4))
    assert r.upper == 100.0 and bool(t["extended"]) and not bool(t["clipped"])
    assert "widened to contain the NPS" in str(r)
    for method in ("wald", "mover"):
        m = ss.nps([10], method=method)
        assert m.lower <= 100.0 <= m.upper


def test_clipping_at_100_is_flagged():
    # 30 promoters: the adjusted centre 100 (30.75 - 0.75) / 33 = 90.9 plus its half-width passes 100
    r = ss.nps([10] * 30)
    t = r.table.iloc[0]
    assert r.upper == 100.0 and bool(t["clipped"]) and not bool(t["extended"])
    assert "cut at +-100" in str(r)
    m = ss.nps([10] * 30 + [0] * 30)
    assert not bool(m.table["clipped"].iloc[0]) and not bool(m.table["extended"].iloc[0])


# ------------------------------------------------------------------ error messages


def test_non_numeric_error_names_the_column_once_and_rows_as_everywhere():
    df = pd.DataFrame({"nps": [9, "x", 3]})
    with pytest.raises(ss.InputError) as e:
        ss.nps(df)
    msg = str(e.value)
    assert msg.startswith("column 'nps', row 1: value 'x' is not a number"), msg
    assert 'column "column' not in msg
    # rows are named as in every other error: the index label (encounters do the same)
    with pytest.raises(ss.InputError, match=r"^column 'csat', row 11: value 'a'"):
        ss.csat(pd.DataFrame({"csat": [1, "a", 3]}, index=[10, 11, 12]))
    enc = ss.datasets.sample().encounters.head(3).astype({"flow": object})
    enc.loc[1, "flow"] = "x"
    with pytest.raises(ss.InputError, match=r"column 'flow', row 1: value 'x'"):
        ss.score_encounters(enc)
    with pytest.raises(ss.InputError, match=r"^scores, row 1: value 'x' is not a number"):
        ss.nps([1, "x", 3])
    with pytest.raises(ss.InputError, match=r"^column 'nps', row 1: value 30 is outside"):
        ss.nps(pd.DataFrame({"nps": [1, 30]}))  # the same row naming as a value off the scale
    with pytest.raises(ss.InputError, match=r"^column 'nps' holds booleans"):
        ss.nps(pd.DataFrame({"nps": [True, False]}))


def test_report_penalty_reward_cutoffs_follow_the_scale(monkeypatch):
    from servscore.report_sections import drivers as section

    assert section.penalty_reward_cutoffs(pd.DataFrame({"a": [1, 5], "b": [2, 3]})) == (2, 5)  # the 1-5 defaults
    assert section.penalty_reward_cutoffs(pd.DataFrame({"a": [1, 10], "b": [2, 3]})) == (4, 9)
    assert section.penalty_reward_cutoffs(pd.DataFrame({"a": [0, 10]})) == (3, 9)
    assert section.penalty_reward_cutoffs(pd.DataFrame({"a": [1, 7]})) == (2, 7)
    seen = {}
    real = section.penalty_reward

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(section, "penalty_reward", spy)
    rng = np.random.default_rng(5)
    x = rng.integers(1, 11, (300, 4)).astype(float)
    df = pd.DataFrame(x, columns=["wait", "speed", "tone", "fix"])
    df["overall"] = np.clip(np.round(x.mean(axis=1) + rng.normal(0, 1, 300)), 1, 10)
    section.build({"survey": df}, "en")
    assert (seen["low_max"], seen["high_min"]) == (4, 9)  # not the 1-5 <= 2 / >= 5 on 1-10 data
