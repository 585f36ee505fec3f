"""Lifecycle stage scores and loyalty segments: servscore's C++ engines through Python vs
vectorised numpy implementations of the same rules vs one streaming pass (np.sum).

    PYTHONPATH=build/dev/python .venv/bin/python benchmarks/bench_lifecycle.py [--n 2000000] [--customers 10000000]

No goal is set by the issue; the figures document the cost (rows per second) and that
the compiled kernels beat numpy.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import servscore as ss

STAGES = ss.LifecycleStage.names()


def numpy_stage_scores(x: np.ndarray, cfg: Any) -> np.ndarray:
    """Respondent stage scores with numpy: one masked matrix product per stage."""
    lo, hi = cfg.scale_min, cfg.scale_max
    stage = np.array([STAGES.index(t.stage) for t in cfg.touchpoints])
    w = np.array([t.importance for t in cfg.touchpoints])
    present = ~np.isnan(x)
    xz = np.where(present, x, 0.0)
    out = np.full((x.shape[0], 8), np.nan)
    for s in range(8):
        cols = stage == s
        if not cols.any():
            continue
        ws = w[cols]
        wp = present[:, cols] @ ws
        tot = xz[:, cols] @ ws
        ok = (wp > 0) & (wp >= cfg.min_coverage * ws.sum() * (1 - 1e-12))
        with np.errstate(invalid="ignore", divide="ignore"):
            out[:, s] = np.where(ok, (tot / wp - lo) / (hi - lo) * 100.0, np.nan)
    return out


def numpy_segments(sat: np.ndarray, loy: np.ndarray, nps: np.ndarray, cmp: np.ndarray) -> np.ndarray:
    """Jones & Sasser codes with the terrorist refinement (top box 5, detractor <= 6), -1 when missing."""
    hs, hl = sat >= 5, loy >= 5
    code = np.where(hs, np.where(hl, 0, 1), np.where(hl, 2, 3))
    code = np.where((code == 3) & ((nps <= 6) | (cmp == 1)), 4, code)
    return np.where(np.isnan(sat) | np.isnan(loy), -1, code).astype(np.int8)


def best_of(fn: Callable[[], Any], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2_000_000, help="lifecycle respondents")
    ap.add_argument("--customers", type=int, default=10_000_000, help="loyalty customers")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    cfg = ss.lifecycle.LifecycleConfig()
    k = len(cfg.touchpoints)
    x = rng.integers(1, 6, size=(args.n, k)).astype(np.float64)
    x[rng.random(x.shape, dtype=np.float32) < 0.05] = np.nan
    print(f"lifecycle: {args.n:,} respondents x {k} touchpoints ({x.nbytes / 1e9:.2f} GB), {os.cpu_count()} cores")
    t_sum = best_of(lambda: np.sum(x), args.repeat)
    t1 = best_of(lambda: ss._core.score_lifecycle(x, cfg, 1), args.repeat)
    tn = best_of(lambda: ss._core.score_lifecycle(x, cfg, 0), args.repeat)
    t_all = best_of(lambda: ss.lifecycle.stages(x, workers=0), 1)
    t_np = best_of(lambda: numpy_stage_scores(x, cfg), 1)
    np.testing.assert_allclose(
        ss._core.score_lifecycle(x[:100_000], cfg, 0), numpy_stage_scores(x[:100_000], cfg), equal_nan=True
    )
    for name, t in [
        ("np.sum streaming pass", t_sum),
        ("score_lifecycle, workers=1", t1),
        ("score_lifecycle, all cores", tn),
        ("ss.lifecycle.stages (scores + summary)", t_all),
        ("numpy vectorised stage scores", t_np),
    ]:
        print(f"  {name:<40} {t:8.3f} s   {t / t_sum:6.2f}x streaming   {args.n / t / 1e6:7.1f} M rows/s")
    print(f"numpy / servscore (all cores): {t_np / tn:.1f}x")

    n = args.customers
    sat = rng.integers(1, 6, size=n).astype(np.float64)
    loy = rng.integers(1, 6, size=n).astype(np.float64)
    nps = rng.integers(0, 11, size=n).astype(np.float64)
    cmp = (rng.random(n) < 0.1).astype(np.float64)
    sat[rng.random(n) < 0.01] = np.nan
    lcfg = ss.loyalty.LoyaltyConfig()
    print(f"loyalty: {n:,} customers")
    s1 = best_of(lambda: ss._core.segment_customers(sat, loy, nps, cmp, lcfg, 1), args.repeat)
    sn = best_of(lambda: ss._core.segment_customers(sat, loy, nps, cmp, lcfg, 0), args.repeat)
    s_api = best_of(lambda: ss.loyalty.segment(sat, loy, nps=nps, complained=cmp, workers=0), 1)
    s_np = best_of(lambda: numpy_segments(sat, loy, nps, cmp), args.repeat)
    np.testing.assert_array_equal(
        ss._core.segment_customers(sat, loy, nps, cmp, lcfg, 0)["segment"], numpy_segments(sat, loy, nps, cmp)
    )
    for name, t in [
        ("segment_customers, workers=1", s1),
        ("segment_customers, all cores", sn),
        ("ss.loyalty.segment (frame + intervals)", s_api),
        ("numpy vectorised segments", s_np),
    ]:
        print(f"  {name:<40} {t:8.3f} s   {n / t / 1e6:7.1f} M rows/s")
    print(f"numpy / servscore (all cores): {s_np / sn:.1f}x")


if __name__ == "__main__":
    main()
