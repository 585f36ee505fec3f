"""Sample table ``kano``: a Kano survey of service attributes, two customer segments."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._registry import table

# Planted category of each attribute per segment (business, leisure). Each respondent's
# "true" category is the planted one with probability _P_PLANTED, otherwise a random other
# category; the answer pair is then drawn from the CQM-table cells of that category.
_PLANTED = {
    "clean_premises": ("must_be", "must_be"),
    "accurate_bill": ("must_be", "must_be"),
    "short_wait": ("one_dimensional", "one_dimensional"),
    "expert_advice": ("one_dimensional", "one_dimensional"),
    "free_wifi": ("must_be", "attractive"),
    "express_checkout": ("one_dimensional", "indifferent"),
    "birthday_greeting": ("attractive", "attractive"),
    "follow_up_call": ("indifferent", "indifferent"),
}
_SEGMENTS = ("business", "leisure")
_P_PLANTED = 0.62
_P_QUESTIONABLE = 0.02
# answer pairs (functional, dysfunctional) of the CQM table, by category
_CELLS = {
    "attractive": [(1, 2), (1, 3), (1, 4)],
    "one_dimensional": [(1, 5)],
    "must_be": [(2, 5), (3, 5), (4, 5)],
    "indifferent": [(f, d) for f in (2, 3, 4) for d in (2, 3, 4)],
    "reverse": [(2, 1), (3, 1), (4, 1), (5, 1), (5, 2), (5, 3), (5, 4)],
    "questionable": [(1, 1), (5, 5)],
}
_OTHERS = ("attractive", "one_dimensional", "must_be", "indifferent", "reverse")


@table("kano", n_kano=600, kano_missing_rate=0.02)
def kano(data: Any, rng: np.random.Generator, *, n_kano: int, kano_missing_rate: float) -> pd.DataFrame:
    """One row per respondent: respondent, segment, branch, and ``<attribute>_f`` / ``<attribute>_d`` answers
    (1 Like, 2 Must-be, 3 Neutral, 4 Live-with, 5 Dislike; empty = not answered)."""
    n = int(n_kano)
    if n < 0:
        raise ValueError("n_kano must be >= 0")
    seg = rng.integers(0, 2, size=n)
    branch = data.branches["branch"].to_numpy()[rng.integers(0, len(data.branches), size=n)]
    df = pd.DataFrame({"respondent": np.arange(1, n + 1), "segment": np.array(_SEGMENTS)[seg], "branch": branch})
    for attr, planted in _PLANTED.items():
        true = np.array([planted[s] for s in seg], dtype=object)
        u = rng.random(n)
        other = np.array(_OTHERS, dtype=object)[rng.integers(0, len(_OTHERS), size=n)]
        cat = np.where(u < _P_PLANTED, true, other)
        cat = np.where(rng.random(n) < _P_QUESTIONABLE, "questionable", cat)
        f = np.empty(n, dtype=np.int64)
        d = np.empty(n, dtype=np.int64)
        pick = rng.random(n)
        for c, cells in _CELLS.items():
            m = cat == c
            idx = np.minimum((pick[m] * len(cells)).astype(int), len(cells) - 1)
            arr = np.array(cells)
            f[m], d[m] = arr[idx, 0], arr[idx, 1]
        fm = rng.random(n) < float(kano_missing_rate)
        dm = rng.random(n) < float(kano_missing_rate)
        df[f"{attr}_f"] = pd.array(np.where(fm, 0, f), dtype="Int64")
        df[f"{attr}_d"] = pd.array(np.where(dm, 0, d), dtype="Int64")
        df.loc[fm, f"{attr}_f"] = pd.NA
        df.loc[dm, f"{attr}_d"] = pd.NA
    data.truth["kano"] = {
        "categories": {a: p[0] for a, p in _PLANTED.items() if p[0] == p[1]},
        "by_segment": {a: dict(zip(_SEGMENTS, p)) for a, p in _PLANTED.items()},
        "segment_differs": [a for a, p in _PLANTED.items() if p[0] != p[1]],
        "planted_share": _P_PLANTED,
    }
    return df
