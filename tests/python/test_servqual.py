import json
import pickle

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
import servscore as ss
from hypothesis import given, settings
from hypothesis import strategies as st

DIMS = ["tangibles", "reliability", "responsiveness", "assurance", "empathy"]
GROUPS = [range(0, 4), range(4, 9), range(9, 13), range(13, 17), range(17, 22)]
NAMES = [f"q{i}" for i in range(1, 23)]


def survey(n=300, seed=0, missing=0.0):
    rng = np.random.default_rng(seed)
    e = np.clip(np.round(rng.normal(6, 0.8, (n, 22))), 1, 7)
    p = np.clip(np.round(rng.normal(5, 1.2, (n, 22)) + rng.normal(0, 0.7, (n, 1))), 1, 7)
    p[:, 4:9] -= 1  # reliability is the weakest
    p = np.clip(p, 1, 7)
    raw = rng.dirichlet(np.ones(5) * 3, n) * 100
    alloc = np.round(raw)
    alloc[:, -1] = 100 - alloc[:, :-1].sum(axis=1)
    if missing:
        e[rng.random(e.shape) < missing] = np.nan
        p[rng.random(p.shape) < missing] = np.nan
    return e, p, alloc


def reference(e, p, alloc, reverse_e=()):
    """Slow numpy reference of the SERVQUAL rules (methods.md), respondent by respondent."""
    e = e.copy()
    for j in reverse_e:
        e[:, j] = 8 - e[:, j]
    g = p - e
    n = len(g)
    dim_g = np.full((n, 5), np.nan)
    dim_p = np.full((n, 5), np.nan)
    for i in range(n):
        for d, idx in enumerate(GROUPS):
            vals = g[i, list(idx)]
            ok = ~np.isnan(vals)
            if ok.sum() >= np.ceil(0.5 * len(idx)):
                dim_g[i, d] = vals[ok].mean()
            pv = p[i, list(idx)]
            okp = ~np.isnan(pv)
            if okp.sum() >= np.ceil(0.5 * len(idx)):
                dim_p[i, d] = pv[okp].mean()
    sq_dims = np.nanmean(dim_g, axis=0)
    wsq = (alloc / 100 * dim_g).sum(axis=1)  # NaN propagates: respondents with a missing dimension
    wsp = (alloc / 100 * dim_p).sum(axis=1)
    return {
        "item_gap": np.nanmean(g, axis=0),
        "dim_gap": sq_dims,
        "servqual": sq_dims.mean(),
        "weighted": np.nanmean(wsq),
        "wsq": wsq,
        "servperf": np.nanmean(dim_p, axis=0).mean(),
        "weighted_servperf": np.nanmean(wsp),
    }


def test_matches_numpy_reference_with_weights_and_missing():
    e, p, alloc = survey(400, 1, missing=0.05)
    r = ss.servqual(e, p, weights=alloc)
    ref = reference(e, p, alloc)
    np.testing.assert_allclose(r.items["gap"].to_numpy(), ref["item_gap"], rtol=1e-12)
    np.testing.assert_allclose(r.dimensions["gap"].to_numpy(), ref["dim_gap"], rtol=1e-12)
    assert r.servqual == pytest.approx(ref["servqual"], rel=1e-12)
    assert r.weighted_servqual == pytest.approx(ref["weighted"], rel=1e-12)
    assert r.servperf == pytest.approx(ref["servperf"], rel=1e-12)
    assert r.weighted_servperf == pytest.approx(ref["weighted_servperf"], rel=1e-12)
    assert list(r.dimensions.index) == DIMS
    assert r.weakest_dimension() == "reliability"
    assert r.items["n_missing_e"].sum() == np.isnan(e).sum()
    assert r.items["n_missing_p"].sum() == np.isnan(p).sum()
    assert r.n_rows == 400 and r.n_weighted == int(np.isfinite(ref["wsq"]).sum()) < 400


def test_weighted_is_mean_of_products_not_product_of_means():
    # two respondents, one dimension each weighted differently (methods.md)
    dims = {"tangibles": ["a"], "empathy": ["b"]}
    e = pd.DataFrame({"a": [7, 7], "b": [7, 7]})
    p = pd.DataFrame({"a": [7, 3], "b": [3, 7]})  # gaps: r1 (0, -4), r2 (-4, 0)
    w = pd.DataFrame({"tangibles": [10, 90], "empathy": [90, 10]})
    r = ss.servqual(e, p, dimensions=dims, weights=w)
    # SQ_1 = 0.1*0 + 0.9*-4 = -3.6; SQ_2 = 0.9*-4 + 0.1*0 = -3.6 -> mean -3.6
    assert r.weighted_servqual == pytest.approx(-3.6)
    # product of means would give 0.5*-2 + 0.5*-2 = -2
    assert r.servqual == pytest.approx(-2.0)
    assert r.dimensions["allocation"].tolist() == [50.0, 50.0]


def test_1988_form_reverses_negatively_worded_expectations():
    cfg = ss.servqual_form(1988)
    rev = [int(i.name[1:]) for i in cfg.items if i.reverse_expectation]
    assert rev == [10, 11, 12, 13, 18, 19, 20, 21, 22]
    assert not any(i.reverse_perception for i in cfg.items)
    e, p, _ = survey(50, 2)
    r = ss.servqual(e, p, dimensions=1988)
    ref = reference(e, p, np.full((50, 5), 20.0), reverse_e=[j - 1 for j in rev])
    np.testing.assert_allclose(r.items["gap"].to_numpy(), ref["item_gap"], rtol=1e-12)
    # a 2 on a reversed expectation item counts as 8 - 2 = 6
    one = ss.servqual(np.full((1, 22), 2.0), np.full((1, 22), 6.0), dimensions="1988")
    assert one.items.loc["q10", "expectation"] == 6.0 and one.items.loc["q10", "gap"] == 0.0
    assert one.items.loc["q1", "gap"] == 4.0


def test_bundled_json_defaults_equal_the_compiled_forms(root):
    for form in (1988, 1991):
        path = root / "python" / "servscore" / "data" / "servqual" / f"form{form}.json"
        assert json.loads(path.read_text()) == json.loads(ss.ServqualConfig(form=form).to_json())
    assert ss.servqual_form(1991) == ss.ServqualConfig()


def test_dimension_reliability_of_perceptions_and_gaps():
    e, p, _ = survey(200, 3)
    r = ss.servqual(e, p)
    for d, idx in zip(DIMS, GROUPS):
        cols = [NAMES[j] for j in idx]
        pa = pg.cronbach_alpha(pd.DataFrame(p[:, list(idx)], columns=cols), nan_policy="listwise")[0]
        ga = pg.cronbach_alpha(pd.DataFrame(p[:, list(idx)] - e[:, list(idx)], columns=cols), nan_policy="listwise")[0]
        assert r.dimensions.loc[d, "alpha_perception"] == pytest.approx(pa, rel=1e-10)
        assert r.dimensions.loc[d, "alpha_gap"] == pytest.approx(ga, rel=1e-10)


def test_servperf_and_custom_maps_from_dataframes():
    e, p, alloc = survey(120, 4)
    frame = pd.DataFrame(p, columns=NAMES, index=[f"r{i}" for i in range(120)])
    r = ss.servperf(frame, weights=pd.DataFrame(alloc, columns=DIMS))
    ref = reference(e, p, alloc)
    assert r.kind == "servperf" and "gap" not in r.dimensions.columns
    assert r.servperf == pytest.approx(ref["servperf"], rel=1e-12)
    assert r.weighted_servperf == pytest.approx(ref["weighted_servperf"], rel=1e-12)
    assert list(r.respondents.index[:2]) == ["r0", "r1"]
    # a map {dimension: items} and {item: dimension}
    m1 = ss.servperf(frame, dimensions={"reliability": ["q1", "q2"], "empathy": ["q3"]})
    m2 = ss.servperf(frame, dimensions={"q1": "reliability", "q2": "reliability", "q3": "empathy"})
    assert m1.servperf == pytest.approx(m2.servperf)
    assert m1.servperf == pytest.approx((p[:, :2].mean(axis=1).mean() + p[:, 2].mean()) / 2)
    # polars input, by column name
    pl = pytest.importorskip("polars")
    r_pl = ss.servqual(pl.from_pandas(pd.DataFrame(e, columns=NAMES)), pl.from_pandas(pd.DataFrame(p, columns=NAMES)))
    assert r_pl.servqual == pytest.approx(ss.servqual(e, p).servqual, rel=1e-12)


def test_zone_of_tolerance_check_value_and_reference():
    # methods.md: A 5, D 8, P 6 -> MSA 1, MSS -2, within
    r = ss.zone_of_tolerance({"q": [5]}, {"q": [8]}, {"q": [6]}, dimensions={"q": "assurance"})
    row = r.items.loc["q"]
    assert (row["msa"], row["mss"], row["width"], row["position"]) == (1.0, -2.0, 3.0, "within")
    rng = np.random.default_rng(5)
    a = rng.integers(3, 7, (200, 22)).astype(float)
    d = np.minimum(a + rng.integers(0, 4, (200, 22)), 9)
    p = rng.integers(1, 10, (200, 22)).astype(float)
    a[3, 5] = np.nan
    z = ss.zone_of_tolerance(a, d, p)
    ok = ~np.isnan(a[:, 5])
    item = z.items.loc["q6"]
    assert item["n"] == 199
    assert item["msa"] == pytest.approx((p[ok, 5] - a[ok, 5]).mean())
    assert item["share_below"] == pytest.approx((p[ok, 5] < a[ok, 5]).mean())
    assert item["share_above"] == pytest.approx((p[ok, 5] > d[ok, 5]).mean())
    assert item["share_below"] + item["share_within"] + item["share_above"] == pytest.approx(1.0)
    # dimension rows from each respondent's dimension means
    da, dd, dp = (x[:, 4:9].copy() for x in (a, d, p))
    for x in (dd, dp):
        x[3, 1] = np.nan
    ma, md, mp = np.nanmean(da, axis=1), np.nanmean(dd, axis=1), np.nanmean(dp, axis=1)
    rel = z.dimensions.loc["reliability"]
    assert rel["adequate"] == pytest.approx(ma.mean()) and rel["perceived"] == pytest.approx(mp.mean())
    assert rel["share_below"] == pytest.approx((mp < ma).mean())
    assert rel["width"] == pytest.approx(md.mean() - ma.mean())


@settings(max_examples=25, deadline=None)
@given(cuts=st.lists(st.integers(0, 150), max_size=4), order=st.randoms(use_true_random=False))
def test_accumulators_any_chunking_and_order_equal_one_pass(cuts, order):
    e, p, alloc = survey(150, 6, missing=0.03)
    a = np.clip(e - 2, 1, 9)
    one = ss.servqual(e, p, weights=alloc)
    zone = ss.zone_of_tolerance(a, e + 1, p)
    bounds = [0, *sorted(cuts), 150]
    chunks = list(zip(bounds[:-1], bounds[1:]))
    sq = [ss.ServqualAccumulator().update(e[i:j], p[i:j], weights=alloc[i:j]) for i, j in chunks]
    zt = [ss.ZotAccumulator().update(a[i:j], e[i:j] + 1, p[i:j]) for i, j in chunks]
    order.shuffle(sq)
    order.shuffle(zt)
    acc, zacc = sq[0], zt[0]
    for s in sq[1:]:
        acc = acc + pickle.loads(pickle.dumps(s))
    for z in zt[1:]:
        zacc = zacc + ss.ZotAccumulator.from_bytes(z.to_bytes())
    r = acc.result()
    assert r.servqual == pytest.approx(one.servqual, rel=1e-10)
    assert r.weighted_servqual == pytest.approx(one.weighted_servqual, rel=1e-10)
    pd.testing.assert_frame_equal(r.dimensions, one.dimensions, rtol=1e-9)
    pd.testing.assert_frame_equal(r.items, one.items, rtol=1e-9)
    pd.testing.assert_frame_equal(zacc.result().dimensions, zone.dimensions, rtol=1e-12)


def test_servperf_accumulator_and_workers():
    e, p, _ = survey(9000, 7)
    acc = ss.ServqualAccumulator(perceptions_only=True).update(p[:4000]).update(p[4000:])
    assert acc.result().servperf == pytest.approx(ss.servperf(p).servperf, rel=1e-12)
    a = ss.servqual(e, p, workers=1).respondents
    b = ss.servqual(e, p, workers=3).respondents
    pd.testing.assert_frame_equal(a, b)


def test_bad_input_is_named():
    e, p, alloc = survey(10, 8)
    bad = p.copy()
    bad[3, 6] = 9
    with pytest.raises(ss.InputError, match=r"perceptions: row 3, column 'q7': value 9 is outside the scale \[1, 7\]"):
        ss.servqual(e, bad)
    with pytest.raises(ss.InputError, match=r"row 'x3'"):
        ss.servqual(
            pd.DataFrame(e, columns=NAMES), pd.DataFrame(bad, columns=NAMES, index=[f"x{i}" for i in range(10)])
        )
    with pytest.raises(ss.InputError, match="expected 22 columns"):
        ss.servqual(e[:, :20], p)
    with pytest.raises(ss.InputError, match="9 rows, but the perceptions have 10"):
        ss.servqual(e[:9], p)
    with pytest.raises(ss.InputError, match="missing column"):
        ss.servqual(pd.DataFrame(e, columns=NAMES).drop(columns=["q5"]).assign(extra=1, more=2), p)
    with pytest.raises(ss.ConfigError, match="unknown rater_dimension 'speed'"):
        ss.servqual(e, p, dimensions={"speed": ["q1"]})
    with pytest.raises(ss.ConfigError, match="has no items"):
        ss.servqual(e, p, dimensions={"tangibles": ["q1"], "empathy": []})
    w = alloc.copy()
    w[2, 0] += 7
    with pytest.raises(ss.InputError, match=r"allocations: row 2: the points sum to 107; expected 100"):
        ss.servqual(e, p, weights=w)
    with pytest.raises(ss.InputError, match="expected 5 points"):
        ss.servqual(e, p, weights=[50, 50])
    with pytest.raises(ss.ConfigError, match="unknown dimension 'speed'"):
        ss.servqual(e, p, weights={"speed": 100})
    with pytest.raises(ss.ConfigError, match="form"):
        ss.servqual(e, p, dimensions=2001)
    with pytest.raises(ss.InputError, match="empty"):
        ss.servqual(np.empty((0, 22)), np.empty((0, 22)))
    with pytest.raises(ss.InputError, match=r"desired: row 0, column 'q1': value 10"):
        ss.zone_of_tolerance(np.full((1, 22), 5.0), np.full((1, 22), 10.0), np.full((1, 22), 5.0))
    # a respondent without an allocation is counted, not dropped silently
    w = alloc.copy()
    w[4] = np.nan
    r = ss.servqual(e, p, weights=w)
    assert r.n_missing_allocation == 1 and r.n_weighted == 9


def test_result_protocol_and_plots():
    e, p, alloc = survey(60, 9)
    r = ss.servqual(e, p, weights=alloc)
    assert "SERVQUAL" in repr(r) and "<table" in r._repr_html_()
    d = r.to_dict()
    assert set(d["dimensions"]) == set(DIMS)
    z = ss.zone_of_tolerance(np.clip(e - 2, 1, 9), e + 1, p)
    assert "below the zone" in repr(z)
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    assert len(r.plot().patches) == 5
    assert len(r.plot(by="item").patches) == 22
    assert len(z.plot().patches) == 5
    ss.set_language("zh")
    try:
        ax = r.plot()
        assert "差距" in ax.get_xlabel()
    finally:
        ss.set_language("en")


def test_sample_table_plants_the_truth():
    data = ss.datasets.sample(seed=2026)
    df = data.servqual
    truth = data.truth["servqual"]
    assert len(df) == ss.datasets.options()["n_servqual"] == 500
    e, p, w = df.filter(regex="^e_"), df.filter(regex="^p_"), df.filter(like="points_")
    assert (w.sum(axis=1) == 100).all()
    r = ss.servqual(e, p, weights=w)
    assert r.weakest_dimension() == truth["weakest_dimension"]
    assert r.dimensions["allocation"].idxmax() == truth["most_important_dimension"]
    assert r.dimensions["alpha_perception"].idxmin() == truth["least_consistent_dimension"]
    z = ss.zone_of_tolerance(df.filter(regex="^a_"), df.filter(regex="^d_"), df.filter(regex="^z_"))
    assert list(z.dimensions.index[z.dimensions["position"] == "below"]) == truth["below_zone"]
    by_branch = {b: ss.servqual(g.filter(regex="^e_"), g.filter(regex="^p_")).servqual for b, g in df.groupby("branch")}
    assert max(by_branch, key=by_branch.get) == truth["best_branch"]
    assert min(by_branch, key=by_branch.get) == truth["worst_branch"]


def test_cli_servqual_and_reliability(tmp_path, capsys, data_dir):
    from servscore.cli import main

    path = tmp_path / "sq.csv"
    ss.datasets.sample(seed=5, n_servqual=200).servqual.to_csv(path, index=False)
    assert main(["servqual", str(path), "--weights", "points_", "--zot", "a_", "d_", "z_", "--by", "branch"]) == 0
    out = capsys.readouterr().out
    assert "SERVQUAL" in out and "zone of tolerance" in out and "== Harbour" in out
    dest = tmp_path / "dims.csv"
    assert main(["servqual", str(path), "--weights", "points_", "-o", str(dest)]) == 0
    t = pd.read_csv(dest)
    df = pd.read_csv(path)
    ref = ss.servqual(df.filter(regex="^e_"), df.filter(regex="^p_"), weights=df.filter(like="points_"))
    assert t["gap"].to_numpy() == pytest.approx(ref.dimensions["gap"].to_numpy())
    assert main(["servqual", str(path), "--servperf", "--form", "1988"]) == 0
    assert "SERVPERF" in capsys.readouterr().out
    assert main(["servqual", str(path), "--expectations", "x_"]) == 2
    assert "no expectation columns start with 'x_'" in capsys.readouterr().err
    sat = str(data_dir / "satisfaction.csv")
    rel = tmp_path / "rel.csv"
    assert main(["reliability", sat, "--block", "imag=imag", "sat=sat1,sat2,sat3,sat4", "-o", str(rel)]) == 0
    rt = pd.read_csv(rel)
    assert rt["alpha"].tolist() == pytest.approx([0.8218546, 0.8942952], abs=5e-8)
    assert main(["reliability", sat, "--items", "imag1", "imag2", "--item-table"]) == 0
    assert "alpha_if_deleted" in capsys.readouterr().out
    assert main(["reliability", sat]) == 2


def test_report_section_recognises_a_servqual_survey():
    pytest.importorskip("matplotlib")
    from servscore.report import build_report

    data = ss.datasets.sample(seed=2026)
    rep = build_report({"survey": data.servqual})
    sec = next(s for s in rep.sections if s.key == "servqual")
    text = " ".join(sec.findings)
    assert "largest gap: Responsiveness" in text
    assert "below the zone of tolerance: Responsiveness" in text
    assert "most important by allocated points: Reliability" in text
    assert any("low reliability of gap scores for Tangibles" in w for w in sec.warnings)
    assert len(sec.figures) == 2
    # perceptions only: SERVPERF
    only_p = data.servqual.drop(columns=[c for c in data.servqual.columns if c.startswith("e_")])
    sec2 = next(s for s in build_report({"survey": only_p}).sections if s.key == "servqual")
    assert "SERVPERF" in sec2.findings[0]


# ------------------------------------------------------------------ issue 16: silent results


def test_fully_missing_dimension_leaves_the_headline_over_the_others():
    e, p, _ = survey(n=80, seed=3)
    p[:, 9:13] = np.nan  # nobody answered responsiveness
    with pytest.warns(UserWarning, match="responsiveness"):
        r = ss.servqual(pd.DataFrame(e, columns=NAMES), pd.DataFrame(p, columns=NAMES))
    assert r.missing_dimensions == ("responsiveness",)
    assert np.isnan(r.dimensions.loc["responsiveness", "gap"])
    # the headline: the mean of the four dimensions' mean gaps, from the definition
    gaps = []
    for d, g in zip(DIMS, GROUPS):
        if d == "responsiveness":
            continue
        gi = p[:, list(g)] - e[:, list(g)]
        gaps.append(np.nanmean(gi, axis=1).mean())
    assert abs(r.servqual - np.mean(gaps)) < 1e-12
    assert "not scored (no answers): responsiveness" in str(r)
    with pytest.warns(UserWarning, match="SERVPERF is the mean over the 4 other"):
        sp = ss.servperf(pd.DataFrame(p, columns=NAMES))
    assert np.isfinite(sp.servperf) and sp.missing_dimensions == ("responsiveness",)


def test_expectations_and_perceptions_are_paired_by_index():
    e, p, _ = survey(n=40, seed=4)
    E = pd.DataFrame(e, columns=NAMES, index=[f"r{i}" for i in range(40)])
    P = pd.DataFrame(p, columns=NAMES, index=E.index)
    ref = ss.servqual(E, P)
    shuffled = E.sample(frac=1.0, random_state=1)  # the same respondents in another order
    r = ss.servqual(shuffled, P)
    assert r.servqual == pytest.approx(ref.servqual, abs=1e-12)
    pd.testing.assert_frame_equal(r.items, ref.items, atol=1e-12, rtol=0)
    # arrays pair by position: the shuffled rows give other gaps per item
    positional = ss.servqual(shuffled.to_numpy(), P.to_numpy())
    assert not np.allclose(positional.items["sd_gap"], ref.items["sd_gap"])
    other = E.set_axis([f"x{i}" for i in range(40)])
    with pytest.raises(ss.InputError, match=r"expectations: the index differs from the perceptions' \(rows \['x0'"):
        ss.servqual(other, P)
    with pytest.raises(ss.InputError, match="weights: the index differs"):
        w = pd.DataFrame(np.full((40, 5), 20.0), columns=DIMS, index=other.index)  # labelled, other labels
        ss.servqual(E, P, weights=w)
