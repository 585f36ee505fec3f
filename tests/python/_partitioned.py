"""Shared data and checks of test_dask.py and test_spark.py: partition layouts of the sample data and
comparisons of a partitioned result with the in-memory one (the oracle: the in-memory engines are
tested against hand-computed and published values in their own test files)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import servscore as ss

RTOL = 1e-12


def sample() -> Any:
    return ss.datasets.sample(
        seed=11,
        n_transactions=3000,
        n_driver_survey=900,
        n_kano=400,
        n_servqual=300,
        n_encounters=1200,
        n_respondents=600,
        n_interactions=150,
    )


def layouts(n: int) -> dict[str, list[tuple[int, int]]]:
    """Row ranges of the partitions: uneven with empty ones, one partition, many small ones."""
    half = n // 2
    return {
        "uneven": [(0, 0), (0, 7), (7, 7), (7, half), (half, n - 1), (n - 1, n), (n, n)],
        "one": [(0, n)],
        "many": [(0, 0)] + [(i, min(i + n // 9, n)) for i in range(0, n, n // 9)],
    }


def pieces(df: pd.DataFrame, layout: list[tuple[int, int]]) -> list[pd.DataFrame]:
    return [df.iloc[a:b] for a, b in layout]


def assert_frames_close(a: pd.DataFrame, b: pd.DataFrame, rtol: float = RTOL) -> None:
    """Same labels; numbers equal to ``rtol`` relative (1e-13 absolute near zero), the rest equal."""
    assert list(a.index) == list(b.index)
    assert list(a.columns) == list(b.columns)
    for c in a.columns:
        x, y = a[c], b[c]
        if pd.api.types.is_bool_dtype(x.dtype) or not pd.api.types.is_numeric_dtype(x.dtype):
            assert (
                x.astype(object).where(x.notna(), None).tolist() == y.astype(object).where(y.notna(), None).tolist()
            ), c
        else:
            np.testing.assert_allclose(
                x.to_numpy(dtype=float), y.to_numpy(dtype=float), rtol=rtol, atol=1e-13, equal_nan=True, err_msg=str(c)
            )


def assert_moments_close(m: ss.Moments, m0: ss.Moments) -> None:
    assert m.columns == m0.columns
    assert (m.n, m.n_rows, m.n_dropped) == (m0.n, m0.n_rows, m0.n_dropped)  # counts exactly
    assert m.n_missing.tolist() == m0.n_missing.tolist()
    np.testing.assert_allclose(m.mean.to_numpy(), m0.mean.to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(m.comoment.to_numpy(), m0.comoment.to_numpy(), rtol=RTOL, atol=1e-9)
    np.testing.assert_allclose(m.corr().to_numpy(), m0.corr().to_numpy(), rtol=RTOL, atol=1e-13)


def items(df: pd.DataFrame) -> list[str]:
    return ["overall", "wait_time", "accuracy", "friendliness", "competence", "cleanliness"]


def long_kano(wide: pd.DataFrame) -> pd.DataFrame:
    """The wide Kano table as long rows (respondent, attribute, functional, dysfunctional), by pandas."""
    attrs = [c[:-2] for c in wide.columns if c.endswith("_f")]
    rows = []
    for a in attrs:
        part = wide[["respondent", "segment", a + "_f", a + "_d"]].rename(
            columns={a + "_f": "functional", a + "_d": "dysfunctional"}
        )
        part.insert(1, "attribute", a)
        rows.append(part)
    out = pd.concat(rows, ignore_index=True)
    # interleave so that later partitions introduce attributes not seen before
    order = out["attribute"].map({a: i for i, a in enumerate(attrs)})
    return out.iloc[np.argsort(order.to_numpy(), kind="stable")].reset_index(drop=True)
