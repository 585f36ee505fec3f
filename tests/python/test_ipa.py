"""One IPA (issue 13): drivers' ``ss.ipa`` and the lifecycle stage quadrants share one C++ rule
(names, tie rule), and ``importance="correlation"`` uses the ``weights`` like performance does."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import servscore as ss
from servscore.drivers import IPA_QUADRANTS

DATA = ss.datasets.sample(seed=5, n_driver_survey=600, n_journey=600)
ATTRS = [c for c in DATA.driver_survey.columns if c not in ("respondent_id", "branch", "weight", "overall")]


def weighted_r(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    """Weighted Pearson r over the rows where x and y are present and w > 0 (written here, not the
    library's): sum w (x - mx)(y - my) / sqrt(sum w (x - mx)^2 sum w (y - my)^2), weighted means."""
    ok = ~np.isnan(x) & ~np.isnan(y) & (w > 0)
    x, y, w = x[ok], y[ok], w[ok]
    mx, my = np.sum(w * x) / np.sum(w), np.sum(w * y) / np.sum(w)
    dx, dy = x - mx, y - my
    return float(np.sum(w * dx * dy) / np.sqrt(np.sum(w * dx * dx) * np.sum(w * dy * dy)))


def test_weighted_correlation_importance_matches_a_numpy_reference() -> None:
    d = DATA.driver_survey.copy()
    rng = np.random.default_rng(1)
    d["w"] = rng.choice([0.0, 0.25, 1.0, 4.0], size=len(d))  # strongly unequal, some zero
    r = ss.ipa(d, "correlation", y="overall", columns=ATTRS, weights="w")
    y = d["overall"].to_numpy(dtype=float)
    w = d["w"].to_numpy()
    ref = np.array([weighted_r(d[c].to_numpy(dtype=float), y, w) for c in ATTRS])
    np.testing.assert_allclose(r.table["importance"].to_numpy(), ref, rtol=1e-12, atol=1e-14)
    assert r.importance_source == "correlation"
    # the weights matter: the unweighted r differ
    unweighted = ss.ipa(d, "correlation", y="overall", columns=ATTRS)
    ones = np.ones(len(d))
    ref1 = np.array([weighted_r(d[c].to_numpy(dtype=float), y, ones) for c in ATTRS])
    np.testing.assert_allclose(unweighted.table["importance"].to_numpy(), ref1, rtol=1e-12, atol=1e-14)
    assert np.abs(ref - ref1).max() > 1e-3
    # performance uses the same weights (weighted mean over each attribute's answered rows)
    for c in ATTRS:
        x = d[c].to_numpy(dtype=float)
        ok = ~np.isnan(x) & (w > 0)
        assert r.table.loc[c, "performance"] == pytest.approx(np.sum(w[ok] * x[ok]) / np.sum(w[ok]), rel=1e-12)
    # weights as an array give the same
    ra = ss.ipa(d, "correlation", y="overall", columns=ATTRS, weights=w)
    np.testing.assert_array_equal(ra.table["importance"].to_numpy(), r.table["importance"].to_numpy())


def test_integer_weights_equal_replicated_rows() -> None:
    d = DATA.driver_survey[[*ATTRS, "overall"]].iloc[:200].reset_index(drop=True)
    w = np.tile([1, 2, 3, 0], 50)
    weighted = ss.ipa(d, "correlation", y="overall", weights=w)
    replicated = ss.ipa(d.loc[d.index.repeat(w)].reset_index(drop=True), "correlation", y="overall")
    np.testing.assert_allclose(
        weighted.table["importance"].to_numpy(), replicated.table["importance"].to_numpy(), rtol=1e-12
    )
    np.testing.assert_allclose(
        weighted.table["performance"].to_numpy(), replicated.table["performance"].to_numpy(), rtol=1e-12
    )


def test_weighted_correlation_by_hand() -> None:
    # x = [1, 2, 3], y = [1, 3, 2], w = [1, 1, 2]: mx = 9/4, my = 2; sum w dx dy = 1.25 + 0 + 0 = ...
    # dx = [-5/4, -1/4, 3/4], dy = [-1, 1, 0]: sum w dx dy = 5/4 - 1/4 = 1
    # sum w dx^2 = 25/16 + 1/16 + 2 * 9/16 = 44/16; sum w dy^2 = 2: r = 1 / sqrt(44/8) = 0.42640143...
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [3.0, 1.0, 2.0], "y": [1.0, 3.0, 2.0], "w": [1.0, 1.0, 2.0]})
    r = ss.ipa(df, "correlation", y="y", columns=["a", "b"], weights="w")
    assert r.table.loc["a", "importance"] == pytest.approx(1 / np.sqrt(44 / 8), rel=1e-12)
    # b: mb = 2, db = [1, -1, 0]: sum w db dy = -1 - 1 = -2; sum w db^2 = 2: r = -2 / sqrt(2 * 2) = -1
    assert r.table.loc["b", "importance"] == pytest.approx(-1.0, rel=1e-12)


def test_tie_rule_performance_on_cut_high_importance_on_cut_low() -> None:
    # data_mean cuts: performance 3, importance 1 (every importance on its cut)
    r = ss.ipa({"a": 2.0, "b": 3.0, "c": 4.0}, {"a": 1.0, "b": 1.0, "c": 1.0})
    assert r.table["quadrant"].tolist() == ["low_priority", "possible_overkill", "possible_overkill"]
    # importance 0.1 + 0.2 against a cut of 0.3 (one ulp apart) counts as on the cut
    s = ss.ipa({"a": 1.0, "b": 5.0}, {"a": 0.1 + 0.2, "b": 0.5}, crosshair="scale", importance_range=(0.1, 0.5))
    assert s.importance_cut == pytest.approx(0.3)
    assert s.table.loc["a", "quadrant"] == "low_priority"
    assert list(s.table["quadrant"].cat.categories) == list(IPA_QUADRANTS)


def test_lifecycle_quadrants_use_the_ipa_names_and_rule() -> None:
    j = DATA.journey
    names = [t.name for t in ss.lifecycle.LifecycleConfig().touchpoints]
    rng = np.random.default_rng(2)
    stated = {n: float(v) for n, v in zip(names, rng.choice([1.0, 2.0, 3.0], size=len(names)))}
    res = ss.lifecycle.stages(j, importance=stated, by="wave")
    assert set(res.table["quadrant"]) <= {*IPA_QUADRANTS, "none"}
    assert "keep_up" not in set(res.table["quadrant"])
    for g, group in res.table.groupby("group"):
        t = group[group["quadrant"] != "none"]
        journey = float(res.journey.loc[g, "journey"])
        imp_mean = float(t["importance"].mean())  # every stage in use has an index here
        # the same placement through ss.ipa: a scale crosshair centred on the journey index and
        # on the mean stage importance
        r = ss.ipa(
            pd.Series(t["index"].to_numpy(), index=t["stage"]),
            pd.Series(t["importance"].to_numpy(), index=t["stage"]),
            crosshair="scale",
            scale=(journey - 50.0, journey + 50.0),
            importance_range=(imp_mean - 1.0, imp_mean + 1.0),
        )
        assert r.table["quadrant"].astype(str).tolist() == t["quadrant"].tolist(), g
    weak = res.table[res.table["quadrant"] == "concentrate_here"]
    assert weak["weak"].all()  # ipa_rule: concentrate here is weak
    assert res.table[res.table["quadrant"] == "keep_up_good_work"]["strong"].all()


def test_lifecycle_equal_importances_flag_nothing_by_the_ipa_rule() -> None:
    res = ss.lifecycle.stages(DATA.journey)  # default touchpoints: importance 1 each
    used = res.table[res.table["quadrant"] != "none"]
    assert set(used["quadrant"]) <= {"low_priority", "possible_overkill"}
