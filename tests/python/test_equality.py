"""Results and accumulators compare by value (issue 19): ``a == b`` never asks a DataFrame for
a truth value, and never compares by identity."""

import numpy as np
import pandas as pd
import pytest
import servscore as ss

rng = np.random.default_rng(19)
ITEMS = pd.DataFrame(rng.integers(1, 6, size=(60, 4)), columns=list("abcd")).astype(float)
ITEMS.iloc[3, 1] = np.nan  # a NaN in the inputs must not make a result unequal to itself
OTHER = ITEMS.copy()
OTHER.iloc[0, 0] = 6 - OTHER.iloc[0, 0] if OTHER.iloc[0, 0] != 3 else 1
SCORES = [10, 9, 3, 7, 8, 0, 10, 6]


@pytest.mark.parametrize(
    "run",
    [
        ss.cronbach_alpha,
        lambda d: ss.nps(d["a"] * 2, by=np.arange(len(d)) % 3),
        lambda d: ss.drivers.importance(d, y="d"),
        lambda d: ss.summarize_encounters(
            ss.score_encounters(ss.datasets.sample(seed=int(d.iloc[0, 0]), n_encounters=40).encounters)
        ),
    ],
    ids=["alpha", "nps_by", "drivers", "encounter_summary"],
)
def test_results_are_equal_by_value(run):
    a, b = run(ITEMS), run(ITEMS.copy())
    assert a is not b and a == b and (a != b) is False
    c = run(OTHER)
    assert (a == c) is False and a != c


def test_results_of_other_types_are_not_equal():
    assert (ss.nps(SCORES) == ss.csat([5, 4, 3])) is False
    assert ss.nps(SCORES) != "NpsResult"


@pytest.mark.parametrize(
    "make",
    [
        ss.ResponseAccumulator,
        ss.AlphaAccumulator,
    ],
    ids=["nps", "alpha"],
)
def test_accumulators_compare_by_state(make):
    data = ITEMS.fillna(3.0)
    feed = (
        (lambda a, x: a.update(x["a"] * 2))
        if isinstance(make(), ss.ResponseAccumulator)
        else (lambda a, x: a.update(x))
    )
    a, b = make(), make()
    feed(a, data)
    feed(b, data)
    assert a == b and a is not b
    c = make()
    feed(c, data.iloc[:30])
    assert a != c
    assert (a == 1) is False
