"""Cronbach's alpha: servscore (Moments -> alpha, C++) vs pingouin.cronbach_alpha, and the
mergeable co-moment state vs numpy.cov.

    PYTHONPATH=build/dev/python .venv/bin/python benchmarks/bench_reliability.py [--n 1000000 --k 20]

Goal (issue 6): at least 20x faster than pingouin on 1 million respondents x 20 items.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any, Callable

import numpy as np
import pandas as pd
import pingouin as pg
import servscore as ss


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Best wall time and best process CPU time (all threads) of ``repeat`` runs.

    On a shared machine the wall time depends on the load; the CPU time much less so."""
    best, best_cpu = float("inf"), float("inf")
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        best = min(best, time.perf_counter() - t)
        best_cpu = min(best_cpu, time.process_time() - c)
    return best, best_cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--k", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    common = rng.normal(size=(args.n, 1))
    x = np.clip(np.rint(4 + common + rng.normal(size=(args.n, args.k))), 1, 7)
    df = pd.DataFrame(x, columns=[f"q{i + 1}" for i in range(args.k)])
    xm = x.copy()
    xm[rng.random(x.shape, dtype=np.float32) < 0.01] = np.nan
    dfm = pd.DataFrame(xm, columns=df.columns)
    print(f"{args.n:,} respondents x {args.k} items ({x.nbytes / 1e9:.2f} GB float64), {os.cpu_count()} cores")

    # agreement first
    a_pg, ci_pg = pg.cronbach_alpha(df)
    r = ss.cronbach_alpha(x)
    assert abs(r.alpha - a_pg) < 1e-10, (r.alpha, a_pg)
    assert np.allclose(np.round(r.ci, 3), ci_pg)
    a_pgm = pg.cronbach_alpha(dfm, nan_policy="listwise")[0]
    assert abs(ss.cronbach_alpha(xm).alpha - a_pgm) < 1e-10

    rows = [
        ("pingouin.cronbach_alpha (DataFrame)", best_of(lambda: pg.cronbach_alpha(df), args.repeat)),
        ("ss.cronbach_alpha, workers=1", best_of(lambda: ss.cronbach_alpha(x, workers=1), args.repeat)),
        ("ss.cronbach_alpha, all cores", best_of(lambda: ss.cronbach_alpha(x, workers=0), args.repeat)),
        ("ss.cronbach_alpha(DataFrame), all cores", best_of(lambda: ss.cronbach_alpha(df, workers=0), args.repeat)),
        ("numpy.cov (covariance only)", best_of(lambda: np.cov(x.T), args.repeat)),
        (
            "pingouin, 1% missing, listwise",
            best_of(lambda: pg.cronbach_alpha(dfm, nan_policy="listwise"), args.repeat),
        ),
        ("servscore, 1% missing, listwise", best_of(lambda: ss.cronbach_alpha(xm, workers=0), args.repeat)),
        (
            "pingouin, 1% missing, pairwise",
            best_of(lambda: pg.cronbach_alpha(dfm, nan_policy="pairwise"), 1),
        ),
        (
            "servscore, 1% missing, pairwise",
            best_of(lambda: ss.cronbach_alpha(xm, nan_policy="pairwise", workers=0), args.repeat),
        ),
    ]
    print(f"  {'':<42} {'wall':>9}   {'cpu':>9}   {'rows/s (wall)':>14}")
    for name, (t, c) in rows:
        print(f"  {name:<42} {t:8.3f}s   {c:8.3f}s   {args.n / t / 1e6:10.1f} M")
    (pg_w, pg_c), (_s1_w, s1_c), (ss_w, _ss_c) = rows[0][1], rows[1][1], rows[2][1]
    print(f"servscore (all cores) vs pingouin, wall: {pg_w / ss_w:.1f}x faster (goal >= 20x)")
    print(f"servscore (1 thread) vs pingouin, CPU time: {pg_c / s1_c:.1f}x less")
    print(
        f"listwise with missing: {rows[5][1][0] / rows[6][1][0]:.1f}x; pairwise: {rows[7][1][0] / rows[8][1][0]:.1f}x"
    )


if __name__ == "__main__":
    main()
