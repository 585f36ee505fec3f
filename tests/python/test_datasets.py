import numpy as np
import pandas as pd
import pytest
import servscore as ss


def test_deterministic_and_seeded():
    a = ss.datasets.sample(seed=3, n_encounters=300).encounters
    b = ss.datasets.sample(seed=3, n_encounters=300).encounters
    c = ss.datasets.sample(seed=4, n_encounters=300).encounters
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_shape_and_columns():
    d = ss.datasets.sample()
    e = d.encounters
    assert len(e) == ss.datasets.options()["n_encounters"] == 3000
    assert {"encounter_id", "branch", "staff", "channel", "month"} <= set(e.columns)
    names = [i.name for i in ss.EncounterConfig().indicators]
    assert set(names) <= set(e.columns)
    values = e[names].to_numpy()
    assert ((values >= 1) & (values <= 5) | np.isnan(values)).all()
    assert 0 < e[names].isna().mean().mean() < 0.05
    assert e["branch"].nunique() == 5 and e["staff"].nunique() == 25
    assert "encounters" in ss.datasets.tables()
    assert d["encounters"] is d.encounters


def test_unknown_option_and_table():
    with pytest.raises(ss.ConfigError, match="unknown option"):
        ss.datasets.sample(n_customers_typo=3)
    with pytest.raises(ss.ConfigError, match="does not exist"):
        ss.datasets.sample()["nope"]


def test_bundled_csvs_match_the_generator(root, tmp_path):
    """examples/data holds every sample table, as `python -m servscore.datasets examples/data` writes it."""
    bundled = sorted(p.stem for p in (root / "examples" / "data").glob("*.csv"))
    assert bundled == ss.datasets.tables()
    for path in ss.datasets.export(str(tmp_path)):
        name = path.rsplit("/", 1)[-1]
        with open(path, "rb") as fresh:
            assert (root / "examples" / "data" / name).read_bytes() == fresh.read(), name
