"""Sample table ``transactions``: one row per surveyed transaction with NPS, CSAT and CES answers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._registry import table

# Planted: a latent satisfaction per transaction, centred on the branch's service level
# (the mean of its procedural and personal levels, so Central is best and Old Town worst,
# as in the encounter table); chat is a little warmer than the counter, the phone colder
# and much harder work (lower CES); Old Town improves month by month.
_CHANNELS = ["counter", "phone", "chat"]
_CHANNEL_SHIFT = {"counter": 0.0, "phone": -0.25, "chat": 0.1}
_CHANNEL_EFFORT = {"counter": 0.0, "phone": -1.2, "chat": 0.0}


@table("transactions", n_transactions=4000, transaction_missing_rate=0.04)
def transactions(
    data: Any, rng: np.random.Generator, *, n_transactions: int, transaction_missing_rate: float
) -> pd.DataFrame:
    """One row per surveyed transaction: id, branch, channel, month, nps (0-10), csat (1-5), ces (1-7).

    CSAT and CES are skipped by a share ``transaction_missing_rate`` of respondents (empty cells).
    """
    n = int(n_transactions)
    if n < 0:
        raise ValueError("n_transactions must be >= 0")
    branches = data.branches
    level = ((branches["procedural_level"] + branches["personal_level"]) / 2 - 3.4).to_numpy()
    b = rng.integers(0, len(branches), size=n)
    ch = rng.integers(0, len(_CHANNELS), size=n)
    months = pd.period_range("2026-01", periods=6, freq="M").astype(str).to_numpy()
    m = rng.integers(0, len(months), size=n)
    names = branches["branch"].to_numpy()
    old_town = names[b] == "Old Town"
    shift = np.array([_CHANNEL_SHIFT[c] for c in _CHANNELS])[ch]
    trend = np.where(old_town, 0.15 * (m - 2.5), 0.0)  # Old Town: recovering
    u = level[b] + shift + trend + rng.normal(0.0, 1.0, size=n)
    nps = np.clip(np.rint(7.2 + 1.9 * u + rng.normal(0.0, 0.8, size=n)), 0, 10)
    csat = np.clip(np.rint(3.7 + 0.9 * u + rng.normal(0.0, 0.6, size=n)), 1, 5)
    effort = np.array([_CHANNEL_EFFORT[c] for c in _CHANNELS])[ch]
    ces = np.clip(np.rint(5.2 + 0.7 * u + effort + rng.normal(0.0, 0.8, size=n)), 1, 7)
    rate = float(transaction_missing_rate)
    csat[rng.random(n) < rate] = np.nan
    ces[rng.random(n) < rate] = np.nan
    df = pd.DataFrame(
        {
            "transaction_id": np.arange(1, n + 1),
            "branch": names[b],
            "channel": np.array(_CHANNELS)[ch],
            "month": months[m],
            "nps": pd.array(nps, dtype="Int8"),
            "csat": pd.array(csat, dtype="Int8"),
            "ces": pd.array(ces, dtype="Int8"),
        }
    )
    order = [str(names[i]) for i in np.argsort(-level, kind="stable")]
    data.truth["transactions"] = {
        "branch_order": order,  # by planted satisfaction, best first
        "near_tie": ["Harbour", "Airport"],  # planted 0.05 apart: not separable at this size
        "best_branch": order[0],
        "worst_branch": order[-1],
        "hardest_channel": "phone",
        "improving_branch": "Old Town",
        "missing_columns": ["csat", "ces"],
    }
    return df
