"""Shared data and checks of test_dask.py and test_spark.py: partition layouts of the sample data and
comparisons of a partitioned result with the in-memory one (the oracle: the in-memory engines are
tested against hand-computed and published values in their own test files)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import servscore as ss

RTOL = 1e-12


def sample() -> Any:
    return ss.datasets.sample(
        seed=11,
        n_transactions=3000,
        n_driver_survey=900,
        n_kano=400,
        n_servqual=300,
        n_encounters=1200,
        n_respondents=600,
        n_interactions=150,
    )


def layouts(n: int) -> dict[str, list[tuple[int, int]]]:
    """Row ranges of the partitions: uneven with empty ones, one partition, many small ones."""
    half = n // 2
    return {
        "uneven": [(0, 0), (0, 7), (7, 7), (7, half), (half, n - 1), (n - 1, n), (n, n)],
        "one": [(0, n)],
        "many": [(0, 0)] + [(i, min(i + n // 9, n)) for i in range(0, n, n // 9)],
    }


def pieces(df: pd.DataFrame, layout: list[tuple[int, int]]) -> list[pd.DataFrame]:
    return [df.iloc[a:b] for a, b in layout]


def assert_frames_close(a: pd.DataFrame, b: pd.DataFrame, rtol: float = RTOL) -> None:
    """Same labels; numbers equal to ``rtol`` relative (1e-13 absolute near zero), the rest equal."""
    assert list(a.index) == list(b.index)
    assert list(a.columns) == list(b.columns)
    for c in a.columns:
        x, y = a[c], b[c]
        if pd.api.types.is_bool_dtype(x.dtype) or not pd.api.types.is_numeric_dtype(x.dtype):
            assert (
                x.astype(object).where(x.notna(), None).tolist() == y.astype(object).where(y.notna(), None).tolist()
            ), c
        else:
            np.testing.assert_allclose(
                x.to_numpy(dtype=float), y.to_numpy(dtype=float), rtol=rtol, atol=1e-13, equal_nan=True, err_msg=str(c)
            )


def assert_moments_close(m: ss.Moments, m0: ss.Moments) -> None:
    assert m.columns == m0.columns
    assert (m.n, m.n_rows, m.n_dropped) == (m0.n, m0.n_rows, m0.n_dropped)  # counts exactly
    assert m.n_missing.tolist() == m0.n_missing.tolist()
    np.testing.assert_allclose(m.mean.to_numpy(), m0.mean.to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(m.comoment.to_numpy(), m0.comoment.to_numpy(), rtol=RTOL, atol=1e-9)
    np.testing.assert_allclose(m.corr().to_numpy(), m0.corr().to_numpy(), rtol=RTOL, atol=1e-13)


def items(df: pd.DataFrame) -> list[str]:
    return ["overall", "wait_time", "accuracy", "friendliness", "competence", "cleanliness"]


def long_kano(wide: pd.DataFrame) -> pd.DataFrame:
    """The wide Kano table as long rows (respondent, attribute, functional, dysfunctional), by pandas."""
    attrs = [c[:-2] for c in wide.columns if c.endswith("_f")]
    rows = []
    for a in attrs:
        part = wide[["respondent", "segment", a + "_f", a + "_d"]].rename(
            columns={a + "_f": "functional", a + "_d": "dysfunctional"}
        )
        part.insert(1, "attribute", a)
        rows.append(part)
    out = pd.concat(rows, ignore_index=True)
    # interleave so that later partitions introduce attributes not seen before
    order = out["attribute"].map({a: i for i, a in enumerate(attrs)})
    return out.iloc[np.argsort(order.to_numpy(), kind="stable")].reset_index(drop=True)


#: a two-cue lexicon: the text engines compile it in each worker, which a small one keeps short
SMALL_LEXICON = {
    "cues": [
        {"name": "apology", "actor": "staff", "personal": 1, "phrases": {"en": ["sorry"], "zh": ["抱歉"]}},
        {"name": "slow", "actor": "staff", "procedural": -1, "phrases": {"en": ["wait", "slow"], "zh": ["慢"]}},
    ]
}


def check_state_aggregates(api: Any, make: Any, data: Any) -> None:
    """Every aggregate whose state is a grouped C++ state (encounter summary, lifecycle,
    loyalty, needs, compliance, time elements, moments of truth, interaction rates), run by
    ``api`` (servscore.dask or servscore.spark) on ``make(frame)`` (a partitioned frame with
    empty partitions), equals the in-memory call on the whole frame: counts exactly, means to
    RTOL. Grouped results are compared with the in-memory function on each group's rows."""
    # encounter summary of ratings (scored in the partitions), by branch, weighted
    enc = data.encounters.copy()
    enc["w"] = np.random.default_rng(3).uniform(0.5, 2.0, len(enc))
    scored = ss.score_encounters(enc)
    for kw in ({"by": "branch"}, {"by": ["branch", "channel"], "weights": "w"}, {}):
        s, s0 = api.summarize_encounters(make(enc), **kw), ss.summarize_encounters(scored, **kw)
        for part in ("table", "pullers", "top_pullers"):
            assert_frames_close(getattr(s, part), getattr(s0, part))
        assert s.table["n"].sum() == len(enc)
    # lifecycle stages by wave, and with importances given
    jr = data.journey
    life, life0 = api.lifecycle_stages(make(jr), by="wave"), ss.lifecycle.stages(jr, by="wave")
    assert_frames_close(life.table, life0.table)
    assert_frames_close(life.journey, life0.journey)
    assert life.scores is None
    imp = {"project_information": 5.0, "handover_inspection": 1.0}
    life = api.lifecycle_stages(make(jr), importance=imp)
    assert_frames_close(life.journey, ss.lifecycle.stages(jr, importance=imp).journey)
    # loyalty segments by branch: exact counts
    lo = data.loyalty
    kw = {"nps": "nps", "complained": "complained", "by": "branch"}
    y, y0 = api.loyalty_segments(make(lo), **kw), ss.loyalty.segment("satisfaction", "loyalty", data=lo, **kw)
    pd.testing.assert_frame_equal(y.table, y0.table)
    # anticipated needs: the counts of evaluate(), overall and per branch
    v = data.visits
    n, n0 = api.anticipated_needs(make(v)), ss.needs.evaluate(v)
    pd.testing.assert_frame_equal(n.rules, n0.rules)
    pd.testing.assert_frame_equal(n.need_counts, n0.need_counts)
    pd.testing.assert_series_equal(n.n_missing, n0.n_missing)
    assert n0.need_counts["n"].sum() > 0
    nb = api.anticipated_needs(make(v), by="branch")
    for b in sorted(v["branch"].unique()):
        one = ss.needs.evaluate(v[v["branch"] == b])
        row = nb.table.loc[b]
        assert row["n"] == (v["branch"] == b).sum()
        np.testing.assert_allclose(
            row[list(one.need_counts.index)].to_numpy(dtype=float), one.need_counts["share"], rtol=RTOL
        )
    # standards: compliance and time elements by branch
    c, c0 = api.compliance(make(v), by="branch"), ss.standards.compliance(v, by="branch")
    pd.testing.assert_frame_equal(c.table, c0.table)
    t, t0 = api.time_elements(make(v), by="branch"), ss.standards.time_elements(v, by="branch")
    assert t.table["exact"].all()
    assert_frames_close(t.table.drop(columns="exact"), t0.table)
    # moments of truth: partitions cut visits apart; the call regroups them by visit
    m = data.moments
    r, r0 = api.moments_of_truth(make(m)), ss.standards.moments(m)
    assert_frames_close(r.moments, r0.moments)
    assert r.n_missing == r0.n_missing
    rb = api.moments_of_truth(make(m), by="branch")
    for b in sorted(m["branch"].unique())[:2]:
        assert_frames_close(rb.moments.xs(b, level=0), ss.standards.moments(m[m["branch"] == b]).moments)
    # interaction risk and cue rates: classified in the partitions
    it = data.interactions
    kw = {"lexicon": SMALL_LEXICON, "model": None, "needs": None}
    res = ss.interactions.classify(it, **kw)
    a = api.interaction_rates(make(it), **kw)
    pd.testing.assert_frame_equal(a.risk_rates(), res.risk_rates())
    pd.testing.assert_frame_equal(a.cue_rates(), res.cue_rates())
    assert res.cue_rates()["hits"].sum() > 0
    ab = api.interaction_rates(make(it), by="branch", **kw)
    for b in sorted(it["branch"].unique())[:2]:
        one = ss.interactions.classify(it[it["branch"] == b], **kw)
        pd.testing.assert_frame_equal(ab.cue_rates().xs(b, level=0), one.cue_rates())
        pd.testing.assert_frame_equal(ab.risk_rates().xs(b, level=0), one.risk_rates())


def _message(fn: Any, *args: Any, error: type = ss.InputError, **kwargs: Any) -> str:
    try:
        fn(*args, **kwargs)
    except error as e:
        return str(e)
    raise AssertionError(f"{fn.__name__} did not raise {error.__name__}")


def check_state_errors(api: Any, make: Any, data: Any) -> None:
    """Bad input to the grouped-state aggregates raises the in-memory error, its row counted
    from the start of the whole data set; columns that are not there fail before any task."""
    lo = data.loyalty.reset_index(drop=True).copy()
    lo["satisfaction"] = lo["satisfaction"].astype(float)
    lo.loc[2500, "satisfaction"] = 77.0  # in a late partition
    msg = _message(api.loyalty_segments, make(lo), by="branch")
    assert msg == _message(ss.loyalty.segment, "satisfaction", "loyalty", data=lo, by="branch")
    assert "2500" in msg
    jr = data.journey.reset_index(drop=True).copy()
    jr.loc[1500, "product_fit"] = 42.0
    msg = _message(api.lifecycle_stages, make(jr))
    assert msg == _message(ss.lifecycle.stages, jr)
    assert "1500" in msg
    enc = data.encounters.reset_index(drop=True).copy()
    enc.loc[1000, "flow"] = 9
    assert _message(api.summarize_encounters, make(enc)) == _message(ss.score_encounters, enc)
    v = data.visits
    assert "'nope'" in _message(api.compliance, make(v), by="nope")
    assert "'nope'" in _message(api.anticipated_needs, make(v), by="nope")
    assert "wait_minutes" in _message(api.anticipated_needs, make(v.drop(columns="wait_minutes")), error=ss.ConfigError)
    assert "dict" in _message(api.lifecycle_stages, make(data.journey), importance="imp_")
    assert "level" in _message(api.time_elements, make(v), level=1.5, error=ss.ConfigError)


def many_staff_encounters(data: Any, n_staff: int = 8_000, repeat: int = 4) -> pd.DataFrame:
    """The sample encounters repeated, each row given one of ``n_staff`` staff ids at random."""
    enc = pd.concat([data.encounters] * repeat, ignore_index=True)
    rng = np.random.default_rng(21)
    return enc.assign(staff=[f"s{i:05d}" for i in rng.integers(0, n_staff, len(enc))])


def check_many_groups(api: Any, make: Any, data: Any) -> None:
    """Thousands of groups through the tree: the encounter summary by staff (about 3,600 staff
    over 4,800 encounters, states merged two at a time) equals the in-memory one."""
    enc = many_staff_encounters(data)
    s = api.summarize_encounters(make(enc), by="staff", split_every=2)
    s0 = ss.summarize_encounters(ss.score_encounters(enc), by="staff")
    assert len(s.table) == enc["staff"].nunique() > 3_000
    assert_frames_close(s.table, s0.table)
    assert_frames_close(s.top_pullers, s0.top_pullers)
