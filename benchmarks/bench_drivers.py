"""Key-driver analysis: servscore's exact LMG / dominance analysis vs dominance-analysis
(Python), relative weights vs relativeImp, and exact LMG for 25 predictors alone.

    PYTHONPATH=build/dev/python .venv/bin/python benchmarks/bench_drivers.py [--n 1000] [--p 12] [--big 25]

Goals (issue 5): LMG for 12 predictors at least 100x faster than dominance-analysis;
25 predictors exact in under a minute on the 2-core machine.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import time
from typing import Any

import numpy as np
import pandas as pd
import servscore as ss


def dominance_analysis_class() -> Any:
    np.bool8 = np.bool_  # type: ignore[attr-defined]  # the package imports the removed alias
    import bokeh.io
    import plotly.offline

    bokeh.io.output_notebook = lambda *a, **k: None  # its import opens notebook output
    plotly.offline.init_notebook_mode = lambda *a, **k: None
    from dominance_analysis import Dominance

    return Dominance


def make(n: int, p: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = rng.normal(size=(n, 1))
    x = 0.6 * f + rng.normal(size=(n, p))
    y = x @ rng.uniform(0.0, 1.0, p) + rng.normal(size=n)
    df = pd.DataFrame(x, columns=[f"x{j:02d}" for j in range(p)])
    df["y"] = y
    return df


def best_of(fn: Any, repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--p", type=int, default=12)
    ap.add_argument("--big", type=int, default=25)
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    df = make(args.n, args.p)
    names = [c for c in df.columns if c != "y"]
    rows = []

    Dominance = dominance_analysis_class()

    def peer() -> dict[str, float]:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            d = Dominance(data=df, target="y", objective=1, top_k=len(names))
            return dict(d.incremental_rsquare())

    t_peer, inc = best_of(peer, 1)
    t_lmg1, ours = best_of(lambda: ss.drivers.importance(df, "y", method="lmg", workers=1), 5)
    t_dom1, dom = best_of(lambda: ss.drivers.importance(df, "y", method="dominance", workers=1), 5)
    t_domall, _ = best_of(lambda: ss.drivers.importance(df, "y", method="dominance", workers=0), 5)
    diff = max(abs(ours.table.loc[k, "importance"] - v) for k, v in inc.items())
    assert diff < 1e-9, diff
    assert np.array_equal(ours.table["importance"].to_numpy(), dom.table["importance"].to_numpy())
    rows += [
        (f"dominance-analysis 1.1.9, {args.p} predictors", t_peer, 1.0),
        (f"servscore LMG, {args.p} predictors, workers=1", t_lmg1, t_peer / t_lmg1),
        ("servscore dominance (+conditional, complete), workers=1", t_dom1, t_peer / t_dom1),
        (f"servscore dominance, all cores ({cores})", t_domall, t_peer / t_domall),
    ]

    from relativeImp import relativeImp

    t_ri, peer_rw = best_of(lambda: relativeImp(df, outcomeName="y", driverNames=list(names)), 5)
    t_rw, rw = best_of(lambda: ss.drivers.importance(df, "y", method="relative_weights"), 5)
    rw_diff = np.abs(rw.table["importance"].to_numpy() - peer_rw["rawRelaImpt"].to_numpy()).max()
    assert rw_diff < 1e-12, rw_diff
    rows += [
        (f"relativeImp 0.0.2 relative weights, {args.p} predictors", t_ri, 1.0),
        ("servscore relative weights", t_rw, t_ri / t_rw),
    ]

    big = make(max(args.n, 2 * args.big), args.big, seed=1)
    t_big1, b1 = best_of(lambda: ss.drivers.importance(big, "y", method="lmg", workers=1), 1)
    t_bigall, b2 = best_of(lambda: ss.drivers.importance(big, "y", method="lmg", workers=0), 1)
    assert np.array_equal(b1.table["importance"].to_numpy(), b2.table["importance"].to_numpy())
    assert abs(b1.table["importance"].sum() - b1.r2) < 1e-10
    t_bigdom, _ = best_of(lambda: ss.drivers.importance(big, "y", method="dominance", workers=0), 1)
    rows += [
        (f"servscore exact LMG, {args.big} predictors (2^{args.big} subsets), workers=1", t_big1, float("nan")),
        (f"servscore exact LMG, {args.big} predictors, all cores ({cores})", t_bigall, float("nan")),
        (f"servscore exact dominance incl. complete, {args.big} predictors, all cores", t_bigdom, float("nan")),
    ]

    print(
        f"n = {args.n} rows; LMG agreement with dominance-analysis: max |diff| = {diff:.1e}; "
        f"relative weights vs relativeImp: {rw_diff:.1e}"
    )
    print("| implementation | time | speed-up vs peer |")
    print("|---|---|---|")
    for name, t, ratio in rows:
        print(f"| {name} | {t:.4f} s | {'' if np.isnan(ratio) else f'{ratio:,.0f}x'} |")


if __name__ == "__main__":
    main()
