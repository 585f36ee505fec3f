"""Kano classification and counting: servscore's C++ kernels through Python vs vectorised
numpy and pandas implementations vs one streaming pass over the same int8 arrays (np.sum).

    PYTHONPATH=build/dev/python .venv/bin/python benchmarks/bench_kano.py [--n 10000000]

``--n`` is the number of answer pairs (responses): respondents x 10 attributes, int8 codes
0..5 (0 = not answered, ~2%). Goal (issue 3): the counting kernel within 3x of the
streaming pass.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import servscore as ss

CQM = ["QAAAO", "RIIIM", "RIIIM", "RIIIM", "RRRRQ"]
CODE = {c: i for i, c in enumerate("AOMIRQ")}


def lut() -> np.ndarray:
    """Category code by f * 6 + d (-1 where an answer is missing)."""
    t = np.full(36, -1, dtype=np.int8)
    for f in range(1, 6):
        for d in range(1, 6):
            t[f * 6 + d] = CODE[CQM[f - 1][d - 1]]
    return t


def numpy_classify(f: np.ndarray, d: np.ndarray, table: np.ndarray) -> np.ndarray:
    return table[f.astype(np.intp) * 6 + d]


def numpy_count(f: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Pair histogram per attribute with one bincount (attributes x 36)."""
    k = f.shape[1]
    idx = (np.arange(k, dtype=np.int64) * 36)[None, :] + f.astype(np.int64) * 6 + d
    return np.bincount(idx.ravel(), minlength=k * 36).reshape(k, 36)


def pandas_count(f: np.ndarray, d: np.ndarray, table: np.ndarray) -> pd.DataFrame:
    """Category counts per attribute the way one writes it in pandas (classify, melt, value counts)."""
    cats = pd.DataFrame(numpy_classify(f, d, table))
    return cats.melt().value_counts().unstack(fill_value=0)


def best_of(fn: Callable[[], Any], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000_000)
    ap.add_argument("--attributes", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    k = args.attributes
    rows = args.n // k
    rng = np.random.default_rng(0)
    f = rng.integers(1, 6, size=(rows, k), dtype=np.int8)
    d = rng.integers(1, 6, size=(rows, k), dtype=np.int8)
    f[rng.random(f.shape, dtype=np.float32) < 0.02] = 0
    d[rng.random(d.shape, dtype=np.float32) < 0.02] = 0
    table = lut()
    none = np.zeros(0, dtype=np.int32)
    print(f"{rows * k:,} responses ({rows:,} respondents x {k} attributes, int8), {os.cpu_count()} cores")

    def count(workers: int) -> Any:
        s = ss._core.KanoState(1, k, 5)
        s.update(f, d, none, workers, 0)
        return s

    t_sum = best_of(lambda: (np.sum(f), np.sum(d)), args.repeat)
    t_c1 = best_of(lambda: count(1), args.repeat)
    t_c = best_of(lambda: count(0), args.repeat)
    t_cl1 = best_of(lambda: ss._core.kano_classify(f, d, '"cqm"', 1), args.repeat)
    t_cl = best_of(lambda: ss._core.kano_classify(f, d, '"cqm"', 0), args.repeat)
    t_acc = best_of(lambda: ss.kano.Accumulator(workers=0).update(f, d).result(), args.repeat)
    t_npc = best_of(lambda: numpy_classify(f, d, table), 2)
    t_npn = best_of(lambda: numpy_count(f, d), 2)
    t_pd = best_of(lambda: pandas_count(f, d, table), 1)

    # the implementations agree
    h = count(0).counts
    np.testing.assert_array_equal(h, numpy_count(f, d))
    np.testing.assert_array_equal(ss._core.kano_classify(f, d, '"cqm"', 0), numpy_classify(f, d, table))
    pc = pandas_count(f, d, table)
    res = ss.kano.Accumulator(workers=0).update(f, d).result().table
    for c, code in CODE.items():
        np.testing.assert_array_equal(res[c].to_numpy(), pc[code].to_numpy())

    out = [
        ("np.sum over both arrays (streaming pass)", t_sum),
        ("servscore count kernel, workers=1", t_c1),
        ("servscore count kernel, all cores", t_c),
        ("ss.kano.Accumulator(...).update().result()", t_acc),
        ("numpy bincount (pair histogram)", t_npn),
        ("pandas classify + value_counts", t_pd),
        ("servscore classify kernel, workers=1", t_cl1),
        ("servscore classify kernel, all cores", t_cl),
        ("numpy classify (table lookup)", t_npc),
    ]
    for name, t in out:
        print(f"  {name:<44} {t:8.4f} s   {t / t_sum:6.2f}x streaming   {rows * k / t / 1e6:8.1f} M responses/s")
    print(
        f"count kernel (all cores) vs streaming pass: {t_c / t_sum:.2f}x (goal <= 3x); "
        f"numpy bincount / servscore: {t_npn / t_c:.1f}x; pandas / servscore: {t_pd / t_c:.0f}x"
    )


if __name__ == "__main__":
    main()
