"""Encounter scoring: servscore's C++ engine through Python vs a vectorised numpy
implementation of the same scoring vs one streaming pass over the same array (np.sum).

    PYTHONPATH=build/dev/python .venv/bin/python benchmarks/bench_encounters.py [--n 10000000]

Goal (issue 2): within 3x of the streaming pass, and faster than numpy.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd
import servscore as ss


def numpy_scores(x: np.ndarray, cfg: ss.EncounterConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The same scoring rule, vectorised with numpy (scores, quadrant, weakest, missing)."""
    lo, hi = cfg.scale_min, cfg.scale_max
    side = np.array([i.side == "personal" for i in cfg.indicators])
    w = np.array([i.weight for i in cfg.indicators])
    present = ~np.isnan(x)
    xz = np.where(present, x, 0.0)
    scores = []
    weakest = []
    for s in (False, True):
        cols = side == s
        ws = w[cols]
        wp = present[:, cols] @ ws
        total = xz[:, cols] @ ws
        ok = wp >= cfg.min_coverage * ws.sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            sc = np.where(ok, (total / wp - lo) / (hi - lo) * 100.0, np.nan)
        scores.append(sc)
        sub = np.where(present[:, cols], x[:, cols], np.inf)
        weakest.append(np.argmin(sub, axis=1))
    p, q = scores
    quad = np.where(
        np.isnan(p) | np.isnan(q),
        4,
        np.where(
            p >= cfg.procedural_threshold,
            np.where(q >= cfg.personal_threshold, 3, 1),
            np.where(q >= cfg.personal_threshold, 2, 0),
        ),
    )
    dist = np.hypot(100 - p, 100 - q)
    missing = (~present).sum(axis=1)
    return p, q, quad, dist, weakest[0], weakest[1], missing


def best_of(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    cfg = ss.EncounterConfig()
    rng = np.random.default_rng(0)
    x = rng.integers(1, 6, size=(args.n, 16)).astype(np.float64)
    x[rng.random(x.shape, dtype=np.float32) < 0.02] = np.nan
    print(f"{args.n:,} encounters x 16 indicators ({x.nbytes / 1e9:.2f} GB float64), {os.cpu_count()} cores")

    t_sum = best_of(lambda: np.sum(x), args.repeat)
    kernel = ss._core._encounter_kernel()
    t_ss1 = best_of(lambda: ss._core.score_encounters(x, cfg, 1), args.repeat)
    t_ss = best_of(lambda: ss._core.score_encounters(x, cfg, 0), args.repeat)
    t_portable = None
    if kernel != "portable":  # the kernel of CPUs without AVX-512, for comparison
        ss._core._set_encounter_kernel("portable")
        try:
            t_portable = best_of(lambda: ss._core.score_encounters(x, cfg, 0), args.repeat)
        finally:
            ss._core._set_encounter_kernel("automatic")
    t_df = best_of(lambda: ss.score_encounters(x, cfg, workers=0), 1)
    frame = pd.DataFrame(x, columns=[i.name for i in cfg.indicators])  # one column-major block
    t_frame = best_of(lambda: ss.score_encounters(frame, cfg, workers=0), args.repeat)
    t_np = best_of(lambda: numpy_scores(x, cfg), 1)

    # the two implementations agree
    r = ss._core.score_encounters(x[:100_000], cfg, 0)
    p, _q, quad, *_ = numpy_scores(x[:100_000], cfg)
    np.testing.assert_allclose(r["procedural"], p, equal_nan=True)
    np.testing.assert_array_equal(r["quadrant"], quad)

    rows = [
        ("np.sum streaming pass", t_sum),
        (f"servscore core ({kernel}), workers=1", t_ss1),
        (f"servscore core ({kernel}), all cores", t_ss),
        *([("servscore core (portable), all cores", t_portable)] if t_portable is not None else []),
        ("ss.score_encounters -> DataFrame", t_df),
        ("ss.score_encounters(DataFrame)", t_frame),
        ("numpy vectorised", t_np),
    ]
    for name, t in rows:
        print(f"  {name:<40} {t:8.3f} s   {t / t_sum:6.2f}x streaming   {args.n / t / 1e6:7.1f} M rows/s")
    print(
        f"servscore (all cores) vs streaming pass: {t_ss / t_sum:.2f}x (goal <= 3x); "
        f"numpy / servscore: {t_np / t_ss:.1f}x faster (goal > 1x)"
    )


if __name__ == "__main__":
    main()
