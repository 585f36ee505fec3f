"""Internal customers (issue 18 item 4): who serves whom, internal SERVQUAL and NPS by hand."""

import json
import math

import numpy as np
import pandas as pd
import pytest
import servscore as ss

DIMS = {"reliability": ["r1"], "responsiveness": ["r2"]}
# hr is rated three times (by sales once, by it twice), it twice (by sales and hr)
DATA = pd.DataFrame(
    {
        "supplier": ["it", "it", "hr", "hr", "hr"],
        "receiver": ["sales", "hr", "sales", "it", "it"],
        "e_r1": [6, 7, 5, 6, 7],
        "e_r2": [6, 6, 6, 7, 5],
        "p_r1": [5, 7, 4, 6, 6],
        "p_r2": [6, 5, 5, 6, 5],
        "nps": [9, 10, 3, 7, 8],
    }
)
T95_DF2 = 4.302652729749464  # t quantile 0.975 with 2 df (published tables)


def test_hand_computed_gaps_nps_and_pairs():
    r = ss.internal.score(DATA, dimensions=DIMS)
    t = r.table
    # rater gaps (p - e per dimension, mean over dimensions): it -0.5, -0.5; hr -1, -0.5, -0.5
    assert t.loc["it", "gap"] == -0.5 and t.loc["hr", "gap"] == pytest.approx(-2 / 3)
    sd = np.std([-1, -0.5, -0.5], ddof=1)
    half = T95_DF2 * sd / math.sqrt(3)
    assert t.loc["hr", "gap_lower"] == pytest.approx(-2 / 3 - half, abs=1e-12)
    assert t.loc["hr", "gap_upper"] == pytest.approx(-2 / 3 + half, abs=1e-12)
    assert t.loc["hr", ["n", "n_receivers", "n_used", "n_missing"]].tolist() == [3, 2, 3, 0]
    assert r.overall == pytest.approx((-0.5 - 0.5 - 1 - 0.5 - 0.5) / 5)
    # NPS: hr 3, 7, 8 -> one detractor of three; it 9, 10 -> all promoters
    assert t.loc["hr", "nps"] == pytest.approx(-100 / 3) and t.loc["it", "nps"] == 100.0
    ref = ss.nps(DATA.loc[DATA.supplier == "hr", "nps"].to_numpy())  # the engine, on hr alone
    assert t.loc["hr", "nps_lower"] == pytest.approx(ref.lower) and t.loc["hr", "nps_upper"] == pytest.approx(ref.upper)
    # dimension gaps of hr: reliability (-1 + 0 - 1) / 3, responsiveness (-1 - 1 + 0) / 3
    assert r.dimensions.loc["hr"].tolist() == pytest.approx([-2 / 3, -2 / 3])
    assert r.dimensions.loc["it", "reliability"] == -0.5
    # who serves whom
    p = r.pairs
    assert p.loc[("hr", "it"), ["n", "gap", "nps"]].tolist() == [2, -0.5, 0.0]
    assert p.loc[("hr", "sales"), ["gap", "nps"]].tolist() == [-1.0, -100.0]
    m = r.matrix
    assert m.loc["hr", "sales"] == -1.0 and math.isnan(m.loc["hr", "hr"])
    assert r.weakest == "hr"
    assert set(r.servqual) == {"hr", "it"} and r.servqual["hr"].servqual == pytest.approx(-2 / 3)


def test_signal_needs_min_n_and_an_interval_off_the_whole():
    rng = np.random.default_rng(3)
    rows = []
    for dept, shift in (("finance", 0.0), ("it", 0.0), ("hr", -2.0)):
        for i in range(12):
            e = rng.integers(5, 8, size=2)
            p = np.clip(e + rng.integers(-1, 2, size=2) + int(shift), 1, 7)
            rows.append(
                {
                    "supplier": dept,
                    "receiver": "sales" if i % 2 else "ops",
                    "e_r1": e[0],
                    "e_r2": e[1],
                    "p_r1": p[0],
                    "p_r2": p[1],
                    "nps": 8,
                }
            )
    df = pd.DataFrame(rows)
    r = ss.internal.score(df, dimensions=DIMS)
    assert r.table.loc["hr", "signal"] == "below"
    # by hand: hr's interval lies under the mean gap of all 36 ratings
    gaps = (df[["p_r1", "p_r2"]].to_numpy() - df[["e_r1", "e_r2"]].to_numpy()).mean(axis=1)
    assert r.overall == pytest.approx(gaps.mean())
    assert r.table.loc["hr", "gap_upper"] < gaps.mean()
    assert (ss.internal.score(df, dimensions=DIMS, min_n=13).table["signal"] == "").all()


def test_servperf_without_expectations_and_missing_answers():
    df = DATA.copy()
    df.loc[4, "p_r2"] = np.nan  # hr's third rater lacks a dimension: no rater score
    r = ss.internal.score(df, dimensions=DIMS, expectations=None, nps=None)
    assert r.kind == "servperf" and "nps" not in r.table.columns
    assert r.table.loc["it", "perception"] == pytest.approx((5.5 + 6.0) / 2)
    assert r.table.loc["hr", ["n", "n_used", "n_missing"]].tolist() == [3, 2, 1]
    assert r.table.loc["hr", "perception"] == pytest.approx((4.5 + 6.0) / 2)


def test_bad_input():
    with pytest.raises(ss.InputError, match=r"row 1: department 'it' rates itself"):
        ss.internal.score(DATA.assign(receiver=["sales", "it", "sales", "it", "it"]), dimensions=DIMS)
    with pytest.raises(ss.InputError, match=r"supplier: column 'supplier', row 2: missing"):
        ss.internal.score(DATA.assign(supplier=["it", "it", None, "hr", "hr"]), dimensions=DIMS)
    with pytest.raises(ss.InputError, match=r"supplier: no column 'dept'"):
        ss.internal.score(DATA, supplier="dept", dimensions=DIMS)
    with pytest.raises(ss.InputError, match=r"nps: no column 'recommend'"):
        ss.internal.score(DATA, nps="recommend", dimensions=DIMS)
    with pytest.raises(ss.InputError, match=r"expectations: 1 columns but perceptions 2"):
        ss.internal.score(DATA, expectations=["e_r1"], dimensions=DIMS)
    with pytest.raises(ss.InputError, match=r"row 4, column 'r1': value 9 is outside the scale"):
        ss.internal.score(DATA.assign(p_r1=[5, 7, 4, 6, 9]), dimensions=DIMS)  # the SERVQUAL engine's check
    with pytest.raises(ss.InputError, match=r"value 11"):
        ss.internal.score(DATA.assign(nps=[9, 10, 3, 7, 11]), dimensions=DIMS)  # the NPS engine's check
    with pytest.raises(ss.ConfigError, match="min_n"):
        ss.internal.score(DATA, dimensions=DIMS, min_n=0)


def test_zh_output_and_the_result_protocol():
    r = ss.internal.score(DATA, dimensions=DIMS, lang="zh")
    text = str(r.summary())
    assert "提供服务的部门" in text and "内部净推荐值" in text
    json.dumps(r.to_dict())
    assert r.to_frame() is r.table
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    assert r.plot() is not None and r.plot(what="nps") is not None
