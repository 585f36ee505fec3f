"""Sample table ``departures``: one row per former customer with the exit-survey reason and referrals."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._registry import table

# The exit survey's answer options, worded as the course's table words them (a survey tool
# exports the option label chosen). Planted mix: service is still the main reason, but price is
# planted at 20% (the TARP benchmark says 9%) and worse at the Airport branch (30%).
_OPTIONS = ["搬家", "和其他同业有交情", "价钱过高", "产品品质不佳", "服务不周", "其他"]
_MIX = np.array([0.03, 0.05, 0.20, 0.12, 0.58, 0.02])
_AIRPORT_MIX = np.array([0.03, 0.05, 0.30, 0.10, 0.50, 0.02])


@table("departures", n_departures=600, departure_missing_rate=0.05)
def departures(
    data: Any, rng: np.random.Generator, *, n_departures: int, departure_missing_rate: float
) -> pd.DataFrame:
    """One row per former customer: customer_id, branch, reason (exit-survey option, Chinese), referrals made
    before leaving (a count; promoters refer more). A share ``departure_missing_rate`` skipped the reason."""
    n = int(n_departures)
    if n < 0:
        raise ValueError("n_departures must be >= 0")
    names = data.branches["branch"].to_numpy()
    b = rng.integers(0, len(names), size=n)
    airport = names[b] == "Airport"
    u = rng.random(n)
    cum = np.where(airport[:, None], np.cumsum(_AIRPORT_MIX)[None, :], np.cumsum(_MIX)[None, :])
    k = (u[:, None] > cum).sum(axis=1).clip(0, len(_OPTIONS) - 1)
    reason = np.array(_OPTIONS, dtype=object)[k]
    reason[rng.random(n) < float(departure_missing_rate)] = None
    referrals = rng.poisson(np.where(k == 4, 0.5, 1.5), size=n)
    df = pd.DataFrame(
        {"customer_id": np.arange(1, n + 1), "branch": names[b], "reason": reason, "referrals": referrals}
    )
    data.truth["departures"] = {
        "mix": dict(zip(["moved", "competitor_friends", "price", "product_quality", "poor_service", "other"], _MIX)),
        "above_tarp": ["price"],  # planted at 20% against the benchmark's 9%
        "price_branch": "Airport",
        "missing_columns": ["reason"],
    }
    return df
