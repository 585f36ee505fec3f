"""NPS counting: servscore's C++ kernel vs vectorised numpy / pandas code vs one streaming
pass over the same int8 array (np.sum).

    PYTHONPATH=build/dev/python .venv/bin/python benchmarks/bench_nps.py [--n 10000000]

Goal (issue 3): the counting kernel within 3x of the streaming pass.
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
from servscore import _core


def best_of(fn: Callable[[], Any], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def numpy_nps(x: np.ndarray) -> float:
    """The NPS with vectorised numpy: two comparisons and two sums."""
    return 100.0 * (np.count_nonzero(x >= 9) - np.count_nonzero(x <= 6)) / x.size


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    p = np.array([3, 2, 2, 3, 4, 6, 8, 14, 20, 18, 20], dtype=float)
    x = rng.choice(11, size=args.n, p=p / p.sum()).astype(np.int8)
    groups = rng.integers(0, 5, size=args.n).astype(np.int32)
    keys = np.array(["Central", "Harbour", "Airport", "Old Town", "Riverside"])[groups]
    print(f"{args.n:,} answers (int8, {x.nbytes / 1e6:.0f} MB), {os.cpu_count()} cores")

    # everything agrees before anything is timed
    counts = _core.count_responses(x, 0, 10).counts[0]
    np.testing.assert_array_equal(counts, np.bincount(x, minlength=11))
    assert abs(ss.nps(x).nps - numpy_nps(x)) < 1e-9
    by_pd = pd.Series(x).groupby(groups).value_counts().unstack(fill_value=0).to_numpy()
    np.testing.assert_array_equal(_core.count_responses(x, 0, 10, groups, 5).counts, by_pd)

    rows: list[tuple[str, float]] = []
    r = args.repeat
    rows.append(("`np.sum` over the same int8 array (one streaming pass)", best_of(lambda: np.sum(x), r)))
    rows.append(("servscore counting kernel, `workers=1`", best_of(lambda: _core.count_responses(x, 0, 10), r)))
    rows.append(
        ("servscore counting kernel, all cores", best_of(lambda: _core.count_responses(x, 0, 10, workers=0), r))
    )
    rows.append(("`ss.nps(x)` (count + estimate + result object)", best_of(lambda: ss.nps(x), r)))
    rows.append(("numpy: `np.bincount(x, minlength=11)`", best_of(lambda: np.bincount(x, minlength=11), r)))
    rows.append(("numpy: two comparisons + `count_nonzero`", best_of(lambda: numpy_nps(x), r)))
    rows.append(("pandas: `Series.value_counts()`", best_of(lambda: pd.Series(x).value_counts(), max(1, r // 2))))
    rows.append(
        ("grouped (5 groups): servscore kernel", best_of(lambda: _core.count_responses(x, 0, 10, groups, 5), r))
    )
    rows.append(
        (
            "grouped (5 groups): pandas `groupby(...).value_counts()`",
            best_of(lambda: pd.Series(x).groupby(groups).value_counts(), 1),
        )
    )
    rows.append(("grouped by string keys: `ss.nps(x, by=keys)`", best_of(lambda: ss.nps(x, by=keys), 1)))
    cat = pd.Series(pd.Categorical(keys))
    rows.append(("grouped by categorical keys: `ss.nps(x, by=cat)`", best_of(lambda: ss.nps(x, by=cat), r)))
    base = rows[0][1]
    print("| implementation | time | vs streaming pass |\n|---|---|---|")
    for name, t in rows:
        print(f"| {name} | {t * 1e3:.1f} ms | {t / base:.2f}x |")


if __name__ == "__main__":
    main()
