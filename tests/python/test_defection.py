"""Defection reasons, the impressions balance and referrals (issue 18, items 1-3).

Reference values are hand-computed from the definitions (Pearson's chi-square, Goodman's
simultaneous intervals, Kish's effective n, Wilson and Student-t intervals) or from scipy, and
the source's own figures (the TARP and IBM tables, 12 positive impressions to
repair one negative, 6.41 referrals per customer).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import servscore as ss
from scipy import stats

TARP = ["moved", "competitor_friends", "price", "product_quality", "poor_service"]


def goodman(counts: list[float], level: float = 0.95) -> np.ndarray:
    """Goodman (1965) simultaneous intervals, written from the paper's formula."""
    k = len(counts)
    n = sum(counts)
    a = stats.chi2.ppf(1 - (1 - level) / k, 1)
    out = []
    for c in counts:
        root = math.sqrt(a * (a + 4 * c * (n - c) / n))
        out.append([max(0.0, (a + 2 * c - root) / (2 * (n + a))), min(1.0, (a + 2 * c + root) / (2 * (n + a)))])
    return np.array(out)


def wilson(x: float, n: float, level: float = 0.95) -> tuple[float, float]:
    """Wilson (1927) score interval, written from its formula."""
    z = stats.norm.ppf(0.5 + level / 2)
    p = x / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)


def answers(mix: dict[str, int]) -> list[str]:
    return [r for r, c in mix.items() for _ in range(c)]


# ---- defection ------------------------------------------------------------------------------


def test_the_source_mix_itself_fits_the_tarp_benchmark_exactly() -> None:
    # 100 departures in exactly the course's proportions (3/5/9/14/68, 1 other)
    mix = {"moved": 3, "competitor_friends": 5, "price": 9, "product_quality": 14, "poor_service": 68, "other": 1}
    r = ss.defection.analyze(answers(mix))
    t = r.tests.loc["all"]
    assert t["statistic"] == pytest.approx(0.0, abs=1e-12)
    assert t["p_value"] == pytest.approx(1.0)
    assert t["dof"] == 5
    assert r.table.loc[("all", "poor_service"), "share"] == pytest.approx(0.68)
    assert set(r.table["verdict"].dropna()) == {"consistent"}


def test_chi_square_against_tarp_matches_scipy_and_hand_values() -> None:
    data = ["服务不周"] * 60 + ["价钱过高"] * 15 + ["产品品质不佳"] * 15 + ["搬家"] * 10
    r = ss.defection.analyze(data)
    # categories: moved, competitor_friends, price, product_quality, poor_service, other (remainder 1%)
    obs = [10, 0, 15, 15, 60, 0]
    exp = [3, 5, 9, 14, 68, 1]
    hand = sum((o - e) ** 2 / e for o, e in zip(obs, exp))
    assert hand == pytest.approx(49 / 3 + 5 + 4 + 1 / 14 + 64 / 68 + 1)
    ref = stats.chisquare(obs, exp)
    t = r.tests.loc["all"]
    assert t["statistic"] == pytest.approx(hand, rel=1e-12)
    assert t["p_value"] == pytest.approx(ref.pvalue, rel=1e-10)
    assert t["min_expected"] == pytest.approx(1.0)
    # adjusted standardised residual of 'moved': (10 - 3) / sqrt(3 * 0.97)
    assert r.table.loc[("all", "moved"), "residual"] == pytest.approx(7 / math.sqrt(3 * 0.97), rel=1e-12)
    # Goodman intervals over the 10 reasons of the taxonomy
    counts = [float(r.table.loc[("all", k), "n"]) for k in ss.defection.REASONS]
    ref_ci = goodman(counts)
    np.testing.assert_allclose(r.table["lower"].to_numpy(), ref_ci[:, 0], rtol=1e-12)
    np.testing.assert_allclose(r.table["upper"].to_numpy(), ref_ci[:, 1], rtol=1e-12)
    assert r.table.loc[("all", "moved"), "verdict"] == "above"  # 3% lies below the interval of 10%
    assert r.table.loc[("all", "poor_service"), "verdict"] == "consistent"
    assert r.table.loc[("all", "moved"), "label"] == "moved away"


def test_ibm_benchmark_folds_unlisted_reasons_into_other() -> None:
    mix = {"needs_ignored": 50, "long_dissatisfied": 10, "price": 10, "moved": 5, "poor_service": 25}
    r = ss.defection.analyze(answers(mix), benchmark="ibm2004", lang="zh")
    # IBM lists died, moved, curiosity, price, long_dissatisfied, needs_ignored; other = 9%
    assert r.benchmark is not None and r.benchmark["other"] == pytest.approx(0.09)
    obs = [0, 5, 0, 10, 10, 50, 25]  # poor_service is folded into other
    exp = [1, 3, 4, 9, 10, 64, 9]
    ref = stats.chisquare(obs, exp)
    assert r.tests.loc["all", "statistic"] == pytest.approx(ref.statistic, rel=1e-12)
    assert r.tests.loc["all", "dof"] == 6
    assert r.table.loc[("all", "needs_ignored"), "label"] == "客户需求得不到关注"
    assert pd.isna(r.table.loc[("all", "poor_service"), "benchmark"])


def test_weights_use_kish_effective_n() -> None:
    data = pd.DataFrame({"reason": ["poor_service", "price", "poor_service", "moved"], "w": [1.0, 2.0, 3.0, 2.0]})
    r = ss.defection.analyze(data, weights="w", benchmark={"poor_service": 0.5, "price": 0.3, "moved": 0.2})
    n_eff = 8.0**2 / (1 + 4 + 9 + 4)  # (sum w)^2 / sum w^2 = 64 / 18
    assert r.tests.loc["all", "n_effective"] == pytest.approx(n_eff)
    assert r.table.loc[("all", "poor_service"), "share"] == pytest.approx(0.5)
    assert r.table.loc[("all", "poor_service"), "count"] == pytest.approx(4.0)
    # test on effective counts share x n_eff; 'other' has benchmark share 0 and no answers
    obs = np.array([0.25, 0.25, 0.5]) * n_eff  # moved, price, poor_service (taxonomy order)
    exp = np.array([0.2, 0.3, 0.5]) * n_eff
    assert r.tests.loc["all", "statistic"] == pytest.approx(float(((obs - exp) ** 2 / exp).sum()), rel=1e-12)
    assert r.tests.loc["all", "dof"] == 2


def test_groups_missing_and_unknown_answers() -> None:
    df = pd.DataFrame(
        {
            "why": ["Moved", " poor SERVICE ", None, "太贵", "", "服务差"],
            "wave": ["2024", "2024", "2024", "2025", "2025", "2025"],
        },
        index=[10, 11, 12, 13, 14, 15],
    )
    r = ss.defection.analyze(df, column="why", by="wave")
    assert r.tests.loc["2024", "n_missing"] == 1 and r.tests.loc["2025", "n_missing"] == 1
    assert r.table.loc[("2024", "moved"), "n"] == 1
    assert r.table.loc[("2025", "price"), "share"] == pytest.approx(0.5)
    bad = df.assign(why=["Moved", "the parking", None, "太贵", "", "服务差"])
    with pytest.raises(ss.InputError, match=r"row 11.*'the parking'.*not a defection reason"):
        ss.defection.analyze(bad, column="why")
    r2 = ss.defection.analyze(bad, column="why", unknown="other")
    assert r2.table.loc[("all", "other"), "n"] == 1
    r3 = ss.defection.analyze(bad, column="why", labels={"the parking": "poor_service"})
    assert r3.table.loc[("all", "poor_service"), "n"] == 2


def test_custom_taxonomy_and_config_errors() -> None:
    r = ss.defection.analyze(["a", "b", "b", "other"], reasons=["a", "b", "other"], benchmark={"a": 0.5, "b": 0.5})
    assert r.benchmark == {"a": 0.5, "b": 0.5, "other": 0.0}
    assert r.tests.loc["all", "statistic"] == math.inf  # an answer in a category the benchmark rules out
    with pytest.raises(ss.ConfigError, match="sum to 1.2"):
        ss.defection.analyze(["moved"], benchmark={"moved": 0.6, "price": 0.6})
    with pytest.raises(ss.ConfigError, match="unknown benchmark 'acsi'"):
        ss.defection.analyze(["moved"], benchmark="acsi")
    with pytest.raises(ss.ConfigError, match="not a reason"):
        ss.defection.analyze(["moved"], labels={"x": "nonsense"})
    with pytest.raises(ss.InputError, match="weights"):
        ss.defection.analyze(["moved", "price"], weights=[1.0, -1.0])
    r = ss.defection.analyze(["moved", "price"], benchmark=None)
    assert "statistic" not in r.tests.columns and "verdict" not in r.table.columns
    assert "moved away" in str(r.summary())


# ---- impressions ----------------------------------------------------------------------------


def test_twelve_positive_impressions_repair_one_negative() -> None:
    moments = pd.DataFrame({"customer": ["a"] * 13 + ["b"] * 3, "rating": [1] + [5] * 12 + [5, 1, 5]})
    r = ss.impressions.ledger(moments)
    c = r.customers
    assert c.loc["a", "balance"] == 0.0 and not c.loc["a", "in_deficit"]
    assert c.loc["a", "lowest_balance"] == -12.0
    assert c.loc["b", "balance"] == 1 + 1 - 12
    assert c.loc["b", "repairs_needed"] == 10.0
    assert r.moments["running_balance"].tolist()[-3:] == [1.0, -11.0, -10.0]
    t = r.table.loc["all"]
    assert t["customers"] == 2 and t["in_deficit"] == 1 and t["share"] == 0.5
    # Wilson interval of 1/2 at 95%
    lo, hi = wilson(1, 2)
    assert t["lower"] == pytest.approx(lo, rel=1e-10) and t["upper"] == pytest.approx(hi, rel=1e-10)
    assert t["negative_rate"] == pytest.approx(2 / 16)
    assert t["repairs_needed"] == 10.0


def test_time_order_neutral_missing_and_overrides() -> None:
    df = pd.DataFrame(
        {
            "cust": ["x", "y", "x", "x", "y"],
            "score": [5.0, 3.0, 1.0, np.nan, 2.0],
            "t": pd.to_datetime(["2024-01-03", "2024-01-01", "2024-01-01", "2024-01-02", "2024-01-02"]),
        },
        index=list("abcde"),
    )
    r = ss.impressions.ledger(df, customer="cust", rating="score", time="t", repair_ratio=2)
    # x in time order: 1 (negative, -2), NaN (missing), 5 (positive, -1)
    assert r.moments.loc["c", "running_balance"] == -2.0
    assert r.moments.loc["d", "running_balance"] == -2.0
    assert r.moments.loc["a", "running_balance"] == -1.0
    assert math.isnan(r.moments.loc["d", "valence"])
    assert r.customers.loc["x", "missing"] == 1
    assert r.customers.loc["y", "neutral"] == 1 and r.customers.loc["y", "balance"] == -2.0
    assert r.config["repair_ratio"] == 2.0


def test_impressions_groups_and_errors() -> None:
    df = pd.DataFrame(
        {"customer": [1, 1, 2, 3], "rating": [5, 1, 5, np.nan], "segment": ["new", "new", "old", "old"]},
        index=[100, 101, 102, 103],
    )
    r = ss.impressions.ledger(df, by="segment")
    assert r.table.loc["new", "in_deficit"] == 1 and r.table.loc["old", "customers"] == 1
    assert r.table.loc["old", "unrated"] == 1
    assert pd.isna(r.customers.loc[3, "in_deficit"])
    with pytest.raises(ss.InputError, match=r"row 101.*value 9 is outside the scale"):
        ss.impressions.ledger(df.assign(rating=[5, 9, 5, 1]))
    with pytest.raises(ss.InputError, match="more than one value"):
        ss.impressions.ledger(df.assign(segment=["new", "old", "old", "old"]), by="segment")
    with pytest.raises(ss.ConfigError, match="repair_ratio"):
        ss.impressions.ledger(df, repair_ratio=0)
    with pytest.raises(ss.ConfigError, match="unknown key"):
        ss.impressions.ledger(df, ratio=3)
    with pytest.raises(ss.InputError, match="not a column"):
        ss.impressions.ledger(df, rating="stars")


# ---- referrals ------------------------------------------------------------------------------


def test_referrals_reproduce_the_decks_six_point_four_one() -> None:
    x = np.array([6.0] * 59 + [7.0] * 41)  # 641 referrals by 100 customers
    assert x.sum() == 641 and len(x) == 100
    r = ss.loyalty.referrals(x)
    t = r.table.loc["all"]
    assert t["mean"] == pytest.approx(6.41)
    sd = np.std(x, ddof=1)
    half = stats.t.ppf(0.975, 99) * sd / 10
    assert t["sd"] == pytest.approx(sd, rel=1e-12)
    assert t["lower"] == pytest.approx(6.41 - half, rel=1e-12) and t["upper"] == pytest.approx(6.41 + half, rel=1e-12)
    assert t["vs_tell_satisfied"] == pytest.approx(6.41 / 5)


def test_referrals_by_wave_missing_and_errors() -> None:
    df = pd.DataFrame({"ref": [0, 2, 4, None, 1, 0], "wave": ["w1", "w1", "w1", "w2", "w2", "w2"]})
    r = ss.loyalty.referrals("ref", data=df, by="wave", level=0.9)
    w1, w2 = r.table.loc["w1"], r.table.loc["w2"]
    assert w1["mean"] == 2.0 and w1["share_referring"] == pytest.approx(2 / 3)
    assert w2["n"] == 2 and w2["n_missing"] == 1
    lo, hi = wilson(2, 3, level=0.9)
    assert w1["share_lower"] == pytest.approx(lo, rel=1e-10) and w1["share_upper"] == pytest.approx(hi, rel=1e-10)
    assert w1["lower"] == 0.0  # 2 - t(0.95, 2) * 2 / sqrt(3) < 0: clipped at zero
    with pytest.raises(ss.InputError, match="value -1 is not a non-negative finite count"):
        ss.loyalty.referrals([1, -1])
    r2 = ss.loyalty.referrals([3.0])
    assert math.isnan(r2.table.loc["all", "lower"])


def test_the_sample_departures_recover_the_planted_price_problem() -> None:
    data = ss.datasets.sample(seed=2026)
    r = ss.defection.analyze(data.departures, column="reason")
    truth = data.truth  # filled when the table is generated
    assert truth["departures"]["above_tarp"] == ["price"]
    verdicts = r.table.loc["all", "verdict"]
    assert verdicts["price"] == "above"
    assert r.tests.loc["all", "n_missing"] > 0  # the planted skipped answers are counted
    by = ss.defection.analyze(data.departures, column="reason", by="branch", benchmark=None)
    price = by.table.xs("price", level="reason")["share"]
    assert price.idxmax() == truth["departures"]["price_branch"]
    ref = ss.loyalty.referrals("referrals", data=data.departures)
    assert ref.table.loc["all", "n"] == len(data.departures)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_section_names_the_reasons_above_the_benchmark(lang: str) -> None:
    pytest.importorskip("matplotlib")
    from servscore.report_sections import defection as section

    df = pd.DataFrame({"reason": ["价钱过高"] * 40 + ["服务不周"] * 60 + [None] * 3, "referrals": [1] * 103})
    s = section.build({"exits": df}, lang)
    assert s is not None
    text = "\n".join(s.findings)
    assert ("高于基准：价格原因" if lang == "zh" else "above the benchmark: price / cheaper elsewhere") in text
    assert s.warnings == (["3 位顾客未填写离开原因"] if lang == "zh" else ["3 customers gave no reason"])
    assert section.build({"other": pd.DataFrame({"x": [1]})}, lang) is None
