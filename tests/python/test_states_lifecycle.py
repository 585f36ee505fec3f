"""ss.lifecycle.Accumulator (C++ LifecycleState, image SSLIFEC1): the sample journey survey cut into
uneven partitions (some empty) and merged in place, with + and with sum() equals ss.lifecycle.stages
on all the rows (counts exactly, indices / sds / intervals to 1e-12, flags equal), and a pandas
reference of the counts, means and sds from the respondent stage scores; bytes and pickle round
trips, truncated and corrupted images, merges of other kinds, configurations and keys; a stored
image written field by field."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import servscore as ss

RTOL = 1e-12
COUNTS = ["n", "n_missing"]
REALS = ["index", "sd", "lower", "upper", "importance"]
FLAGS = ["group", "stage", "label", "quadrant", "weak", "strong"]


@pytest.fixture(scope="module")
def journey() -> pd.DataFrame:
    return ss.datasets.sample(seed=3, n_journey=500).journey


def _layout(n: int) -> list[tuple[int, int]]:
    half = n // 2
    return [(0, 0), (0, 7), (7, 7), (7, half), (half, n - 1), (n - 1, n), (n, n)]


def _merged(df: pd.DataFrame, by, **kw) -> ss.lifecycle.Accumulator:
    parts = [ss.lifecycle.Accumulator(by=by, **kw).update(df.iloc[a:b]) for a, b in _layout(len(df))]
    parts[1] = pickle.loads(pickle.dumps(parts[1]))
    parts[3] = ss.lifecycle.Accumulator.from_bytes(parts[3].to_bytes())
    first = parts[4] + parts[0]
    first.merge(parts[3]).merge(parts[2])
    return sum([first, *parts[5:]]) + parts[1]


def _assert_results(got: ss.lifecycle.LifecycleResult, want: ss.lifecycle.LifecycleResult) -> None:
    g, w = got.table, want.table
    assert list(g.columns) == list(w.columns) and len(g) == len(w)
    assert g[COUNTS].to_numpy().tolist() == w[COUNTS].to_numpy().tolist()  # exact
    assert g[FLAGS].astype(object).to_numpy().tolist() == w[FLAGS].astype(object).to_numpy().tolist()
    np.testing.assert_allclose(g[REALS].to_numpy(float), w[REALS].to_numpy(float), rtol=RTOL, equal_nan=True)
    # the gap (index - journey) may cancel: also relative to the 0-100 scale
    np.testing.assert_allclose(g["gap"], w["gap"], rtol=RTOL, atol=RTOL * 100, equal_nan=True)
    gj, wj = got.journey, want.journey
    assert list(gj.index) == list(wj.index) and gj.index.names == wj.index.names
    for col in ("respondents", "weakest", "strongest", "weak_stages", "strong_stages"):
        assert gj[col].tolist() == wj[col].tolist()
    np.testing.assert_allclose(gj["journey"].to_numpy(float), wj["journey"].to_numpy(float), rtol=RTOL)


@pytest.mark.parametrize(
    ("by", "kw"), [(None, {}), ("wave", {}), (["city", "wave"], {}), ("city", {"margin": 2.0, "min_n": 30})]
)
def test_partitions_merge_to_stages_on_all_rows(journey, by, kw):
    one = ss.lifecycle.stages(journey, by=by, **kw)
    total = _merged(journey, by, **kw)
    assert total.rows == len(journey)
    r = total.result()
    _assert_results(r, one)
    assert r.scores is None
    assert r.config == one.config


def test_counts_means_and_sds_against_pandas(journey):
    # an independent reference: pandas group statistics of the respondent stage scores
    scores = ss.lifecycle.score_stages(journey)
    t = _merged(journey, "wave").result().table.set_index(["group", "stage"])
    for (wave, stage), row in t.iterrows():
        s = scores.loc[journey["wave"] == wave, stage]
        assert row["n"] == s.notna().sum() and row["n_missing"] == s.isna().sum()
        assert row["index"] == pytest.approx(s.mean(), rel=RTOL)
        assert row["sd"] == pytest.approx(s.std(ddof=1), rel=1e-10)


def test_empty_and_array_batches(journey):
    empty = ss.lifecycle.Accumulator()
    assert empty.update(journey.iloc[:0]) is empty and empty.update(np.empty((0, 14))) is empty
    r = empty.result()
    assert r.journey["respondents"].tolist() == [0] and r.table["n"].sum() == 0
    assert np.isnan(r.journey["journey"].iloc[0])
    names = [t.name for t in ss.lifecycle.LifecycleConfig().touchpoints]
    arr = journey[names].to_numpy()
    a = ss.lifecycle.Accumulator().update(arr[:100]).update(arr[100:])
    _assert_results(a.result(), ss.lifecycle.stages(journey))
    with pytest.raises(ss.InputError, match="table"):
        ss.lifecycle.Accumulator(by="wave").update(arr)


def test_bytes_errors_and_merges_name_both(journey):
    acc = ss.lifecycle.Accumulator(by="wave").update(journey.iloc[:60])
    b = acc.to_bytes()
    assert b[:8] == b"SSLIFEC1"
    assert ss.lifecycle.Accumulator.from_bytes(b) == acc and pickle.loads(pickle.dumps(acc)) == acc
    for k in range(0, len(b), 7):
        with pytest.raises(ss.InputError):
            ss.lifecycle.Accumulator.from_bytes(b[:k])
    with pytest.raises(ss.InputError, match="longer than declared"):
        ss.lifecycle.Accumulator.from_bytes(b + b"\0")
    with pytest.raises(ss.InputError, match="unsupported version"):
        ss.lifecycle.Accumulator.from_bytes(b"SSLIFEC2" + b[8:])
    with pytest.raises(ss.InputError, match="not a servscore lifecycle state"):
        ss.lifecycle.Accumulator.from_bytes(b"SSLOYAL1" + b[8:])
    # every single-byte corruption of the cells is refused or loads into a state that writes itself back
    cells = len(b) - 2 * (17 + 16) * 8
    rng = np.random.default_rng(0)
    for pos in rng.choice(np.arange(cells, len(b)), 60, replace=False):
        bad = bytearray(b)
        bad[pos] ^= 0xFF
        try:
            back = ss.lifecycle.Accumulator.from_bytes(bytes(bad))
        except ss.InputError:
            continue
        assert back.to_bytes() == bytes(bad)
    with pytest.raises(ss.InputError) as e:
        acc.merge(ss.loyalty.Accumulator())
    assert "lifecycle.Accumulator" in str(e.value) and "loyalty.Accumulator" in str(e.value)
    with pytest.raises(ss.InputError, match="differ in configuration") as e:
        acc + ss.lifecycle.Accumulator(by="wave", margin=10)
    assert "margin 5" in str(e.value) and "margin 10" in str(e.value)
    by_city = ss.lifecycle.Accumulator(by="city").update(journey.iloc[:5])
    with pytest.raises(ss.InputError, match="'wave'.*'city'"):
        acc.merge(by_city)
    with pytest.raises(ss.InputError, match="weights"):
        acc.update(journey.iloc[:5], weights=np.ones(5))
    bad = journey.iloc[:5].copy()
    bad.loc[bad.index[2], "owner_events"] = 9
    with pytest.raises(ss.InputError, match=r"row 2.*owner_events.*9"):
        acc.update(bad)
    assert acc.rows == 60
    assert repr(acc) == "lifecycle.Accumulator(60 respondents, 2 group(s))"


def test_lifecycle_v1_image_loads():
    # written field by field by tests/data/states/lifecycle_make_fixtures.py: two touchpoints
    # (info: warm_handshake, repair: caring); north 2 respondents (warm_handshake 50 and missing,
    # caring 25 and 100), south 3 (warm_handshake 100, 75, 0; caring 0, 50, 75)
    path = Path(__file__).resolve().parents[1] / "data" / "states" / "lifecycle_v1.bin"
    acc = ss.lifecycle.Accumulator.from_bytes(path.read_bytes())
    r = acc.result()
    assert list(r.journey.index) == ["north", "south"] and r.journey["respondents"].tolist() == [2, 3]
    t = r.table.set_index(["group", "stage"])
    assert t["n"].tolist() == [1, 2, 3, 3] and t["n_missing"].tolist() == [1, 0, 0, 0]
    assert np.isnan(t.loc[("north", "warm_handshake"), "index"])  # one score, min_n 2
    assert t.loc[("north", "caring"), "index"] == pytest.approx(62.5, rel=1e-15)
    assert t.loc[("north", "caring"), "sd"] == pytest.approx(np.sqrt(2812.5), rel=1e-15)
    assert t.loc[("south", "warm_handshake"), "index"] == pytest.approx(175 / 3, rel=1e-15)
    assert t.loc[("south", "warm_handshake"), "sd"] == pytest.approx(np.sqrt(8125 / 3), rel=1e-15)
    assert t.loc[("south", "caring"), "sd"] == pytest.approx(np.sqrt(4375 / 3), rel=1e-15)
    assert r.journey.loc["south", "journey"] == pytest.approx(50.0, rel=1e-15)
    assert r.journey.loc["south", "weakest"] == "caring"
    # the same respondents counted by the accumulator: the same state, the same bytes
    ratings = pd.DataFrame(
        {
            "info": [5, 3, 4, np.nan, 1],
            "repair": [1, 2, 3, 5, 4],
            "branch": ["south", "north", "south", "north", "south"],
        }
    )
    fresh = ss.lifecycle.Accumulator(acc.config, by="branch").update(ratings)
    assert fresh.result().table["n"].tolist() == t["n"].tolist()
    assert ss.lifecycle.Accumulator.from_bytes(acc.to_bytes()) == acc


def test_change_between_waves_from_merged_states(journey):
    # the Welch differences of a merged result are those of one pass (they read only the table)
    merged = _merged(journey, "wave").result().change("2025", "2026")
    one = ss.lifecycle.stages(journey, by="wave").change("2025", "2026")
    assert merged["significant"].tolist() == one["significant"].tolist()
    cols = ["index_a", "index_b", "diff", "lower", "upper", "df"]
    np.testing.assert_allclose(merged[cols].to_numpy(float), one[cols].to_numpy(float), rtol=RTOL, atol=RTOL * 100)
