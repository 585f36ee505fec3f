"""Sample table ``driver_survey``: overall satisfaction and ten attribute ratings, by branch."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._registry import table

# Planted: overall satisfaction (1-10) = a weighted sum of the attribute effects plus noise.
# Effects by class: performance attributes act linearly; basic ones only hurt when rated
# low (a penalty, no reward); exciting ones only help when rated top (a reward, no penalty).
# wait_time and accuracy are the strongest drivers; parking and decor barely matter.
ATTRIBUTES = {
    #  name             weight  class          mean level by branch (Central, Harbour, Airport, Old Town, Riverside)
    "wait_time": (0.9, "performance", (3.9, 2.4, 3.6, 2.6, 3.3)),
    "accuracy": (0.8, "basic", (4.3, 3.8, 4.1, 3.0, 3.8)),
    "friendliness": (0.6, "performance", (4.2, 4.3, 2.8, 2.7, 3.6)),
    "competence": (0.5, "performance", (4.1, 3.2, 3.9, 2.9, 3.6)),
    "cleanliness": (0.5, "basic", (4.4, 3.6, 4.2, 2.8, 3.7)),
    "personal_touch": (0.5, "exciting", (3.6, 4.0, 2.5, 2.4, 3.0)),
    "follow_up": (0.35, "exciting", (3.0, 2.8, 2.9, 2.2, 2.7)),
    "price_fairness": (0.3, "performance", (3.3, 3.5, 2.9, 3.4, 3.5)),
    "parking": (0.1, "performance", (3.0, 2.2, 4.3, 2.6, 3.9)),
    "decor": (0.05, "performance", (4.0, 3.4, 3.8, 2.9, 3.3)),
}


def _effect(r: np.ndarray, cls: str) -> np.ndarray:
    if cls == "basic":  # only a low rating matters
        return np.minimum(r - 3.5, 0.0) * 1.6
    if cls == "exciting":  # only a top rating matters
        return np.maximum(r - 4.0, 0.0) * 1.8
    return r - 3.0


@table("driver_survey", n_driver_survey=1500, driver_missing_rate=0.02)
def driver_survey(
    data: Any, rng: np.random.Generator, *, n_driver_survey: int, driver_missing_rate: float
) -> pd.DataFrame:
    """One row per respondent: id, branch, survey weight, overall (1-10) and ten attribute ratings (1-5)."""
    n = int(n_driver_survey)
    if n < 0:
        raise ValueError("n_driver_survey must be >= 0")
    branches = data.branches["branch"].to_numpy()
    b = rng.integers(0, len(branches), size=n)
    halo = rng.normal(0.0, 0.45, size=n)
    df = pd.DataFrame({"respondent_id": np.arange(1, n + 1), "branch": branches[b]})
    df["weight"] = np.round(rng.choice([0.6, 0.8, 1.0, 1.25, 1.6], size=n, p=[0.1, 0.2, 0.4, 0.2, 0.1]), 2)
    latent = np.zeros(n)
    ratings = {}
    for name, (w, cls, levels) in ATTRIBUTES.items():
        lat = np.asarray(levels)[b] + halo + rng.normal(0.0, 0.8, size=n)
        r = np.clip(np.rint(lat), 1, 5)
        ratings[name] = r
        latent += w * _effect(r, cls)
    overall = np.clip(np.rint(6.6 + 0.9 * latent + rng.normal(0.0, 0.9, size=n)), 1, 10)
    df["overall"] = overall
    for name, rated in ratings.items():
        col = rated.copy()
        col[rng.random(n) < float(driver_missing_rate)] = np.nan
        df[name] = col
    data.truth["driver_survey"] = {
        "weights": {k: v[0] for k, v in ATTRIBUTES.items()},
        "classes": {k: v[1] for k, v in ATTRIBUTES.items()},
        "top_drivers": ["wait_time", "accuracy"],
        "minor_drivers": ["parking", "decor"],
        "branch_levels": {k: dict(zip(branches, v[2])) for k, v in ATTRIBUTES.items()},
        "overall_scale": (1, 10),
        "attribute_scale": (1, 5),
    }
    return df
