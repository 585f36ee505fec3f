import json
import pickle
import threading

import numpy as np
import pandas as pd
import pytest
import servscore as ss
from hypothesis import given, settings
from hypothesis import strategies as st

CQM = [
    "QAAAO",
    "RIIIM",
    "RIIIM",
    "RIIIM",
    "RRRRQ",
]
POULIOT = ["QAAAO", "RQIIM", "RIIIM", "RIIQM", "RRRRQ"]
SHORT = ["QAO", "RIM", "RRQ"]
NAMES = {
    "A": "attractive",
    "O": "one_dimensional",
    "M": "must_be",
    "I": "indifferent",
    "R": "reverse",
    "Q": "questionable",
}
# one answer pair per category on the CQM table
PAIR = {"A": (1, 4), "O": (1, 5), "M": (2, 5), "I": (3, 3), "R": (5, 1), "Q": (1, 1)}
F_POINTS = {1: 4, 2: 2, 3: 0, 4: -1, 5: -2}
D_POINTS = {1: -2, 2: -1, 3: 0, 4: 2, 5: 4}


def survey(counts, name="x", missing=0):
    """Wide data whose attribute `name` has the given category counts (+ rows with a missing answer)."""
    f, d = [], []
    for cat, n in counts.items():
        f += [PAIR[cat][0]] * n
        d += [PAIR[cat][1]] * n
    f += [np.nan] * missing
    d += [3] * missing
    return pd.DataFrame({f"{name}_f": f, f"{name}_d": d})


def reference(f, d, rows=CQM):
    """Slow numpy reference: category letters per pair, None for missing."""
    out = []
    for a, b in zip(f, d):
        if a == 0 or b == 0 or np.isnan(a) or np.isnan(b):
            out.append(None)
        else:
            out.append(rows[int(a) - 1][int(b) - 1])
    return out


def reference_summary(f, d, rows=CQM):
    cats = reference(f, d, rows)
    c = {k: sum(1 for x in cats if x == k) for k in "AOMIRQ"}
    base = c["A"] + c["O"] + c["M"] + c["I"]
    keep = [(a, b) for a, b, x in zip(f, d, cats) if x in ("A", "O", "M", "I")]
    fp = np.array([F_POINTS[int(a)] for a, _ in keep], dtype=float)
    dp = np.array([D_POINTS[int(b)] for _, b in keep], dtype=float)
    return {
        **c,
        "missing": sum(1 for x in cats if x is None),
        "better": (c["A"] + c["O"]) / base,
        "worse": -(c["O"] + c["M"]) / base,
        "functional_mean": fp.mean(),
        "functional_sd": fp.std(ddof=1),
        "dysfunctional_mean": dp.mean(),
        "dysfunctional_sd": dp.std(ddof=1),
    }


def test_methods_check_1():
    r = ss.kano.analyze(survey({"M": 95, "O": 123, "A": 45, "I": 33}))
    row = r.table.loc["x"]
    assert row["n"] == 296
    assert row["better"] == pytest.approx(0.5676, abs=5e-5)
    assert row["worse"] == pytest.approx(-0.7365, abs=5e-5)
    assert row["category_strength"] == pytest.approx(0.0946, abs=5e-5)
    assert row["total_strength"] == pytest.approx(0.8885, abs=5e-5)
    assert row["fong_difference"] == 28
    assert row["fong_critical"] == pytest.approx(19.364, abs=5e-4)
    assert bool(row["fong_significant"])
    assert row["category"] == "one_dimensional" and row["expectation_level"] == "desired"


def test_methods_check_2_and_missing_counted():
    r = ss.kano.analyze(survey({"M": 9, "O": 18, "A": 83, "I": 177, "R": 6, "Q": 3}, missing=5))
    row = r.table.loc["x"]
    assert row["better"] == pytest.approx(0.3519, abs=5e-5)
    assert row["worse"] == pytest.approx(-0.0941, abs=5e-5)
    assert (row["R"], row["Q"], row["missing"], row["n"]) == (6, 3, 5, 296)
    assert row["category"] == "indifferent"
    assert pd.isna(row["expectation_level"])


def test_golden_cases(data_dir):
    doc = json.loads((data_dir / "kano_cases.json").read_text(encoding="utf-8"))
    for case in doc["cases"]:
        row = ss.kano.analyze(survey({k: v for k, v in case["counts"].items() if v})).table.loc["x"]
        for key, exp in case["expected"].items():
            got = row[key]
            if isinstance(exp, str):
                assert str(got) == exp, (case["name"], key)
            elif isinstance(exp, bool):
                assert bool(got) is exp, (case["name"], key)
            else:
                assert abs(float(got) - exp) <= case["tolerance"], (case["name"], key, got)


def test_near_tie_threshold_is_configurable():
    data = survey({"O": 50, "M": 46, "I": 4})
    assert ss.kano.analyze(data).table.loc["x", "category"] == "must_be"
    r = ss.kano.analyze(data, config={"near_tie_threshold": 0.03})
    assert r.table.loc["x", "category"] == "one_dimensional"
    assert r.table.loc["x", "mode"] == "one_dimensional"


@pytest.mark.parametrize("name,rows", [("cqm", CQM), ("pouliot", POULIOT), ("short", SHORT)])
def test_classify_matches_reference(name, rows):
    rng = np.random.default_rng(3)
    L = len(rows)
    f = rng.integers(0, L + 1, size=(500, 3)).astype(np.int8)
    d = rng.integers(0, L + 1, size=(500, 3)).astype(np.int8)
    out = ss.kano.classify(f, d, table=name)
    for j in range(3):
        exp = [NAMES[x] if x else None for x in reference(f[:, j], d[:, j], rows)]
        got = [None if pd.isna(x) else x for x in out[j]]
        assert got == exp
    assert ss.kano.table(name).values.tolist() == [list(r) for r in rows]
    # 1-D input, lists, workers
    one = ss.kano.classify(list(f[:, 0]), list(d[:, 0]), table=name, workers=3)
    assert list(pd.Series(one).astype(object).where(pd.notna(one), None)) == [
        NAMES[x] if x else None for x in reference(f[:, 0], d[:, 0], rows)
    ]


def test_classify_user_table_from_json_file(tmp_path):
    path = tmp_path / "table.json"
    path.write_text(json.dumps({"name": "mine", "rows": [["O", "O", "A"], ["R", "I", "M"], ["R", "R", "Q"]]}))
    out = ss.kano.classify([1, 1, 2], [1, 3, 3], table=str(path))
    assert list(out) == ["one_dimensional", "attractive", "must_be"]
    with pytest.raises(ss.ConfigError, match="cqm, pouliot, short"):
        ss.kano.classify([1], [1], table="nope")


def test_analyze_matches_numpy_reference_wide_and_long():
    rng = np.random.default_rng(11)
    n = 800
    wide = pd.DataFrame(index=pd.RangeIndex(100, 100 + n))
    for a in ("wifi", "parking"):
        f = rng.integers(1, 6, size=n).astype(float)
        d = rng.integers(1, 6, size=n).astype(float)
        f[rng.random(n) < 0.05] = np.nan
        wide[f"{a}_f"], wide[f"{a}_d"] = f, d
    r = ss.kano.analyze(wide)
    for a in ("wifi", "parking"):
        ref = reference_summary(wide[f"{a}_f"].to_numpy(), wide[f"{a}_d"].to_numpy())
        row = r.table.loc[a]
        for k, v in ref.items():
            assert row[k] == pytest.approx(v), (a, k)
    long = pd.DataFrame(
        {
            "respondent": np.tile(wide.index, 2),
            "attribute": np.repeat(["wifi", "parking"], n),
            "functional": np.concatenate([wide["wifi_f"], wide["parking_f"]]),
            "dysfunctional": np.concatenate([wide["wifi_d"], wide["parking_d"]]),
        }
    )
    rl = ss.kano.analyze(long)
    pd.testing.assert_frame_equal(rl.table, r.table)
    only = ss.kano.analyze(long, attributes=["parking"]).table
    assert list(only.index) == ["parking"]
    pd.testing.assert_series_equal(only.loc["parking"], r.table.loc["parking"])


def test_bad_input_names_row_column_value():
    df = pd.DataFrame({"wifi_f": [1, 2, 3], "wifi_d": [5, 7, 1]}, index=["r1", "r2", "r3"])
    with pytest.raises(ss.InputError, match=r"dysfunctional: row 'r2', column 'wifi_d': answer 7 is outside"):
        ss.kano.analyze(df)
    df = pd.DataFrame({"wifi_f": [1, 2.5], "wifi_d": [5, 5]})
    with pytest.raises(ss.InputError, match=r"row 1, column 'wifi_f': value 2.5"):
        ss.kano.analyze(df)
    df = pd.DataFrame({"wifi_f": [1, "like"], "wifi_d": [5, 5]})
    with pytest.raises(ss.InputError, match=r"column 'wifi_f'.*'like' is not a number"):
        ss.kano.analyze(df)
    with pytest.raises(ss.InputError, match=r"expected the shape of functional \(2,\)"):
        ss.kano.classify([1, 2], [1, 2, 3])
    with pytest.raises(ss.InputError, match="empty"):
        ss.kano.analyze(pd.DataFrame({"wifi_f": [], "wifi_d": []}))
    with pytest.raises(ss.InputError, match="no attribute columns found"):
        ss.kano.analyze(pd.DataFrame({"a": [1]}))
    with pytest.raises(ss.InputError, match="missing column"):
        ss.kano.analyze(pd.DataFrame({"wifi_f": [1], "wifi_d": [1]}), attributes=["wifi", "tv"])
    with pytest.raises(ss.InputError, match=r"functional: row 0, column 0: answer 4 .* 1..3"):
        ss.kano.classify(np.array([4], dtype=np.int8), np.array([1], dtype=np.int8), table="short")
    with pytest.raises(ss.ConfigError, match="unknown key"):
        ss.kano.analyze(survey({"A": 3}), config={"near_tie": 0.1})
    with pytest.raises(ss.ConfigError, match="near_tie_threshold"):
        ss.KanoConfig = ss.kano.KanoConfig
        ss.kano.KanoConfig(near_tie_threshold=2)


def test_segments_and_comparison_against_scipy():
    stats = pytest.importorskip("scipy.stats")
    a = survey({"A": 40, "O": 10, "M": 5, "I": 20})
    b = survey({"A": 10, "O": 12, "M": 30, "I": 25, "Q": 2})
    data = pd.concat([a.assign(seg="a"), b.assign(seg="b")], ignore_index=True)
    r = ss.kano.analyze(data, by="seg")
    assert r.table.loc[("a", "x"), "category"] == "attractive"
    assert r.table.loc[("b", "x"), "category"] == "must_be"
    c = r.compare()
    obs = np.array([[40, 10, 5, 20, 0], [10, 12, 30, 25, 2]])
    chi2, p, dof, _ = stats.chi2_contingency(obs, correction=False)
    assert c.loc["x", "chi2"] == pytest.approx(chi2)
    assert c.loc["x", "p_value"] == pytest.approx(p)
    assert c.loc["x", "dof"] == dof
    with pytest.raises(ss.ConfigError, match="not grouped"):
        ss.kano.analyze(a).compare()
    # an empty group for an attribute
    c2 = pd.concat([a.assign(seg="a"), pd.DataFrame({"x_f": [np.nan], "x_d": [1], "seg": ["c"]})], ignore_index=True)
    with pytest.raises(ss.InputError, match="attribute 'x'.*no classified answers"):
        ss.kano.analyze(c2, by="seg").compare()


def test_bootstrap_interval_is_seeded_and_close_to_wilson():
    data = survey({"M": 95, "O": 123, "A": 45, "I": 33})
    b1 = ss.kano.analyze(data, ci="bootstrap", seed=4, n_bootstrap=4000).table.loc["x"]
    b2 = ss.kano.analyze(data, ci="bootstrap", seed=4, n_bootstrap=4000).table.loc["x"]
    w = ss.kano.analyze(data).table.loc["x"]
    assert b1["better_lo"] == b2["better_lo"]
    for c in ("better_lo", "better_hi", "worse_lo", "worse_hi"):
        assert b1[c] == pytest.approx(w[c], abs=0.012)
    assert b1["better_lo"] < w["better"] < b1["better_hi"]
    with pytest.raises(ss.ConfigError, match="ci"):
        ss.kano.analyze(data, ci="exact")


def test_result_protocol_and_plots():
    d = ss.datasets.sample(seed=2, n_kano=400)
    r = ss.kano.analyze(d.kano, by="segment")
    text = repr(r)
    assert "KanoResult" in text and "free_wifi" in text
    assert "<table" in r._repr_html_()
    dd = r.to_dict()
    json.dumps(dd)
    assert dd["table"]
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    ax = r.plot()
    assert ax.get_xlabel().startswith("|Worse|")
    ax = r.plot(kind="continuous", lang="zh")
    assert "平均分" in ax.get_ylabel()
    with pytest.raises(ss.ConfigError):
        r.plot(kind="pie")


def test_sample_data_recovers_planted_categories():
    d = ss.datasets.sample(seed=5, n_kano=1500)
    r = ss.kano.analyze(d.kano, by="segment")
    truth = d.truth["kano"]
    for attr, segs in truth["by_segment"].items():
        for seg, cat in segs.items():
            assert r.table.loc[(seg, attr), "category"] == cat, (seg, attr)
    c = r.compare()
    assert set(c.index[c["p_value"] < 0.001]) == set(truth["segment_differs"])


# ---- accumulator -------------------------------------------------------------------------------


def test_accumulator_merge_bytes_pickle():
    d = ss.datasets.sample(seed=6, n_kano=500).kano
    one = ss.kano.Accumulator(by="segment").update(d)
    a = ss.kano.Accumulator(by="segment").update(d.iloc[:200])
    b = ss.kano.Accumulator(by="segment").update(d.iloc[200:])
    assert a + b == one
    assert b + a == one
    back = ss.kano.Accumulator.from_bytes(one.to_bytes())
    assert back == one
    assert pickle.loads(pickle.dumps(one)) == one
    pd.testing.assert_frame_equal(back.result().table, one.result().table)
    pd.testing.assert_frame_equal(one.result().table, ss.kano.analyze(d, by="segment").table)
    with pytest.raises(ss.InputError, match=r"grouped by \['segment'\].*\(this one\) vs ungrouped"):
        one.merge(ss.kano.Accumulator().update(d))
    with pytest.raises(ss.InputError, match="bad header"):
        ss.kano.Accumulator.from_bytes(b"nope")
    # the C++ state has the same protocol
    s = ss._core.KanoState(1, 2, 5)
    s.update(np.ones((3, 2), np.int8), np.full((3, 2), 5, np.int8), np.zeros(0, np.int32))
    assert pickle.loads(pickle.dumps(s)) == s
    assert ss._core.KanoState.from_bytes(s.to_bytes()) == s
    assert (s + s).counts.sum() == 12


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 120),
    cuts=st.lists(st.integers(0, 120), max_size=5),
    order=st.randoms(use_true_random=False),
    seed=st.integers(0, 2**31),
)
def test_any_chunking_and_merge_order_equals_one_pass(n, cuts, order, seed):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "a_f": rng.integers(0, 6, n),
            "a_d": rng.integers(0, 6, n),
            "b_f": rng.integers(0, 6, n),
            "b_d": rng.integers(0, 6, n),
            "seg": rng.choice(["x", "y", "z"], n),
        }
    )
    one = ss.kano.Accumulator(["a", "b"], by="seg").update(df)
    bounds = sorted({0, n, *[c for c in cuts if c <= n]})
    parts = [ss.kano.Accumulator(["a", "b"], by="seg").update(df.iloc[s:e]) for s, e in zip(bounds, bounds[1:])]
    order.shuffle(parts)
    acc = parts[0]
    for p in parts[1:]:
        acc = acc + p if order.random() < 0.5 else p + acc
    assert acc == one
    pd.testing.assert_frame_equal(acc.result().table, one.result().table)


def test_int8_arrays_workers_and_threads():
    rng = np.random.default_rng(1)
    f = rng.integers(0, 6, size=(200_000, 4)).astype(np.int8)
    d = rng.integers(0, 6, size=(200_000, 4)).astype(np.int8)
    r1 = ss.kano.Accumulator(workers=1).update(f, d).result().table
    r4 = ss.kano.Accumulator(workers=4).update(f, d).result().table
    pd.testing.assert_frame_equal(r1, r4)
    ref = reference_summary(f[:, 2].astype(float), d[:, 2].astype(float))
    assert r1.loc["attribute_3", "A"] == ref["A"] and r1.loc["attribute_3", "missing"] == ref["missing"]
    results = []

    def work():
        results.append(ss.kano.classify(f, d).iloc[:, 0].value_counts().to_dict())

    ts = [threading.Thread(target=work) for _ in range(3)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert results[0] == results[1] == results[2]


def test_int8_layouts_are_read_in_place():
    rng = np.random.default_rng(2)
    both = rng.integers(0, 6, size=(1000, 8)).astype(np.int8)
    f, d = both[:, :4], both[:, 4:]  # row stride 8: not C-contiguous
    fo, do = np.asfortranarray(f), np.asfortranarray(d)
    fc, dc = np.ascontiguousarray(f), np.ascontiguousarray(d)
    expected = ss.kano.classify(fc, dc)
    pd.testing.assert_frame_equal(ss.kano.classify(f, d), expected)
    pd.testing.assert_frame_equal(ss.kano.classify(fo, do, workers=2), expected)
    pd.testing.assert_frame_equal(ss.kano.classify(f[::-1], d[::-1]).iloc[::-1].reset_index(drop=True), expected)
    one = ss.kano.Accumulator().update(fc, dc)
    assert ss.kano.Accumulator().update(f, d) == one
    assert ss.kano.Accumulator().update(fo, do) == one
    # the C++ view of a sliced array: an invalid answer is reported at its row and column
    bad = both.copy()
    bad[7, 6] = 9
    with pytest.raises(ss.InputError, match="dysfunctional: row 7, column 2: answer 9"):
        ss._core.kano_classify(bad[:, :4], bad[:, 4:], '"cqm"', 1)


def test_long_errors_q_warning_and_missing_attribute_group():
    long = pd.DataFrame(
        {
            "respondent": [1, 1, 2, 2],
            "attribute": ["wifi", "tv", "wifi", "tv"],
            "functional": [1, 1, 1, 6],
            "dysfunctional": [5, 4, 1, 3],
        },
        index=[10, 11, 12, 13],
    )
    with pytest.raises(ss.InputError, match=r"functional: row 13, attribute 'tv': answer 6"):
        ss.kano.analyze(long)
    long.loc[13, "functional"] = 1
    r = ss.kano.analyze(long)
    assert r.table.loc["wifi", "Q"] == 1 and r.table.loc["wifi", "q_share"] == 0.5
    assert bool(r.table.loc["wifi", "q_warning"]) and any("questionable" in w for w in r.warnings)
    long.loc[10, "attribute"] = None
    with pytest.raises(ss.InputError, match=r"row 10: missing attribute name"):
        ss.kano.analyze(long)
    # a segment whose answers for an attribute are all missing: n 0, a warning, no crash
    wide = pd.DataFrame({"x_f": [1, 2, np.nan], "x_d": [5, 5, 3], "seg": ["a", "a", "b"]})
    r = ss.kano.analyze(wide, by="seg")
    assert r.table.loc[("b", "x"), "n"] == 0 and r.table.loc[("b", "x"), "missing"] == 1
    assert any("no classified answer pair" in w for w in r.warnings)
    with pytest.raises(ss.InputError, match="attribute 'x'.*group 1 has no classified answers"):
        r.compare()


def test_config_json_roundtrip_and_table_override():
    cfg = ss.kano.KanoConfig(table="short", fong_z=1.96, precedence=["O", "M", "A", "I"])
    assert ss.kano.KanoConfig.from_json(cfg.to_json()) == cfg
    assert cfg.levels == 3 and cfg.functional_points == [4, 0, -2]
    data = pd.DataFrame({"x_f": [1, 1, 2], "x_d": [3, 2, 3]})
    r = ss.kano.analyze(data, table="short")
    assert r.table.loc["x", ["A", "O", "M"]].tolist() == [1, 1, 1]
    assert r.config.table_name == "short"


# ---- command line and report -------------------------------------------------------------------


@pytest.fixture()
def kano_csv(tmp_path):
    path = tmp_path / "kano.csv"
    ss.datasets.sample(seed=8, n_kano=300).kano.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("ext", ["csv", "json", "parquet"])
def test_cli_outputs(kano_csv, tmp_path, ext):
    from servscore.cli import main

    out = tmp_path / f"result.{ext}"
    assert main(["kano", str(kano_csv), "--by", "segment", "-o", str(out)]) == 0
    df = pd.read_csv(out) if ext == "csv" else pd.read_parquet(out) if ext == "parquet" else pd.read_json(out)
    exp = ss.kano.analyze(pd.read_csv(kano_csv), by="segment").table.reset_index()
    assert df["category"].tolist() == exp["category"].astype(str).tolist()
    assert df["better"].to_numpy() == pytest.approx(exp["better"].to_numpy())


def test_cli_stdout_compare_config_and_exit_codes(kano_csv, tmp_path, capsys):
    from servscore.cli import main

    assert main(["kano", str(kano_csv), "--by", "segment", "--compare"]) == 0
    assert "chi2" in capsys.readouterr().out
    assert main(["kano", str(kano_csv), "--lang", "zh"]) == 0
    assert "必备" in capsys.readouterr().out
    ss.set_language("en")
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps({"near_tie_threshold": 0.5}))
    out = tmp_path / "o.csv"
    assert main(["kano", str(kano_csv), "--config", str(cfg), "-o", str(out)]) == 0
    assert pd.read_csv(out)["near_tie"].sum() > 0
    bad = tmp_path / "bad.csv"
    df = pd.read_csv(kano_csv)
    df.loc[4, "short_wait_d"] = 9
    df.to_csv(bad, index=False)
    assert main(["kano", str(bad)]) == 1
    err = capsys.readouterr().err.strip()
    assert "row 5" in err and "short_wait_d" in err and "answer 9" in err and err.count("\n") == 0
    cfg.write_text(json.dumps({"fong": 1}))
    assert main(["kano", str(kano_csv), "--config", str(cfg)]) == 2
    assert main(["kano", str(tmp_path / "none.csv")]) == 2


def test_report_section_recognises_kano_table():
    pytest.importorskip("matplotlib")
    from servscore.report import build_report

    d = ss.datasets.sample(seed=9, n_kano=400)
    rep = build_report({"kano": d.kano})
    text = rep.text()
    assert "Kano" in text and "free_wifi" in text
    assert "kano" in [s.key for s in rep.sections]
    assert "data:image/png" in rep.to_html()
