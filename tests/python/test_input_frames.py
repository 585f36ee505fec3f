"""Input frames as Dask, multiprocessing and joblib hand them over (issue 13, item 7).

* A frame that went through pickle reads exactly like the fresh one in every engine (its dtypes
  are equal to numpy's builtin ones, not the same objects), including the exact int8 path of
  ``Moments``.
* Any hashable column label works: ``pd.DataFrame(array)`` (int labels), tuples, mixed; the
  result equals the one on string labels (the reference), labelled with the caller's labels.
* An empty batch (a partition emptied by a filter) is a no-op in every accumulator's ``update``.
"""

from __future__ import annotations

import math
import pickle
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd
import pytest
import servscore as ss
from servscore._result import _plain

DATA = ss.datasets.sample(
    seed=3,
    n_encounters=400,
    n_driver_survey=400,
    n_kano=300,
    n_journey=400,
    n_loyalty=500,
    n_visits=400,
    n_moment_visits=150,
    n_transactions=800,
    n_respondents=300,
    n_servqual=200,
)
ATTRS = [c for c in DATA.driver_survey.columns if c not in ("respondent_id", "branch", "weight", "overall")]
ECSI = """
IMAG =~ imag1 + imag2 + imag3 + imag4 + imag5
EXPE =~ expe1 + expe2 + expe3 + expe4
QUAL =~ qual1 + qual2 + qual3 + qual4 + qual5
VAL  =~ val1 + val2 + val3
SAT  =~ sat1 + sat2 + sat3
LOY  =~ loy1 + loy2 + loy3
EXPE ~ IMAG
QUAL ~ EXPE
VAL  ~ EXPE + QUAL
SAT  ~ IMAG + EXPE + QUAL + VAL
LOY  ~ IMAG + SAT
"""
ECSI_BLOCKS = {
    "IMAG": [f"imag{i}" for i in range(1, 6)],
    "EXPE": [f"expe{i}" for i in range(1, 5)],
    "QUAL": [f"qual{i}" for i in range(1, 6)],
    "VAL": [f"val{i}" for i in range(1, 4)],
    "SAT": [f"sat{i}" for i in range(1, 4)],
    "LOY": [f"loy{i}" for i in range(1, 4)],
}
ECSI_PATHS = [
    ("IMAG", "EXPE"),
    ("EXPE", "QUAL"),
    ("EXPE", "VAL"),
    ("QUAL", "VAL"),
    ("IMAG", "SAT"),
    ("EXPE", "SAT"),
    ("QUAL", "SAT"),
    ("VAL", "SAT"),
    ("IMAG", "LOY"),
    ("SAT", "LOY"),
]


def roundtrip(frame: pd.DataFrame) -> pd.DataFrame:
    return pickle.loads(pickle.dumps(frame))


def plain(x: Any) -> Any:
    """Comparable plain data of a result, frame, array or categorical."""
    if isinstance(x, pd.DataFrame):
        return {"index": list(x.index), "columns": list(x.columns), "data": _plain(x.astype(object).to_numpy())}
    if isinstance(x, pd.Categorical):
        return list(x.astype(object))
    if isinstance(x, np.ndarray):
        return _plain(x)
    return _plain(x.to_dict() if hasattr(x, "to_dict") else x)


def same(a: Any, b: Any) -> bool:
    """Exact equality of plain data, NaN equal to NaN."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b) and type(a) is type(b)


# ---------------------------------------------------------------- every engine, fresh vs pickled


def _encounter_summary(d: pd.DataFrame) -> Any:
    return ss.summarize_encounters(ss.score_encounters(d), by="branch")


def _moments_int8(d: pd.DataFrame) -> Any:
    return ss.Moments(d[ATTRS].fillna(3).astype(np.int8)).to_bytes()


ENGINES: dict[str, tuple[str, Any]] = {
    "score_encounters": ("encounters", ss.score_encounters),
    "summarize_encounters": ("encounters", _encounter_summary),
    "cronbach_alpha": ("driver_survey", lambda d: ss.cronbach_alpha(d[ATTRS])),
    "cronbach_alpha_weighted": ("driver_survey", lambda d: ss.cronbach_alpha(d, columns=ATTRS, weights="weight")),
    "moments": ("driver_survey", lambda d: ss.Moments(d[ATTRS], missing="pairwise").to_bytes()),
    "moments_int8": ("driver_survey", _moments_int8),
    "importance_lmg": (
        "driver_survey",
        lambda d: ss.drivers.importance(d, "overall", columns=ATTRS, weights="weight", method="lmg"),
    ),
    "importance_rw": (
        "driver_survey",
        lambda d: ss.drivers.importance(d, "overall", columns=ATTRS, method="relative_weights"),
    ),
    "penalty_reward": ("driver_survey", lambda d: ss.drivers.penalty_reward(d, "overall", columns=ATTRS)),
    "ipa": (
        "driver_survey",
        lambda d: ss.ipa(d, "correlation", y="overall", columns=ATTRS, weights="weight"),
    ),
    "importance_dominance": (
        "driver_survey",
        lambda d: ss.drivers.importance(d, "overall", columns=ATTRS[:5], method="dominance"),
    ),
    "nps": ("transactions", lambda d: ss.nps(d, by="branch")),
    "nps_diff": (
        "transactions",
        lambda d: ss.nps_diff(
            d.loc[d["channel"] == d["channel"].iloc[0], "nps"], d.loc[d["channel"] != d["channel"].iloc[0], "nps"]
        ),
    ),
    "csat": ("transactions", lambda d: ss.csat(d, by="channel")),
    "ces": ("transactions", lambda d: ss.ces(d, by="channel")),
    "mean_score": ("transactions", lambda d: ss.mean_score(d, column="csat", scale=(1, 5))),
    "nps_accumulator": ("transactions", lambda d: ss.ResponseAccumulator("nps").update(d, by="branch").result()),
    "kano": ("kano", lambda d: ss.kano.analyze(d, by="segment")),
    "kano_classify": (
        "kano",
        lambda d: ss.kano.classify(
            d.filter(like="_f").fillna(0).astype(np.int8).set_axis(range(d.filter(like="_f").shape[1]), axis=1),
            d.filter(like="_d").fillna(0).astype(np.int8).set_axis(range(d.filter(like="_d").shape[1]), axis=1),
        ),
    ),
    "pls": ("index_survey", lambda d: ss.PathModel(ECSI).fit(d)),
    "pls_moments": (
        "index_survey",
        lambda d: ss.PathModel(ECSI).fit_moments(ss.Moments(d, columns=ss.PathModel(ECSI).indicators)),
    ),
    "servqual": (
        "servqual",
        lambda d: ss.servqual(d.filter(regex="^e_"), d.filter(regex="^p_"), weights=d.filter(like="points_")),
    ),
    "servperf": ("servqual", lambda d: ss.servperf(d.filter(regex="^p_"))),
    "zone_of_tolerance": (
        "servqual",
        lambda d: ss.zone_of_tolerance(d.filter(regex="^a_"), d.filter(regex="^d_"), d.filter(regex="^z_")),
    ),
    "check_standards": ("visits", ss.standards.check_standards),
    "compliance": ("visits", lambda d: ss.standards.compliance(d, by="branch", period="week")),
    "time_elements": ("visits", lambda d: ss.standards.time_elements(d, by="branch")),
    "moments_of_truth": ("moments", ss.standards.moments),
    "lifecycle": ("journey", lambda d: ss.lifecycle.stages(d, by="wave")),
    "score_stages": ("journey", ss.lifecycle.score_stages),
    "loyalty": (
        "loyalty",
        lambda d: ss.loyalty.segment(
            "satisfaction", "loyalty", data=d, nps="nps", complained="complained", by="market"
        ),
    ),
    "loyalty_curve": ("loyalty", lambda d: ss.loyalty.curve("satisfaction", "loyalty", data=d, by="market")),
    "needs": ("visits", ss.needs.evaluate),
}


@pytest.mark.parametrize("engine", list(ENGINES))
def test_a_pickled_frame_gives_the_fresh_result(engine: str) -> None:
    table, run = ENGINES[engine]
    fresh = getattr(DATA, table)
    thawed = roundtrip(fresh)
    # the round trip makes new dtype objects: equal to numpy's, not the same (what broke before)
    numeric = [c for c in fresh.columns if isinstance(fresh[c].dtype, np.dtype) and fresh[c].dtype.kind == "f"]
    if numeric:
        assert thawed[numeric[0]].dtype == np.float64
        assert thawed[numeric[0]].to_numpy().dtype is not np.dtype(np.float64)
    a, b = run(fresh), run(thawed)
    if isinstance(a, bytes):
        assert a == b
    else:
        assert same(plain(a), plain(b)), engine


def test_pickled_encounters_and_pls_are_no_longer_rejected() -> None:
    # the two failures the issue reported ("must be a 1-D float64 array")
    e = roundtrip(DATA.encounters)
    assert len(ss.score_encounters(e)) == len(e)
    assert ss.PathModel(ECSI).fit(roundtrip(DATA.index_survey)).converged


def test_a_pickled_int8_frame_takes_the_exact_int8_path() -> None:
    # Values chosen so that float64 arithmetic is inexact: the exact integer path gives the mean
    # as the correctly rounded n-th of an integer sum; a float64 pass (Welford / blocked sums
    # over 1/3-like means) lands one ulp or more away for some column, so the two paths differ.
    rng = np.random.default_rng(11)
    n = 300_001
    x = pd.DataFrame({f"q{j}": rng.integers(-128, 128, size=n, dtype=np.int8) for j in range(6)})
    thawed = roundtrip(x)
    assert thawed["q0"].dtype == np.int8 and thawed["q0"].to_numpy().dtype is not np.dtype(np.int8)
    fresh_m = ss.Moments(x)
    thawed_m = ss.Moments(thawed)
    float_m = ss.Moments(x.astype(np.float64))
    exact_mean = [float(Fraction(int(x[c].astype(np.int64).sum()), n)) for c in x.columns]
    exact_var = []
    for c in x.columns:
        v = x[c].to_numpy().astype(np.int64)
        s1, s2 = int(v.sum()), int((v * v).sum())
        exact_var.append(float(Fraction(n * s2 - s1 * s1, n * (n - 1))))
    # the int8 kernel's state is exact: bytes identical to the fresh frame's (same path)
    assert thawed_m.to_bytes() == fresh_m.to_bytes()
    assert thawed_m.mean.tolist() == exact_mean
    np.testing.assert_allclose(thawed_m.var().to_numpy(), exact_var, rtol=1e-15)
    # and that path is not the float64 one for this data (so the check above discriminates)
    assert float_m.to_bytes() != fresh_m.to_bytes()


def test_pickled_arrays_reach_the_compiled_core() -> None:
    # arrays (not frames) that went through pickle: float64 Fortran blocks, int8 2-D arrays
    x = np.asfortranarray(DATA.driver_survey[ATTRS].to_numpy(dtype=np.float64))
    y = pickle.loads(pickle.dumps(x))
    assert y.dtype is not np.dtype(np.float64)
    assert ss.Moments(y).to_bytes() == ss.Moments(x).to_bytes()
    q = np.nan_to_num(x, nan=3.0).astype(np.int8)
    assert ss.Moments(pickle.loads(pickle.dumps(q))).to_bytes() == ss.Moments(q).to_bytes()
    assert ss.cronbach_alpha(pickle.loads(pickle.dumps(q))).alpha == ss.cronbach_alpha(q).alpha


# ---------------------------------------------------------------- any hashable column label


def relabel(frame: pd.DataFrame, first: list[str] | None = None, *, start: int = 0) -> tuple[pd.DataFrame, dict]:
    """The frame with int labels (``first`` columns first, as 0..k-1 from ``start``); and the map."""
    cols = (first or []) + [c for c in frame.columns if c not in (first or [])]
    mapping = {c: start + i for i, c in enumerate(cols)}
    return frame[cols].rename(columns=mapping), mapping


def test_cronbach_alpha_and_moments_on_integer_labels() -> None:
    ref = DATA.driver_survey[ATTRS]
    arr = pd.DataFrame(ref.to_numpy())  # the labels pd.DataFrame(array) gives: 0..k-1
    a, b = ss.cronbach_alpha(ref), ss.cronbach_alpha(arr)
    assert b.alpha == a.alpha and b.alpha_standardized == a.alpha_standardized
    assert list(b.items.index) == list(range(len(ATTRS)))
    np.testing.assert_array_equal(b.items.to_numpy(), a.items.to_numpy())
    m = ss.Moments(arr)
    assert m.columns == list(range(len(ATTRS)))
    np.testing.assert_array_equal(m.corr().to_numpy(), ss.Moments(ref).corr().to_numpy())
    assert m.subset([2, 0]).columns == [2, 0]
    # int8 columns with int labels keep the exact path: the same bytes as with names
    q = ref.fillna(3).astype(np.int8)
    assert (
        ss.Moments(pd.DataFrame(q.to_numpy())).to_bytes()
        == ss.Moments(q.set_axis(list(map(str, range(len(ATTRS)))), axis=1)).to_bytes()
    )
    # a weight column labelled by an int, columns= with tuple labels
    w = DATA.driver_survey["weight"].to_numpy()
    tup = ref.set_axis([("item", c) for c in ATTRS], axis=1).assign(**{"w": w})
    tup.columns = [*[("item", c) for c in ATTRS], 99]
    r = ss.cronbach_alpha(tup, weights=99)
    assert r.alpha == ss.cronbach_alpha(ref.assign(w=w), weights="w").alpha
    assert list(r.items.index) == [("item", c) for c in ATTRS]


def test_states_pickle_with_their_labels() -> None:
    # Dask ships partial states between processes: the caller's labels survive the trip
    arr = pd.DataFrame(DATA.driver_survey[ATTRS].to_numpy())
    m = pickle.loads(pickle.dumps(ss.Moments(arr)))
    assert m.columns == list(range(len(ATTRS)))
    acc = pickle.loads(pickle.dumps(ss.AlphaAccumulator().update(arr)))
    assert list(acc.result().items.index) == list(range(len(ATTRS)))
    assert acc.result().alpha == ss.cronbach_alpha(arr).alpha
    assert (ss.AlphaAccumulator().update(arr.iloc[:100]) + acc).moments.columns == list(range(len(ATTRS)))
    # text labels keep the plain bytes form (readable by from_bytes)
    named = ss.Moments(DATA.driver_survey[ATTRS])
    assert pickle.loads(pickle.dumps(named)).columns == ATTRS


def test_missing_labels_are_named_with_repr() -> None:
    arr = pd.DataFrame(np.ones((5, 3)))
    with pytest.raises(ss.InputError, match=r"missing column\(s\) 7"):
        ss.cronbach_alpha(arr, columns=[0, 7])
    with pytest.raises(ss.InputError, match=r"no column '0'"):
        ss.nps(arr, column="0")
    with pytest.raises(ss.InputError, match=r"missing column\(s\) \('a', 1\)"):
        ss.Moments(arr, columns=[0, ("a", 1)])


def test_drivers_and_ipa_on_integer_labels() -> None:
    d = DATA.driver_survey
    di, m = relabel(d)
    cols = [m[c] for c in ATTRS]
    for method in ("lmg", "relative_weights", "dominance"):
        ref = ss.drivers.importance(d, "overall", columns=ATTRS, weights="weight", method=method)
        got = ss.drivers.importance(di, m["overall"], columns=cols, weights=m["weight"], method=method)
        assert list(got.table.index) == cols
        np.testing.assert_array_equal(got.table["importance"].to_numpy(), ref.table["importance"].to_numpy())
        assert got.outcome == m["overall"]
    # default columns: every numeric column except y and the weights
    got = ss.drivers.importance(di.drop(columns=[m["respondent_id"], m["branch"]]), m["overall"], weights=m["weight"])
    assert list(got.table.index) == cols
    # from a Moments state with int labels, and from a correlation matrix with int labels
    mo = ss.Moments(di[[*cols, m["overall"]]])
    a = ss.drivers.importance(mo, m["overall"])
    assert list(a.table.index) == cols
    np.testing.assert_allclose(
        a.table["importance"].to_numpy(),
        ss.drivers.importance(d[[*ATTRS, "overall"]].dropna(), "overall").table["importance"].to_numpy(),
        rtol=1e-12,
    )
    cm = mo.corr()
    b = ss.drivers.importance(cm, m["overall"], matrix=True)
    np.testing.assert_allclose(b.table["importance"].to_numpy(), a.table["importance"].to_numpy(), rtol=1e-12)
    pr = ss.drivers.penalty_reward(di, m["overall"], columns=cols, weights=m["weight"])
    pr_ref = ss.drivers.penalty_reward(d, "overall", columns=ATTRS, weights="weight")
    np.testing.assert_array_equal(pr.table["penalty"].to_numpy(), pr_ref.table["penalty"].to_numpy())
    assert list(pr.table.index) == cols
    for imp in ("correlation", "lmg"):
        g = ss.ipa(di, imp, y=m["overall"], columns=cols, weights=m["weight"])
        r = ss.ipa(d, imp, y="overall", columns=ATTRS, weights="weight")
        assert list(g.table.index) == cols
        np.testing.assert_array_equal(g.table["importance"].to_numpy(), r.table["importance"].to_numpy())
        assert g.table["quadrant"].tolist() == r.table["quadrant"].tolist()
    # stated importance keyed by the same int labels, in another order
    perf = pd.Series([3.0, 4.0, 2.0], index=[10, 11, 12])
    s = ss.ipa(perf, {12: 0.5, 10: 0.2, 11: 0.1})
    assert list(s.table.index) == [10, 11, 12]
    assert s.table.loc[12, "quadrant"] == "concentrate_here"


def test_nps_family_on_integer_labels() -> None:
    t = DATA.transactions.assign(w=np.tile([1.0, 0.5, 2.0, 0.0], len(DATA.transactions) // 4))
    ti, m = relabel(t)
    for fn, col in ((ss.nps, "nps"), (ss.csat, "csat"), (ss.ces, "ces")):
        got = fn(ti, column=m[col], by=m["branch"])
        ref = fn(t, column=col, by="branch")
        np.testing.assert_array_equal(got.table.to_numpy(dtype=float), ref.table.to_numpy(dtype=float))
        assert got.table.index.name == m["branch"] and list(got.table.index) == list(ref.table.index)
    # nps(column=0): the first column of pd.DataFrame(array)
    scores = t["nps"].to_numpy()
    r0 = ss.nps(pd.DataFrame(scores), column=0)
    assert r0.nps == ss.nps(scores).nps
    # several by columns and a weight column, all int labelled
    got = ss.nps(ti, column=m["nps"], by=[m["branch"], m["channel"]], weights=m["w"])
    ref = ss.nps(t, column="nps", by=["branch", "channel"], weights="w")
    np.testing.assert_array_equal(got.table["nps"].to_numpy(), ref.table["nps"].to_numpy())
    acc = ss.ResponseAccumulator("nps", column=m["nps"]).update(ti, by=m["branch"])
    np.testing.assert_array_equal(acc.result().table["nps"].to_numpy(), ss.nps(t, by="branch").table["nps"].to_numpy())


def test_kano_on_integer_and_mixed_labels() -> None:
    k = DATA.kano
    f = k.filter(like="_f").fillna(0).astype(np.int8)
    dys = k.filter(like="_d").fillna(0).astype(np.int8)
    got = ss.kano.classify(pd.DataFrame(f.to_numpy()), pd.DataFrame(dys.to_numpy()))
    ref = ss.kano.classify(f, dys.set_axis(f.columns, axis=1))
    assert list(got.columns) == list(range(f.shape[1]))
    pd.testing.assert_frame_equal(got.set_axis(ref.columns, axis=1), ref)
    # the segment column labelled by an int, the rest named as the layout needs
    mixed = k.rename(columns={"segment": 7})
    a = ss.kano.analyze(mixed, by=7)
    b = ss.kano.analyze(k, by="segment")
    np.testing.assert_array_equal(a.table[["A", "O", "M", "I"]].to_numpy(), b.table[["A", "O", "M", "I"]].to_numpy())
    acc = ss.kano.Accumulator(by=7).update(mixed)
    assert acc.result().table[["A", "O", "M", "I"]].equals(a.table[["A", "O", "M", "I"]])


def test_encounters_on_integer_labels() -> None:
    e = DATA.encounters
    names = [i.name for i in ss.EncounterConfig().indicators]
    ei, m = relabel(e, names)  # pd.DataFrame(array)-like: indicators at 0..15, in configuration order
    got = ss.score_encounters(ei)
    ref = ss.score_encounters(e)
    for c in ("procedural", "personal", "quality_gap"):
        np.testing.assert_array_equal(got[c].to_numpy(), ref[c].to_numpy())
    assert got["quadrant"].tolist() == ref["quadrant"].tolist()
    assert ss.score_encounters(pd.DataFrame(e[names].to_numpy()))["procedural"].equals(ref["procedural"])
    s = ss.summarize_encounters(got, by=m["branch"])
    r = ss.summarize_encounters(ref, by="branch")
    np.testing.assert_array_equal(s.table.to_numpy(dtype=float), r.table.to_numpy(dtype=float))
    assert s.table.index.name == m["branch"]
    np.testing.assert_array_equal(s.top_pullers["count"].to_numpy(), r.top_pullers["count"].to_numpy())


def test_pls_on_integer_labels() -> None:
    s = DATA.index_survey
    ind = [c for b in ECSI_BLOCKS.values() for c in b]
    si, m = relabel(s, ind)
    blocks = {lv: [m[c] for c in cols] for lv, cols in ECSI_BLOCKS.items()}
    got = ss.PathModel(blocks, ECSI_PATHS).fit(si)
    ref = ss.PathModel(ECSI_BLOCKS, ECSI_PATHS).fit(s)
    np.testing.assert_array_equal(got.outer["loading"].to_numpy(), ref.outer["loading"].to_numpy())
    np.testing.assert_array_equal(got.inner["estimate"].to_numpy(), ref.inner["estimate"].to_numpy())


def test_servqual_on_integer_labels() -> None:
    q = DATA.servqual
    e, p = q.filter(regex="^e_"), q.filter(regex="^p_")
    got = ss.servqual(pd.DataFrame(e.to_numpy()), pd.DataFrame(p.to_numpy()))
    ref = ss.servqual(e, p)
    assert got.servqual == ref.servqual
    # labels that print as the item names (ints 1..22 for items "q1".."q22" do not; items named "1".."22" do)
    dims = {str(i + 1): ss.servqual_form(1991).items[i].dimension for i in range(22)}
    a = ss.servqual(e.set_axis(range(1, 23), axis=1), p.set_axis(range(1, 23), axis=1), dimensions=dims)
    b = ss.servqual(e.set_axis(list(dims), axis=1), p.set_axis(list(dims), axis=1), dimensions=dims)
    assert a.servqual == b.servqual
    z = ss.zone_of_tolerance(*(pd.DataFrame(q.filter(regex=f"^{x}_").to_numpy()) for x in ("a", "d", "z")))
    zr = ss.zone_of_tolerance(q.filter(regex="^a_"), q.filter(regex="^d_"), q.filter(regex="^z_"))
    assert same(plain(z.to_frame()), plain(zr.to_frame()))


def test_standards_on_integer_labels() -> None:
    v = DATA.visits
    vi = v.rename(columns={"branch": 1, "week": (2, "w")})
    a = ss.standards.compliance(vi, by=1, period=(2, "w"))
    b = ss.standards.compliance(v, by="branch", period="week")
    np.testing.assert_array_equal(a.table["n_met"].to_numpy(), b.table["n_met"].to_numpy())
    assert a.table.index.names == [1, "standard"]
    t = ss.standards.time_elements(vi, by=1)
    tr = ss.standards.time_elements(v, by="branch")
    np.testing.assert_array_equal(t.table["attainment"].to_numpy(), tr.table["attainment"].to_numpy())
    # a standard reading a field whose column is labelled by an int
    std = [{"id": "quick", "met": {"field": "7", "op": "<=", "value": 5}}]
    codes = ss.standards.check_standards(pd.DataFrame({7: [2.0, 9.0, None]}), standards=std)
    assert codes["quick"].tolist() == [1, 0, -2]
    mo = DATA.moments
    mi, mm = relabel(mo)
    got = ss.standards.moments(mi, visit=mm["visit_id"], moment=mm["moment"], order=mm["order"], score=mm["score"])
    ref = ss.standards.moments(mo)
    np.testing.assert_array_equal(got.visits["peak_end"].to_numpy(), ref.visits["peak_end"].to_numpy())


def test_lifecycle_loyalty_needs_on_integer_labels() -> None:
    j = DATA.journey
    names = [t.name for t in ss.lifecycle.LifecycleConfig().touchpoints]
    ji, m = relabel(j, names)
    got = ss.lifecycle.stages(ji, by=m["wave"])
    ref = ss.lifecycle.stages(j, by="wave")
    np.testing.assert_array_equal(got.table["index"].to_numpy(), ref.table["index"].to_numpy())
    assert got.table["quadrant"].tolist() == ref.table["quadrant"].tolist()
    lo = DATA.loyalty
    li, lm = relabel(lo)
    a = ss.loyalty.segment(
        lm["satisfaction"], lm["loyalty"], data=li, nps=lm["nps"], complained=lm["complained"], by=lm["market"]
    )
    b = ss.loyalty.segment("satisfaction", "loyalty", data=lo, nps="nps", complained="complained", by="market")
    assert a.table.to_numpy().tolist() == b.table.to_numpy().tolist()
    c = ss.loyalty.curve(lm["satisfaction"], lm["loyalty"], data=li, by=lm["market"])
    assert (
        c.zones["zone"].tolist()
        == ss.loyalty.curve("satisfaction", "loyalty", data=lo, by="market").zones["zone"].tolist()
    )
    rules = [{"id": "wait", "when": {"field": "3", "op": ">", "value": 5}, "needs": ["timely_service"]}]
    r = ss.needs.evaluate(pd.DataFrame({3: [9.0, 1.0]}), rules=rules)
    assert r.to_frame()["needs"].tolist() == ["timely_service", ""]


# ---------------------------------------------------------------- empty batches


def _empty_like(x: Any) -> Any:
    return x.iloc[:0] if isinstance(x, (pd.DataFrame, pd.Series)) else x[:0]


@pytest.mark.parametrize("form", ["array", "series", "frame", "list"])
def test_response_accumulator_empty_batch_is_a_no_op(form: str) -> None:
    t = DATA.transactions
    full = {"array": t["nps"].to_numpy(), "series": t["nps"], "frame": t, "list": t["nps"].tolist()}[form]
    empty = _empty_like(full) if form != "list" else []
    by = {"by": "branch"} if form == "frame" else {}
    one = ss.ResponseAccumulator("nps").update(full, **by)
    two = ss.ResponseAccumulator("nps").update(empty, **by).update(full, **by).update(empty, **by)
    assert two.to_bytes() == one.to_bytes()


@pytest.mark.parametrize("form", ["array", "frame"])
def test_moment_accumulators_empty_batch_is_a_no_op(form: str) -> None:
    d = DATA.driver_survey[ATTRS]
    full = d if form == "frame" else d.to_numpy()
    empty = full[d["wait_time"].to_numpy() > 99] if form == "frame" else full[:0]  # a filter that keeps nothing
    one = ss.AlphaAccumulator().update(full)
    two = ss.AlphaAccumulator().update(empty).update(full).update(empty)
    assert two.to_bytes() == one.to_bytes()
    m = ss.Moments().update(empty).update(full).update(empty)
    assert m.to_bytes() == ss.Moments(full).to_bytes()
    q = d.fillna(3).astype(np.int8)
    assert ss.Moments(q).update(q.iloc[:0]).to_bytes() == ss.Moments(q).to_bytes()


def test_servqual_and_kano_accumulators_empty_batch_is_a_no_op() -> None:
    q = DATA.servqual
    e, p = q.filter(regex="^e_"), q.filter(regex="^p_")
    one = ss.ServqualAccumulator().update(e, p)
    two = ss.ServqualAccumulator().update(e.iloc[:0], p.iloc[:0]).update(e, p).update(e.iloc[:0], p.iloc[:0])
    assert two.to_bytes() == one.to_bytes()
    a, d, z = (q.filter(regex=f"^{x}_") for x in ("a", "d", "z"))
    zo = ss.ZotAccumulator().update(a, d, z)
    zt = ss.ZotAccumulator().update(a.iloc[:0], d.iloc[:0], z.iloc[:0]).update(a, d, z)
    assert zt.to_bytes() == zo.to_bytes()
    k = DATA.kano
    ko = ss.kano.Accumulator(by="segment").update(k)
    kt = ss.kano.Accumulator(by="segment").update(k[k["segment"] == "nobody"]).update(k).update(k.iloc[:0])
    assert kt == ko
    f = k.filter(like="_f").fillna(0).astype(np.int8).to_numpy()
    dd = k.filter(like="_d").fillna(0).astype(np.int8).to_numpy()
    ka = ss.kano.Accumulator().update(f, dd)
    kb = ss.kano.Accumulator().update(f[:0], dd[:0]).update(f, dd).update(f[:0], dd[:0])
    assert kb == ka
