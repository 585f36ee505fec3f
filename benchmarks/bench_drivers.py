"""Key-driver analysis: servscore's exact LMG / dominance analysis vs dominance-analysis
(Python), relative weights vs relativeImp, and exact LMG for 25 predictors alone.

    PYTHONPATH=build/dev/python .venv/bin/python benchmarks/bench_drivers.py [--n 1000] [--p 12] [--big 25]

Goals (issue 5): LMG for 12 predictors at least 100x faster than dominance-analysis;
25 predictors exact in under a minute on the 2-core machine. Issue 16: bootstrapped LMG
(p = 12, 1000 resamples) at least 100x faster than relaimpo's boot.relimp (R, when Rscript and
relaimpo are installed: R_LIBS=/work/rlib; timed inside R, start-up excluded). --boot-only runs
just that comparison.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import subprocess
import tempfile
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


R_BOOT = """
suppressPackageStartupMessages(library(relaimpo))
d <- read.csv(commandArgs(TRUE)[1])
set.seed(1)
t <- system.time({
  b <- boot.relimp(y ~ ., data = d, b = as.integer(commandArgs(TRUE)[2]), type = "lmg", rela = FALSE)
  e <- booteval.relimp(b, bty = "perc", level = 0.95)
})[["elapsed"]]
cat(t, "\n")
cat(as.numeric(e@lmg.lower), "\n")
"""


def bench_bootstrap(n: int, p: int, B: int) -> list[tuple[str, float, float]]:
    """Bootstrapped LMG (percentile intervals) beside relaimpo's boot.relimp."""
    cores = os.cpu_count() or 1
    df = make(n, p, seed=2)
    t1, ours = best_of(lambda: ss.drivers.importance(df, "y", n_bootstrap=B, seed=1, workers=1), 1)
    tall, ours_all = best_of(lambda: ss.drivers.importance(df, "y", n_bootstrap=B, seed=1, workers=0), 1)
    assert ours == ours_all
    tb, _ = best_of(lambda: ss.drivers.importance(df, "y", n_bootstrap=B, seed=1, workers=0, interval="bca"), 1)
    t_r = float("nan")
    if shutil.which("Rscript"):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "d.csv")
            df.to_csv(path, index=False)
            script = os.path.join(tmp, "b.R")
            with open(script, "w", encoding="utf-8") as f:
                f.write(R_BOOT)
            env = dict(os.environ, R_LIBS=os.environ.get("R_LIBS", "/work/rlib"))
            res = subprocess.run(
                ["Rscript", script, path, str(B)], check=False, capture_output=True, text=True, env=env
            )
            if res.returncode == 0:
                lines = res.stdout.split("\n")
                t_r = float(lines[0])
                lower = np.asarray(lines[1].split(), float)
                gap = np.abs(lower - ours.table["lower"].to_numpy()).max() / ours.table["boot_se"].max()
                print(f"bootstrap: percentile lower limits vs relaimpo within {gap:.2f} bootstrap SE (Monte Carlo)")
            else:
                print("relaimpo not available:", res.stderr.strip().splitlines()[-1:] or "")
    ratio = (lambda t: t_r / t) if t_r == t_r else (lambda t: float("nan"))
    return [
        (f"relaimpo 2.2-7 boot.relimp + booteval (lmg, p = {p}, B = {B}, n = {n})", t_r, 1.0),
        ("servscore bootstrapped LMG, percentile, workers=1", t1, ratio(t1)),
        (f"servscore bootstrapped LMG, percentile, all cores ({cores})", tall, ratio(tall)),
        (f"servscore bootstrapped LMG, BCa (+{n} jackknife fits), all cores", tb, ratio(tb)),
    ]


def print_rows(rows: list[tuple[str, float, float]]) -> None:
    print("| implementation | time | speed-up vs peer |")
    print("|---|---|---|")
    for name, t, ratio in rows:
        print(f"| {name} | {t:.4f} s | {'' if np.isnan(ratio) else f'{ratio:,.0f}x'} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--p", type=int, default=12)
    ap.add_argument("--big", type=int, default=25)
    ap.add_argument("--n-bootstrap", type=int, default=1000)
    ap.add_argument("--boot-only", action="store_true")
    args = ap.parse_args()
    if args.boot_only:
        print_rows(bench_bootstrap(args.n, args.p, args.n_bootstrap))
        return
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
    rows += bench_bootstrap(args.n, args.p, args.n_bootstrap)
    print_rows(rows)


if __name__ == "__main__":
    main()
