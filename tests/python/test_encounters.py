import json
import pickle
import threading

import numpy as np
import pandas as pd
import pytest
import servscore as ss

TWO = ss.EncounterConfig(
    indicators=[
        ss.Indicator("a", "procedural", 3.0),
        ss.Indicator("b", "procedural", 1.0),
        ss.Indicator("c", "personal"),
        ss.Indicator("d", "personal"),
    ]
)


def reference_scores(x, cfg):
    """Slow, independent numpy reference of the scoring rule (row by row)."""
    lo, hi = cfg.scale_min, cfg.scale_max
    sides = np.array([ind.side == "personal" for ind in cfg.indicators], dtype=int)
    w = np.array([ind.weight for ind in cfg.indicators])
    out = []
    for row in x:
        scores = []
        for s in (0, 1):
            m = (sides == s) & ~np.isnan(row)
            total = w[sides == s].sum()
            if w[m].sum() >= cfg.min_coverage * total and m.any():
                scores.append((np.sum(w[m] * row[m]) / w[m].sum() - lo) / (hi - lo) * 100)
            else:
                scores.append(np.nan)
        p, q = scores
        if np.isnan(p) or np.isnan(q):
            quad = "unknown"
        else:
            quad = {
                (False, False): "freezer",
                (True, False): "factory",
                (False, True): "friendly",
                (True, True): "quality",
            }[(p >= cfg.procedural_threshold, q >= cfg.personal_threshold)]
        out.append((p, q, quad))
    return out


def test_hand_computed_dataframe():
    df = pd.DataFrame(
        {"a": [5, 2, 5, 1], "b": [1, 2, 5, 1], "c": [4, 5, 1, 1], "d": [4, 5, 2, 1], "branch": list("xxyy")},
        index=[10, 11, 12, 13],
    )
    out = ss.score_encounters(df, TWO)
    assert list(out.index) == [10, 11, 12, 13]
    assert list(out["branch"]) == list("xxyy")
    np.testing.assert_allclose(out["procedural"], [75, 25, 100, 0])
    np.testing.assert_allclose(out["personal"], [75, 100, 12.5, 0])
    assert list(out["quadrant"].astype(str)) == ["quality", "friendly", "factory", "freezer"]
    np.testing.assert_allclose(out["quality_distance"], [np.hypot(25, 25), 75, 87.5, np.hypot(100, 100)])
    np.testing.assert_allclose(out["quality_gap"], [0, 37.5, 50, np.hypot(62.5, 62.5)])
    assert list(out["weakest_procedural"].astype(str)) == ["b", "a", "a", "a"]
    assert list(out["weakest_personal"].astype(str)) == ["c", "c", "c", "c"]
    assert out["quadrant"].dtype == "category"
    assert list(out["quadrant"].cat.categories) == ss.Quadrant.names()


def test_matches_numpy_reference_with_missing_values():
    rng = np.random.default_rng(5)
    x = rng.integers(1, 6, size=(2000, 16)).astype(float)
    x[rng.random(x.shape) < 0.2] = np.nan
    cfg = ss.EncounterConfig(min_coverage=0.6, procedural_threshold=55, personal_threshold=70)
    out = ss.score_encounters(x, cfg)
    ref = reference_scores(x, cfg)
    np.testing.assert_allclose(out["procedural"], [r[0] for r in ref], equal_nan=True)
    np.testing.assert_allclose(out["personal"], [r[1] for r in ref], equal_nan=True)
    assert list(out["quadrant"].astype(str)) == [r[2] for r in ref]
    np.testing.assert_array_equal(out["n_missing"], np.isnan(x).sum(axis=1))
    assert (out["quadrant"] == "unknown").sum() > 0


def test_missing_values_of_every_kind_are_counted():
    df = pd.DataFrame(
        {
            "a": pd.array([5, None, 4], dtype="Int64"),
            "b": [1.0, np.nan, 4],
            "c": [4, 4, None],
            "d": pd.array([4, 4, pd.NA], dtype="Float64"),
        }
    )
    out = ss.score_encounters(df, TWO)
    assert list(out["n_missing"]) == [0, 2, 2]
    assert out["quadrant"].astype(str).tolist() == ["quality", "unknown", "unknown"]


def test_workers_give_identical_results():
    x = ss.datasets.sample(seed=11, n_encounters=5000).encounters
    a = ss.score_encounters(x, workers=1)
    b = ss.score_encounters(x, workers=0)
    pd.testing.assert_frame_equal(a, b)


def test_array_input_and_column_order():
    out = ss.score_encounters([[5, 1, 4, 4]], TWO)
    assert out["procedural"].iloc[0] == pytest.approx(75)
    with pytest.raises(ss.InputError, match="expected 4 columns, got 3"):
        ss.score_encounters(np.ones((2, 3)), TWO)
    with pytest.raises(ss.InputError, match="2-D"):
        ss.score_encounters(np.ones(4), TWO)


def test_bad_input_errors_name_row_column_value():
    df = pd.DataFrame({"a": [5, 2], "b": [1, 2], "c": [4, 7], "d": [4, 5]})
    with pytest.raises(ss.InputError, match=r"row 1, column 'c': rating 7 is outside the scale \[1, 5\]"):
        ss.score_encounters(df, TWO)
    with pytest.raises(ss.InputError, match=r"row 31, column 'c': rating 7") as e:  # the row's label
        ss.score_encounters(df.set_axis(pd.Index([30, 31], dtype="int64")), TWO)
    assert "np." not in str(e.value)
    with pytest.raises(ss.InputError, match=r"row 'b', column 'c'"):
        ss.score_encounters(df.set_axis(["a", "b"]), TWO)
    with pytest.raises(ss.InputError, match=r"missing column\(s\) 'd'"):
        ss.score_encounters(df.drop(columns="d"), TWO)
    bad = df.assign(c=["4", "good"])
    with pytest.raises(ss.InputError, match=r"column 'c', row 1: value 'good' is not a number"):
        ss.score_encounters(bad, TWO)
    with pytest.raises(ss.InputError, match="empty"):
        ss.score_encounters(df.iloc[:0], TWO)
    with pytest.raises(ss.InputError, match="would be overwritten"):
        ss.score_encounters(df.assign(d=[4, 5], quadrant=1), TWO)


def test_numeric_strings_are_accepted():
    df = pd.DataFrame({"a": ["5", "2"], "b": [1, 2], "c": [4, 5], "d": [4, 5]})
    assert ss.score_encounters(df, TWO)["procedural"].tolist() == [75.0, 25.0]


def test_bad_config_errors_name_the_key():
    with pytest.raises(ss.ConfigError, match="unknown key.*'treshold'"):
        ss.EncounterConfig(treshold=50)
    with pytest.raises(ss.ConfigError, match="min_coverage: 1.5 is out of range"):
        ss.EncounterConfig(min_coverage=1.5)
    with pytest.raises(ss.ConfigError, match="no personal indicator"):
        ss.EncounterConfig(indicators=[ss.Indicator("x", "procedural")])
    with pytest.raises(ss.ConfigError, match="service_side 'emotional'"):
        ss.Indicator("x", "emotional")
    cfg = ss.EncounterConfig()
    cfg.scale_max = 0  # attribute writes are validated when used
    with pytest.raises(ss.ConfigError, match="scale_min/scale_max"):
        ss.score_encounters(np.ones((1, 16)), cfg)
    with pytest.raises(ss.ConfigError, match="neither a JSON object nor a readable file"):
        ss.score_encounters(np.ones((1, 16)), "no-such-file.json")


def test_config_json_dict_pickle_round_trip(tmp_path):
    cfg = ss.EncounterConfig(
        scale_max=7,
        personal_threshold=70,
        indicators=[ss.Indicator("wait", ss.ServiceSide.procedural, 2), ss.Indicator("smile", "personal")],
    )
    assert ss.EncounterConfig.from_json(cfg.to_json()) == cfg
    assert ss.EncounterConfig.from_dict(cfg.to_dict()) == cfg
    assert pickle.loads(pickle.dumps(cfg)) == cfg
    d = json.loads(cfg.to_json())
    assert d["indicators"][0] == {"name": "wait", "side": "procedural", "weight": 2.0}
    assert d["procedural_threshold"] == 62.5
    path = tmp_path / "cfg.json"
    path.write_text(cfg.to_json())
    df = pd.DataFrame({"wait": [7], "smile": [1]})
    assert ss.score_encounters(df, str(path))["quadrant"].iloc[0] == "factory"
    assert ss.score_encounters(df, cfg.to_dict())["quadrant"].iloc[0] == "factory"
    assert "EncounterConfig.from_json" in repr(cfg)
    assert ss.EncounterConfig() == ss.EncounterConfig.from_json("{}")
    assert len(ss.EncounterConfig().indicators) == 16


def test_releases_the_gil_and_is_thread_safe():
    x = np.random.default_rng(1).integers(1, 6, size=(200_000, 16)).astype(float)
    expected = ss.score_encounters(x)["procedural"].to_numpy()
    results = [None] * 4

    def run(i):
        results[i] = ss.score_encounters(x)["procedural"].to_numpy()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        np.testing.assert_array_equal(r, expected)


def test_summary_hand_computed_groups_and_split_credit():
    df = pd.DataFrame(
        {
            "a": [5, 1, 5, 1, np.nan],
            "b": [5, 1, 5, 2, np.nan],
            "c": [5, 5, 2, 1, 5],
            "d": [5, 5, 1, 1, 5],
            "g": ["x", "x", "y", "y", "y"],
        }
    )
    s = ss.summarize_encounters(ss.score_encounters(df, TWO), by="g")
    t = s.table
    assert t.loc["x", "quality"] == 1 and t.loc["x", "friendly"] == 1
    assert t.loc["y", "factory"] == 1 and t.loc["y", "freezer"] == 1 and t.loc["y", "unknown"] == 1
    assert t.loc["y", "share_unknown"] == pytest.approx(1 / 3)
    assert t.loc["y", "quality_share_known"] == 0
    assert t.loc["x", "mean_procedural"] == pytest.approx(50)
    assert t.loc["y", "mean_personal"] == pytest.approx((12.5 + 0 + 100) / 3)
    assert s.pullers.loc["x"].tolist() == [0.5, 0.5, 0, 0]
    assert s.pullers.loc["y"].tolist() == [1.0, 0, 0.5, 1.5]
    assert s.top_pullers.iloc[0].to_dict() == {"group": "x", "indicator": "a", "count": 0.5, "share": 0.5}
    assert "5 encounters" in repr(s)
    assert "<table" in s._repr_html_()
    assert s.to_dict()["table"]["x"]["n"] == 2


def test_summary_without_groups_and_bad_input():
    out = ss.score_encounters(pd.DataFrame({"a": [5], "b": [5], "c": [5], "d": [5]}), TWO)
    s = ss.summarize_encounters(out)
    assert list(s.table.index) == ["all"]
    with pytest.raises(ss.InputError, match="by: no column 'branch'"):
        ss.summarize_encounters(out, by="branch")
    with pytest.raises(ss.InputError, match="missing column"):
        ss.summarize_encounters(out.drop(columns="quadrant"))


def test_planted_structure_is_recovered():
    data = ss.datasets.sample(seed=2026)
    truth = data.truth if data.truth else None
    scored = ss.score_encounters(data.encounters)
    truth = data.truth["encounters"]
    s = ss.summarize_encounters(scored, by="branch")
    dominant = s.table[["freezer", "factory", "friendly", "quality"]].idxmax(axis=1)
    for branch, profile in truth["profiles"].items():
        if profile != "mixed":
            assert dominant[branch] == profile, branch
    assert s.pullers.loc[truth["friendly_branch"]].idxmax() == truth["harbour_top_puller"]
    central = ss.summarize_encounters(scored[scored["branch"] == truth["quality_branch"]], by="staff")
    staff, indicator = next(iter(truth["weak_staff"].items()))
    assert central.pullers.loc[staff].idxmax() == indicator


def test_result_shares_no_writes_with_the_input():
    df = pd.DataFrame({"a": [5.0, 2.0], "b": [1.0, 2.0], "c": [4.0, 3.0], "d": [4.0, 5.0]})
    before = df.copy()
    out = ss.score_encounters(df, TWO)
    assert list(df.columns) == ["a", "b", "c", "d"]  # no score columns added to the input
    out.loc[0, "a"] = 1.0  # writing the result leaves the input alone
    pd.testing.assert_frame_equal(df, before)
    df.loc[1, "b"] = 5.0  # and writing the input leaves the result alone
    assert out.loc[1, "b"] == 2.0


def test_result_keeps_the_index_other_columns_and_attrs():
    df = pd.DataFrame(
        {"branch": ["n", "s", "n"], "a": [5.0, 2.0, 4.0], "b": [1.0, 2.0, 4.0], "c": [4.0, 3.0, 2.0], "d": [4, 5, 2]},
        index=pd.Index([7, 7, 3], name="visit"),  # repeated labels
    )
    df.attrs["source"] = "survey.csv"
    out = ss.score_encounters(df, TWO)
    assert list(out.columns[:5]) == ["branch", "a", "b", "c", "d"]
    assert list(out.columns[5:]) == list(ss.encounters.SCORE_COLUMNS)
    pd.testing.assert_index_equal(out.index, df.index)
    assert out["quadrant"].astype(str).tolist() == ["quality", "friendly", "factory"]
    assert out["procedural"].tolist() == pytest.approx([75.0, 25.0, 75.0])
    assert out.attrs["source"] == "survey.csv" and "servscore.encounter_config" in out.attrs


def test_float64_arrays_of_any_layout_are_read_in_place():
    import tracemalloc

    rng = np.random.default_rng(5)
    x = rng.integers(1, 6, size=(60_000, 16)).astype(np.float64)
    x[rng.random(x.shape) < 0.05] = np.nan
    ref = ss.score_encounters(np.ascontiguousarray(x))
    views = {
        "fortran": np.asfortranarray(x),
        "every other row": np.ascontiguousarray(np.repeat(x, 2, axis=0))[::2],
        "reversed rows": np.ascontiguousarray(x[::-1])[::-1],
        "reversed columns": np.ascontiguousarray(x[:, ::-1])[:, ::-1],
    }
    for name, v in views.items():
        np.testing.assert_array_equal(v, x)
        out = ss.score_encounters(v, workers=2)
        pd.testing.assert_frame_equal(out, ref, obj=name)
    # the core borrows the Fortran-ordered array: no 7.7 MB C-ordered copy is made
    f = np.asfortranarray(x)
    tracemalloc.start()
    try:
        ss._core.score_encounters(f, ss.EncounterConfig(), 1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < f.nbytes / 10, peak


def test_every_block_kernel_gives_identical_frames():
    from servscore import _core

    data = ss.datasets.sample(seed=3, n_encounters=3001).encounters
    cfg = ss.EncounterConfig()
    cfg.indicators = [ss.Indicator(i.name, i.side, 1.0 + (k % 3) / 2) for k, i in enumerate(cfg.indicators)]
    frames = {}
    try:
        for kernel in ("portable", "avx512"):
            if not _core._encounter_kernel_supported(kernel):
                continue
            _core._set_encounter_kernel(kernel)
            assert _core._encounter_kernel() == kernel
            frames[kernel] = (ss.score_encounters(data, workers=2), ss.score_encounters(data, cfg))
    finally:
        _core._set_encounter_kernel("automatic")
    assert "portable" in frames
    for kernel, (a, b) in frames.items():
        pd.testing.assert_frame_equal(a, frames["portable"][0], check_exact=True, obj=kernel)
        pd.testing.assert_frame_equal(b, frames["portable"][1], check_exact=True, obj=kernel)
    with pytest.raises(ss.ConfigError, match="expected 'automatic', 'portable' or 'avx512'"):
        _core._set_encounter_kernel("sse9")
