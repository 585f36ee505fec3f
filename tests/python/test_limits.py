"""Resource limits and overflow (issue 19): settings that cannot finish or fit are a ConfigError
naming the setting and the cap; finite values whose arithmetic overflows a double are refused by
name instead of turning every result into 0, NaN or 'unknown'."""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pytest
import servscore as ss
from servscore._checks import MAX_BOOTSTRAP, MAX_PERMUTATIONS


def _survey(n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(n, 3))
    return pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "y": x @ [0.5, 0.3, 0.1] + rng.normal(size=n)})


def test_documented_caps():
    assert MAX_BOOTSTRAP == 1_000_000 and MAX_PERMUTATIONS == 10_000_000


@pytest.mark.parametrize(
    ("kwargs", "parts"),
    [
        ({"method": "relative_weights", "n_bootstrap": 10**8}, ["n_bootstrap", "100000000", "cap of 1000000"]),
        ({"n_permutations": 2**40, "exact_max_predictors": 0}, ["n_permutations", "1099511627776", "cap of 10000000"]),
    ],
)
def test_driver_counts_above_the_cap_are_refused_at_once(kwargs, parts):
    t0 = time.perf_counter()
    with pytest.raises(ss.ConfigError) as e:
        ss.drivers.importance(_survey(), "y", columns=["a", "b", "c"], **kwargs)
    assert time.perf_counter() - t0 < 5  # refused before any work or allocation
    for p in parts:
        assert p in str(e.value)


def test_driver_counts_at_the_cap_are_accepted_by_the_configuration():
    cfg = ss.drivers.DriverConfig(n_bootstrap=MAX_BOOTSTRAP, n_permutations=MAX_PERMUTATIONS)
    assert cfg.n_bootstrap == MAX_BOOTSTRAP and cfg.n_permutations == MAX_PERMUTATIONS
    with pytest.raises(ss.ConfigError, match="n_bootstrap"):
        ss.drivers.DriverConfig.from_json('{"n_bootstrap": 1000001}')


def test_pls_bootstrap_cap():
    rng = np.random.default_rng(1)
    df = pd.DataFrame(rng.integers(1, 11, (40, 4)).astype(float), columns=["x1", "x2", "y1", "y2"])
    m = ss.PathModel("X =~ x1 + x2\nY =~ y1 + y2\nY ~ X")
    with pytest.raises(ss.ConfigError, match=r"bootstrap: 100,000,000 is above the cap of 1,000,000"):
        m.fit(df, bootstrap=10**8)
    with pytest.raises(ss.ConfigError, match="bootstrap"):
        m.fit(df, config={"bootstrap": 10**8})


def test_moments_overflow_is_refused_by_column_and_row():
    df = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [1.0, 2, 1e160, 3]}, index=[10, 11, 12, 13])
    with pytest.raises(ss.InputError, match=r"row 12, column 'b': value 1e\+160 is too large"):
        ss.Moments(df)
    with pytest.raises(ss.InputError, match="too large"):
        ss.cronbach_alpha(df)  # was alpha = 1.333 = k / (k - 1) with var() exactly 0
    # the largest accepted magnitude still gives exact moments (a numpy reference)
    big = df.assign(b=[1e100, -1e100, 5e99, 0.0])
    m = ss.Moments(big)
    assert np.isclose(m.var()["b"], np.var(big["b"].to_numpy(), ddof=1), rtol=1e-12)
    with pytest.raises(ss.InputError, match=r"weights: row 11: value 1e\+308"):
        ss.Moments(df.assign(b=1.0), weights=[1.0, 1e308, 1.0, 1.0])


def test_encounter_settings_that_overflow():
    names = [i.name for i in ss.EncounterConfig().indicators]
    with pytest.raises(ss.ConfigError, match="too wide"):
        ss.EncounterConfig(scale_min=-1e308, scale_max=1e308)
    heavy = [ss.Indicator(i.name, i.side, weight=1e308) for i in ss.EncounterConfig().indicators]
    with pytest.raises(ss.ConfigError, match=r"procedural weights \(largest 1e\+308"):
        ss.EncounterConfig(indicators=heavy)
    # large but summable weights: only their ratios matter, the scores equal unit weights'
    rng = np.random.default_rng(2)
    df = pd.DataFrame(rng.integers(1, 6, (30, len(names))).astype(float), columns=names)
    scaled = ss.EncounterConfig(
        indicators=[ss.Indicator(i.name, i.side, weight=1e300) for i in ss.EncounterConfig().indicators]
    )
    a, b = ss.score_encounters(df), ss.score_encounters(df, scaled)
    assert np.allclose(a["procedural"], b["procedural"]) and (a["quadrant"] == b["quadrant"]).all()


# ---------------------------------------------------------------- PathModel.to_syntax over any names

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_names = st.text(alphabet=st.sampled_from(list("abXY_1.+#;:'\" ~=<-é")), min_size=1, max_size=6)


@settings(max_examples=300, deadline=None)
@given(lx=_names, ly=_names, inds=st.lists(_names, min_size=4, max_size=4, unique=True))
def test_to_syntax_re_parses_into_the_same_model_or_refuses(lx, ly, inds):
    try:
        m = ss.PathModel({lx: inds[:2], ly: inds[2:]}, paths=[(lx, ly)])
    except ss.ConfigError:
        return  # a model the constructor refuses (e.g. two latents of one name)
    try:
        text = m.to_syntax()
    except ss.ConfigError as e:
        assert "to_syntax" in str(e) and "to_json" in str(e)
        assert ss.PathModel.from_json(m.to_json()) == m  # the JSON form keeps every name
        assert "from_json" in repr(m)
        return
    assert ss.PathModel(text) == m, text


def test_to_syntax_refuses_names_with_operators():
    m = ss.PathModel({"X": ["a+b", "c"], "Y": ["d", "e"]}, paths=[("X", "Y")])
    with pytest.raises(ss.ConfigError, match=r"indicator 'a\+b' \(block 'X'\)"):
        m.to_syntax()
    plain = ss.PathModel({"X": ["a", "c"], "Y": ["d#1", "e"]}, paths=[("X", "Y")])
    with pytest.raises(ss.ConfigError, match="'d#1'"):
        plain.to_syntax()


# ---- the PLS bootstrap cap in the compiled core too (not only the Python wrapper) ----


def test_pls_bootstrap_cap_is_enforced_by_the_compiled_config():
    assert ss.PlsConfig.from_json('{"bootstrap": 1000000}').bootstrap == 1_000_000
    t0 = time.perf_counter()
    with pytest.raises(ss.ConfigError, match=r"bootstrap: 1,000,001 is above the cap of 1,000,000"):
        ss.PlsConfig.from_json('{"bootstrap": 1000001}')
    with pytest.raises(ss.ConfigError, match=r"bootstrap: 100,000,000 is above the cap of 1,000,000"):
        ss.PlsConfig.from_json('{"bootstrap": 100000000}')
    assert time.perf_counter() - t0 < 5


# ---- lexicon compilation is linear in its size (benchmarks/bench_lexicon_compile.py times it) ----


def test_lexicon_of_100k_cues_compiles_and_matches_its_last_cue():
    n = 100_000
    cues = [{"name": f"c{i}", "phrases": [f"w{i} x{i}"], "negated_to": "c0" if i == n - 1 else ""} for i in range(n)]
    lex = ss.text.Lexicon.from_json(json.dumps({"cues": cues, "inflect": False}))
    m = ss.text.CueMatcher(lex, jieba_dict="", ts_characters="", ts_phrases="")
    counts = m.match([f"then w{n - 1} x{n - 1} again", "w5 x5", "x7 w7"])["counts"]
    assert counts.shape == (3, n)
    assert counts.sum() == 2 and counts[0, n - 1] == 1 and counts[1, 5] == 1


def test_lexicon_duplicate_and_unknown_names_still_refused_by_position():
    cues = [{"name": f"c{i}", "phrases": [f"w{i}"]} for i in range(5)] + [{"name": "c2", "phrases": ["z"]}]
    with pytest.raises(ss.ConfigError, match=r"cues\[5\]\.name: duplicate cue 'c2'"):
        ss.text.Lexicon.from_json(json.dumps({"cues": cues}))
    cues = [{"name": "a", "phrases": ["x"], "negated_to": "nope"}]
    with pytest.raises(ss.ConfigError, match=r"cues\[0\]\.negated_to: 'nope' for cue 'a' is not a cue"):
        ss.text.Lexicon.from_json(json.dumps({"cues": cues}))


# ---- one seed contract: any integer in [0, 2^64); everything else a ConfigError naming the seed ----


def _seeded_calls():
    rng = np.random.default_rng(11)
    drv = _survey(80)
    n = 150
    eta = rng.normal(size=n)
    pls = pd.DataFrame({f"x{i}": np.clip(np.rint(4 + eta + rng.normal(size=n)), 1, 7) for i in (1, 2)})
    for i in (1, 2):
        pls[f"y{i}"] = np.clip(np.rint(4 + 0.6 * eta + rng.normal(size=n)), 1, 7)
    model = ss.PathModel("A =~ x1 + x2\nB =~ y1 + y2\nB ~ A")
    func = pd.DataFrame(rng.integers(1, 6, size=(50, 2)), columns=["p", "q"])
    dysf = pd.DataFrame(rng.integers(1, 6, size=(50, 2)), columns=["p", "q"])
    acc = ss.kano.Accumulator().update(func, dysf)
    return {
        "drivers": lambda s: ss.drivers.importance(
            drv, "y", columns=["a", "b", "c"], method="relative_weights", n_bootstrap=20, seed=s
        ),
        "pls": lambda s: model.fit(pls, n_bootstrap=20, seed=s, scale_min=1, scale_max=7),
        "kano": lambda s: acc.result(ci="bootstrap", n_bootstrap=20, seed=s),
        "datasets": lambda s: ss.datasets.sample(seed=s, n_respondents=20),
        "classifier": lambda s: ss.text.Classifier(seed=s, epochs=1, calibration_folds=0),
    }


_CALLS = _seeded_calls()


@pytest.mark.parametrize("engine", sorted(_CALLS))
@pytest.mark.parametrize("seed", [0, 1, 2**63, 2**64 - 1, np.int64(5), np.uint64(2**64 - 1)])
def test_every_seed_in_0_to_2_pow_64_is_accepted(engine, seed):
    _CALLS[engine](seed)


@pytest.mark.parametrize("engine", sorted(_CALLS))
@pytest.mark.parametrize("seed", [-1, 2**64, 1.5, True, "1"])
def test_seeds_outside_the_contract_are_a_config_error(engine, seed):
    with pytest.raises(ss.ConfigError, match="seed"):
        _CALLS[engine](seed)


def test_classifier_keeps_all_64_bits_of_its_seed():
    # the configuration used to keep 63 bits: 2^63 + 5 was written (and trained) as 5
    for seed in (2**63 + 5, 2**64 - 1):
        cfg = ss.text.Classifier(seed=seed).config
        assert cfg.seed == seed
        assert type(cfg).from_json(cfg.to_json()).seed == seed


def test_same_seed_same_bootstrap_high_bit_matters():
    call = _CALLS["kano"]
    a, b, c = call(2**63 + 3), call(2**63 + 3), call(3)
    fa, fb, fc = a.to_frame(), b.to_frame(), c.to_frame()
    pd.testing.assert_frame_equal(fa, fb)
    assert not fa.equals(fc)  # the top bit of the seed is not dropped
