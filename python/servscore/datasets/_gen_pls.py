"""Sample table ``index_survey``: an ECSI-style satisfaction-index survey from a planted structural model."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._registry import table

#: Latents, their number of indicators, and the planted standardised path coefficients (from, to): value.
LATENTS = {"IMAG": 5, "EXPE": 4, "QUAL": 5, "VAL": 3, "SAT": 3, "LOY": 3}
PATHS = {
    ("IMAG", "EXPE"): 0.55,
    ("EXPE", "QUAL"): 0.60,
    ("EXPE", "VAL"): 0.20,
    ("QUAL", "VAL"): 0.55,
    ("IMAG", "SAT"): 0.20,
    ("EXPE", "SAT"): 0.05,
    ("QUAL", "SAT"): 0.30,
    ("VAL", "SAT"): 0.40,
    ("IMAG", "LOY"): 0.25,
    ("SAT", "LOY"): 0.55,
}
#: Standardised loading of every indicator on its latent, and the mean rating per latent (1-10 scale).
LOADING = 0.9
MEANS = {"IMAG": 7.4, "EXPE": 7.6, "QUAL": 7.0, "VAL": 6.4, "SAT": 6.9, "LOY": 6.6}
SYNTAX = "\n".join(
    [f"{lv} =~ " + " + ".join(f"{lv.lower()}{i + 1}" for i in range(k)) for lv, k in LATENTS.items()]
    + [f"{to} ~ " + " + ".join(f for (f, t) in PATHS if t == to) for to in LATENTS if any(t == to for (_, t) in PATHS)]
)


def _latent_scores(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Standardised latents: each endogenous one is its predecessors' planted combination plus noise of the
    variance that leaves it with unit variance (computed from the implied correlations)."""
    names = list(LATENTS)
    corr = np.eye(len(names))
    values: dict[str, np.ndarray] = {}
    for j, lv in enumerate(names):
        preds = [(f, b) for (f, t), b in PATHS.items() if t == lv]
        if not preds:
            values[lv] = rng.standard_normal(n)
            continue
        idx = [names.index(f) for f, _ in preds]
        beta = np.array([b for _, b in preds])
        explained = float(beta @ corr[np.ix_(idx, idx)] @ beta)
        values[lv] = sum(b * values[f] for f, b in preds) + np.sqrt(1.0 - explained) * rng.standard_normal(n)
        # implied correlations of lv with every earlier latent
        for k in range(j):
            corr[j, k] = corr[k, j] = float(beta @ corr[idx, k])
    return values


@table("index_survey", n_respondents=1500, index_missing_rate=0.01)
def index_survey(data: Any, rng: np.random.Generator, *, n_respondents: int, index_missing_rate: float) -> pd.DataFrame:
    """One row per respondent: id, segment, and 1-10 ratings of image, expectations, perceived quality,
    perceived value, satisfaction and loyalty (ECSI blocks), generated from planted path coefficients."""
    n = int(n_respondents)
    if n < 0:
        raise ValueError("n_respondents must be >= 0")
    lat = _latent_scores(rng, n)
    df = pd.DataFrame(
        {
            "respondent_id": np.arange(1, n + 1),
            "segment": np.array(["private", "business", "premium"])[rng.integers(0, 3, size=n)],
        }
    )
    noise_sd = np.sqrt(1.0 - LOADING**2)
    for lv, k in LATENTS.items():
        for i in range(k):
            z = LOADING * lat[lv] + noise_sd * rng.standard_normal(n)
            x = np.clip(np.rint(MEANS[lv] + 1.6 * z), 1, 10)
            mask = rng.random(n) < float(index_missing_rate)
            x[mask] = np.nan
            df[f"{lv.lower()}{i + 1}"] = x
    data.truth["index_survey"] = {
        "paths": {f"{f} -> {t}": b for (f, t), b in PATHS.items()},
        "loading": LOADING,
        "model": SYNTAX,
    }
    return df
