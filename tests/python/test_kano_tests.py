"""Kano category tests (issue 16 item 5): goodness of fit, the top category against the second,
respondent filters (as stp25kano's rm_Q) and segment differences with intervals. Reference values
from scipy (chi2, chisquare) and statsmodels (Newcombe's difference interval), and by hand."""

import numpy as np
import pandas as pd
import pytest
import servscore as ss
from scipy import stats
from servscore.kano import chi2_sf


@pytest.mark.parametrize("dof", [1, 2, 3, 4, 5, 7])
@pytest.mark.parametrize("x", [0.0, 0.3, 1.0, 3.84, 11.07, 40.0])
def test_chi2_sf_matches_scipy(dof, x):
    assert chi2_sf(x, dof) == pytest.approx(stats.chi2.sf(x, dof), rel=1e-12, abs=1e-300)


def _survey(seed=2, n=240):
    return ss.datasets.sample(seed=seed, n_kano=n).kano


def test_goodness_of_fit_matches_scipy_chisquare():
    r = ss.kano.analyze(_survey())
    g = r.goodness_of_fit()
    t = r.table
    for attr in t.index[:5]:
        counts = t.loc[attr, ["A", "O", "M", "I"]].to_numpy(dtype=float)
        ref = stats.chisquare(counts)
        assert g.loc[attr, "chi2"] == pytest.approx(ref.statistic, rel=1e-12)
        assert g.loc[attr, "p_value"] == pytest.approx(ref.pvalue, rel=1e-10, abs=1e-300)
        assert g.loc[attr, "dof"] == 3
        top2 = np.sort(counts)[::-1][:2]
        ref2 = stats.chisquare(top2)  # the top two against equal shares
        assert g.loc[attr, "top_chi2"] == pytest.approx(ref2.statistic, rel=1e-12)
        assert g.loc[attr, "top_p_value"] == pytest.approx(ref2.pvalue, rel=1e-10, abs=1e-300)
        assert g.loc[attr, "top"] == ["A", "O", "M", "I"][int(np.argmax(counts))]
    assert g["fong_significant"].equals(
        pd.Series(t["fong_significant"].to_numpy(), index=t.index, name="fong_significant")
    )
    six = r.goodness_of_fit(categories=list("AOMIRQ"))
    assert (six["dof"] == 5).all()
    with pytest.raises(ss.ConfigError, match="categories"):
        r.goodness_of_fit(categories=["A", "X"])


def test_goodness_of_fit_hand_values():
    # 30 A, 10 O, 10 M, 10 I: expected 15 each; chi2 = (225 + 3 * 25) / 15 = 20; top two 30 vs 10: 400 / 40 = 10
    f = [1] * 30 + [1] * 10 + [2] * 10 + [3] * 10
    d = [3] * 30 + [5] * 10 + [5] * 10 + [3] * 10
    cats = ss.kano.classify(f, d)
    vc = pd.Series(cats).value_counts()
    assert vc.to_dict() == {"attractive": 30, "one_dimensional": 10, "must_be": 10, "indifferent": 10} | {
        k: 0 for k in vc.index if k not in ("attractive", "one_dimensional", "must_be", "indifferent")
    }
    r = ss.kano.analyze(pd.DataFrame({"x_f": f, "x_d": d}))
    g = r.goodness_of_fit().iloc[0]
    assert g["chi2"] == pytest.approx(20.0, rel=1e-14) and g["top_chi2"] == pytest.approx(10.0, rel=1e-14)
    assert g["top"] == "A" and g["second"] in ("O", "M", "I")


def test_filter_respondents_as_rm_q():
    # respondent 0: 2 of 3 pairs Q (1/1 and 5/5 are Q in the CQM table); respondent 1: 3 of 3 I; respondent 2: clean
    data = pd.DataFrame(
        {
            "a_f": [1, 3, 1],
            "a_d": [1, 3, 5],
            "b_f": [5, 3, 2],
            "b_d": [5, 3, 5],
            "c_f": [1, 3, 1],
            "c_d": [5, 3, 4],
        },
        index=["r0", "r1", "r2"],
    )
    kept, report = ss.kano.filter_respondents(data, max_q_share=0.5)
    assert list(kept.index) == ["r1", "r2"]
    assert report.loc["r0", "n_q"] == 2 and report.loc["r0", "q_share"] == pytest.approx(2 / 3)
    assert report.loc["r0", "removed"] == "Q"
    kept, report = ss.kano.filter_respondents(data, max_q_share=0.5, max_i_share=0.5)
    assert list(kept.index) == ["r2"] and report.loc["r1", "removed"] == "I"
    kept, _ = ss.kano.filter_respondents(data, max_q_share=1.0)
    assert len(kept) == 3
    with pytest.raises(ss.ConfigError, match="max_q_share"):
        ss.kano.filter_respondents(data, max_q_share=1.5)
    with pytest.raises(ss.ConfigError, match="give max_q_share"):
        ss.kano.filter_respondents(data)


def test_segment_differences_with_newcombe_intervals():
    sm = pytest.importorskip("statsmodels.stats.proportion")
    r = ss.kano.analyze(_survey(n=400), by="segment")
    groups = list(dict.fromkeys(r.table.index.get_level_values("group")))
    a, b = groups[:2]
    cmp = r.compare(a, b)
    ta, tb = r.table.xs(a, level="group"), r.table.xs(b, level="group")
    for attr in cmp.index[:4]:
        na, nb = ta.loc[attr, ["A", "O", "M", "I"]].sum(), tb.loc[attr, ["A", "O", "M", "I"]].sum()
        xa, xb = ta.loc[attr, ["A", "O"]].sum(), tb.loc[attr, ["A", "O"]].sum()
        lo, hi = sm.confint_proportions_2indep(xa, na, xb, nb, method="newcomb", compare="diff", alpha=0.05)
        assert cmp.loc[attr, "better_diff"] == pytest.approx(xa / na - xb / nb, rel=1e-12)
        assert cmp.loc[attr, "better_diff_lower"] == pytest.approx(lo, rel=1e-9)
        assert cmp.loc[attr, "better_diff_upper"] == pytest.approx(hi, rel=1e-9)
        assert cmp.loc[attr, "better_diff"] == pytest.approx(ta.loc[attr, "better"] - tb.loc[attr, "better"], abs=1e-12)
        ya, yb = ta.loc[attr, ["O", "M"]].sum(), tb.loc[attr, ["O", "M"]].sum()
        lo, hi = sm.confint_proportions_2indep(ya, na, yb, nb, method="newcomb", compare="diff", alpha=0.05)
        assert cmp.loc[attr, "worse_diff"] == pytest.approx(ta.loc[attr, "worse"] - tb.loc[attr, "worse"], abs=1e-12)
        assert cmp.loc[attr, "worse_diff_lower"] == pytest.approx(-hi, rel=1e-9)
        assert cmp.loc[attr, "worse_diff_upper"] == pytest.approx(-lo, rel=1e-9)
