"""Key drivers: the silent results of issue 16 (constant outcome, index alignment, name clashes,
identifier / date / weight columns as drivers) and the chosen columns in the result."""

import numpy as np
import pandas as pd
import pytest
import servscore as ss


def survey(n=120, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 6, size=(n, 3)).astype(float)
    y = np.clip(np.round(x @ [0.5, 0.3, 0.1] + rng.normal(0, 0.7, n)), 1, 5)
    df = pd.DataFrame(x, columns=["wait", "staff", "price"])
    df["overall"] = y
    return df


def test_penalty_reward_refuses_a_constant_outcome_like_importance():
    df = survey()
    df["overall"] = 4.0
    with pytest.raises(ss.InputError, match=r"y: the outcome is constant \(value 4\) over the 120 rows used"):
        ss.drivers.penalty_reward(df, "overall")
    with pytest.raises(ss.InputError, match="constant"):
        ss.drivers.importance(df, "overall")


def test_y_series_is_aligned_on_the_index_or_refused():
    df = survey()
    df.index = [f"r{i}" for i in range(len(df))]
    X, y = df[["wait", "staff", "price"]], df["overall"]
    want = ss.drivers.importance(X, y.to_numpy())
    shuffled = y.sample(frac=1.0, random_state=1)  # same labels, another order: aligned
    got = ss.drivers.importance(X, shuffled)
    np.testing.assert_allclose(got.table["importance"], want.table["importance"], rtol=0, atol=1e-14)
    # by position this would be another answer
    pos = ss.drivers.importance(X, shuffled.to_numpy())
    assert not np.allclose(pos.table["importance"], want.table["importance"])
    other = y.reset_index(drop=True)
    with pytest.raises(ss.InputError, match=r"y: the index of the Series does not match the index of X"):
        ss.drivers.importance(X, other)
    with pytest.raises(ss.InputError, match=r"y: the index of the Series does not match"):
        ss.drivers.penalty_reward(X, other)
    w = pd.Series(np.ones(len(df)), index=range(len(df)))
    with pytest.raises(ss.InputError, match=r"weights: the index of the Series does not match"):
        ss.drivers.importance(X, y, weights=w)


def test_a_y_series_named_like_a_predictor_is_refused():
    df = survey()
    y = (df["overall"] + 1).rename("wait")
    with pytest.raises(ss.InputError, match=r"y: the Series is named 'wait' like a column of X"):
        ss.drivers.importance(df.drop(columns="overall"), y)
    with pytest.raises(ss.InputError, match=r"named 'wait'"):
        ss.drivers.penalty_reward(df.drop(columns="overall"), y)
    # the outcome column itself passed as a Series is the outcome, not a predictor
    imp = ss.drivers.importance(df, df["overall"])
    assert imp.predictors == ["wait", "staff", "price"]


def messy():
    df = survey(n=60)
    df.insert(0, "respondent_id", np.arange(1001, 1061))
    df["visit"] = 45000 + np.arange(60) % 30  # Excel serial dates, no telling name
    df["row"] = np.arange(60)
    df["created_at"] = pd.Timestamp("2026-01-01") + pd.to_timedelta(np.arange(60), unit="D")
    df["weight"] = np.linspace(0.5, 1.5, 60)
    df["branch"] = "north"
    df["serial"] = np.random.default_rng(1).permutation(60) + 7  # distinct integers: an identifier
    return df


def test_default_drivers_leave_out_identifiers_dates_and_weights():
    df = messy()
    imp = ss.drivers.importance(df, "overall")
    assert imp.predictors == ["wait", "staff", "price"]
    assert imp.excluded == {
        "respondent_id": "identifier (name)",
        "visit": "date (Excel serial numbers)",
        "row": "identifier (name)",
        "created_at": "date (datetime dtype)",
        "weight": "weight (name)",
        "branch": "not numeric",
        "serial": "identifier (distinct integers)",
    }
    text = str(imp.summary())
    assert "predictors: wait, staff, price" in text
    assert "left out: respondent_id (identifier (name)), visit (date (Excel serial numbers))" in text
    pr = ss.drivers.penalty_reward(df, "overall")
    assert list(pr.table.index) == ["wait", "staff", "price"] and "visit" in pr.excluded
    assert "left out: respondent_id" in str(pr.summary())
    # explicit columns are used as given
    imp2 = ss.drivers.importance(df, "overall", columns=["wait", "visit"])
    assert imp2.predictors == ["wait", "visit"] and imp2.excluded == {}


def test_exclusion_rules_one_by_one():
    r = ss.drivers.exclusion_reason
    s = pd.Series
    assert r("customerId", s([1, 2])) == "identifier (name)"
    assert r("ID", s([1, 2])) == "identifier (name)"
    assert r("survey_date", s([1.0, 2.0])) == "date (name)"
    assert r("wt", s([1.0, 2.0])) == "weight (name)"
    assert r("ts", s([1.7e9, 1.7e9 + 60])) == "date (Unix times)"
    assert r("wait", s([1.0, 2.0, 5.0])) is None
    assert r("width", s([1.0, 2.0])) is None  # "w" alone is a weight, not every name starting with w
    assert r("timeliness", s([1.0, 2.0])) is None
    assert r("wait_time", s([3.0, 12.0])) is None  # a duration: a driver, not a date
    assert r("time", s([1.0, 2.0])) == "date (name)"
    assert r("flag", s([True, False])) is None
    # distinct integers are an identifier only from 20 rows on (5 ratings can all differ)
    assert r("score", s(np.arange(1.0, 6.0))) is None
    assert r("score", s(np.arange(1.0, 31.0))) == "identifier (distinct integers)"


def test_ipa_without_columns_uses_no_identifier_date_or_weight_column():
    df = messy()
    grid = ss.ipa(df, "correlation", y="overall", weights="weight")
    assert list(grid.table.index) == ["wait", "staff", "price"]
    assert grid.performance_cut < 5  # the Excel dates (45,000) no longer move the crosshair
    assert "visit" in grid.excluded and "left out:" in str(grid.summary())
    lmg = ss.ipa(df, "lmg", y="overall")
    assert list(lmg.table.index) == ["wait", "staff", "price"]
