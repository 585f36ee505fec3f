"""The one accumulator protocol (servscore._accumulator.Mergeable), driven by hypothesis for every
accumulator: random data cut into random partitions (some empty), merged in random orders and
trees, equals the one-pass state (exactly for counts, to 1e-12 relative for moments); bytes and
pickle round trips; wrong-kind and wrong-configuration merges name both. Stored images of the
byte formats before issue 13 still load (tests/data/states)."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import servscore as ss
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

STATES = Path(__file__).resolve().parents[1] / "data" / "states"
RTOL = 1e-12

# ---------------------------------------------------------------- one spec per accumulator
# make(): a fresh accumulator; data(rng, n): one batch of n rows; take(batch, idx): rows idx of it;
# feed(acc, batch): update; same(a, b): assert the states hold the same result.


def _moments_data(rng, n):
    x = rng.integers(1, 6, (n, 3)).astype(float)
    x[rng.random((n, 3)) < 0.1] = np.nan
    return pd.DataFrame(x, columns=["a", "b", "c"])


def _same_moments(a: ss.Moments, b: ss.Moments) -> None:
    assert a.n == b.n and a.n_rows == b.n_rows and a.n_dropped == b.n_dropped
    assert a.n_missing.tolist() == b.n_missing.tolist()
    if a.n:
        np.testing.assert_allclose(a.mean.to_numpy(), b.mean.to_numpy(), rtol=RTOL, atol=1e-13)
        np.testing.assert_allclose(a.comoment.to_numpy(), b.comoment.to_numpy(), rtol=RTOL, atol=1e-9)


def _nps_data(rng, n):
    return pd.DataFrame(
        {
            "nps": np.where(rng.random(n) < 0.1, np.nan, rng.integers(0, 11, n)),
            "branch": rng.choice(np.array(["north", "south", "east", None], dtype=object), n),
            "w": rng.integers(1, 4, n).astype(float),
        }
    )


def _nps_feed(acc, batch):
    return acc.update(batch, by="branch", weights="w")


def _same_responses(a: ss.ResponseAccumulator, b: ss.ResponseAccumulator) -> None:
    if a.counts is None or b.counts is None:
        assert a.counts is None and b.counts is None
        return
    ra, rb = a.result(empty="nan"), b.result(empty="nan")
    pd.testing.assert_frame_equal(ra.distribution, rb.distribution)  # counts: exact
    for col in ("n", "n_missing", "promoters", "detractors"):
        assert ra.table[col].tolist() == rb.table[col].tolist()
    np.testing.assert_allclose(ra.table["nps"], rb.table["nps"], rtol=RTOL)
    np.testing.assert_allclose(ra.table["n_eff"], rb.table["n_eff"], rtol=RTOL)


def _servqual_data(rng, n):
    return (rng.integers(3, 8, (n, 22)).astype(float), rng.integers(1, 8, (n, 22)).astype(float))


def _same_servqual(a, b) -> None:
    ra, rb = a.result(), b.result()
    assert ra.dimensions["n_p"].tolist() == rb.dimensions["n_p"].tolist()
    cols = ["expectation", "perception", "gap"]
    np.testing.assert_allclose(  # the gap P - E may cancel to ~1e-16: also relative to the 1-7 scale
        ra.dimensions[cols].to_numpy(float), rb.dimensions[cols].to_numpy(float), rtol=RTOL, atol=1e-12 * 7
    )


def _zot_data(rng, n):
    a = rng.integers(1, 6, (n, 22)).astype(float)
    return (a, a + rng.integers(0, 4, (n, 22)), rng.integers(1, 10, (n, 22)).astype(float))


def _same_zot(a, b) -> None:
    ta, tb = a.result().dimensions, b.result().dimensions
    assert ta["n"].tolist() == tb["n"].tolist()
    cols = ["adequate", "desired", "msa", "mss"]
    # msa / mss are differences of means on a 1-9 scale: a zero difference cancels to ~1e-16, so the
    # tolerance is relative to the scale as well as to the value
    np.testing.assert_allclose(ta[cols].to_numpy(float), tb[cols].to_numpy(float), rtol=RTOL, atol=1e-12 * 9)


def _kano_data(rng, n):
    out = {f"{a}_{s}": rng.integers(1, 6, n) for a in ("wifi", "speed") for s in ("f", "d")}
    out["segment"] = rng.choice(np.array(["young", "old", None], dtype=object), n)
    return pd.DataFrame(out)


def _same_kano(a, b) -> None:
    if a.to_bytes() == b.to_bytes():
        return
    ta, tb = a.result().table, b.result().table
    cols = ["n", "missing", "A", "O", "M", "I", "R", "Q"]
    pd.testing.assert_frame_equal(ta[cols].sort_index(), tb[cols].sort_index())


NEED_RULES = [
    {"id": "long_wait", "when": {"field": "wait", "op": ">=", "value": 10}, "needs": ["timely_service"]},
    {"id": "kids", "when": {"field": "kids", "op": "is_true"}, "needs": ["comfort"], "actions": ["toys"]},
]


def _needs_data(rng, n):
    wait = rng.integers(0, 20, n).astype(float)
    wait[rng.random(n) < 0.1] = np.nan
    branch = rng.choice(np.array(["north", "south", None], dtype=object), n)
    return pd.DataFrame({"wait": wait, "kids": rng.integers(0, 2, n), "branch": branch})


def _same_counts(a, b) -> None:
    # integer counts in a key-ordered image: equal states have equal bytes (the results are
    # compared with the one-shot functions in test_states_needs.py / test_states_loyalty.py)
    assert a.to_bytes() == b.to_bytes()


def _loyalty_data(rng, n):
    sat = rng.integers(1, 6, n).astype(float)
    sat[rng.random(n) < 0.1] = np.nan
    branch = rng.choice(np.array(["north", "south", None], dtype=object), n)
    return pd.DataFrame({"s": sat, "l": rng.integers(1, 6, n), "p": rng.integers(0, 11, n), "branch": branch})


LIFECYCLE = {
    "touchpoints": [
        {"name": "info", "stage": "warm_handshake"},
        {"name": "sales", "stage": "warm_handshake", "importance": 2},
        {"name": "repair", "stage": "caring"},
    ]
}


def _lifecycle_data(rng, n):
    x = rng.integers(1, 6, (n, 3)).astype(float)
    x[rng.random((n, 3)) < 0.2] = np.nan
    branch = rng.choice(np.array(["north", "south", None], dtype=object), n)
    return pd.DataFrame({"info": x[:, 0], "sales": x[:, 1], "repair": x[:, 2], "branch": branch})


def _same_lifecycle(a, b) -> None:
    ta, tb = a.result().table, b.result().table
    assert ta[["n", "n_missing"]].to_numpy().tolist() == tb[["n", "n_missing"]].to_numpy().tolist()
    # (the weak / strong flags compare an index with the journey index: a tie on small integer data may
    # fall either way by one rounding; they are compared on the sample survey in test_states_lifecycle.py)
    cols = ["index", "sd", "lower", "upper"]
    # an interval bound may cancel near 0: also relative to the 0-100 scale
    np.testing.assert_allclose(
        ta[cols].to_numpy(float), tb[cols].to_numpy(float), rtol=RTOL, atol=RTOL * 100, equal_nan=True
    )
    assert a.result().journey["respondents"].tolist() == b.result().journey["respondents"].tolist()


def _cycles_data(rng, n):
    # one row per visit, so that any cut of the rows keeps visits whole (MomentsAccumulator's
    # contract); whole multi-moment visits are cut by visit in test_states_moments.py
    score = rng.integers(1, 6, n).astype(float)
    score[rng.random(n) < 0.1] = np.nan
    moment = rng.choice(np.array(["park", "pay", "leave"], dtype=object), n)
    branch = rng.choice(np.array(["north", "south"], dtype=object), n)
    return pd.DataFrame(
        {"visit_id": np.arange(n), "moment": moment, "order": np.zeros(n), "score": score, "branch": branch}
    )


def _rows(batch, idx):
    if isinstance(batch, pd.DataFrame):
        return batch.iloc[idx]
    if isinstance(batch, tuple):
        return tuple(x[idx] for x in batch)
    return batch[idx]


SPECS = {
    "Moments": (ss.Moments, _moments_data, lambda acc, b: acc.update(b), _same_moments),
    "AlphaAccumulator": (
        ss.AlphaAccumulator,
        _moments_data,
        lambda acc, b: acc.update(b),
        lambda a, b: _same_moments(a.moments, b.moments),
    ),
    "ResponseAccumulator": (lambda: ss.ResponseAccumulator("nps"), _nps_data, _nps_feed, _same_responses),
    "ServqualAccumulator": (ss.ServqualAccumulator, _servqual_data, lambda acc, b: acc.update(*b), _same_servqual),
    "ZotAccumulator": (ss.ZotAccumulator, _zot_data, lambda acc, b: acc.update(*b), _same_zot),
    "kano.Accumulator": (
        lambda: ss.kano.Accumulator(["wifi", "speed"], by="segment"),
        _kano_data,
        lambda acc, b: acc.update(b),
        _same_kano,
    ),
    "needs.Accumulator": (
        lambda: ss.needs.Accumulator(NEED_RULES, by="branch"),
        _needs_data,
        lambda acc, b: acc.update(b),
        _same_counts,
    ),
    "standards.MomentsAccumulator": (
        ss.standards.MomentsAccumulator,
        _cycles_data,
        lambda acc, b: acc.update(b, by="branch"),
        _same_counts,
    ),
    "loyalty.Accumulator": (
        lambda: ss.loyalty.Accumulator("s", "l", nps="p", by="branch"),
        _loyalty_data,
        lambda acc, b: acc.update(b),
        _same_counts,
    ),
    "lifecycle.Accumulator": (
        lambda: ss.lifecycle.Accumulator(LIFECYCLE, by="branch"),
        _lifecycle_data,
        lambda acc, b: acc.update(b),
        _same_lifecycle,
    ),
}


@st.composite
def plans(draw):
    n = draw(st.integers(1, 60))
    k = draw(st.integers(1, 6))
    cuts = sorted(draw(st.lists(st.integers(0, n), min_size=k - 1, max_size=k - 1)))  # repeats: empty parts
    seed = draw(st.integers(0, 2**32 - 1))
    # a merge tree: repeatedly fold state j into state i (indices into the remaining list)
    picks = draw(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 3)), min_size=k))
    return n, [0, *cuts, n], seed, picks


@pytest.mark.parametrize("kind", list(SPECS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=plans())
def test_any_partition_and_merge_tree_equals_one_pass(kind, plan):
    make, data, feed, same = SPECS[kind]
    n, bounds, seed, picks = plan
    rng = np.random.default_rng(seed)
    batch = data(rng, n)
    one = feed(make(), batch)
    parts = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        acc = make()
        assert feed(acc, _rows(batch, np.arange(lo, hi))) is acc  # an empty part is a no-op
        # every state survives its bytes and pickle
        acc = type(acc).from_bytes(acc.to_bytes()) if lo % 2 else pickle.loads(pickle.dumps(acc))
        parts.append(acc)
    if picks[0][2] == 3:  # sum([...]) makes a new state and leaves the parts alone
        before = [p.to_bytes() for p in parts]
        total = sum(parts)
        assert [p.to_bytes() for p in parts] == before
    else:
        pool = list(parts)
        for a, b, how in picks:
            if len(pool) == 1:
                break
            i = a % len(pool)
            x = pool.pop(i)
            y = pool.pop(b % len(pool))
            if how == 0:
                assert x.merge(y) is x  # in place
                z = x
            elif how == 1:
                xb, yb = x.to_bytes(), y.to_bytes()
                z = x + y  # new; operands untouched
                assert x.to_bytes() == xb and y.to_bytes() == yb
            else:
                x += y
                z = x
            pool.insert(i % (len(pool) + 1), z)
        while len(pool) > 1:
            pool[0].merge(pool.pop())
        total = pool[0]
    same(total, one)
    back = type(total).from_bytes(total.to_bytes())
    assert back == total and pickle.loads(pickle.dumps(total)) == total
    same(back, one)


def test_counts_are_exact_after_merging_for_nps():
    rng = np.random.default_rng(5)
    df = _nps_data(rng, 500)
    parts = [ss.ResponseAccumulator().update(df.iloc[i::7], by="branch") for i in range(7)]
    total = sum(parts[3:]) + sum(parts[:3])
    counts = total.result(empty="nan").distribution
    # an independent count with pandas
    ref = df.dropna(subset=["nps"]).groupby("branch", dropna=False)["nps"].value_counts().unstack(fill_value=0)
    for branch in ["east", "north", "south"]:
        for point, c in ref.loc[branch].items():
            assert counts.loc[branch, int(point)] == c


@pytest.mark.parametrize(
    ("a", "b", "words"),
    [
        (ss.Moments, ss.AlphaAccumulator, ["AlphaAccumulator", "Moments"]),
        (ss.ResponseAccumulator, ss.Moments, ["Moments", "ResponseAccumulator"]),
        (ss.ServqualAccumulator, ss.ZotAccumulator, ["ZotAccumulator", "ServqualAccumulator"]),
        (ss.ZotAccumulator, ss.ResponseAccumulator, ["ResponseAccumulator", "ZotAccumulator"]),
        (ss.kano.Accumulator, ss.Moments, ["Moments", "kano.Accumulator"]),
    ],
)
def test_wrong_kind_merges_name_both(a, b, words):
    for op in (lambda x, y: x.merge(y), lambda x, y: x + y):
        with pytest.raises(ss.InputError) as e:
            op(a(), b())
        assert all(w in str(e.value) for w in words)


@pytest.mark.parametrize(
    ("a", "b", "words"),
    [
        (ss.Moments, lambda: ss.Moments(missing="pairwise"), ["listwise", "pairwise"]),
        (ss.AlphaAccumulator, lambda: ss.AlphaAccumulator(missing="pairwise"), ["listwise", "pairwise"]),
        (lambda: ss.ResponseAccumulator("nps"), lambda: ss.ResponseAccumulator("csat"), ["'nps'", "'csat'"]),
        (lambda: ss.ResponseAccumulator(level=0.9), ss.ResponseAccumulator, ["0.9", "0.95"]),
        (
            ss.ServqualAccumulator,
            lambda: ss.ServqualAccumulator(perceptions_only=True),
            ["SERVQUAL", "SERVPERF"],
        ),
        (
            ss.ZotAccumulator,
            lambda: ss.ZotAccumulator({"q1": "reliability"}),
            ["22 items", "1 items"],
        ),
    ],
)
def test_wrong_configuration_merges_name_both(a, b, words):
    with pytest.raises(ss.InputError, match="differ in configuration") as e:
        a().merge(b())
    assert all(w in str(e.value) for w in words)


def test_nps_groups_of_other_columns_do_not_merge():
    a = ss.ResponseAccumulator().update(pd.DataFrame({"nps": [10], "branch": ["x"]}), by="branch")
    b = ss.ResponseAccumulator().update(pd.DataFrame({"nps": [10], "region": ["x"]}), by="region")
    with pytest.raises(ss.InputError, match="'region'.*'branch'"):
        a.merge(b)
    with pytest.raises(ss.InputError, match="mixing grouped and ungrouped"):
        a.merge(ss.ResponseAccumulator().update([10]))


def test_empty_states_merge_and_round_trip():
    for make in (ss.Moments, ss.AlphaAccumulator, ss.ResponseAccumulator):
        e = make()
        assert type(e).from_bytes(e.to_bytes()) == e
        assert pickle.loads(pickle.dumps(e)) == e
    m = ss.Moments().merge(ss.Moments(np.array([[1.0, 2.0], [3.0, 5.0]])))
    assert m.n == 2 and m.mean.tolist() == [2.0, 3.5]


# ---------------------------------------------------------------- compatibility: old byte formats


def _load(name: str) -> bytes:
    return (STATES / name).read_bytes()


def test_moments_v1_image_loads():
    # rows without a missing value: a = 1 2 4 5 1, b = 2 2 1 3 5, c = 3 4 5 3 2 (groups_make_fixtures.py)
    m = ss.Moments.from_bytes(_load("moments_v1.bin"))
    assert m.n == 5 and m.n_rows == 6 and m.n_dropped == 1
    np.testing.assert_allclose(m.mean.to_numpy(), [13 / 5, 13 / 5, 17 / 5], rtol=1e-15)
    x = np.array([[1, 2, 3], [2, 2, 4], [4, 1, 5], [5, 3, 3], [1, 5, 2]], dtype=float)
    np.testing.assert_allclose(m.cov().to_numpy(), np.cov(x.T), rtol=1e-12)
    assert ss.Moments.from_bytes(m.to_bytes()) == m


def test_alpha_v1_image_loads():
    a = ss.AlphaAccumulator.from_bytes(_load("alpha_v1.bin"))
    x = np.array([[1, 2, 3], [2, 2, 4], [4, 1, 5], [5, 3, 3], [1, 5, 2]], dtype=float)
    k = 3
    ref = k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1))
    assert a.result().alpha == pytest.approx(ref, rel=1e-12)


def test_nps_v1_image_loads_and_merges_with_new_states():
    acc = ss.ResponseAccumulator.from_bytes(_load("nps_v1.bin"))
    t = acc.result().table
    # north: 10 10 9 7 3 -> 3 promoters, 1 detractor of 5; south: 0 6 8 (+1 missing); missing key: 10
    assert t["n"].tolist() == [5, 3, 1]
    assert t["n_missing"].tolist() == [0, 1, 0]
    assert t["promoters"].tolist() == [3, 0, 1] and t["detractors"].tolist() == [1, 2, 0]
    np.testing.assert_allclose(t["nps"], [40.0, -200 / 3, 100.0])
    assert list(t.index[:2]) == ["north", "south"] and pd.isna(t.index[2])
    # the old state merges with a new one by key, and is stored in the new format
    new = ss.ResponseAccumulator().update(pd.DataFrame({"nps": [0, 10], "branch": ["south", "west"]}), by="branch")
    both = acc + new
    assert both.result().table["n"].tolist() == [5, 4, 1, 1]
    assert both.to_bytes()[:8] == b"SSACC02\n"
    assert ss.ResponseAccumulator.from_bytes(both.to_bytes()) == both


def test_csat_v1_image_loads():
    acc = ss.ResponseAccumulator.from_bytes(_load("csat_v1.bin"))
    t = acc.result().table  # 5 4 4 3 1 2 and one missing
    assert (int(t["n"].iloc[0]), int(t["n_missing"].iloc[0]), int(t["top"].iloc[0]), int(t["bottom"].iloc[0])) == (
        6,
        1,
        3,
        2,
    )
    assert float(t["mean"].iloc[0]) == pytest.approx(19 / 6)


def test_servqual_and_zot_v1_images_load():
    s = ss.ServqualAccumulator.from_bytes(_load("servqual_v1.bin"))
    d = s.result().dimensions
    # q1 (reliability): e 6 7 5, p 5 7 6; q2 (empathy): e 5 5 6, p 3 4 6
    assert d.loc["reliability", "expectation"] == pytest.approx(6.0)
    assert d.loc["reliability", "gap"] == pytest.approx(0.0)
    assert d.loc["empathy", "perception"] == pytest.approx(13 / 3)
    assert d.loc["empathy", "gap"] == pytest.approx(-1.0)
    z = ss.ZotAccumulator.from_bytes(_load("zot_v1.bin"))
    t = z.result().dimensions
    # q1: adequate 5 4, desired 8 8, perceived 6 9; q2: adequate 3 6, desired 7 8, perceived 2 7
    assert t.loc["reliability", "adequate"] == pytest.approx(4.5)
    assert t.loc["reliability", "desired"] == pytest.approx(8.0)
    assert t.loc["empathy", "desired"] == pytest.approx(7.5)
    assert t["n"].tolist() == [2, 2]
