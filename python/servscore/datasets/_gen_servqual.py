"""Sample table ``servqual``: a SERVQUAL survey with a zone-of-tolerance block and 100-point allocations."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._registry import table

# Planted: responsiveness has the most negative gap and falls below the zone of tolerance
# (customers' adequate level for it is high); reliability gets the most points; the
# branches' service levels (BRANCHES) shift all perceptions.
_DIMS = ["tangibles", "reliability", "responsiveness", "assurance", "empathy"]
_GROUPS = [range(0, 4), range(4, 9), range(9, 13), range(13, 17), range(17, 22)]
_P_SHIFT = {"tangibles": 0.3, "reliability": -0.3, "responsiveness": -0.9, "assurance": 0.0, "empathy": 0.0}
_A_SHIFT = {"tangibles": 0.0, "reliability": 0.3, "responsiveness": 1.0, "assurance": 0.0, "empathy": 0.0}
_IMPORTANCE = [1.5, 3.2, 2.2, 1.8, 1.6]
# Spread of a respondent's own level on each dimension: the items of a dimension share it,
# which sets the dimension's alpha (tangibles is planted as the least consistent one).
_DIM_SPREAD = {"tangibles": 0.15, "reliability": 0.6, "responsiveness": 0.6, "assurance": 0.55, "empathy": 0.6}


def _allocate(rng: np.random.Generator, n: int) -> np.ndarray:
    """100 points per respondent over the five dimensions (largest-remainder rounding)."""
    share = rng.dirichlet(np.array(_IMPORTANCE) * 4, size=n) * 100
    pts = np.floor(share)
    rest = (100 - pts.sum(axis=1)).astype(int)
    order = np.argsort(-(share - pts), axis=1, kind="stable")
    for i in range(n):
        pts[i, order[i, : rest[i]]] += 1
    return pts


@table("servqual", n_servqual=500, servqual_missing_rate=0.01)
def servqual(data: Any, rng: np.random.Generator, *, n_servqual: int, servqual_missing_rate: float) -> pd.DataFrame:
    """One row per respondent: id, branch; expectations ``e_q1``-``e_q22`` and perceptions ``p_q1``-``p_q22``
    (7-point, 1991 wording); zone of tolerance ``a_q*`` (adequate), ``d_q*`` (desired), ``z_q*`` (perceived) on a
    9-point scale; 100-point allocations ``points_<dimension>``."""
    n = int(n_servqual)
    if n < 0:
        raise ValueError("n_servqual must be >= 0")
    branches = data.branches
    b = rng.integers(0, len(branches), size=n)
    level = ((branches["procedural_level"] + branches["personal_level"]) / 2).to_numpy()[b]
    base = 3.2 + 0.6 * level + rng.normal(0.0, 0.5, size=n)
    e_resp = rng.normal(0.0, 0.4, size=n)
    a_resp = rng.normal(0.0, 0.5, size=n)
    e = np.empty((n, 22))
    p = np.empty((n, 22))
    a = np.empty((n, 22))
    d = np.empty((n, 22))
    z = np.empty((n, 22))
    for dim, idx in zip(_DIMS, _GROUPS):
        own = rng.normal(0.0, _DIM_SPREAD[dim], size=n)
        for j in idx:
            e[:, j] = np.clip(np.rint(6.1 + e_resp + rng.normal(0.0, 0.6, size=n)), 1, 7)
            lat = base + own + _P_SHIFT[dim] + rng.normal(0.0, 0.7, size=n)
            p[:, j] = np.clip(np.rint(lat), 1, 7)
            a[:, j] = np.clip(np.rint(5.0 + _A_SHIFT[dim] + a_resp + rng.normal(0.0, 0.7, size=n)), 1, 9)
            d[:, j] = np.clip(np.rint(a[:, j] + 2.0 + rng.normal(0.0, 0.8, size=n)), a[:, j], 9)
            z[:, j] = np.clip(np.rint((lat - 1.0) * 8.0 / 6.0 + 1.0 + rng.normal(0.0, 0.5, size=n)), 1, 9)
    for m in (e, p):
        m[rng.random(size=m.shape) < float(servqual_missing_rate)] = np.nan
    points = _allocate(rng, n)
    cols: dict[str, Any] = {"respondent_id": np.arange(1, n + 1), "branch": branches["branch"].to_numpy()[b]}
    for prefix, m in (("e", e), ("p", p), ("a", a), ("d", d), ("z", z)):
        for j in range(22):
            cols[f"{prefix}_q{j + 1}"] = m[:, j]
    for k, dim in enumerate(_DIMS):
        cols[f"points_{dim}"] = points[:, k]
    data.truth["servqual"] = {
        "weakest_dimension": "responsiveness",
        "most_important_dimension": "reliability",
        "below_zone": ["responsiveness"],
        "least_consistent_dimension": "tangibles",
        "best_branch": "Central",
        "worst_branch": "Old Town",
        "form": 1991,
    }
    return pd.DataFrame(cols)
