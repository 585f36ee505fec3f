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


def test_interactions_first_visit_and_phrase_bank():
    # issue 12: a first visit has no previous contact (missing, not -1), and the transcripts are
    # drawn from the generator's own phrase bank, each planted concept by one of its sentences
    from servscore.datasets import _text_bank as bank

    d = ss.datasets.sample(seed=2, n_interactions=300, n_customers=100)
    t = d.interactions
    first = t["first_visit"].to_numpy()
    assert first.any() and t.loc[first, "days_since_last_contact"].isna().all()
    assert t.loc[~first, "days_since_last_contact"].between(1, 399).all()
    truth = d.truth["interactions"]
    for i in range(len(t)):
        li = 1 if t["lang"].iloc[i] == "zh" else 0
        for c in truth["cues"][i]:
            options = (bank.STAFF.get(c) or bank.CUSTOMER[c])[li]
            assert any(o.split("{")[0] in t["transcript"].iloc[i] for o in options), (i, c)
    assert set(bank.LOST_SALE.values()) == set(ss.LostSaleReason.names())
    assert set(bank.STYLE.values()) == set(ss.SocialStyle.names())
    assert set(bank.LOST_SALE) <= set(bank.STAFF) and set(bank.STYLE) <= set(bank.CUSTOMER)
