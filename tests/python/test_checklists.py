"""Audit checklists (issue 18 item 5): the source's wording, hand-computed scores, bad input, zh."""

import json
import math

import numpy as np
import pandas as pd
import pytest
import servscore as ss

Z95 = 1.959963984540054
T95_DF1 = 12.706204736174698  # t quantile 0.975, 1 df (published tables)


def wilson(k, n, z=Z95):
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


# two groups: a1 (weight 2), a2 (bad), and b1; a 1-5 scale; met at a score of 0.75
SPEC = {
    "id": "mini",
    "title": {"en": "Mini audit", "zh": "小检查表"},
    "scale": [1, 5],
    "item_pass": 0.75,
    "pass_mark": 60,
    "min_coverage": 0.5,
    "groups": [{"id": "A", "en": "Group A", "zh": "甲组"}, {"id": "B", "en": "Group B", "zh": "乙组"}],
    "items": [
        {"id": "a1", "group": "A", "weight": 2, "en": "first", "zh": "第一"},
        {"id": "a2", "group": "A", "weight": 1, "bad": True, "en": "second", "zh": "第二"},
        {"id": "b1", "group": "B", "weight": 1, "en": "third", "zh": "第三"},
    ],
}
DATA = pd.DataFrame(
    {
        "staff": ["x", "x", "y", "y"],
        "a1": [5, 2, 6, 4],  # 6 is off the scale: invalid
        "a2": [1, 4, "n/a", 2],  # n/a is missing
        "b1": [3, None, 4, 5],
    }
)


def test_hand_computed_records_items_groups_and_sections():
    r = ss.checklists.score(DATA, instrument=SPEC, by="staff")
    # s = (a - 1) / 4, flipped on a2; record score 100 sum(w s) / sum(w) over valid answers
    # r0: (2*1 + 1*1 + 0.5) / 4 = 87.5; r1: (2*0.25 + 0.25) / 3 = 25; r2: weight 1/4 < 0.5: not scored;
    # r3: (2*0.75 + 0.75 + 1) / 4 = 81.25
    rec = r.records
    assert rec["score"].iloc[[0, 1, 3]].tolist() == [87.5, 25.0, 81.25]
    assert math.isnan(rec["score"].iloc[2])
    assert rec["passed"].tolist() == [True, False, False, True]
    assert rec[["n_answered", "n_missing", "n_invalid"]].to_numpy().tolist() == [
        [3, 0, 0],
        [2, 1, 0],
        [1, 1, 1],
        [3, 0, 0],
    ]
    # items, counted as the standards are: met when s >= 0.75
    it = r.items
    assert it.loc[("x", "a1"), ["n_used", "n_met"]].tolist() == [2, 1]
    assert it.loc[("y", "a1"), ["n", "n_used", "n_invalid", "n_met"]].tolist() == [2, 1, 1, 1]
    assert it.loc[("y", "a2"), ["n_used", "n_missing", "n_met"]].tolist() == [1, 1, 1]
    assert it.loc[("x", "b1"), ["n_used", "n_missing", "n_met"]].tolist() == [1, 1, 0]
    assert it.loc[("y", "b1"), "share"] == 1.0
    assert it.loc[("x", "a1"), "mean_answer"] == 3.5
    assert it.loc[("x", "a2"), "score"] == pytest.approx(100 * (1.0 + 0.25) / 2)
    lo, hi = wilson(1, 2)
    assert it.loc[("x", "a1"), "share_lower"] == pytest.approx(lo, abs=1e-12)
    assert it.loc[("x", "a1"), "share_upper"] == pytest.approx(hi, abs=1e-12)
    assert it.loc[("x", "a2"), "label"] == "second"
    # groups: x scores 87.5 and 25 (t interval with 1 df, cut to [0, 100]); y one scored record
    t = r.table
    assert t.loc["x", "score"] == 56.25
    sd = 62.5 / math.sqrt(2)
    assert 56.25 - T95_DF1 * sd / math.sqrt(2) < 0 and t.loc["x", "score_lower"] == 0.0
    assert t.loc["x", "score_upper"] == 100.0
    assert t.loc["y", ["n", "n_used", "n_missing", "missing_answers", "invalid_answers"]].tolist() == [2, 1, 1, 1, 1]
    assert t.loc["y", "score"] == 81.25 and math.isnan(t.loc["y", "score_lower"])
    assert t.loc["x", "n_passed"] == 1 and t.loc["x", "share_passed"] == 0.5
    assert t.loc["y", "share_passed_lower"] == pytest.approx(wilson(1, 1)[0], abs=1e-12)
    # sections: x A (100 + 25) / 2, B 50; y A 75 (r2 has no valid A answer), B (75 + 100) / 2
    sec = r.sections["score"]
    assert sec[("x", "A")] == 62.5 and sec[("x", "B")] == 50.0
    assert sec[("y", "A")] == 75.0 and sec[("y", "B")] == 87.5
    assert r.weakest_item == "a1"  # each item met 2 of 3 times: a tie goes to the first item


def test_the_t_interval_without_clipping():
    # answers 8, 9, 10 on 0-10 score 80, 90, 100: mean 90, sd 10, t(0.975, 2) = 4.302652729749464
    inst = ss.checklists.instrument({**SPEC, "items": [SPEC["items"][0]], "groups": [SPEC["groups"][0]]}, scale=(0, 10))
    r = ss.checklists.score(pd.DataFrame({"a1": [8, 9, 10]}), instrument=inst)
    half = 4.302652729749464 * 10 / math.sqrt(3)
    assert r.table.loc["all", "score"] == pytest.approx(90)
    assert r.table.loc["all", "score_lower"] == pytest.approx(90 - half)
    assert r.table.loc["all", "score_upper"] == 100.0  # 90 + 24.8, cut to the score range
    m, lo, hi, n = ss.checklists.mean_interval([80.0, 90.0, 100.0, np.nan])
    assert (m, n) == (90.0, 3) and lo == pytest.approx(90 - half) and hi == pytest.approx(90 + half)


def slow_scores(a, lo, hi, w, bad, min_cov):
    out = []
    for row in a:
        num = den = 0.0
        for x, wi, b in zip(row, w, bad):
            if x is None or (isinstance(x, float) and math.isnan(x)) or not lo <= x <= hi or x != round(x):
                continue
            s = (x - lo) / (hi - lo)
            s = 1 - s if b else s
            num += wi * s
            den += wi
        out.append(100 * num / den if den / sum(w) >= min_cov - 1e-12 and den > 0 else math.nan)
    return out


def test_record_scores_match_a_slow_reference():
    rng = np.random.default_rng(7)
    inst = ss.checklists.instrument("obstacles", weights={"cost_first": 3, "no_coordination": 0.5})
    ids = [it.id for it in inst.items]
    a = rng.integers(0, 7, size=(60, len(ids))).astype(float)  # 0 and 6 are invalid on 1-5
    a[rng.random(a.shape) < 0.15] = np.nan
    r = ss.checklists.score(pd.DataFrame(a, columns=ids), instrument=inst)
    ref = slow_scores(a, 1, 5, [it.weight for it in inst.items], [it.bad for it in inst.items], 0.5)
    np.testing.assert_allclose(r.records["score"].to_numpy(), ref, rtol=1e-12, equal_nan=True)
    assert int(r.table.loc["all", "invalid_answers"]) == int(((a == 0) | (a == 6)).sum())
    assert int(r.table.loc["all", "missing_answers"]) == int(np.isnan(a).sum())


def test_builtin_instruments_carry_the_source_wording():
    assert ss.checklists.instruments() == ("obstacles", "staff_qualities", "staff_habits")
    habits = ss.checklists.instrument("staff_habits")
    assert [it.zh for it in habits.items] == [
        "不修边幅",
        "惯性迟到",
        "过分保护自己",
        "过分倚赖别人",
        "注意力不够集中",
        "失忆症",
    ]
    assert all(it.bad for it in habits.items) and habits.scale == (0.0, 1.0)
    obstacles = ss.checklists.instrument("obstacles")
    assert len(obstacles.items) == 10 and obstacles.title_zh == "优质服务的障碍"
    assert obstacles.items[0].zh == "公司的方针只是为了公司的便利和管理需要而存在。"
    assert obstacles.items[-1].zh == "第一线人员无能为力解决大多数顾客的问题。"
    qualities = ss.checklists.instrument("staff_qualities")
    assert len(qualities.items) == 20 and [g.id for g in qualities.groups] == ["basic", "working"]
    assert "OPEN的好听众及学习者" in [it.zh for it in qualities.items]
    for inst in (habits, obstacles, qualities):  # JSON round trip
        assert ss.checklists.Instrument.from_json(inst.to_json()) == inst


def test_overrides_and_labels():
    inst = ss.checklists.instrument("staff_habits", pass_mark=100, item_pass=1, min_coverage=1.0)
    df = pd.DataFrame({it.id: ["否"] * 2 for it in inst.items})
    df.loc[1, "forgetful"] = "是"
    r = ss.checklists.score(df, instrument=inst, by=None)
    assert r.records["score"].tolist() == [100.0, pytest.approx(500 / 6)]
    assert r.records["passed"].tolist() == [True, False]
    r = ss.checklists.score(df.rename(columns={"forgetful": "Q6"}), instrument=inst, columns={"forgetful": "Q6"})
    assert r.records["passed"].tolist() == [True, False]


def test_period_gives_the_standards_p_charts():
    df = pd.DataFrame(
        {"a1": [5, 5, 1, 1] * 3, "a2": [1] * 12, "b1": [5] * 12, "week": ["w1"] * 4 + ["w2"] * 4 + ["w3"] * 4}
    )
    r = ss.checklists.score(df, instrument=SPEC, period="week")
    p = r.pchart[r.pchart["standard"] == "a1"]
    assert p["p"].tolist() == [0.5, 0.5, 0.5] and p["center"].iloc[0] == 0.5


def test_bad_input_names_column_row_and_value():
    with pytest.raises(ss.InputError, match=r"column 'a1', row 2: value 6 .*\[1, 5\]"):
        ss.checklists.score(DATA, instrument=SPEC, invalid="error")
    with pytest.raises(ss.InputError, match=r"column 'a2', row 1: value 'maybe'"):
        ss.checklists.score(DATA.assign(a1=[5, 2, 4, 4], a2=[1, "maybe", 2, 2]), instrument=SPEC, invalid="error")
    with pytest.raises(ss.InputError, match=r"no column 'b1'"):
        ss.checklists.score(DATA.drop(columns="b1"), instrument=SPEC)
    with pytest.raises(ss.InputError, match=r"by: no column 'branch'"):
        ss.checklists.score(DATA, instrument=SPEC, by="branch")
    with pytest.raises(ss.InputError, match=r"period: no column 'week'"):
        ss.checklists.score(DATA, instrument=SPEC, period="week")
    with pytest.raises(ss.InputError, match="empty"):
        ss.checklists.score(DATA.iloc[:0], instrument=SPEC)
    with pytest.raises(ss.ConfigError, match="invalid"):
        ss.checklists.score(DATA, instrument=SPEC, invalid="drop")
    with pytest.raises(ss.ConfigError, match="weights: \\['late'\\]"):
        ss.checklists.instrument("staff_habits", weights={"late": 2})
    with pytest.raises(ss.ConfigError, match="pass_mark: 120"):
        ss.checklists.instrument("staff_habits", pass_mark=120)
    with pytest.raises(ss.ConfigError, match="unknown key"):
        ss.checklists.instrument({**SPEC, "threshold": 3})
    with pytest.raises(ss.ConfigError, match=r"items\[0\].weight"):
        ss.checklists.instrument({**SPEC, "items": [{**SPEC["items"][0], "weight": 0}]})
    with pytest.raises(ss.ConfigError, match="not a group"):
        ss.checklists.instrument({**SPEC, "items": [{**SPEC["items"][0], "group": "C"}]})
    with pytest.raises(ss.ConfigError, match="built-in"):
        ss.checklists.instrument("staff_hygiene")
    with pytest.raises(ss.ConfigError, match="lang"):
        ss.checklists.score(DATA, instrument=SPEC, lang="fr")


def test_zh_output_and_the_result_protocol():
    r = ss.checklists.score(DATA, instrument=SPEC, by="staff", lang="zh")
    text = str(r.summary())
    assert "小检查表" in text and "份记录" in text and "最弱项目:第一" in text
    assert r.items.loc[("x", "a1"), "label"] == "第一"
    assert r.sections.loc[("x", "A"), "label"] == "甲组"
    json.dumps(r.to_dict())
    assert r == ss.checklists.score(DATA, instrument=SPEC, by="staff", lang="zh")
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    assert r.plot() is not None and r.plot(what="items", lang="en") is not None


def test_nullable_and_boolean_columns_count_missing_answers():
    inst = ss.checklists.instrument("staff_habits", items=["unkempt", "habitually_late"])
    df = pd.DataFrame(
        {
            "unkempt": pd.array([True, False, None], dtype="boolean"),
            "habitually_late": pd.array([0, None, 1], dtype="Int64"),
        }
    )
    r = ss.checklists.score(df, instrument=inst)
    # r0: habit 1 seen, habit 2 not -> 50; r1: one answer (good) -> 100; r2: one answer (bad) -> 0
    assert r.records["score"].tolist() == [50.0, 100.0, 0.0]
    assert r.table.loc["all", ["missing_answers", "invalid_answers"]].tolist() == [2, 0]
