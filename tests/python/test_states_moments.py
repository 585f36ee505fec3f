"""ss.standards.MomentsAccumulator (C++ MomentsState, image SSMOMTS1): the sample cycles of service
cut by visit into uneven partitions (some empty) and merged in place, with + and with sum() equal
the moments table of ss.standards.moments on all the rows (counts exactly, means to 1e-12), grouped
too (per branch against moments() of each branch); bytes and pickle round trips, truncated images,
merges of other kinds and configurations; a stored image written field by field."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import servscore as ss

RTOL = 1e-12
COUNTS = ["n", "failed", "weakest"]
MEANS = ["mean", "fail_rate", "weakest_share", "mean_position"]


@pytest.fixture(scope="module")
def cycles() -> pd.DataFrame:
    m = ss.datasets.sample(seed=11, n_visits=300).moments.copy()
    m.loc[m.index[::29], "score"] = np.nan  # some moments not scored
    return m


def _parts(df: pd.DataFrame) -> list[pd.DataFrame]:
    ids = np.sort(df["visit_id"].unique())
    n = len(ids)
    cuts = [(0, 0), (0, 3), (3, 3), (3, n // 2), (n // 2, n - 1), (n - 1, n), (n, n)]
    return [df[df["visit_id"].isin(ids[a:b])] for a, b in cuts]


def _merged(df: pd.DataFrame, by=None) -> ss.standards.MomentsAccumulator:
    parts = [ss.standards.MomentsAccumulator(by=by).update(p) for p in _parts(df)]
    parts[1] = pickle.loads(pickle.dumps(parts[1]))
    parts[3] = ss.standards.MomentsAccumulator.from_bytes(parts[3].to_bytes())
    first = parts[4] + parts[0]
    first.merge(parts[3]).merge(parts[2])
    return sum([first, *parts[5:]]) + parts[1]


def _same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.index) == list(want.index)
    assert got[COUNTS].to_numpy().tolist() == want[COUNTS].to_numpy().tolist()  # exact
    np.testing.assert_allclose(got[MEANS].to_numpy(float), want[MEANS].to_numpy(float), rtol=RTOL, equal_nan=True)


def test_partitions_by_visit_merge_to_moments_on_all_rows(cycles):
    one = ss.standards.moments(cycles)
    total = _merged(cycles)
    assert total.rows == len(cycles)
    r = total.result()
    _same(r.moments, one.moments)
    assert r.n_missing == one.n_missing > 0
    assert r.weakest_moment == one.weakest_moment and r.most_failed == one.most_failed
    assert len(r.visits) == 0 and "moments" in str(r.summary())


def test_grouped_by_branch_equals_moments_of_each_branch(cycles):
    r = _merged(cycles, by="branch").result().moments
    assert r.index.names == ["branch", "moment"]
    for branch, part in cycles.groupby("branch"):
        _same(r.loc[branch], ss.standards.moments(part).moments)
    # an independent count: scores <= 2 (fail_at) per branch and moment by pandas
    failed = (cycles["score"] <= 2).groupby([cycles["branch"], cycles["moment"]]).sum()
    assert r["failed"].sort_index().to_numpy().tolist() == failed.sort_index().to_numpy().tolist()


def test_bytes_errors_and_merges_name_both(cycles):
    acc = ss.standards.MomentsAccumulator().update(cycles[cycles["visit_id"] <= 20])
    b = acc.to_bytes()
    assert b[:8] == b"SSMOMTS1"
    assert ss.standards.MomentsAccumulator.from_bytes(b) == acc and pickle.loads(pickle.dumps(acc)) == acc
    for k in range(0, len(b), 11):
        with pytest.raises(ss.InputError):
            ss.standards.MomentsAccumulator.from_bytes(b[:k])
    with pytest.raises(ss.InputError, match="unsupported version"):
        ss.standards.MomentsAccumulator.from_bytes(b"SSMOMTS9" + b[8:])
    with pytest.raises(ss.InputError) as e:
        acc.merge(ss.standards.ComplianceAccumulator())
    assert "standards.MomentsAccumulator" in str(e.value) and "standards.ComplianceAccumulator" in str(e.value)
    with pytest.raises(ss.InputError, match="differ in configuration") as e:
        acc + ss.standards.MomentsAccumulator({"fail_at": 3})
    assert "fail_at 2" in str(e.value) and "fail_at 3" in str(e.value)
    with pytest.raises(ss.InputError, match="weights"):
        acc.update(cycles[:5], weights=np.ones(5))
    bad = cycles[:5].copy()
    bad.loc[bad.index[1], "score"] = 9
    with pytest.raises(ss.InputError, match="outside the scale"):
        acc.update(bad)
    with pytest.raises(ss.InputError, match="'visit_id'"):
        acc.update(cycles[:5].drop(columns="visit_id"))
    renamed = cycles[:11].rename(columns={"score": "rating"})
    c = ss.standards.MomentsAccumulator(score="rating")
    assert (c + c).update(renamed).rows == 11 and pickle.loads(pickle.dumps(c)).update(renamed).rows == 11
    empty = ss.standards.MomentsAccumulator()
    assert empty.update(cycles[:0]) is empty and empty.rows == 0 and len(empty.result().moments) == 0


def test_moments_v1_image_loads():
    # written field by field by tests/data/states/moments_make_fixtures.py: ungrouped, 2 visits,
    # moments park (2 scored, sum 9, weakest once) and pay (2 rows, 1 scored: 2, failed, weakest once)
    path = Path(__file__).resolve().parents[1] / "data" / "states" / "moments_of_truth_v1.bin"
    acc = ss.standards.MomentsAccumulator.from_bytes(path.read_bytes())
    m = acc.result().moments
    assert list(m.index) == ["park", "pay"]
    assert m["n"].tolist() == [2, 1] and m["mean"].tolist() == [4.5, 2.0]
    assert m["failed"].tolist() == [0, 1] and m["weakest_share"].tolist() == [0.5, 0.5]
    assert m["mean_position"].tolist() == [0.0, 1.0]
    assert acc.result().n_missing == 1
