"""PLS path modelling: servscore vs the Python plspm package, side by side on the same data.

    PYTHONPATH=build/dev/python .venv/bin/python benchmarks/bench_pls.py [--n 1000000] [--boot 1000]

1. the ECSI bank survey (tests/data/satisfaction.csv, 250 rows, the published model);
2. n synthetic rows of the ECSI-like ``index_survey`` sample model (23 indicators);
3. a bootstrap of ``--boot`` resamples on the bank survey.

Both packages fit centred, unscaled data (plspm's scaled=True divides by one pooled sd,
unlike R plspm) with the centroid scheme; the script checks that the path coefficients
agree before it reports times. Goal (issue 5): PLS at least 50x faster than plspm.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import servscore as ss

ROOT = pathlib.Path(__file__).resolve().parents[1]
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


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def plspm_module() -> Any:
    """Python plspm with its pandas-3 incompatibility (``path.loc[dv,]``) patched in memory."""
    import plspm.inner_model as im
    import plspm.plspm as pp

    src = pathlib.Path(im.__file__).read_text()
    if "path.loc[dv,]" in src:
        exec(compile(src.replace("path.loc[dv,]", "path.loc[dv]"), im.__file__, "exec"), im.__dict__)
        pp.im = im
    return pp


def plspm_fit(model: ss.PathModel, df: pd.DataFrame, **kw: Any) -> Any:
    pp = plspm_module()
    import plspm.config as c
    from plspm.mode import Mode
    from plspm.scheme import Scheme

    lvs = model.latents
    path = pd.DataFrame(0, index=lvs, columns=lvs)
    for f, t in model.paths:
        path.loc[t, f] = 1
    cfg = c.Config(path, scaled=False)
    for lv, cols in model.blocks.items():
        cfg.add_lv(lv, Mode.A, *[c.MV(x) for x in cols])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pp.Plspm(df[model.indicators], cfg, Scheme.CENTROID, **kw)


def check_paths(ours: ss.PLSResult, peer: Any, tol: float) -> float:
    pc = peer.path_coefficients()
    diff = max(abs(ours.paths.loc[t, f] - pc.loc[t, f]) for f, t in ours.model.paths)
    assert diff < tol, f"paths differ by {diff}"
    return float(diff)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000, help="synthetic rows (default 1,000,000)")
    ap.add_argument("--boot", type=int, default=1000, help="bootstrap resamples (default 1000)")
    ap.add_argument("--peer-boot", type=int, default=None, help="resamples for plspm's bootstrap (default: --boot)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    rows: list[tuple[str, str, float, float]] = []

    # 1. the bank survey
    bank = pd.read_csv(ROOT / "tests" / "data" / "satisfaction.csv", index_col=0)
    model = ss.PathModel(ECSI)
    t_ours, ours = best_of(lambda: model.fit(bank, scaled=False, scale_min=0), max(args.repeat, 5) * 4)
    t_peer, peer = best_of(lambda: plspm_fit(model, bank), args.repeat)
    d = check_paths(ours, peer, 1e-6)
    rows.append(("satisfaction.csv, 250 rows x 27", "fit", t_ours, t_peer))
    print(
        f"bank survey: servscore {t_ours * 1e3:.2f} ms, plspm {t_peer * 1e3:.1f} ms, "
        f"{t_peer / t_ours:.0f}x; max path difference {d:.1e}"
    )

    # 2. n synthetic rows
    syn = ss.datasets.sample(seed=1, n_respondents=args.n, index_missing_rate=0.0)
    big = syn.index_survey
    smodel = ss.PathModel(syn.truth["index_survey"]["model"])
    t1, r1 = best_of(lambda: smodel.fit(big, scaled=False, workers=1), args.repeat)
    tn, rn = best_of(lambda: smodel.fit(big, scaled=False, workers=0), args.repeat)
    np.testing.assert_array_equal(r1.paths.to_numpy(), rn.paths.to_numpy())
    x = np.ascontiguousarray(big[smodel.indicators].to_numpy(float))
    tx, _ = best_of(lambda: smodel.fit(x, columns=smodel.indicators, scaled=False, workers=0), args.repeat)
    t_peer, peer = best_of(lambda: plspm_fit(smodel, big), 1)
    d = check_paths(rn, peer, 1e-6)
    label = f"index_survey, {args.n:,} rows x {len(smodel.indicators)}"
    rows.append((label, "fit, workers=1", t1, t_peer))
    rows.append((label, f"fit, workers={cores}", tn, t_peer))
    rows.append((label, f"fit from a numpy array, workers={cores}", tx, t_peer))
    print(
        f"{label}: servscore {t1:.3f} s (1 worker), {tn:.3f} s ({cores}), {tx:.3f} s (numpy input); "
        f"plspm {t_peer:.1f} s; {t_peer / tn:.0f}x; max path difference {d:.1e}"
    )

    # 3. bootstrap
    tb1, b1 = best_of(lambda: model.fit(bank, scaled=False, scale_min=0, bootstrap=args.boot, seed=1, workers=1), 1)
    tbn, bn = best_of(lambda: model.fit(bank, scaled=False, scale_min=0, bootstrap=args.boot, seed=1, workers=0), 1)
    np.testing.assert_array_equal(b1.bootstrap_samples, bn.bootstrap_samples)
    pb = args.peer_boot or args.boot
    t_peer, peer = best_of(lambda: plspm_fit(model, bank, bootstrap=True, bootstrap_iterations=pb), 1)
    t_peer_scaled = t_peer * args.boot / pb
    se_ours = b1.bootstrap[b1.bootstrap["statistic"] == "path"].set_index(["from", "to"])["se"]
    se_peer = peer.bootstrap().paths()["std.error"]
    se_diff = max(abs(se_ours[(f, t)] - se_peer[f"{f} -> {t}"]) for f, t in model.paths)
    label = f"bootstrap, {args.boot} resamples of satisfaction.csv"
    rows.append((label, "workers=1", tb1, t_peer_scaled))
    rows.append((label, f"workers={cores}", tbn, t_peer_scaled))
    print(
        f"{label}: servscore {tb1:.3f} s (1 worker), {tbn:.3f} s ({cores}); plspm {t_peer:.1f} s for {pb}"
        f" ({t_peer_scaled:.1f} s for {args.boot}); {t_peer_scaled / tbn:.0f}x; "
        f"max |se difference| of paths {se_diff:.3f} (different resamples)"
    )

    print()
    print("| data | servscore | servscore | plspm | speed-up |")
    print("|---|---|---|---|---|")
    for data, what, ours_t, peer_t in rows:
        print(f"| {data} | {what} | {ours_t:.4g} s | {peer_t:.4g} s | {peer_t / ours_t:.0f}x |")


if __name__ == "__main__":
    main()
