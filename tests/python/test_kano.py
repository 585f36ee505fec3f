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


# ---- the C++ state: protocol, merge by key and name, bytes ---------------------------------------


def _long_frame(rng, n, attrs, keys):
    return pd.DataFrame(
        {
            "respondent": np.arange(n),
            "attribute": rng.choice(attrs, n),
            "functional": rng.integers(0, 6, n),
            "dysfunctional": rng.integers(0, 6, n),
            "seg": pd.Series([keys[i] for i in rng.integers(0, len(keys), n)], dtype=object),
        }
    )


def reference_counts(frame, key_col="seg"):
    """Slow reference: {(key, attribute): histogram of f * 6 + d} from plain Python loops."""
    out = {}
    for k, a, f, d in zip(frame[key_col], frame["attribute"], frame["functional"], frame["dysfunctional"]):
        key = None if k is None or (isinstance(k, float) and np.isnan(k)) else k
        h = out.setdefault((key, a), np.zeros(36, np.int64))
        h[int(f) * 6 + int(d)] += 1
    return out


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(0, 150),
    cuts=st.lists(st.integers(0, 150), max_size=6),
    order=st.randoms(use_true_random=False),
    seed=st.integers(0, 2**31),
)
def test_long_partitions_new_attributes_and_none_keys_merge_to_one_pass(n, cuts, order, seed):
    rng = np.random.default_rng(seed)
    keys = ["x", "y", None, "zz"]
    df = _long_frame(rng, n, ["wifi", "tv", "bar", "gym"], keys)
    # later rows bring attributes the first rows do not have
    df.loc[df.index < n // 3, "attribute"] = "wifi"
    one = ss.kano.Accumulator(by="seg").update(df)
    bounds = sorted({0, n, *[c for c in cuts if c <= n]})
    parts = [ss.kano.Accumulator(by="seg").update(df.iloc[s:e]) for s, e in zip(bounds, bounds[1:])]
    parts.append(ss.kano.Accumulator(by="seg").update(df.iloc[0:0]))  # an empty partition
    order.shuffle(parts)
    acc = ss.kano.Accumulator(by="seg")
    for p in parts:
        acc = acc + p if order.random() < 0.5 else acc.merge(p)
    assert acc.rows == one.rows == n
    ref = reference_counts(df)
    if n == 0:
        assert acc.attributes is None and acc == one
        return
    got = acc.counts()
    assert len(got) == len(acc.attributes) * len({k for k, _ in ref})
    for (key, a), h in ref.items():
        np.testing.assert_array_equal(got.loc[(key, a)].to_numpy(), h)
    assert set(acc.attributes) == set(one.attributes)
    pd.testing.assert_frame_equal(acc.counts().sort_index(), one.counts().sort_index())
    pd.testing.assert_frame_equal(acc.result().table.sort_index(), one.result().table.sort_index())
    if acc.attributes == one.attributes:  # same order of first appearance: the same bytes
        assert acc == one and acc.to_bytes() == one.to_bytes()
    assert sum(parts) == sum(reversed(parts)) or sum(parts).attributes != sum(reversed(parts)).attributes


def test_group_keys_are_sorted_and_merged_by_value_not_code():
    a = ss.kano.Accumulator(by="seg").update(survey({"A": 2}).assign(seg=["b", None]))
    b = ss.kano.Accumulator(by="seg").update(survey({"O": 3}).assign(seg=["a", "b", "a"]))
    m = a + b
    t = m.result().table
    groups = list(t.index.get_level_values("group"))
    assert groups[:2] == ["a", "b"] and pd.isna(groups[2])  # key order, missing last
    assert t.loc[("a", "x"), "O"] == 2 and t.loc[("b", "x"), ["A", "O"]].tolist() == [1, 1]
    assert t.iloc[2]["A"] == 1
    assert m.to_bytes() == (b + a).to_bytes()  # groups written in key order: equal bytes
    # integers and several key columns
    df = survey({"A": 2, "M": 2}).assign(year=[2025, 2024, 2025, 2024], r=["n", "n", "s", "s"])
    r = ss.kano.Accumulator(by=["r", "year"]).update(df).result().table
    assert list(r.index.get_level_values("group")) == [("n", 2024), ("n", 2025), ("s", 2024), ("s", 2025)]


def test_protocol_empty_batches_sum_update_by_and_copies():
    d = ss.datasets.sample(seed=6, n_kano=300).kano
    acc = ss.kano.Accumulator(by="segment")
    assert acc.update(d.iloc[0:0]) is acc and acc.rows == 0  # an empty batch is a no-op
    parts = [ss.kano.Accumulator(by="segment").update(d.iloc[i : i + 100]) for i in range(0, 300, 100)]
    total = sum(parts)
    assert total == ss.kano.Accumulator(by="segment").update(d)
    assert parts[0].rows == 100  # sum() left the operands alone
    acc += parts[0]
    assert acc == parts[0]
    # by= in update (the protocol), then fixed for the state
    late = ss.kano.Accumulator().update(d, by="segment")
    assert late == total
    with pytest.raises(ss.InputError, match=r"by: \['respondent'\] but the accumulator is grouped by \['segment'\]"):
        late.update(d, by="respondent")
    # copies and pickles keep the suffixes and the workers
    wide = pd.DataFrame({"wifi_func": [1, 2], "wifi_dys": [5, 5]})
    s = ss.kano.Accumulator(suffixes=("_func", "_dys"), workers=2).update(wide)
    for c in (s.copy(), pickle.loads(pickle.dumps(s)), ss.kano.Accumulator.from_bytes(s.to_bytes())):
        assert c.suffixes == ("_func", "_dys") and c == s
        c.update(wide)
        assert c.rows == 4
    assert pickle.loads(pickle.dumps(s)).workers == 2
    with pytest.raises(ss.InputError, match=r"cannot merge a ResponseAccumulator into a kano.Accumulator"):
        s.merge(ss.ResponseAccumulator().update([9, 10]))
    other = ss.kano.Accumulator(table="short")
    with pytest.raises(ss.InputError, match=r"differ in configuration.*cqm.*\(this one\) vs .*short"):
        s.merge(other)


def test_fixed_attributes_select_long_rows_and_refuse_unknown_wide_names():
    long = pd.DataFrame(
        {
            "respondent": [1, 1, 2],
            "attribute": ["wifi", "tv", "tv"],
            "functional": [1, 9, 2],
            "dysfunctional": [5, 9, 5],
        }
    )
    acc = ss.kano.Accumulator(["wifi"]).update(long)  # tv is not selected, so its bad answers are not read
    assert acc.rows == 1 and acc.attributes == ["wifi"]
    with pytest.raises(ss.InputError, match="functional: row 1, attribute 'tv': answer 9"):
        ss.kano.Accumulator().update(long)
    empty = ss.kano.Accumulator(["wifi", "tv"])
    assert empty.attributes == ["wifi", "tv"]
    with pytest.raises(ss.InputError, match="no data"):
        empty.result()


def test_incomplete_wide_pair_is_refused_by_name():
    df = pd.DataFrame({"wifi_f": [1, 2], "wifi_d": [5, 5], "parking_f": [1, 1], "parkng_d": [4, 4]})
    with pytest.raises(ss.InputError, match=r"column 'parking_f' has no dysfunctional partner 'parking_d'"):
        ss.kano.analyze(df)
    df = pd.DataFrame({"wifi_f": [1, 2], "wifi_d": [5, 5], "tv_d": [3, 3]})
    with pytest.raises(ss.InputError, match=r"column 'tv_d' has no functional partner 'tv_f'"):
        ss.kano.analyze(df)
    # choosing the attributes is a selection, not a loss
    r = ss.kano.analyze(df, attributes=["wifi"])
    assert list(r.table.index) == ["wifi"] and r.table.loc["wifi", "n"] == 2


def test_old_format_fixtures_load_and_give_the_old_results(data_dir):
    states = data_dir / "states"
    for name in ("segment", "two_keys"):
        acc = ss.kano.Accumulator.from_bytes((states / f"kano_sskanopy1_{name}.bin").read_bytes())
        old = pd.read_csv(states / f"kano_sskanopy1_{name}.csv", keep_default_na=False, na_values=[""])
        new = acc.result().table.reset_index()
        assert len(new) == len(old)
        new_groups = ["" if not isinstance(g, tuple) and pd.isna(g) else str(g) for g in new["group"]]
        old_groups = old["group"].fillna("").astype(str).tolist()
        assert new_groups == old_groups and new["attribute"].tolist() == old["attribute"].tolist()
        for c in ("n", "missing", "A", "O", "M", "I", "R", "Q", "better", "worse", "better_lo", "worse_hi"):
            np.testing.assert_allclose(new[c].to_numpy(float), old[c].to_numpy(float), rtol=1e-12, equal_nan=True)
        assert [str(c) if isinstance(c, str) else "" for c in new["category"]] == old["category"].fillna("").tolist()
        back = ss.kano.Accumulator.from_bytes(acc.to_bytes())  # converted to SSKANO2
        assert back == acc and acc.to_bytes()[:8] == b"SSKANO2\0"
    acc = ss.kano.Accumulator.from_bytes((states / "kano_sskanopy1_two_keys.bin").read_bytes())
    assert acc.by == ["region", "year"] and acc.config.table_name == "short" and acc.rows == 6
    # hand check of the segment fixture: segment a, wifi: pairs (1,4) A, (2,5) M, (1,5) O; one missing
    seg = ss.kano.Accumulator.from_bytes((states / "kano_sskanopy1_segment.bin").read_bytes()).result().table
    assert seg.loc[("a", "wifi"), ["A", "O", "M", "missing"]].tolist() == [1, 1, 1, 1]
    # the C++ version-1 image: integer groups 0, 1 of a key column "group"
    s1 = ss._core.KanoState.from_bytes((states / "kano_sskano1.bin").read_bytes())
    np.testing.assert_array_equal(s1.counts, np.loadtxt(states / "kano_sskano1_counts.txt", dtype=np.int64))
    a1 = ss.kano.Accumulator.from_bytes((states / "kano_sskano1.bin").read_bytes())
    t1 = a1.result(level=0.9).table
    assert list(t1.index) == [(0, "attribute_1"), (0, "attribute_2"), (1, "attribute_1"), (1, "attribute_2")]
    assert t1.loc[(0, "attribute_1"), ["O", "R"]].tolist() == [1, 1]  # (1,5) O and (5,1) R


def _mutations(image, n, seed):
    import random

    rng = random.Random(seed)
    for _ in range(n):
        b = bytearray(image)
        kind = rng.randrange(3)
        if kind == 0:
            for _ in range(rng.randint(1, 4)):
                b[rng.randrange(len(b))] = rng.randrange(256)
        elif kind == 1:
            b = b[: rng.randrange(len(b))]
        else:
            pos = rng.randrange(len(b) + 1)
            b[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        yield bytes(b)


@pytest.mark.parametrize("fixture", ["new", "kano_sskanopy1_segment.bin", "kano_sskano1.bin"])
def test_300_mutated_images_load_or_raise_input_error(fixture, data_dir):
    if fixture == "new":
        d = ss.datasets.sample(seed=3, n_kano=60).kano
        image = ss.kano.Accumulator(by="segment").update(d).to_bytes()
    else:
        image = (data_dir / "states" / fixture).read_bytes()
    ss.kano.Accumulator.from_bytes(image)
    outcome = {"ok": 0, "input_error": 0}
    for b in _mutations(image, 300, seed=13):
        try:
            acc = ss.kano.Accumulator.from_bytes(b)
            acc.result()  # a loaded state summarises
            outcome["ok"] += 1
        except ss.InputError:
            outcome["input_error"] += 1
    assert sum(outcome.values()) == 300 and outcome["input_error"] > 100


def test_huge_declared_sizes_in_tiny_images_allocate_nothing():
    import resource
    import struct

    good = ss.kano.Accumulator().update(survey({"A": 1})).to_bytes()
    cfg_len = struct.unpack_from("<I", good, 29)[0]
    after_cfg = 33 + cfg_len
    images = [
        good[:29] + struct.pack("<I", 2**31) + good[33:],  # configuration length
        good[:after_cfg] + struct.pack("<I", 2**31) + good[after_cfg + 4 :],  # first suffix length
        b"SSKANO1\0" + struct.pack("<iii", 2**31 - 1, 2**20, 5),  # v1: 2^31 groups x 2^20 attributes
        b"SSKANO1\0" + struct.pack("<iii", 1000, 1000, 9) + b"\0" * 16,
    ]
    # the attribute count: after magic, version, levels, rows, flags, config and two suffixes
    at = after_cfg + 4 + 2 + 4 + 2
    images.append(good[:at] + struct.pack("<I", 2**20) + good[at + 4 :])
    images.append(good[:at] + struct.pack("<I", 2**32 - 1) + good[at + 4 :])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for img in images:
        with pytest.raises(ss.InputError, match="from_bytes"):
            ss.kano.Accumulator.from_bytes(img)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 64 * 1024
    # negative counts and rows are refused
    neg = bytearray(good)
    struct.pack_into("<q", neg, len(neg) - 8 * 36 + 8 * (1 * 6 + 4), -4459)
    with pytest.raises(ss.InputError, match="negative count -4459"):
        ss.kano.Accumulator.from_bytes(bytes(neg))
    neg = bytearray(good)
    struct.pack_into("<q", neg, 16, -3)
    with pytest.raises(ss.InputError, match="negative row count -3"):
        ss.kano.Accumulator.from_bytes(bytes(neg))
    with pytest.raises(ss.InputError, match="expected bytes"):
        ss.kano.Accumulator.from_bytes("SSKANO2")


# ---- the bootstrap (C++) against numpy ----------------------------------------------------------


def numpy_bootstrap(counts, level, n, seed):
    """Independent reference: numpy multinomial resamples, numpy type-7 percentiles."""
    rng = np.random.default_rng(seed)
    counts = np.asarray(counts)
    draws = rng.multinomial(counts.sum(), counts / counts.sum(), size=n)
    base = draws[:, :4].sum(axis=1).astype(float)
    ok = base > 0
    better = (draws[ok, 0] + draws[ok, 1]) / base[ok]
    worse = -(draws[ok, 1] + draws[ok, 2]) / base[ok]
    q = [(1 - level) / 2, (1 + level) / 2]
    return (*np.quantile(better, q), *np.quantile(worse, q))


def test_bootstrap_agrees_with_numpy_and_wilson_on_a_large_sample():
    counts = np.array([[300, 500, 700, 400, 50, 50]], dtype=np.int64)
    got = ss._core.kano_bootstrap(counts, 40000, 0.95, 11, 2)
    ref = numpy_bootstrap(counts[0], 0.95, 40000, 5)
    for c, r in zip(("better_lo", "better_hi", "worse_lo", "worse_hi"), ref):
        assert got[c][0] == pytest.approx(r, abs=1.5e-3), c  # Monte Carlo error of each ~3e-4
    w = ss.kano.analyze(survey({"A": 300, "O": 500, "M": 700, "I": 400, "R": 50, "Q": 50})).table.loc["x"]
    for c in ("better_lo", "better_hi", "worse_lo", "worse_hi"):
        assert got[c][0] == pytest.approx(w[c], abs=3e-3), c


def test_bootstrap_interval_coverage_matches_numpy_reference():
    # 600 surveys of 200 respondents from known category shares: the 90% intervals should
    # cover the true Better about 90% of the time, as numpy's percentile intervals do
    p = np.array([0.15, 0.25, 0.3, 0.2, 0.05, 0.05])
    true_better = (p[0] + p[1]) / p[:4].sum()
    rng = np.random.default_rng(2024)
    surveys = rng.multinomial(200, p, size=600).astype(np.int64)
    got = ss._core.kano_bootstrap(surveys, 500, 0.9, 7, 2)
    cover = np.mean((got["better_lo"] <= true_better) & (true_better <= got["better_hi"]))
    ref = np.array([numpy_bootstrap(s, 0.9, 500, i)[:2] for i, s in enumerate(surveys[:200])])
    ref_cover = np.mean((ref[:, 0] <= true_better) & (true_better <= ref[:, 1]))
    assert abs(cover - 0.9) < 0.04  # 3.3 standard errors of a 600-survey coverage estimate
    assert abs(cover - ref_cover) < 0.07
    width = np.mean(got["better_hi"][:200] - got["better_lo"][:200])
    assert width == pytest.approx(np.mean(ref[:, 1] - ref[:, 0]), rel=0.03)


def test_bootstrap_is_seeded_independent_of_workers_and_validated():
    d = ss.datasets.sample(seed=4, n_kano=400).kano
    r1 = ss.kano.analyze(d, by="segment", ci="bootstrap", n_bootstrap=300, seed=2**64 - 1, workers=1).table
    r2 = ss.kano.analyze(d, by="segment", ci="bootstrap", n_bootstrap=300, seed=2**64 - 1, workers=2).table
    pd.testing.assert_frame_equal(r1, r2)
    r3 = ss.kano.analyze(d, by="segment", ci="bootstrap", n_bootstrap=300, seed=1).table
    assert not np.array_equal(r1["better_lo"].to_numpy(), r3["better_lo"].to_numpy())
    with pytest.warns(DeprecationWarning, match="n_boot= is deprecated"):
        old = ss.kano.analyze(d, by="segment", ci="bootstrap", n_boot=300, seed=2**64 - 1, workers=2).table
    pd.testing.assert_frame_equal(old, r1)
    with pytest.raises(ss.ConfigError, match=r"n_bootstrap: 5 is out of range; expected 10..1000000"):
        ss.kano.analyze(d, ci="bootstrap", n_bootstrap=5)
    with pytest.raises(ss.ConfigError, match=r"n_bootstrap: 2000000 is out of range"):
        ss.kano.analyze(d, ci="bootstrap", n_bootstrap=2_000_000)
    # level: a narrower interval, for Wilson and the bootstrap alike
    w90 = ss.kano.analyze(d, level=0.9).table
    w95 = ss.kano.analyze(d).table
    assert (w90["better_hi"] - w90["better_lo"] < w95["better_hi"] - w95["better_lo"]).all()
    with pytest.raises(ss.ConfigError, match="level"):
        ss.kano.analyze(d, level=1.5)
    assert "n_bootstrap=300" in ss.kano.analyze(d, ci="bootstrap", n_bootstrap=300).ci_method
