"""interactions.classify runs the anticipated-needs rules on the situation fields and the cues."""

import numpy as np
import pandas as pd
import pytest
import servscore as ss


@pytest.fixture(scope="module")
def sample():
    return ss.datasets.sample(seed=11).interactions


def test_default_rules_run_when_the_fields_are_there(sample):
    r = ss.interactions.classify(sample)
    t = r.table
    assert r.needs is not None
    assert "rules evaluated" in r.settings["needs"]
    # the long-wait rule (>= 10 minutes) fires exactly where the planted wait is long
    fired = t["needs_rules"].str.split("; ").apply(lambda xs: "long_wait" in xs)
    assert (fired == (t["wait_minutes"] >= 10)).all()
    assert t.loc[t["wait_minutes"] >= 10, "needs"].str.contains("timely_service").all()
    # the same as evaluating the rules on the classified table directly
    direct = ss.needs.evaluate(t.drop(columns=["needs", "needs_actions", "needs_rules", "n_needs"]))
    assert (direct.to_frame()["needs"].to_numpy() == t["needs"].to_numpy()).all()
    assert (direct.to_frame()["n_needs"].to_numpy() == t["n_needs"].to_numpy()).all()


def test_cue_columns_feed_the_rules():
    df = pd.DataFrame(
        {
            "transcript": ["Customer: I'm in a hurry, please be quick.", "Customer: just looking, thanks."],
            "wait_minutes": [1.0, 1.0],
            "looked_at_watch": [False, False],
            "with_children": [False, False],
            "queue_before_opening": [False, False],
            "peak_hour": [False, False],
            "days_since_last_contact": [np.nan, np.nan],
            "complaint_open": [False, False],
            "first_visit": [False, False],
            "elderly": [False, False],
        }
    )
    t = ss.interactions.classify(df).table
    assert t["cue_time_pressure"].tolist()[0] >= 1
    assert "watch_looking" in t["needs_rules"].iloc[0].split("; ")
    assert "watch_looking" not in t["needs_rules"].iloc[1].split("; ")


def test_text_only_table_just_works():
    # issue 12: a table with only a transcript column; the situation fields are unknown
    df = pd.DataFrame({"transcript": ["Customer: I'm in a hurry, please be quick.", "Staff: good morning."]})
    for needs in (True, "auto"):
        r = ss.interactions.classify(df, needs=needs)
        assert r.needs is not None
        assert "wait_minutes" in r.settings["needs"] and "unknown" in r.settings["needs"]
        rules = r.table["needs_rules"].str.split("; ")
        # the time-pressure cue still feeds its rule; the wait rule cannot fire on an unknown wait
        assert "watch_looking" in rules.iloc[0]
        assert not any("long_wait" in xs for xs in rules)
        assert "wait_minutes" not in r.table.columns
    assert ss.interactions.classify(df, needs=None).needs is None


def test_custom_rules_on_cues():
    df = pd.DataFrame({"transcript": ["Staff: good morning!", "Staff: next."]})
    rules = [{"id": "greeted", "when": {"field": "cue_greeting", "op": ">=", "value": 1}, "needs": ["welcomed"]}]
    t = ss.interactions.classify(df, needs=rules).table
    assert t["needs"].tolist() == ["welcomed", ""]
    assert t["n_needs"].tolist() == [1, 0]


def test_rules_and_model_together_say_which_fired():
    # a tiny hand-trained model that knows one reason the rules do not see ("zorbled" is no cue)
    texts = ["the clerk zorbled at me", "nice and quick", "he zorbled again", "all fine thanks"] * 6
    labels = [["lost_sale:arguing"], [], ["lost_sale:arguing"], []] * 6
    clf = ss.text.Classifier(epochs=30, calibration_folds=0, seed=3).fit(texts, labels)
    df = pd.DataFrame({"transcript": ["the clerk zorbled at me", "Staff: you are wrong, I already told you."]})
    rules = ss.interactions.classify(df, model=None, needs=None).table
    both = ss.interactions.classify(df, model=clf, needs=None, config={"model_lost_sale_threshold": 0.5}).table
    assert rules["risk_arguing"].tolist() == [False, True]
    assert both["risk_arguing"].tolist() == [True, True]
    assert both["risk_sources"].iloc[0] == "arguing: model"
    assert "arguing: rules" in both["risk_sources"].iloc[1]
    assert rules["risk_sources"].iloc[1].startswith("arguing: rules")
    with pytest.raises(ss.ConfigError, match="model"):
        ss.interactions.classify(df, model="mine")


def test_a_flagged_reason_puts_its_needs_at_stake():
    # a lexicon of one lost-sale cue and no need cue: the needs come from reason_needs alone
    lex = {"cues": [{"name": "rude", "phrases": {"en": ["rude"], "zh": ["没礼貌"]}, "lost_sale": "lack_of_courtesy"}]}
    df = pd.DataFrame({"transcript": ["the clerk was rude", "店员没礼貌", "fine"]})
    r = ss.interactions.classify(df, lexicon=lex, needs=None, model=None)
    assert r.table["text_needs"].tolist() == ["respected", "respected", ""]
    cfg = {"reason_needs": {"lack_of_courtesy": ["respected", "understood"]}}
    r = ss.interactions.classify(df, lexicon=lex, needs=None, model=None, config=cfg)
    assert r.table["text_needs"].tolist() == ["understood; respected", "understood; respected", ""]
    r = ss.interactions.classify(df, lexicon=lex, needs=None, model=None, config={"reason_needs": {}})
    assert r.table["text_needs"].tolist() == ["", "", ""]


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ([1], "expected a dict"),
        ({"rudeness": ["respected"]}, "unknown reason 'rudeness'"),
        ({"arguing": ["dignity"]}, "reason_needs.arguing"),
        ({"arguing": "respected"}, "reason_needs.arguing"),
    ],
)
def test_reason_needs_is_checked(value, match):
    df = pd.DataFrame({"transcript": ["x"]})
    with pytest.raises(ss.ConfigError, match=match):
        ss.interactions.classify(df, needs=None, model=None, config={"reason_needs": value})
