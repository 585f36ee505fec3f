"""ss.interactions.Accumulator (C++ InteractionRatesState, image SSIRATE1): classified sample
transcripts cut into uneven partitions (some empty) and merged in place, with + and with sum()
equal a pandas count of the same table per group (counts exactly, shares to 1e-12) and the
ungrouped risk_rates() / cue_rates() of one pass; bytes and pickle round trips, truncated and
corrupt images, merges of other cues, bad flag values naming the row."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import servscore as ss

RTOL = 1e-12
REASONS = ss.model.LostSaleReason.names()


@pytest.fixture(scope="module")
def classified():
    df = ss.datasets.sample(seed=5, n_interactions=300).interactions.copy()
    df.loc[df.index[::17], "transcript"] = None  # interactions without a text
    r = ss.interactions.classify(df)
    t = r.table.copy()
    t["branch"] = np.where(np.arange(len(t)) % 3 == 0, "north", "south")
    return r, t


def _layout(n: int) -> list[tuple[int, int]]:
    half = n // 2
    return [(0, 0), (0, 7), (7, 7), (7, half), (half, n - 1), (n - 1, n), (n, n)]


def _merged(t: pd.DataFrame, cues, by) -> ss.interactions.Accumulator:
    parts = [ss.interactions.Accumulator(cues, by=by).update(t.iloc[a:b]) for a, b in _layout(len(t))]
    parts[1] = pickle.loads(pickle.dumps(parts[1]))
    parts[3] = ss.interactions.Accumulator.from_bytes(parts[3].to_bytes())
    first = parts[4] + parts[0]
    first.merge(parts[3]).merge(parts[2])
    return sum([first, *parts[5:]]) + parts[1]


def test_partitions_per_branch_equal_pandas_counts(classified):
    r, t = classified
    cues = r.lexicon.cue_names
    acc = _merged(t, cues, "branch")
    assert acc.rows == len(t) and acc.groups == 2
    rr, cr = acc.risk_rates(), acc.cue_rates()
    for branch, sub in t.groupby("branch"):
        present = int((sub["text_status"].astype(str) != "missing").sum())
        assert 0 < present < len(sub)
        for reason in REASONS:
            k = int(sub[f"risk_{reason}"].astype(bool).sum())
            assert rr.loc[(branch, reason), "flagged"] == k
            np.testing.assert_allclose(rr.loc[(branch, reason), "share"], k / present, rtol=RTOL)
        c = sub[[f"cue_{n}" for n in cues]].to_numpy()
        got = cr.loc[branch]
        np.testing.assert_array_equal(got["texts"].to_numpy(), (c > 0).sum(axis=0))
        np.testing.assert_array_equal(got["hits"].to_numpy(), c.sum(axis=0))
        np.testing.assert_allclose(got["share"].to_numpy(), (c > 0).sum(axis=0) / present, rtol=RTOL)


def test_ungrouped_equals_one_pass_and_empty_state(classified):
    r, t = classified
    acc = _merged(t, r.lexicon, None)
    pd.testing.assert_frame_equal(acc.risk_rates(), r.risk_rates(), check_dtype=False)
    pd.testing.assert_frame_equal(acc.cue_rates(), r.cue_rates(), check_dtype=False)
    assert int(r.risk_rates()["flagged"].sum()) == int(t[[f"risk_{x}" for x in REASONS]].astype(bool).sum().sum())
    empty = ss.interactions.Accumulator(r.lexicon).update(t.iloc[:0])
    rr = empty.risk_rates()
    assert rr["flagged"].tolist() == [0] * len(REASONS) and rr["share"].isna().all()


def test_bytes_errors_and_merges(classified):
    r, t = classified
    cues = r.lexicon.cue_names
    acc = ss.interactions.Accumulator(cues, by="branch").update(t)
    b = acc.to_bytes()
    assert b[:8] == b"SSIRATE1"
    assert ss.interactions.Accumulator.from_bytes(b) == acc
    for cut in (3, 9, len(b) // 2, len(b) - 1):
        with pytest.raises(ss.InputError):
            ss.interactions.Accumulator.from_bytes(b[:cut])
    with pytest.raises(ss.InputError):
        ss.interactions.Accumulator.from_bytes(b"SSIRATE2" + b[8:])
    other = ss.interactions.Accumulator(list(cues)[:-1])
    with pytest.raises(ss.InputError, match="differ"):
        ss.interactions.Accumulator(cues).update(t).merge(other)
    bad = t.copy()
    bad[f"cue_{cues[0]}"] = bad[f"cue_{cues[0]}"].astype(np.int64)
    bad.loc[bad.index[4], f"cue_{cues[0]}"] = -2
    with pytest.raises(ss.InputError, match="row 4"):
        ss.interactions.Accumulator(cues).update(bad)
    with pytest.raises(ss.InputError, match="missing column"):
        ss.interactions.Accumulator(cues).update(t.drop(columns=["risk_arguing"]))


def test_interactions_v1_image_loads():
    # written field by field by tests/data/states/interactions_make_fixtures.py: cues greeting and
    # time_pressure; south 4 interactions, 3 texts (arguing 2, wasting_time 1; greeting in 3
    # texts with 5 hits, time_pressure 1 / 1); north 2 interactions, 2 texts (being_hurried 1;
    # greeting 1 / 1)
    path = Path(__file__).resolve().parents[1] / "data" / "states" / "interactions_v1.bin"
    acc = ss.interactions.Accumulator.from_bytes(path.read_bytes())
    assert acc.cues == ["greeting", "time_pressure"] and acc.by == ["branch"] and acc.rows == 6
    rr, cr = acc.risk_rates(), acc.cue_rates()
    assert list(rr.index.get_level_values(0).unique()) == ["north", "south"]  # key order
    assert rr.loc[("south", "arguing"), "flagged"] == 2
    assert rr.loc[("south", "arguing"), "share"] == pytest.approx(2 / 3, rel=1e-15)
    assert rr.loc[("south", "wasting_time"), "share"] == pytest.approx(1 / 3, rel=1e-15)
    assert rr.loc[("north", "being_hurried"), "share"] == 0.5
    assert int(rr["flagged"].sum()) == 4
    assert cr.loc[("south", "greeting")].tolist() == [3, 5, 1.0]
    assert cr.loc[("north", "time_pressure")].tolist() == [0, 0, 0.0]
    assert acc.to_bytes()[:8] == b"SSIRATE1"
