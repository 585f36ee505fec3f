"""Sample tables ``visits`` (situations, time elements, standards observations by branch and
week) and ``moments`` (the cycle of service of a subset of visits, one row per moment)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._registry import table

# Planted (see truth): Harbour is slow (long waits: the long_wait rule fires most there, the
# waiting target is attained least); in week 2026-W08 greeting times triple everywhere (the
# greeting_quality p-chart flags it); Central judges the purpose of the visit most often;
# across visits "wait_in_line" is the weakest moment; at Riverside the visit ends badly
# ("ride_off" scores low: a good start, a bad ending).
_WEEKS = [f"2026-W{w:02d}" for w in range(1, 13)]
_BAD_WEEK = "2026-W08"
_CYCLE = [
    "park_bike",
    "store_bag",
    "take_basket",
    "find_way",
    "choose",
    "ask_staff",
    "wait_in_line",
    "pay",
    "check_out",
    "collect_bag",
    "ride_off",
]


def _bern(rng: np.random.Generator, p: Any, n: int) -> np.ndarray:
    out: np.ndarray = (rng.random(n) < p).astype(float)
    return out


@table("visits", n_visits=2000)
def visits(data: Any, rng: np.random.Generator, *, n_visits: int) -> pd.DataFrame:
    """One row per visit: branch, week, the situation fields of the needs rules, the nine time
    elements and the observations of the service standards."""
    n = int(n_visits)
    if n < 0:
        raise ValueError("n_visits must be >= 0")
    names = data.branches["branch"].to_numpy()
    b = rng.integers(0, len(names), size=n)
    branch = names[b]
    week_i = rng.integers(0, len(_WEEKS), size=n)
    week = np.array(_WEEKS)[week_i]
    harbour = branch == "Harbour"
    peak = _bern(rng, 0.3, n)
    queue = _bern(rng, np.where(branch == "Airport", 0.15, 0.04), n)
    wait = np.round(rng.exponential(np.where(harbour, 9.0, 3.5) + 3.0 * peak), 1)
    watch = _bern(rng, np.where(wait >= 10, 0.55, 0.05), n)
    children = _bern(rng, 0.15, n)
    first = _bern(rng, 0.25, n)
    days = np.where(first == 1, np.nan, np.floor(rng.exponential(30.0, size=n)))
    repeat = days <= 7
    complaint = _bern(rng, np.where(repeat, 0.3, 0.04), n)
    elderly = _bern(rng, 0.12, n)

    def lognormal(median: float, sigma: float) -> np.ndarray:
        return np.round(median * np.exp(rng.normal(0.0, sigma, size=n)), 1)

    booking = lognormal(2.0, 0.6)
    response = lognormal(0.6, 0.7)
    service = lognormal(11.0, 0.35)
    after = lognormal(2.5, 0.7)
    delivery = np.where(rng.random(n) < 0.35, np.round(rng.gamma(3.0, 0.9, size=n), 1), np.nan)
    delay = np.where(rng.random(n) < 0.2, np.round(rng.exponential(8.0, size=n), 1), 0.0)
    guarantee = np.where(rng.random(n) < 0.1, np.round(rng.gamma(2.0, 2.5, size=n), 1), np.nan)
    correction = np.where(complaint == 1, np.round(rng.gamma(2.0, 10.0, size=n), 1), np.nan)

    greet = rng.gamma(2.0, np.where(branch == "Central", 1.1, 1.9), size=n)
    greet = np.round(greet * np.where(week == _BAD_WEEK, 3.0, 1.0), 1)
    answered = _bern(rng, 0.95, n)
    judged = _bern(rng, np.where(branch == "Central", 0.8, 0.5), n)
    friendly = _bern(rng, np.where(branch == "Old Town", 0.7, 0.92), n)
    smiled = _bern(rng, np.where(branch == "Old Town", 0.5, 0.8), n)
    warm = _bern(rng, 0.75, n) * smiled + (1 - smiled) * _bern(rng, 0.3, n)
    dissatisfied = _bern(rng, np.where(complaint == 1, 0.8, 0.08), n)
    heard = np.where(dissatisfied == 1, _bern(rng, 0.9, n), np.nan)
    manager = np.where(dissatisfied == 1, _bern(rng, 0.45, n), np.nan)
    neat = _bern(rng, 0.96, n)
    dress = _bern(rng, 0.85, n)
    observed = {
        "greet_seconds": greet,
        "question_answered": answered,
        "purpose_judged": judged,
        "friendly": friendly,
        "smiled": smiled,
        "warm_conversation": warm,
        "dissatisfied": dissatisfied,
        "complaint_heard": heard,
        "manager_handled": manager,
        "neat": neat,
        "dress_code_followed": dress,
    }
    for k, v in observed.items():  # about 1% not observed
        if k not in ("dissatisfied", "complaint_heard", "manager_handled"):
            v[rng.random(n) < 0.01] = np.nan
    df = pd.DataFrame(
        {
            "visit_id": np.arange(1, n + 1),
            "branch": branch,
            "week": week,
            "wait_minutes": wait,
            "looked_at_watch": watch,
            "with_children": children,
            "queue_before_opening": queue,
            "peak_hour": peak,
            "days_since_last_contact": days,
            "complaint_open": complaint,
            "first_visit": first,
            "elderly": elderly,
            "booking_minutes": booking,
            "response_minutes": response,
            "service_minutes": service,
            "after_service_minutes": after,
            "delivery_days": delivery,
            "delay_minutes": delay,
            "guarantee_days": guarantee,
            "correction_hours": correction,
            **observed,
        }
    )
    flags = ["looked_at_watch", "with_children", "queue_before_opening", "peak_hour", "complaint_open", "first_visit"]
    for c in flags + ["elderly"]:
        df[c] = df[c].astype(int)
    data.truth["visits"] = {
        "slow_branch": "Harbour",
        "long_wait_branch": "Harbour",
        "queue_branch": "Airport",
        "out_of_control_week": _BAD_WEEK,
        "out_of_control_standard": "greeting_quality",
        "anticipating_branch": "Central",
        "unfriendly_branch": "Old Town",
        "weeks": list(_WEEKS),
    }
    return df


@table("moments", n_moment_visits=600)
def moments(data: Any, rng: np.random.Generator, *, n_moment_visits: int) -> pd.DataFrame:
    """One row per moment of truth of a visit (the source's supermarket cycle of service):
    visit_id, branch, week, order, moment, score (1-5; a few not scored)."""
    n = int(n_moment_visits)
    if n < 0:
        raise ValueError("n_moment_visits must be >= 0")
    names = data.branches["branch"].to_numpy()
    branch = names[rng.integers(0, len(names), size=n)]
    week = np.array(_WEEKS)[rng.integers(0, len(_WEEKS), size=n)]
    level = {"Central": 4.2, "Harbour": 3.9, "Airport": 3.8, "Old Town": 3.4, "Riverside": 4.0}
    effect = {"park_bike": 0.3, "find_way": -0.2, "wait_in_line": -1.4, "pay": -0.1, "check_out": -0.2}
    has_bag = rng.random(n) < 0.7
    asks = rng.random(n) < 0.4
    rows_v, rows_o, rows_m, rows_s = [], [], [], []
    visit_level = rng.normal(0.0, 0.4, size=n)
    for j, m in enumerate(_CYCLE):
        present = np.ones(n, dtype=bool)
        if m in ("store_bag", "collect_bag"):
            present = has_bag
        elif m == "ask_staff":
            present = asks
        idx = np.flatnonzero(present)
        base = np.array([level[x] for x in branch[idx]]) + visit_level[idx] + effect.get(m, 0.0)
        if m == "ride_off":
            base = base - 2.2 * (branch[idx] == "Riverside")
        s = np.clip(np.rint(base + rng.normal(0.0, 0.6, size=len(idx))), 1, 5)
        s[rng.random(len(idx)) < 0.02] = np.nan
        rows_v.append(idx)
        rows_o.append(np.full(len(idx), j + 1))
        rows_m.append(np.full(len(idx), m, dtype=object))
        rows_s.append(s)
    v = np.concatenate(rows_v) if rows_v else np.empty(0, dtype=int)
    order = np.concatenate(rows_o) if rows_o else np.empty(0, dtype=int)
    sort = np.lexsort((order, v))
    v = v[sort]
    df = pd.DataFrame(
        {
            "visit_id": v + 1,
            "branch": branch[v],
            "week": week[v],
            "order": order[sort],
            "moment": np.concatenate(rows_m)[sort] if rows_m else np.empty(0, dtype=object),
            "score": np.concatenate(rows_s)[sort] if rows_s else np.empty(0),
        }
    )
    data.truth["moments"] = {
        "cycle": list(_CYCLE),
        "weakest_moment": "wait_in_line",
        "bad_ending_branch": "Riverside",
        "bad_ending_moment": "ride_off",
    }
    return df
