"""Sample tables ``customers`` (planted social styles, a style questionnaire) and ``interactions``
(transcripts in English and Chinese with planted staff behaviours and customer signals, situation
fields, encounter ratings). Transcripts are drawn from :mod:`._text_bank`, a phrase bank written apart
from the cue lexicon."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._core import default_encounter_indicators
from . import _text_bank
from ._registry import table

_STYLES = ["analytical", "amiable", "driver", "expressive"]
# style -> (sign of assertiveness, sign of responsiveness)
_SIGNS = {"analytical": (-1, -1), "amiable": (-1, 1), "driver": (1, -1), "expressive": (1, 1)}
_SURNAMES_EN = ["Smith", "Brown", "Taylor", "Wilson", "Clark", "Lewis", "Walker", "Young"]
_SURNAMES_ZH = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵"]

# The default 12-item instrument: (item, axis, reverse)
_ITEMS = [(f"a{i}", 0, i % 2 == 0) for i in range(1, 7)] + [(f"r{i}", 1, i % 2 == 0) for i in range(1, 7)]


@table("customers", n_customers=600, customer_missing_rate=0.02)
def customers(data: Any, rng: np.random.Generator, *, n_customers: int, customer_missing_rate: float) -> pd.DataFrame:
    """One row per customer: id, branch, language, surname, first-visit date, and the twelve 1-7 answers
    (a1-a6 assertiveness, r1-r6 responsiveness; even items reverse-keyed) of the default style questionnaire."""
    n = int(n_customers)
    if n < 0:
        raise ValueError("n_customers must be >= 0")
    style = rng.choice(_STYLES, size=n, p=[0.25, 0.3, 0.2, 0.25])
    lang = np.where(rng.random(n) < 0.5, "zh", "en")
    latent = np.empty((n, 2))
    for s, (sa, sr) in _SIGNS.items():
        m = style == s
        latent[m, 0] = sa * rng.uniform(0.25, 0.9, size=m.sum())
        latent[m, 1] = sr * rng.uniform(0.25, 0.9, size=m.sum())
    answers = np.empty((n, len(_ITEMS)))
    for j, (_, axis, rev) in enumerate(_ITEMS):
        x = 4.0 + 3.0 * latent[:, axis] + rng.normal(0.0, 0.9, size=n)
        x = np.clip(np.rint(x), 1, 7)
        answers[:, j] = 8 - x if rev else x
    answers[rng.random(size=answers.shape) < float(customer_missing_rate)] = np.nan
    surname = np.where(
        lang == "zh",
        np.array(_SURNAMES_ZH)[rng.integers(0, 8, size=n)],
        np.array(_SURNAMES_EN)[rng.integers(0, 8, size=n)],
    )
    df = pd.DataFrame(
        {
            "customer_id": np.arange(1, n + 1),
            "branch": data.branches["branch"].to_numpy()[rng.integers(0, len(data.branches), size=n)],
            "lang": lang,
            "surname": surname,
        }
    )
    for j, (name, _, _) in enumerate(_ITEMS):
        df[name] = answers[:, j]
    data.truth["customers"] = {"style": style.tolist(), "latent": latent}
    return df


# Sentences from the phrase bank (written apart from the cue lexicon; {n}: surname, {b}: branch):
# each shows one concept, a staff behaviour or a customer signal.
_STAFF = _text_bank.STAFF
_CUSTOMER = _text_bank.CUSTOMER
_FILLER = _text_bank.FILLER
# staff cues per branch profile: (positive-cue probability, lost-sale-cue probability)
_PROFILE = {
    "quality": (0.55, 0.03),
    "friendly": (0.5, 0.06),
    "factory": (0.15, 0.12),
    "freezer": (0.08, 0.25),
    "mixed": (0.3, 0.1),
}
_POSITIVE = [
    "greeting",
    "using_name",
    "apology",
    "thanks_for_waiting",
    "thanks",
    "offering_help",
    "anticipating_need",
    "product_knowledge",
]
_NEGATIVE = [k for k in _STAFF if k not in _POSITIVE]
_STYLE_CUE = {
    "analytical": "detail_question",
    "driver": "command",
    "expressive": "emotional",
    "amiable": "seeks_reassurance",
}


@table("interactions", n_interactions=2000, observed_rate=0.4)
def interactions(data: Any, rng: np.random.Generator, *, n_interactions: int, observed_rate: float) -> pd.DataFrame:
    """One row per interaction: id, customer, branch, staff, channel, language, transcript (English or
    Chinese, staff and customer turns with planted cues), the situation fields the needs engine reads
    (wait_minutes, looked_at_watch, with_children, queue_before_opening, peak_hour,
    days_since_last_contact (NaN on a first visit), complaint_open, first_visit, elderly) and, for the observed share, 1-5
    ratings of Martin's sixteen encounter indicators (NaN when not observed)."""
    n = int(n_interactions)
    if n < 0:
        raise ValueError("n_interactions must be >= 0")
    cust = data.customers
    styles = np.asarray(data.truth["customers"]["style"])
    ci = rng.integers(0, len(cust), size=n)
    lang = cust["lang"].to_numpy()[ci]
    branches = data.branches
    bi = rng.integers(0, len(branches), size=n)
    profile = branches["profile"].to_numpy()[bi]
    wait = np.round(rng.gamma(2.0, 4.0, size=n), 1)
    looked = (wait > 12) & (rng.random(n) < 0.7)
    children = rng.random(n) < 0.15
    before_open = rng.random(n) < 0.05
    peak = rng.random(n) < 0.3
    first = rng.random(n) < 0.2
    # a first visit has no previous contact: missing, not -1 (which read as "<= 7 days" and fired "recognised")
    days = np.where(first, np.nan, rng.integers(1, 400, size=n).astype(np.float64))
    complaint_open = rng.random(n) < 0.08
    elderly = rng.random(n) < 0.12
    planted: list[list[str]] = []
    texts: list[str] = []
    for i in range(n):
        li = 1 if lang[i] == "zh" else 0
        name = cust["surname"].iloc[ci[i]]
        fmt = {"n": name, "b": branches["branch"].iloc[bi[i]]}
        p_pos, p_neg = _PROFILE[profile[i]]
        cues_i: list[str] = []
        staff = [c for c in _POSITIVE if rng.random() < p_pos] + [c for c in _NEGATIVE if rng.random() < p_neg]
        customer: list[str] = []
        if looked[i] or wait[i] > 15:
            customer.append("time_pressure")
        if children[i]:
            customer.append("children")
        if first[i] and rng.random() < 0.6:
            customer.append("first_time")
        if complaint_open[i]:
            customer.append("complaint")
        if rng.random() < 0.8:  # most customers show their style; some say too little
            customer += [_STYLE_CUE[styles[ci[i]]]] * int(rng.integers(2, 4))
        turns: list[str] = []
        order = staff + customer
        rng.shuffle(order)
        for c in order:
            options = (_STAFF.get(c) or _CUSTOMER[c])[li]
            who = ("Staff: ", "Customer: ") if li == 0 else ("店员：", "顾客：")
            turns.append(
                (who[0] if c in _STAFF else who[1]) + options[int(rng.integers(0, len(options)))].format(**fmt)
            )
            cues_i.append(c)
            if rng.random() < 0.4:
                f = _FILLER[li]
                turns.append(who[int(rng.integers(0, 2))] + f[int(rng.integers(0, len(f)))])
        texts.append((" " if li == 0 else "").join(turns))
        planted.append(sorted(set(cues_i)))
    inds = default_encounter_indicators()
    observed = rng.random(n) < float(observed_rate)
    df = pd.DataFrame(
        {
            "interaction_id": np.arange(1, n + 1),
            "customer_id": cust["customer_id"].to_numpy()[ci],
            "branch": branches["branch"].to_numpy()[bi],
            "channel": np.array(["counter", "phone", "chat"])[rng.integers(0, 3, size=n)],
            "lang": lang,
            "transcript": texts,
            "wait_minutes": wait,
            "looked_at_watch": looked,
            "with_children": children,
            "queue_before_opening": before_open,
            "peak_hour": peak,
            "days_since_last_contact": days,
            "complaint_open": complaint_open,
            "first_visit": first,
            "elderly": elderly,
        }
    )
    proc = branches["procedural_level"].to_numpy()[bi]
    pers = branches["personal_level"].to_numpy()[bi]
    for ind in inds:
        base = proc if ind.side == "procedural" else pers
        r = np.clip(np.rint(base + rng.normal(0.0, 0.7, size=n)), 1, 5)
        df[ind.name] = np.where(observed, r, np.nan)
    data.truth["interactions"] = {
        "cues": planted,
        "lost_sale": [sorted({_text_bank.LOST_SALE[c] for c in p if c in _text_bank.LOST_SALE}) for p in planted],
        "customer_style": styles[ci].tolist(),
        # the style the transcript shows (None when the customer said too little)
        "shown_style": [next((_text_bank.STYLE[c] for c in p if c in _text_bank.STYLE), None) for p in planted],
        "observed": observed,
    }
    return df
