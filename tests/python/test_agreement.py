"""Agreement between raters (ss.icc, ss.kappa, ss.fleiss_kappa, ss.krippendorff_alpha).

Reference values: R psych 2.2.9 and irr 0.84.1 on their own example data, stored with the script
that made them in tests/data/agreement_reference.{R,json}; Krippendorff (2011)'s worked example;
numpy references written from the definitions. Tolerance 1e-10 for the closed forms."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import servscore as ss
from servscore.agreement import FleissAccumulator, IccAccumulator, KappaAccumulator, KrippendorffAccumulator

REF = json.loads((Path(__file__).resolve().parents[1] / "data" / "agreement_reference.json").read_text())
DATA = REF["data"]
TOL = 1e-10
SF = np.array(DATA["shrout_fleiss"], dtype=float)
ANX = np.array(DATA["anxiety"], dtype=float)
DIAG = np.array(DATA["diagnoses"], dtype=object)
NMM = np.array([[np.nan if v in (None, "NA") else v for v in row] for row in DATA["krippendorff_2011"]], dtype=float)


def close(a, b, tol=TOL):
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=0, atol=tol)


# ------------------------------------------------------------------------------- ICC


@pytest.mark.parametrize(
    ("key", "data", "level"),
    [
        ("icc_shrout_fleiss", "shrout_fleiss", 0.95),
        ("icc_shrout_fleiss_90", "shrout_fleiss", 0.90),
        ("icc_anxiety", "anxiety", 0.95),
        ("icc_video", "video", 0.95),
    ],
)
def test_icc_reproduces_psych(key, data, level):
    ref = REF[key]
    r = ss.icc(np.array(DATA[data], dtype=float), level=level)
    t = r.table
    assert list(t.index) == ref["type"]
    for col, rcol in [("icc", "icc"), ("F", "F"), ("df1", "df1"), ("df2", "df2"), ("p", "p")]:
        close(t[col], ref[rcol])
    close(t["lower"], ref["lower"])
    close(t["upper"], ref["upper"])
    close([r.ms_subjects, r.ms_raters, r.ms_error], ref["MS"])
    close(r.ms_within, ref["MSW"])
    assert (r.n, r.k, r.n_missing) == (ref["n"], ref["k"], 0)


def test_icc_reproduces_irr_icc():
    r = ss.icc(ANX).table
    ii = REF["irr_icc_anxiety"]
    pairs = {
        "oneway_consistency_single": "ICC1",
        "oneway_consistency_average": "ICC1k",
        "twoway_consistency_single": "ICC3",
        "twoway_consistency_average": "ICC3k",
        "twoway_agreement_single": "ICC2",
        "twoway_agreement_average": "ICC2k",
    }
    for k, form in pairs.items():
        close(r.loc[form, "icc"], ii[k]["value"])
        if "agreement" not in k:  # irr's agreement F test and interval use other Satterthwaite df than psych's
            close(r.loc[form, "lower"], ii[k]["lower"])
            close(r.loc[form, "upper"], ii[k]["upper"])
            close(r.loc[form, "F"], ii[k]["F"])
            close(r.loc[form, "p"], ii[k]["p"])


def test_icc_numpy_reference_of_the_mean_squares():
    rng = np.random.default_rng(5)
    x = rng.normal(3, 1, (40, 5)) + rng.normal(0, 1, (40, 1))
    n, k = x.shape
    g = x.mean()
    ssb = k * ((x.mean(1) - g) ** 2).sum()
    ssj = n * ((x.mean(0) - g) ** 2).sum()
    sse = ((x - x.mean(1, keepdims=True) - x.mean(0) + g) ** 2).sum()
    msb, msj, mse = ssb / (n - 1), ssj / (k - 1), sse / ((n - 1) * (k - 1))
    r = ss.icc(x)
    close([r.ms_subjects, r.ms_raters, r.ms_error], [msb, msj, mse], 1e-12)
    close(r["ICC2"], (msb - mse) / (msb + (k - 1) * mse + k * (msj - mse) / n), 1e-12)


def test_icc_long_wide_frames_and_missing():
    wide = pd.DataFrame(SF, columns=["j1", "j2", "j3", "j4"], index=[f"s{i}" for i in range(6)])
    long = wide.rename_axis("shop").reset_index().melt(id_vars="shop", var_name="auditor", value_name="score")
    a = ss.icc(wide)
    b = ss.icc(long.sample(frac=1, random_state=1), subject="shop", rater="auditor", rating="score")
    close(a.table.to_numpy(), b.table.to_numpy(), 1e-12)
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    close(ss.icc(pl.from_pandas(wide)).table.to_numpy(), a.table.to_numpy(), 1e-13)
    close(ss.icc(pa.Table.from_pandas(wide, preserve_index=False)).table.to_numpy(), a.table.to_numpy(), 1e-13)
    # a subject with a missing rating is left out and counted (psych: ICC(na.omit(x), lmer = FALSE))
    extra = pd.concat([wide, pd.DataFrame([[1, np.nan, 3, 4]], columns=wide.columns, index=["s6"])])
    m = ss.icc(extra)
    assert (m.n, m.n_missing) == (6, 1)
    close(m.table["icc"], REF["icc_shrout_fleiss"]["icc"])
    # long data with a missing cell (a rater who did not see a subject) is the same
    m2 = ss.icc(long.iloc[1:], subject="shop", rater="auditor", rating="score")
    assert (m2.n, m2.n_missing) == (5, 1)


def test_icc_errors():
    bad = pd.DataFrame({"a": [1, 2, 3], "b": [1, "x", 3]}, index=[10, 11, 12])
    with pytest.raises(ss.InputError, match=r"column 'b', row 11: value 'x' is not a number"):
        ss.icc(bad)
    with pytest.raises(ss.InputError, match="at least 2 raters"):
        ss.icc(np.ones((5, 1)))
    with pytest.raises(ss.InputError, match="at least 2"):
        ss.icc(np.array([[1.0, 2.0], [np.nan, 1.0]]))
    with pytest.raises(ss.InputError, match="not finite"):
        ss.icc(np.array([[1.0, np.inf], [2.0, 1.0]]))
    long = pd.DataFrame({"s": [1, 1, 2, 2, 1], "r": ["a", "b", "a", "b", "a"], "y": [1, 2, 3, 4, 5]})
    with pytest.raises(ss.InputError, match="subject 1 is rated twice by rater 'a'"):
        ss.icc(long, subject="s", rater="r", rating="y")
    with pytest.raises(ss.ConfigError, match="all three"):
        ss.icc(long, subject="s")
    with pytest.raises(ss.ConfigError, match="level"):
        ss.icc(SF, level=1.5)
    with pytest.raises(ss.ConfigError, match="missing"):
        ss.icc(SF, missing="pairwise")


def test_icc_accumulator():
    whole = IccAccumulator().update(ANX)
    parts = [IccAccumulator().update(ANX[i : i + 7]) for i in range(0, 20, 7)] + [IccAccumulator().update(ANX[:0])]
    merged = sum(parts)
    close(merged.result().table.to_numpy(), whole.result().table.to_numpy(), 1e-12)
    back = IccAccumulator.from_bytes(merged.to_bytes())
    assert back.result() == merged.result()
    assert pickle.loads(pickle.dumps(merged)).result() == merged.result()
    assert ss.icc(merged) == merged.result()
    with pytest.raises(ss.InputError, match="rater columns"):
        IccAccumulator().update(SF).merge(IccAccumulator().update(ANX))
    with pytest.raises(ss.InputError, match="cannot merge"):
        IccAccumulator().merge(KappaAccumulator())
    with pytest.raises(ss.InputError, match="bad header"):
        IccAccumulator.from_bytes(b"SSKAPPA1" + b"\0" * 20)
    b = merged.to_bytes()
    with pytest.raises(ss.InputError, match="truncated"):
        IccAccumulator.from_bytes(b[:-1])
    with pytest.raises(ss.ConfigError, match="weights"):
        IccAccumulator().update(ANX, weights=np.ones(20))


# ----------------------------------------------------------------------------- kappa


@pytest.mark.parametrize(
    ("key", "weighting"), [("psych_kappa_anxiety_quadratic", "quadratic"), ("psych_kappa_anxiety_linear", "linear")]
)
def test_kappa_reproduces_psych(key, weighting):
    ref = REF[key]
    u = ss.kappa(ANX[:, :2], variance="psych")
    w = ss.kappa(ANX[:, :2], weighting=weighting, variance="psych")
    close(u.kappa, ref["kappa"])
    close(u.se**2, ref["var_kappa"])
    close(w.kappa, ref["weighted_kappa"])
    close(w.se**2, ref["var_weighted"])
    close([u.lower, u.kappa, u.upper], ref["confid"][0])
    close([w.lower, w.kappa, w.upper], ref["confid"][1])  # psych clips to +-1 as well
    assert w.n == ref["n"]


def test_kappa_psych_table_and_strings():
    ref = REF["psych_kappa_cohen_table"]
    u = ss.agreement.kappa_from_table(np.array(ref["table"]), n=200, variance="psych")
    q = ss.agreement.kappa_from_table(np.array(ref["table"]), n=200, weighting="quadratic", variance="psych")
    close([u.lower, u.kappa, u.upper], ref["confid"][0])
    close([q.lower, q.kappa, q.upper], ref["confid"][1])
    d = REF["psych_kappa_diagnoses"]
    r = ss.kappa(pd.DataFrame(DIAG[:, :2], columns=["a", "b"]))
    close(r.kappa, d["kappa"])
    close(r.se**2, d["var_kappa"])


@pytest.mark.parametrize(
    ("key", "weighting", "data"),
    [
        ("irr_kappa2_diagnoses", "unweighted", "diag"),
        ("irr_kappa2_anxiety", "unweighted", "anx"),
        ("irr_kappa2_anxiety_equal", "linear", "anx"),
        ("irr_kappa2_anxiety_squared", "quadratic", "anx"),
    ],
)
def test_kappa_reproduces_irr_kappa2(key, weighting, data):
    ref = REF[key]
    x = DIAG[:, :2] if data == "diag" else ANX[:, :2]
    r = ss.kappa(x, weighting=weighting)
    close(r.kappa, ref["value"])
    close(r.z, ref["z"])
    close(r.p, ref["p"])
    assert r.n == ref["n"]


def _fce_variance(t, w):
    """Fleiss, Cohen & Everitt (1969) eq. (9), written out with loops."""
    n = t.sum()
    p = t / n
    k = len(t)
    r, c = p.sum(1), p.sum(0)
    po = sum(w[i, j] * p[i, j] for i in range(k) for j in range(k))
    pe = sum(w[i, j] * r[i] * c[j] for i in range(k) for j in range(k))
    wi = [sum(c[j] * w[i, j] for j in range(k)) for i in range(k)]
    wj = [sum(r[i] * w[i, j] for i in range(k)) for j in range(k)]
    s = sum(p[i, j] * (w[i, j] * (1 - pe) - (wi[i] + wj[j]) * (1 - po)) ** 2 for i in range(k) for j in range(k))
    return (s - (po * pe - 2 * pe + po) ** 2) / (n * (1 - pe) ** 4)


def test_kappa_default_variance_is_fleiss_cohen_everitt():
    for weighting in ("unweighted", "linear", "quadratic"):
        r = ss.kappa(ANX[:, :2], weighting=weighting)
        close(r.se**2, _fce_variance(r.table.to_numpy(), r.weights.to_numpy()), 1e-14)
    # psych's weighted variance differs from the published one (0.462 vs 0.0247 here)
    assert ss.kappa(ANX[:, :2], weighting="quadratic").se ** 2 == pytest.approx(0.024651028686970746, abs=1e-12)


def test_kappa_weights_categories_and_errors():
    x = pd.DataFrame({"a": [1, 2, 3, 3], "b": [1, 3, 3, 2]})
    w = np.array([[1, 0.5, 0], [0.5, 1, 0.5], [0, 0.5, 1]])
    close(ss.kappa(x, weighting=w).kappa, ss.kappa(x, weighting="linear").kappa, 1e-15)
    # an unused category changes the weights
    r4 = ss.kappa(x, weighting="linear", categories=[1, 1.5, 2, 3])
    assert list(r4.table.index) == ["1", "1.5", "2", "3"]
    assert r4.kappa != pytest.approx(ss.kappa(x, weighting="linear").kappa)
    with pytest.raises(ss.InputError, match=r"column 'b', row 1: value '3' is not one of the categories"):
        ss.kappa(x, categories=[1, 2])
    with pytest.raises(ss.InputError, match="takes 2 raters, got 3"):
        ss.kappa(ANX)
    with pytest.raises(ss.ConfigError, match="weighting"):
        ss.kappa(x, weighting="cubic")
    with pytest.raises(ss.InputError, match="1 on the diagonal"):
        ss.kappa(x, weighting=np.zeros((3, 3)))
    # missing ratings counted; strings and numbers
    y = pd.DataFrame({"a": ["x", None, "y", "x"], "b": ["x", "y", np.nan, "y"]})
    r = ss.kappa(y)
    assert (r.n, r.n_missing) == (2, 2)


def test_kappa_accumulator_and_long():
    long = pd.DataFrame({"t": np.repeat(np.arange(30), 2), "coder": ["a", "b"] * 30, "label": DIAG[:, :2].ravel()})
    r = ss.kappa(long, subject="t", rater="coder", rating="label")
    close(r.kappa, REF["irr_kappa2_diagnoses"]["value"])
    parts = [KappaAccumulator().update(DIAG[i : i + 9, :2]) for i in range(0, 30, 9)]
    acc = sum(parts[::-1])
    assert acc.result() == ss.kappa(DIAG[:, :2])
    assert KappaAccumulator.from_bytes(acc.to_bytes()).result() == acc.result()
    assert pickle.loads(pickle.dumps(acc)) == acc
    with pytest.raises(ss.InputError):
        KappaAccumulator.from_bytes(acc.to_bytes()[:-2])


# ----------------------------------------------------------------------------- Fleiss


def _fleiss_reference(x):
    cats = sorted(set(x.ravel().tolist()))
    counts = np.array([[list(row).count(c) for c in cats] for row in x], dtype=float)
    n, m = x.shape
    pj = counts.sum(0) / (n * m)
    pi = ((counts**2).sum(1) - m) / (m * (m - 1))
    po, pe = pi.mean(), (pj**2).sum()
    pjk = ((counts**2).sum(0) - n * m * pj) / (n * m * (m - 1) * pj)
    return (po - pe) / (1 - pe), (pjk - pj) / (1 - pj)


def test_fleiss_reproduces_irr():
    ref = REF["irr_fleiss_diagnoses"]
    r = ss.fleiss_kappa(DIAG)
    close(r.kappa, ref["value"])
    close(r.z, ref["z"])
    close(r.p, ref["p"])
    close(r.kappa_exact, ref["exact"])
    assert list(r.categories.index) == ref["categories"]
    close(r.categories["kappa"], ref["detail_kappa_rounded3"], 5e-4)  # irr rounds its detail table
    close(r.categories["z"], ref["detail_z_rounded3"], 5e-4)
    k, kj = _fleiss_reference(DIAG)
    close(r.kappa, k, 1e-14)
    close(r.categories["kappa"], kj, 1e-14)
    a = REF["irr_fleiss_anxiety"]
    ra = ss.fleiss_kappa(ANX)
    close([ra.kappa, ra.z, ra.p], [a["value"], a["z"], a["p"]])


def test_fleiss_long_missing_and_merge():
    long = pd.DataFrame(DIAG, columns=[f"r{j}" for j in range(6)]).rename_axis("p").reset_index()
    long = long.melt(id_vars="p", var_name="rater", value_name="dx")
    r = ss.fleiss_kappa(long, subject="p", rater="rater", rating="dx")
    close(r.kappa, REF["irr_fleiss_diagnoses"]["value"])
    with_missing = np.vstack(
        [DIAG, np.array([["1. Depression", None, "5. Other", "5. Other", "5. Other", "5. Other"]], dtype=object)]
    )
    m = ss.fleiss_kappa(with_missing)
    assert (m.n, m.n_missing) == (30, 1)
    close(m.kappa, REF["irr_fleiss_diagnoses"]["value"])
    parts = [FleissAccumulator().update(DIAG[i : i + 4]) for i in range(0, 30, 4)]
    acc = sum(parts)
    whole = ss.fleiss_kappa(DIAG)
    close([acc.result().kappa, acc.result().kappa_exact], [whole.kappa, whole.kappa_exact], 1e-14)
    close(acc.result().categories.to_numpy(), whole.categories.to_numpy(), 1e-12)
    assert FleissAccumulator.from_bytes(acc.to_bytes()).result() == acc.result()
    with pytest.raises(ss.InputError, match="raters"):
        FleissAccumulator().update(DIAG).merge(FleissAccumulator().update(ANX))


# ----------------------------------------------------------------------- Krippendorff


@pytest.mark.parametrize("metric", ["nominal", "ordinal", "interval", "ratio"])
def test_krippendorff_2011_as_irr(metric):
    ref = REF["irr_kripp_2011"][metric]
    r = ss.krippendorff_alpha(NMM.T, metric=metric)
    close(r.alpha, ref["value"])
    close(r.coincidence.to_numpy(), ref["cm"])
    assert list(r.coincidence.index) == ref["values"]
    published = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}  # Krippendorff (2011)
    assert round(r.alpha, 3) == published[metric]
    assert (r.n_units, r.n_pairable, r.n_values, r.n_missing) == (12, 11, 40, 7)


def _kripp_reference(x, delta):
    """alpha = 1 - D_o / D_e over all pairable values, from the definition (pairs of values within a unit)."""
    vals = sorted({v for row in x for v in row if not np.isnan(v)})
    k = len(vals)
    o = np.zeros((k, k))
    for row in x:
        v = [vals.index(a) for a in row if not np.isnan(a)]
        if len(v) < 2:
            continue
        for i in range(len(v)):
            for j in range(len(v)):
                if i != j:
                    o[v[i], v[j]] += 1 / (len(v) - 1)
    nc = o.sum(1)
    n = nc.sum()
    d = np.array([[delta(vals[a], vals[b]) for b in range(k)] for a in range(k)])
    do = (o * d).sum() / n
    de = (np.outer(nc, nc) * d).sum() / (n * (n - 1))
    return 1 - do / de


def test_krippendorff_complete_data_follows_the_definition():
    r = ss.krippendorff_alpha(ANX, metric="interval")
    close(r.alpha, _kripp_reference(ANX, lambda a, b: (a - b) ** 2), 1e-13)
    # irr's kripp.alpha weights each pair 1 instead of 1/(m_u - 1) when nothing is missing
    assert abs(r.alpha - REF["irr_kripp_anxiety_interval"]) > 1e-3


def test_krippendorff_accumulator_strings_and_errors():
    parts = [KrippendorffAccumulator().update(NMM.T[i : i + 5]) for i in range(0, 12, 5)]
    acc = sum(parts)
    close(acc.result(metric="ordinal").alpha, REF["irr_kripp_2011"]["ordinal"]["value"], 1e-12)
    assert KrippendorffAccumulator.from_bytes(acc.to_bytes()).result() == acc.result()
    labels = pd.DataFrame({"c1": ["pos", "neg", "neu", None], "c2": ["pos", "neg", "pos", "neg"]})
    r = ss.krippendorff_alpha(labels)
    assert r.n_pairable == 3 and r.n_missing == 1
    with pytest.raises(ss.InputError, match="'neg' is not a number"):
        ss.krippendorff_alpha(labels, metric="interval")
    with pytest.raises(ss.ConfigError, match="metric"):
        ss.krippendorff_alpha(labels, metric="circular")
    with pytest.warns(RuntimeWarning, match="no variation"):
        assert np.isnan(ss.krippendorff_alpha(np.ones((3, 2))).alpha)
    with pytest.raises(ss.InputError, match="bad header"):
        KrippendorffAccumulator.from_bytes(b"junk")


def test_results_protocol():
    for r in (ss.icc(SF), ss.kappa(ANX[:, :2]), ss.fleiss_kappa(DIAG), ss.krippendorff_alpha(NMM.T)):
        assert isinstance(r.to_frame(), pd.DataFrame)
        json.dumps(r.to_dict())
        assert type(r).__name__ in str(r.summary())
        assert r == r
