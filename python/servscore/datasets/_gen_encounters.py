"""Sample table ``encounters``: rated service encounters across branches, staff, channels and months."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._core import default_encounter_indicators
from ._registry import table

# Planted: Harbour is friendly but disorganised (high personal, low procedural);
# Airport is a factory; Old Town a freezer; Central quality; Riverside mixed.
# Within Central, staff C03 is weak on naming_names; Harbour is weakest on timeliness.
_CHANNELS = ["counter", "phone", "chat"]


@table("encounters", n_encounters=3000, encounter_missing_rate=0.02)
def encounters(
    data: Any, rng: np.random.Generator, *, n_encounters: int, encounter_missing_rate: float
) -> pd.DataFrame:
    """One row per encounter: id, branch, staff, channel, month, and a 1-5 rating per indicator."""
    n = int(n_encounters)
    if n < 0:
        raise ValueError("n_encounters must be >= 0")
    inds = default_encounter_indicators()
    branches = data.branches
    nb = len(branches)
    staff_per_branch = 5
    b = rng.integers(0, nb, size=n)
    s = rng.integers(0, staff_per_branch, size=n)
    staff_ids = np.array([f"{branches['branch'][i][0]}{j + 1:02d}" for i in range(nb) for j in range(staff_per_branch)])
    staff_effect = rng.normal(0.0, 0.15, size=(nb * staff_per_branch, 2))
    sid = b * staff_per_branch + s
    proc_level = branches["procedural_level"].to_numpy()[b] + staff_effect[sid, 0]
    pers_level = branches["personal_level"].to_numpy()[b] + staff_effect[sid, 1]
    enc = rng.normal(0.0, 0.35, size=(n, 2))
    k = len(inds)
    ratings = np.empty((n, k))
    for j, ind in enumerate(inds):
        base = proc_level if ind.side == "procedural" else pers_level
        lat = base + enc[:, 0 if ind.side == "procedural" else 1] + rng.normal(0.0, 0.55, size=n)
        if ind.name == "timeliness":
            lat = lat - 0.9 * (b == 1)  # Harbour: slow above all
        if ind.name == "naming_names":
            lat = lat - 1.6 * (staff_ids[sid] == "C03")  # Central: C03 never uses names
        ratings[:, j] = np.clip(np.rint(lat), 1, 5)
    mask = rng.random(size=(n, k)) < float(encounter_missing_rate)
    ratings[mask] = np.nan
    month = pd.period_range("2026-01", periods=6, freq="M").astype(str).to_numpy()
    df = pd.DataFrame(
        {
            "encounter_id": np.arange(1, n + 1),
            "branch": branches["branch"].to_numpy()[b],
            "staff": staff_ids[sid],
            "channel": np.array(_CHANNELS)[rng.integers(0, 3, size=n)],
            "month": month[rng.integers(0, len(month), size=n)],
        }
    )
    for j, ind in enumerate(inds):
        df[ind.name] = ratings[:, j]
    data.truth["encounters"] = {
        "profiles": dict(zip(branches["branch"], branches["profile"])),
        "friendly_branch": "Harbour",
        "factory_branch": "Airport",
        "freezer_branch": "Old Town",
        "quality_branch": "Central",
        "harbour_top_puller": "timeliness",
        "weak_staff": {"C03": "naming_names"},
    }
    return df
