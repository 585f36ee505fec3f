import json
import pickle
import threading

import numpy as np
import pandas as pd
import pytest
import servscore as ss

FIELDS = [
    "wait_minutes",
    "looked_at_watch",
    "with_children",
    "queue_before_opening",
    "peak_hour",
    "days_since_last_contact",
    "complaint_open",
    "first_visit",
    "elderly",
]


def base_row(**kw):
    """A situation in which no default rule fires (a returning customer is first_visit = NaN here)."""
    row = dict.fromkeys(FIELDS, 0.0)
    row["days_since_last_contact"] = 30.0
    row["first_visit"] = np.nan
    row.update(kw)
    return row


def fired_ids(result, i=0):
    row = result.fired.iloc[i]
    return [c for c in result.fired.columns if row[c]]


# ---------------------------------------------------------------- each default rule and threshold


@pytest.mark.parametrize(
    ("kw", "expected", "needs"),
    [
        ({}, [], []),
        ({"wait_minutes": 10}, ["long_wait"], ["timely_service", "understood", "appreciated"]),
        ({"wait_minutes": 9.99}, [], []),
        ({"looked_at_watch": 1}, ["watch_looking"], ["timely_service", "understood"]),
        ({"with_children": 1}, ["with_children"], ["comfort", "help"]),
        ({"queue_before_opening": 1}, ["queue_before_opening"], ["welcomed", "timely_service", "orderly_service"]),
        ({"peak_hour": 1}, ["peak_hour"], ["timely_service", "orderly_service"]),
        ({"days_since_last_contact": 7}, ["repeat_contact"], ["understood", "recognized"]),
        ({"days_since_last_contact": 8}, [], []),
        ({"days_since_last_contact": 0}, ["repeat_contact"], ["understood", "recognized"]),
        ({"complaint_open": 1}, ["open_complaint"], ["understood", "help", "feel_important", "respected"]),
        ({"first_visit": 1}, ["first_visit"], ["welcomed", "help"]),
        ({"first_visit": 0}, ["returning_customer"], ["recognized"]),
        ({"elderly": 1}, ["elderly"], ["comfort", "help", "respected"]),
        ({"elderly": np.nan, "wait_minutes": np.nan}, [], []),
    ],
)
def test_each_default_rule_at_its_threshold(kw, expected, needs):
    r = ss.needs.evaluate(pd.DataFrame([base_row(**kw)]))
    assert fired_ids(r) == expected
    assert [h for h in ss.HumanNeed.names() if r.needs.iloc[0][h]] == [h for h in ss.HumanNeed.names() if h in needs]


def test_default_rule_actions_follow_the_source_table():
    r = ss.needs.evaluate(pd.DataFrame([base_row(wait_minutes=25, with_children=1)]))
    acts = r.to_frame()["actions"].iloc[0].split("; ")
    assert acts == [
        "one more smile",
        "acknowledge the wait",
        "thank them for waiting",
        "speed up",
        "give the children something to play with",
    ]
    assert r.to_frame()["rules"].iloc[0] == "long_wait; with_children"
    assert r.to_frame()["n_needs"].iloc[0] == 5


def test_cue_columns_are_optional_and_fire_when_present():
    df = pd.DataFrame([base_row()] * 3)
    r = ss.needs.evaluate(df)
    assert r.fired.to_numpy().sum() == 0
    df["cue_time_pressure"] = [1, 0, np.nan]
    df["cue_children"] = [0, 1, 0]
    df["cue_complaint"] = [True, False, False]
    r = ss.needs.evaluate(df)
    assert fired_ids(r, 0) == ["watch_looking", "open_complaint"]
    assert fired_ids(r, 1) == ["with_children"]
    assert fired_ids(r, 2) == []
    assert r.n_missing["cue_time_pressure"] == 1


# ---------------------------------------------------------------- operators of the condition language


def one_rule(cond):
    return [{"id": "r", "when": cond, "needs": ["help"]}]


@pytest.mark.parametrize(
    ("cond", "expected"),
    [
        ({"field": "x", "op": ">", "value": 2}, [0, 0, 1, 0]),
        ({"field": "x", "op": ">=", "value": 2}, [0, 1, 1, 0]),
        ({"field": "x", "op": "<", "value": 2}, [1, 0, 0, 0]),
        ({"field": "x", "op": "<=", "value": 2}, [1, 1, 0, 0]),
        ({"field": "x", "op": "==", "value": 2}, [0, 1, 0, 0]),
        ({"field": "x", "op": "!=", "value": 2}, [1, 0, 1, 0]),
        ({"field": "x", "op": "lt", "value": 2}, [1, 0, 0, 0]),
        ({"field": "x", "op": "in", "value": [1, 3]}, [1, 0, 1, 0]),
        ({"field": "x", "op": "between", "value": [1, 2]}, [1, 1, 0, 0]),
        ({"field": "x", "op": "is_true"}, [1, 1, 1, 0]),
        ({"field": "x", "op": "is_false"}, [0, 0, 0, 0]),
        ({"field": "x", "op": "missing"}, [0, 0, 0, 1]),
        ({"present": "x"}, [1, 1, 1, 0]),
        ({"present": "not_a_column"}, [0, 0, 0, 0]),
        ({"not": {"field": "x", "op": ">", "value": 2}}, [1, 1, 0, 1]),
        ({"all": [{"field": "x", "op": ">", "value": 1}, {"field": "y", "op": "is_true"}]}, [0, 1, 0, 0]),
        ({"any": [{"field": "x", "op": ">", "value": 2}, {"field": "y", "op": "is_true"}]}, [0, 1, 1, 1]),
        ({"field": "z", "op": ">", "value": 0, "optional": True}, [0, 0, 0, 0]),
    ],
)
def test_operators(cond, expected):
    df = pd.DataFrame({"x": [1, 2, 3, None], "y": [False, True, False, True]})
    r = ss.needs.evaluate(df, rules=one_rule(cond))
    assert r.fired["r"].astype(int).tolist() == expected
    assert r.needs["help"].astype(int).tolist() == expected


@pytest.mark.parametrize(
    ("rules", "match"),
    [
        (one_rule({"field": "x", "op": "=~", "value": 1}), r"rules\[0\] \('r'\)\.when\.op: unknown operator '=~'"),
        (one_rule({"field": "nope", "op": ">", "value": 1}), r"rule 'r': unknown field 'nope'.*x, y"),
        (one_rule({"feld": "x"}), "expected one of the keys"),
        (one_rule({"field": "x", "op": ">"}), "value: required"),
        (one_rule({"field": "x", "op": "between", "value": [2, 1]}), "wrong order"),
        ([{"id": "r", "when": {"present": "x"}, "needs": ["happiness"]}], "needs.*welcomed"),
        ([{"id": "r", "when": {"present": "x"}, "needs": ["help"], "priority": 1}], "unknown key.*'priority'"),
        ({"rules": [], "extra": 1}, "unknown key"),
        ("not json and not a file", "neither JSON text nor a readable file"),
    ],
)
def test_bad_rules_are_config_errors_at_load(rules, match):
    df = pd.DataFrame({"x": [1.0], "y": [0.0]})
    with pytest.raises(ss.ConfigError, match=match):
        ss.needs.evaluate(df, rules=rules)


def test_unknown_field_fails_when_loading_against_a_schema():
    text = json.dumps({"rules": one_rule({"field": "wait", "op": ">", "value": 1})})
    rs = ss.needs.load_rules(text)  # no schema: fields unchecked
    assert rs.fields == ["wait"]
    with pytest.raises(ss.ConfigError, match="unknown field 'wait'"):
        ss.needs.load_rules(text, schema=["waiting", "kids"])
    with pytest.raises(ss.ConfigError, match="unknown field 'wait'"):
        ss.needs.load_rules(rs, schema=["waiting"])
    with pytest.raises(ss.ConfigError, match="unknown field"):
        ss.needs.load_rules(None, schema=["wait_minutes"])


def test_non_numeric_value_and_empty_input():
    df = pd.DataFrame([base_row(), base_row()], index=["a", "b"])
    df["peak_hour"] = df["peak_hour"].astype(object)
    df.loc["b", "peak_hour"] = "yes"
    with pytest.raises(ss.InputError, match=r"column 'peak_hour', row 'b': value 'yes' is not a number"):
        ss.needs.evaluate(df)
    with pytest.raises(ss.InputError, match="empty"):
        ss.needs.evaluate(pd.DataFrame(columns=FIELDS))


def test_extra_rules_and_round_trips(tmp_path):
    extra = [{"id": "vip", "when": {"field": "tier", "op": ">=", "value": 3}, "needs": ["feel_important"]}]
    df = pd.DataFrame([base_row(tier=3), base_row(tier=1)])
    r = ss.needs.evaluate(df, extra_rules=extra)
    assert r.fired["vip"].tolist() == [True, False]
    assert len(r.rule_set) == 11
    rs = ss.needs.default_rules()
    assert pickle.loads(pickle.dumps(rs)) == rs
    assert ss.needs.NeedRuleSet.from_json(rs.to_json()) == rs
    path = tmp_path / "rules.json"
    path.write_text(rs.to_json())
    assert ss.needs.load_rules(str(path)) == rs
    with pytest.raises(ss.ConfigError, match="duplicate rule id 'long_wait'"):
        rs.extend(rs)
    d = r.to_dict()
    assert d["rules"]["vip"]["n_fired"] == 1
    assert "NeedsResult" in repr(r) and "<table" in r._repr_html_()


# ---------------------------------------------------------------- vectorised evaluation vs a reference


def reference(df, low, high, days):
    """Row-by-row reference of one composite rule."""
    out = []
    for w, watch, kids, d in df[["wait_minutes", "looked_at_watch", "with_children", "days"]].itertuples(index=False):
        a = (w >= low and w <= high) and kids != 1
        b = (watch == 1) or np.isnan(d)
        out.append(bool(a or (b and not np.isnan(w))))
    return out


def test_matches_row_by_row_reference_for_any_worker_count():
    rng = np.random.default_rng(11)
    n = 20_000
    df = pd.DataFrame(
        {
            "wait_minutes": np.where(rng.random(n) < 0.1, np.nan, np.round(rng.exponential(6, n), 1)),
            "looked_at_watch": rng.integers(0, 2, n).astype(float),
            "with_children": rng.integers(0, 2, n),
            "days": np.where(rng.random(n) < 0.3, np.nan, rng.integers(0, 60, n)),
        }
    )
    cond = {
        "any": [
            {
                "all": [
                    {"field": "wait_minutes", "op": "between", "value": [4, 12]},
                    {"not": {"field": "with_children", "op": "==", "value": 1}},
                ]
            },
            {
                "all": [
                    {"any": [{"field": "looked_at_watch", "op": "is_true"}, {"field": "days", "op": "missing"}]},
                    {"present": "wait_minutes"},
                ]
            },
        ]
    }
    rules = [{"id": "c", "when": cond, "needs": ["timely_service"]}]
    r1 = ss.needs.evaluate(df, rules=rules, workers=1)
    r4 = ss.needs.evaluate(df, rules=rules, workers=4)
    assert r1.fired["c"].tolist() == reference(df, 4, 12, None)
    pd.testing.assert_frame_equal(r1.fired, r4.fired)
    pd.testing.assert_frame_equal(r1.needs, r4.needs)


def test_threads_share_rules_with_the_gil_released():
    df = ss.datasets.sample(n_visits=3000).visits
    expected = ss.needs.evaluate(df).fired
    rs = ss.needs.default_rules()
    out = [None] * 4

    def work(i):
        out[i] = ss.needs.evaluate(df, rules=rs).fired

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for o in out:
        pd.testing.assert_frame_equal(o, expected)


def test_polars_and_arrow_input():
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    df = pd.DataFrame([base_row(wait_minutes=12), base_row(with_children=1)])
    expected = ss.needs.evaluate(df).to_frame()
    for other in (pl.from_pandas(df), pa.Table.from_pandas(df, preserve_index=False)):
        got = ss.needs.evaluate(other).to_frame()
        assert got["rules"].tolist() == expected["rules"].tolist()


# ---------------------------------------------------------------- planted structure of the sample data


def test_needs_fire_for_the_planted_situations():
    data = ss.datasets.sample()
    v = data.visits
    truth = data.truth["visits"]
    r = ss.needs.evaluate(v)
    # every planted situation fires its rule, and only those
    assert (r.fired["long_wait"] == (v["wait_minutes"] >= 10)).all()
    assert (r.fired["watch_looking"] == (v["looked_at_watch"] == 1)).all()
    assert (r.fired["queue_before_opening"] == (v["queue_before_opening"] == 1)).all()
    assert (r.fired["repeat_contact"] == (v["days_since_last_contact"] <= 7)).all()
    assert r.needs.loc[v["looked_at_watch"] == 1, "timely_service"].all()
    shares = r.fired.groupby(v["branch"]).mean()
    assert shares["long_wait"].idxmax() == truth["long_wait_branch"]
    assert shares["queue_before_opening"].idxmax() == truth["queue_branch"]
    assert r.shares(v["branch"])["timely_service"].idxmax() == truth["slow_branch"]


def test_plot_returns_axes():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    r = ss.needs.evaluate(ss.datasets.sample(n_visits=300).visits)
    ax = r.plot()
    assert len(ax.patches) == 10
    ss.set_language("zh")
    try:
        ax = r.plot()
        assert ax.get_title() == "预计的需求"
    finally:
        ss.set_language("en")


def test_report_sections_state_the_planted_structure():
    pytest.importorskip("matplotlib")
    from servscore.report import build_report

    data = ss.datasets.sample()
    rep = build_report({"visits": data.visits, "moments": data.moments})
    keys = [s.key for s in rep.sections]
    assert keys == ["needs", "standards"]
    needs, std = rep.sections
    assert any("branch Harbour: 'long_wait'" in f for f in needs.findings)
    assert any("branch Airport: 'queue_before_opening'" in f for f in needs.findings)
    assert any("greeting_quality: out of control in week 2026-W08" in w for w in std.warnings)
    assert any("branch Harbour: lowest waiting attainment" in f for f in std.findings)
    assert any("weakest most often: wait_in_line" in f for f in std.findings)
    assert any("bad ending most often at branch Riverside" in f for f in std.findings)
    assert len(needs.figures) == 1 and len(std.figures) == 3
    zh = build_report({"visits": data.visits}, lang="zh")
    assert zh.sections[0].title == "预计的需求"
