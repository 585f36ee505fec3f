"""numpy scalars and arrays as configuration values are read as their Python values (issue 19);
other objects are a ConfigError naming the type, not a TypeError from the JSON encoder."""

import numpy as np
import pytest
import servscore as ss


def test_numpy_scalars_are_their_python_values():
    a = ss.NpsConfig(promoter_min=np.int64(9), detractor_max=np.int32(6), level=np.float32(0.5))
    b = ss.NpsConfig(promoter_min=9, detractor_max=6, level=float(np.float32(0.5)))
    assert a == b and a.promoter_min == 9 and a.level == 0.5
    e = ss.EncounterConfig(scale_min=np.int8(1), scale_max=np.uint16(7), min_coverage=np.float64(0.25))
    assert (e.scale_min, e.scale_max, e.min_coverage) == (1.0, 7.0, 0.25)
    p = ss.PlsConfig(bootstrap=np.int64(50), seed=np.uint64(2**63 + 1), scaled=np.bool_(False))
    assert p.bootstrap == 50 and p.seed == 2**63 + 1 and p.scaled is False


def test_numpy_scalars_reach_the_engines():
    # 9 and 10 promoters, 3 and 5 detractors on the default scale: NPS 0; with promoter_min 10: -25
    assert ss.nps([9, 10, 3, 5], promoter_min=np.int64(9)).table["nps"].iloc[0] == 0.0
    assert ss.nps([9, 10, 3, 5], promoter_min=np.int64(10)).table["nps"].iloc[0] == -25.0


def test_other_objects_are_a_config_error_naming_the_type():
    with pytest.raises(ss.ConfigError, match="type object cannot be a configuration value"):
        ss.NpsConfig(promoter_min=object())
    with pytest.raises(ss.ConfigError, match="type complex"):
        ss.EncounterConfig(scale_min=1j)


def test_one_seed_contract():
    with pytest.raises(ss.ConfigError, match=r"seed: expected an integer.*1\.5"):
        ss.datasets.sample(seed=1.5)
    with pytest.raises(ss.ConfigError, match="seed: expected an integer"):
        ss.datasets.sample(seed=True)
    kano = ss.datasets.sample(seed=3, n_kano=120).kano
    with pytest.raises(ss.ConfigError, match=r"seed: -1 is out of range"):
        ss.kano.analyze(kano, ci="bootstrap", n_bootstrap=50, seed=-1)
    a = ss.kano.analyze(kano, ci="bootstrap", n_bootstrap=50, seed=np.uint64(2**64 - 1))
    b = ss.kano.analyze(kano, ci="bootstrap", n_bootstrap=50, seed=2**64 - 1)
    assert a == b


def test_absurd_worker_counts_are_clamped_not_allocated():
    enc = ss.datasets.sample(seed=5, n_encounters=2_000).encounters
    pd_testing = pytest.importorskip("pandas.testing")
    pd_testing.assert_frame_equal(ss.score_encounters(enc, workers=10**6), ss.score_encounters(enc, workers=1))
    pd_testing.assert_frame_equal(ss.score_encounters(enc, workers=2**31 - 1), ss.score_encounters(enc, workers=1))
