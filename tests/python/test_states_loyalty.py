"""ss.loyalty.Accumulator (C++ LoyaltyState, image SSLOYAL1): the sample customers cut into uneven
partitions (some empty) and merged in place, with + and with sum() equal ss.loyalty.segment on all
the rows (counts exactly, shares and intervals to 1e-12), and a pandas count of the segments by the
definitions; bytes and pickle round trips, truncated images, merges of other kinds, configurations
and keys; a stored image written field by field."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import servscore as ss

RTOL = 1e-12
COLS = {"nps": "nps", "complained": "complained"}


@pytest.fixture(scope="module")
def customers() -> pd.DataFrame:
    d = ss.datasets.sample(seed=11, n_loyalty=400).loyalty
    d = d.copy()
    d.loc[d.index[::37], "satisfaction"] = np.nan  # some customers cannot be segmented
    return d


def _layout(n: int) -> list[tuple[int, int]]:
    half = n // 2
    return [(0, 0), (0, 7), (7, 7), (7, half), (half, n - 1), (n - 1, n), (n, n)]


def _acc(by=None, **kw) -> ss.loyalty.Accumulator:
    return ss.loyalty.Accumulator("satisfaction", "loyalty", by=by, **COLS, **kw)


def _merged(df: pd.DataFrame, by, **kw) -> ss.loyalty.Accumulator:
    parts = [_acc(by, **kw).update(df.iloc[a:b]) for a, b in _layout(len(df))]
    parts[1] = pickle.loads(pickle.dumps(parts[1]))
    parts[3] = ss.loyalty.Accumulator.from_bytes(parts[3].to_bytes())
    first = parts[4] + parts[0]
    first.merge(parts[3]).merge(parts[2])
    return sum([first, *parts[5:]]) + parts[1]


def _assert_tables(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.index) == list(want.index) and list(got.columns) == list(want.columns)
    counts = ["n", "n_missing", *ss.loyalty.SEGMENTS, "n_advocates"]
    assert got[counts].to_numpy().tolist() == want[counts].to_numpy().tolist()  # exact
    rest = [c for c in got.columns if c not in counts]
    np.testing.assert_allclose(got[rest].to_numpy(float), want[rest].to_numpy(float), rtol=RTOL, equal_nan=True)


@pytest.mark.parametrize(("by", "kw"), [(None, {}), ("market", {}), ("market", {"refine": False})])
def test_partitions_merge_to_segment_on_all_rows(customers, by, kw):
    one = ss.loyalty.segment("satisfaction", "loyalty", data=customers, by=by, **COLS, **kw)
    total = _merged(customers, by, **kw)
    assert total.rows == len(customers)
    r = total.result()
    _assert_tables(r.table, one.table)
    assert r.n_categories == one.n_categories and r.interval == one.interval
    assert len(r.customers) == 0


def test_segment_counts_against_the_definitions(customers):
    r = _merged(customers, "market").result().table
    # Jones & Sasser with the default top-box thresholds (5 of 1-5) and the terrorist rule
    d = customers.dropna(subset=["satisfaction", "loyalty"])
    sat, loy = d["satisfaction"] >= 5, d["loyalty"] >= 5
    bad = (d["nps"] <= 6) | (d["complained"].astype(float) == 1)
    want = (
        pd.DataFrame(
            {
                "apostle": sat & loy,
                "mercenary": sat & ~loy,
                "hostage": ~sat & loy,
                "defector": ~sat & ~loy & ~bad,
                "terrorist": ~sat & ~loy & bad,
            }
        )
        .groupby(d["market"])
        .sum()
    )
    assert r[list(want.columns)].to_numpy().tolist() == want.to_numpy().tolist()


def test_bytes_errors_and_merges_name_both(customers):
    acc = _acc("market").update(customers.iloc[:60])
    b = acc.to_bytes()
    assert b[:8] == b"SSLOYAL1"
    assert ss.loyalty.Accumulator.from_bytes(b) == acc and pickle.loads(pickle.dumps(acc)) == acc
    for k in range(0, len(b), 5):
        with pytest.raises(ss.InputError):
            ss.loyalty.Accumulator.from_bytes(b[:k])
    with pytest.raises(ss.InputError, match="unsupported version"):
        ss.loyalty.Accumulator.from_bytes(b"SSLOYAL2" + b[8:])
    with pytest.raises(ss.InputError) as e:
        acc.merge(ss.needs.Accumulator())
    assert "loyalty.Accumulator" in str(e.value) and "needs.Accumulator" in str(e.value)
    with pytest.raises(ss.InputError, match="differ in configuration") as e:
        acc + _acc("market", satisfaction_threshold=4)
    assert "thresholds 5/5" in str(e.value) and "thresholds 4/5" in str(e.value)
    region = _acc().update(customers.iloc[:5].rename(columns={"market": "region"}), by="region")
    with pytest.raises(ss.InputError, match="'market'.*'region'"):
        acc.merge(region)
    with pytest.raises(ss.InputError, match="weights"):
        acc.update(customers.iloc[:5], weights=np.ones(5))
    bad = customers.iloc[:5].copy()
    bad.loc[bad.index[2], "loyalty"] = 9
    with pytest.raises(ss.InputError, match="loyalty"):
        acc.update(bad)
    assert acc.rows == 60
    # the column names travel with copies and pickles; from_bytes reads the default names
    renamed = customers.iloc[:5].rename(columns={"satisfaction": "sat"})
    c = ss.loyalty.Accumulator("sat", "loyalty", **COLS)
    assert (c + c).update(renamed).rows == 5 and pickle.loads(pickle.dumps(c)).update(renamed).rows == 5
    empty = _acc()
    assert empty.update(customers.iloc[:0]) is empty and empty.result().table["n"].tolist() == [0]


def test_loyalty_v1_image_loads():
    # written field by field by tests/data/states/loyalty_make_fixtures.py: north 4 customers
    # (2 apostles, one an advocate; 1 hostage; 1 unknown), south 3 (1 defector, 2 terrorists)
    path = Path(__file__).resolve().parents[1] / "data" / "states" / "loyalty_v1.bin"
    acc = ss.loyalty.Accumulator.from_bytes(path.read_bytes())
    t = acc.result().table
    assert list(t.index) == ["north", "south"]
    assert t["n"].tolist() == [3, 3] and t["n_missing"].tolist() == [1, 0]
    assert t["apostle"].tolist() == [2, 0] and t["terrorist"].tolist() == [0, 2]
    assert t["n_advocates"].tolist() == [1, 0]
    assert t.loc["south", "share_terrorist"] == pytest.approx(2 / 3)
    assert acc.result().n_categories == 5
    assert ss.loyalty.Accumulator.from_bytes(acc.to_bytes()) == acc
