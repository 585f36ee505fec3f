"""ss.needs.Accumulator (C++ NeedsState, image SSNEEDS1): the sample visits cut into uneven
partitions (some empty) and merged in place, with + and with sum() equal ss.needs.evaluate on all
the rows (counts exactly, shares to 1e-12), and a pandas count of the long-wait rule per branch;
bytes and pickle round trips, truncated images, merges of other kinds, rules and keys."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import servscore as ss

RTOL = 1e-12


@pytest.fixture(scope="module")
def visits() -> pd.DataFrame:
    df = ss.datasets.sample(seed=11, n_visits=400).visits
    rng = np.random.default_rng(3)
    cue = rng.integers(0, 2, len(df)).astype(float)
    cue[rng.random(len(df)) < 0.2] = np.nan  # an optional field with missing values
    return df.assign(cue_time_pressure=cue)


def _layout(n: int) -> list[tuple[int, int]]:
    half = n // 2
    return [(0, 0), (0, 7), (7, 7), (7, half), (half, n - 1), (n - 1, n), (n, n)]


def _merged(df: pd.DataFrame, by) -> ss.needs.Accumulator:
    parts = [ss.needs.Accumulator(by=by).update(df.iloc[a:b]) for a, b in _layout(len(df))]
    parts[1] = pickle.loads(pickle.dumps(parts[1]))
    parts[3] = ss.needs.Accumulator.from_bytes(parts[3].to_bytes())
    first = parts[4] + parts[0]  # a new state
    first.merge(parts[3]).merge(parts[2])  # in place
    return sum([first, *parts[5:]]) + parts[1]


@pytest.mark.parametrize("by", [None, "branch", ["branch", "week"]])
def test_partitions_merge_to_evaluate_on_all_rows(visits, by):
    one = ss.needs.evaluate(visits)
    total = _merged(visits, by)
    assert total.rows == len(visits)
    r = total.result()
    assert r.rules["n_fired"].tolist() == one.rules["n_fired"].tolist()  # exact
    pd.testing.assert_frame_equal(r.rules.drop(columns="share"), one.rules.drop(columns="share"))
    np.testing.assert_allclose(r.rules["share"], one.rules["share"], rtol=RTOL)
    pd.testing.assert_frame_equal(r.need_counts.drop(columns="share"), one.need_counts.drop(columns="share"))
    np.testing.assert_allclose(r.need_counts["share"], one.need_counts["share"], rtol=RTOL)
    pd.testing.assert_series_equal(r.n_missing, one.n_missing)
    assert "cue_time_pressure" in r.n_missing.index and r.n_missing["cue_time_pressure"] > 0
    if by is None:
        assert list(r.table.index) == ["all"]
        np.testing.assert_allclose(r.table[list(one.needs.columns)].iloc[0], one.needs.mean(), rtol=RTOL)
        return
    keys = [visits[c] for c in ([by] if isinstance(by, str) else by)]
    want = one.needs.astype(float).groupby(keys).mean()
    got = r.table[list(one.needs.columns)]
    assert list(got.index) == list(want.index)
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=RTOL)
    assert r.table["n"].tolist() == visits.groupby(keys).size().tolist()
    any_fired = one.fired.any(axis=1).groupby(keys).sum()
    assert r.table["n_any"].tolist() == any_fired.tolist()


def test_long_wait_counts_against_pandas(visits):
    r = _merged(visits, "branch").result()
    # long_wait fires at wait_minutes >= 10: count it per branch by pandas, need by need
    long_wait = (visits["wait_minutes"] >= 10).groupby(visits["branch"]).sum()
    assert int(r.rules.loc["long_wait", "n_fired"]) == int(long_wait.sum())
    assert r.table.index.name == "branch" and set(r.table.index) == set(long_wait.index)
    assert "interactions" in str(r.summary()) and r.to_frame() is r.table


def test_optional_field_absent_from_some_batches_and_empty_state(visits):
    a = ss.needs.Accumulator().update(visits.iloc[:50].drop(columns="cue_time_pressure"))
    assert "cue_time_pressure" not in a.result().n_missing.index
    b = ss.needs.Accumulator().update(visits.iloc[50:80])
    both = (a + b).result()
    assert both.n_missing["cue_time_pressure"] == int(visits["cue_time_pressure"].iloc[50:80].isna().sum())
    empty = ss.needs.Accumulator()
    assert empty.update(visits.iloc[:0]) is empty and empty.rows == 0
    e = empty.result()
    assert e.table["n"].tolist() == [0] and e.rules["n_fired"].sum() == 0
    assert ss.needs.Accumulator.from_bytes(empty.to_bytes()) == empty


def test_bytes_errors_and_merges_name_both(visits):
    acc = ss.needs.Accumulator(by="branch").update(visits.iloc[:40])
    b = acc.to_bytes()
    assert b[:8] == b"SSNEEDS1"
    assert ss.needs.Accumulator.from_bytes(b) == acc and pickle.loads(pickle.dumps(acc)) == acc
    for k in range(0, len(b), 7):
        with pytest.raises(ss.InputError):
            ss.needs.Accumulator.from_bytes(b[:k])
    with pytest.raises(ss.InputError, match="unsupported version"):
        ss.needs.Accumulator.from_bytes(b"SSNEEDS9" + b[8:])
    with pytest.raises(ss.InputError, match="expected bytes"):
        ss.needs.Accumulator.from_bytes("SSNEEDS1")  # type: ignore[arg-type]
    with pytest.raises(ss.InputError) as e:
        acc.merge(ss.standards.ComplianceAccumulator())
    assert "needs.Accumulator" in str(e.value) and "standards.ComplianceAccumulator" in str(e.value)
    one = [{"id": "long_wait", "when": {"field": "wait_minutes", "op": ">=", "value": 10}, "needs": ["help"]}]
    with pytest.raises(ss.InputError, match="differ in configuration") as e:
        acc + ss.needs.Accumulator(one)
    assert "1 rules (long_wait)" in str(e.value)
    region = ss.needs.Accumulator().update(visits.iloc[:5].rename(columns={"branch": "region"}), by="region")
    with pytest.raises(ss.InputError, match="'branch'.*'region'"):
        acc.merge(region)
    with pytest.raises(ss.InputError, match="weights"):
        acc.update(visits.iloc[:5], weights=np.ones(5))
    with pytest.raises(ss.ConfigError, match="wait_minutes"):
        acc.update(visits.iloc[:5].drop(columns="wait_minutes"))
    assert acc.rows == 40


def test_needs_v1_image_loads():
    # written field by field by tests/data/states/needs_make_fixtures.py: north 4 interactions, the
    # long wait fired on 3, wait missing once; south 2 interactions, nothing fired
    path = Path(__file__).resolve().parents[1] / "data" / "states" / "needs_v1.bin"
    acc = ss.needs.Accumulator.from_bytes(path.read_bytes())
    r = acc.result()
    assert list(r.table.index) == ["north", "south"] and r.table.index.name == "branch"
    assert r.table["n"].tolist() == [4, 2] and r.table["n_any"].tolist() == [3, 0]
    assert r.table["timely_service"].tolist() == [0.75, 0.0]
    assert r.rules.loc["long_wait", "n_fired"] == 3 and r.rules.loc["long_wait", "share"] == 0.5
    assert r.n_missing.to_dict() == {"wait": 1}
    assert ss.needs.Accumulator.from_bytes(acc.to_bytes()) == acc
