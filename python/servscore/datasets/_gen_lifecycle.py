"""Sample tables ``journey`` (a 6+2 lifecycle survey) and ``loyalty`` (satisfaction, loyalty, NPS, complaints)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._core import default_touchpoints
from ._registry import table

# Planted journey: latent stage means on the 1-5 scale. Caring is the weakest step (the
# deck rates its own company "rare" there) and close contact is weak; tying the knot is
# strong ("very strong"). Caring improves by 0.4 in the 2026 wave. Importance ratings
# are highest for caring and taking responsibility, so caring is also "concentrate here".
_STAGE_LEVEL = {
    "warm_handshake": 3.85,
    "tying_the_knot": 4.4,
    "close_contact": 3.3,
    "moving_in": 3.9,
    "caring": 2.9,
    "taking_responsibility": 3.7,
    "all_the_way_together": 3.8,
    "four_year_appointment": 3.8,
}
_STAGE_IMPORTANCE = {
    "warm_handshake": 3.4,
    "tying_the_knot": 3.8,
    "close_contact": 3.5,
    "moving_in": 3.9,
    "caring": 4.5,
    "taking_responsibility": 4.5,
    "all_the_way_together": 3.0,
    "four_year_appointment": 3.2,
}


@table("journey", n_journey=2000, journey_missing_rate=0.03)
def journey(data: Any, rng: np.random.Generator, *, n_journey: int, journey_missing_rate: float) -> pd.DataFrame:
    """One row per surveyed owner: id, owner type, city, wave, a 1-5 rating per touchpoint and
    an ``imp_<touchpoint>`` importance rating (1-5) per touchpoint."""
    n = int(n_journey)
    if n < 0:
        raise ValueError("n_journey must be >= 0")
    tps = default_touchpoints()
    owner = np.where(rng.random(n) < 0.55, "existing_owner", "new_owner")
    wave = np.where(rng.random(n) < 0.5, "2025", "2026")
    city = np.array(["Shenzhen", "Guangzhou", "Dongguan"])[rng.integers(0, 3, size=n)]
    person = rng.normal(0.0, 0.35, size=n)
    stage_noise = {s: rng.normal(0.0, 0.3, size=n) for s in _STAGE_LEVEL}
    df = pd.DataFrame({"respondent_id": np.arange(1, n + 1), "owner_type": owner, "city": city, "wave": wave})
    for t in tps:
        lat = _STAGE_LEVEL[t.stage] + person + stage_noise[t.stage] + rng.normal(0.0, 0.6, size=n)
        if t.stage == "caring":
            lat = lat + 0.4 * (wave == "2026")
        r = np.clip(np.rint(lat), 1, 5)
        miss = rng.random(n) < float(journey_missing_rate)
        if t.stage == "all_the_way_together":
            miss |= rng.random(n) < 0.6  # "too few customers" use the purchase advice
        if t.stage == "four_year_appointment":
            miss |= owner == "new_owner"  # only owners of four years and more had the check-up
        r[miss] = np.nan
        df[t.name] = r
    for t in tps:
        imp = np.clip(np.rint(_STAGE_IMPORTANCE[t.stage] + rng.normal(0.0, 0.7, size=n)), 1, 5)
        imp[rng.random(n) < float(journey_missing_rate)] = np.nan
        df["imp_" + t.name] = imp
    data.truth["journey"] = {
        "weak_stage": "caring",
        "weak_stages": ["close_contact", "caring"],
        "strong_stage": "tying_the_knot",
        "stage_levels": dict(_STAGE_LEVEL),
        "caring_improves_in": "2026",
        "concentrate_here": "caring",
        "importance_prefix": "imp_",
    }
    return df


# Planted segment shares per market: a competitive market (loyalty collapses below the
# top box) and a monopoly (hostages: loyal though dissatisfied).
_SHARES = {
    "competitive": {"apostle": 0.28, "mercenary": 0.07, "hostage": 0.10, "defector": 0.30, "terrorist": 0.25},
    "monopoly": {"apostle": 0.30, "mercenary": 0.05, "hostage": 0.45, "defector": 0.12, "terrorist": 0.08},
}


@table("loyalty", n_loyalty=3000, loyalty_missing_rate=0.02)
def loyalty(data: Any, rng: np.random.Generator, *, n_loyalty: int, loyalty_missing_rate: float) -> pd.DataFrame:
    """One row per customer: id, market, branch, satisfaction (1-5), loyalty (repurchase intention,
    1-5), nps (0-10) and complained (bool)."""
    n = int(n_loyalty)
    if n < 0:
        raise ValueError("n_loyalty must be >= 0")
    segs = list(_SHARES["competitive"])
    market = np.where(rng.random(n) < 0.5, "competitive", "monopoly")
    seg = np.empty(n, dtype=object)
    for m, shares in _SHARES.items():
        idx = np.flatnonzero(market == m)
        seg[idx] = rng.choice(segs, size=len(idx), p=[shares[s] for s in segs])
    high_sat = np.isin(seg, ["apostle", "mercenary"])
    high_loy = np.isin(seg, ["apostle", "hostage"])
    low = rng.choice([1, 2, 3, 4], size=(n, 2), p=[0.1, 0.2, 0.35, 0.35]).astype(float)
    sat = np.where(high_sat, 5.0, low[:, 0])
    loy = np.where(high_loy, 5.0, low[:, 1])
    nps = np.empty(n)
    complained = rng.random(n) < 0.05
    for s, lo, hi in (("apostle", 9, 10), ("mercenary", 7, 9), ("hostage", 4, 8), ("defector", 7, 8)):
        idx = np.flatnonzero(seg == s)
        nps[idx] = rng.integers(lo, hi + 1, size=len(idx))
    complained[seg == "defector"] = False
    t = np.flatnonzero(seg == "terrorist")
    detr = rng.random(len(t)) < 0.7
    nps[t] = np.where(detr, rng.integers(0, 7, size=len(t)), rng.integers(7, 9, size=len(t)))
    complained[t[~detr]] = True
    complained[t[detr]] = rng.random(int(detr.sum())) < 0.4
    # missing values: satisfaction and loyalty (counted, not segmented); NPS only where it does
    # not decide the segment (not among the dissatisfied disloyal)
    rate = float(loyalty_missing_rate)
    sat[rng.random(n) < rate] = np.nan
    loy[rng.random(n) < rate / 2] = np.nan
    lowlow = np.isin(seg, ["defector", "terrorist"])
    nps[(rng.random(n) < rate) & ~lowlow] = np.nan
    df = pd.DataFrame(
        {
            "customer_id": np.arange(1, n + 1),
            "market": market,
            "branch": data.branches["branch"].to_numpy()[rng.integers(0, len(data.branches), size=n)],
            "satisfaction": sat,
            "loyalty": loy,
            "nps": nps,
            "complained": complained,
        }
    )
    data.truth["loyalty"] = {
        "shares": {m: dict(s) for m, s in _SHARES.items()},
        "zones": {"competitive": "competitive", "monopoly": "non_competitive"},
        "segments": seg.tolist(),
    }
    return df
