"""PLS reliability and validity: HTMT / HTMT2, rho_c, rho_A, Fornell-Larcker, VIF, f2, PLSc.

References: seminr's own test fixtures (values copied into tests/data/pls_seminr_mobi.json with
their repository, path and commit) and slow numpy implementations written from the formulas.
"""

from __future__ import annotations

import itertools
import json
import pathlib
import warnings

import numpy as np
import pandas as pd
import pytest
import servscore as ss
from servscore.pls import PlsWarning

DATA = pathlib.Path(__file__).resolve().parents[1] / "data"
SEMINR = json.loads((DATA / "pls_seminr_mobi.json").read_text())

ECSI = """
IMAG =~ imag1 + imag2 + imag3 + imag4 + imag5
EXPE =~ expe1 + expe2 + expe3 + expe4 + expe5
QUAL =~ qual1 + qual2 + qual3 + qual4 + qual5
VAL  =~ val1 + val2 + val3 + val4
SAT  =~ sat1 + sat2 + sat3 + sat4
LOY  =~ loy1 + loy2 + loy3 + loy4
EXPE ~ IMAG
QUAL ~ EXPE
VAL  ~ EXPE + QUAL
SAT  ~ IMAG + EXPE + QUAL + VAL
LOY  ~ IMAG + SAT
"""


@pytest.fixture(scope="module")
def satisfaction() -> pd.DataFrame:
    return pd.read_csv(DATA / "satisfaction.csv", index_col=0)


@pytest.fixture(scope="module")
def mobi() -> pd.DataFrame:
    return pd.read_csv(DATA / "mobi.csv", index_col=0)


def seminr_model() -> ss.PathModel:
    m = SEMINR["model"]
    return ss.PathModel(m["blocks"], [tuple(p) for p in m["paths"]])


# ------------------------------------------------------------------ numpy references


def htmt_reference(corr: np.ndarray, blocks: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """HTMT (arithmetic) and HTMT2 (geometric) from the formulas, pair by pair, absolute correlations."""
    a = np.abs(corr)
    J = len(blocks)

    def mono(b: list[int], geo: bool) -> float:
        if len(b) == 1:
            return 1.0
        v = [a[i, k] for i, k in itertools.combinations(b, 2)]
        return float(np.exp(np.mean(np.log(v)))) if geo else float(np.mean(v))

    h = np.eye(J)
    h2 = np.eye(J)
    for j in range(J):
        for k in range(J):
            if j != k:
                het = [a[i, q] for i in blocks[j] for q in blocks[k]]
                h[j, k] = np.mean(het) / np.sqrt(mono(blocks[j], False) * mono(blocks[k], False))
                h2[j, k] = np.exp(np.mean(np.log(het))) / np.sqrt(mono(blocks[j], True) * mono(blocks[k], True))
    return h, h2


def block_positions(model: ss.PathModel) -> list[list[int]]:
    out, at = [], 0
    for cols in model.blocks.values():
        out.append(list(range(at, at + len(cols))))
        at += len(cols)
    return out


# ------------------------------------------------------------------ HTMT


def test_htmt_uses_absolute_correlations_with_a_reverse_coded_indicator(satisfaction: pd.DataFrame) -> None:
    model = ss.PathModel(ECSI)
    flipped = satisfaction.copy()
    flipped["imag2"] = 10 - flipped["imag2"]  # reverse-coded on the 0-10 scale
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PlsWarning)  # the negative weight is clipped for the index
        r = model.fit(flipped, scale_min=0)
    base = model.fit(satisfaction, scale_min=0)
    corr = np.corrcoef(flipped[model.indicators].to_numpy(float), rowvar=False)
    assert (corr[1, [0, 2, 3, 4]] < 0).all()  # the reversal makes imag2's correlations negative
    h, h2 = htmt_reference(corr, block_positions(model))
    np.testing.assert_allclose(r.htmt.to_numpy(), h, atol=1e-12)
    np.testing.assert_allclose(r.htmt2.to_numpy(), h2, atol=1e-12)
    # absolute correlations: reversing an indicator leaves both ratios unchanged
    np.testing.assert_allclose(r.htmt.to_numpy(), base.htmt.to_numpy(), atol=1e-12)
    np.testing.assert_allclose(r.htmt2.to_numpy(), base.htmt2.to_numpy(), atol=1e-12)
    assert not np.allclose(r.htmt.to_numpy(), r.htmt2.to_numpy(), atol=1e-3)
    signed = corr.copy()
    b = block_positions(model)
    het = signed[np.ix_(b[0], b[4])].mean()
    mono_i = signed[np.ix_(b[0], b[0])][np.triu_indices(5, 1)].mean()
    mono_s = signed[np.ix_(b[4], b[4])][np.triu_indices(4, 1)].mean()
    assert abs(het / np.sqrt(mono_i * mono_s) - r.htmt.loc["IMAG", "SAT"]) > 0.05  # the old, signed figure


def test_htmt_matches_the_seminr_fixture(mobi: pd.DataFrame) -> None:
    r = seminr_model().fit(mobi, scheme="path")
    fx = SEMINR["htmt"]["values"]
    for key, v in fx.items():
        a, b = key.split("|")
        assert r.htmt.loc[a, b] == pytest.approx(v, abs=1e-12), key
        assert r.htmt.loc[b, a] == pytest.approx(v, abs=1e-12), key
    h, h2 = htmt_reference(
        np.corrcoef(mobi[seminr_model().indicators].to_numpy(float), rowvar=False), block_positions(seminr_model())
    )
    np.testing.assert_allclose(r.htmt2.to_numpy(), h2, atol=1e-12)
