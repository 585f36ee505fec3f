"""Anticipated needs and standards: servscore's column-wise C++ rules engine vs the same
default rules evaluated with vectorised numpy (one boolean array per condition node).

    PYTHONPATH=build/dev/python .venv/bin/python benchmarks/bench_needs.py [--n 5000000]

Goal: results identical to numpy, and faster than it; any worker count gives the same result.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any

import numpy as np
import pandas as pd
import servscore as ss
from servscore import _core


def numpy_condition(cond: dict[str, Any], cols: dict[str, np.ndarray], n: int) -> np.ndarray:
    """The condition language, evaluated with numpy (missing values fail every test but `missing`)."""
    for k in ("all", "and"):
        if k in cond:
            out = np.ones(n, dtype=bool)
            for c in cond[k]:
                out &= numpy_condition(c, cols, n)
            return out
    for k in ("any", "or"):
        if k in cond:
            out = np.zeros(n, dtype=bool)
            for c in cond[k]:
                out |= numpy_condition(c, cols, n)
            return out
    if "not" in cond:
        return ~numpy_condition(cond["not"], cols, n)
    if "present" in cond:
        x = cols.get(cond["present"])
        return np.zeros(n, dtype=bool) if x is None else ~np.isnan(x)
    x = cols.get(cond["field"])
    if x is None:
        return np.zeros(n, dtype=bool)
    op, v = cond["op"], cond.get("value")
    with np.errstate(invalid="ignore"):
        if op in (">", "gt"):
            return x > v
        if op in (">=", "ge"):
            return x >= v
        if op in ("<", "lt"):
            return x < v
        if op in ("<=", "le"):
            return x <= v
        if op in ("==", "eq"):
            return x == v
        if op in ("!=", "ne"):
            return (x != v) & ~np.isnan(x)
        if op == "is_true":
            return (x != 0) & ~np.isnan(x)
        if op == "is_false":
            return x == 0
        if op == "missing":
            return np.isnan(x)
        if op == "in":
            return np.isin(x, v)
        if op == "between":
            return (x >= v[0]) & (x <= v[1])
    raise ValueError(op)


def numpy_needs(x: np.ndarray, names: list[str], rules: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    cols = {c: x[:, j] for j, c in enumerate(names)}
    n = x.shape[0]
    fired = np.column_stack([numpy_condition(r["when"], cols, n) for r in rules])
    membership = np.array([[h in r.get("needs", []) for h in ss.HumanNeed.names()] for r in rules], dtype=np.uint8)
    needs = (fired.astype(np.uint8) @ membership) > 0
    return fired, needs


def best_of(fn: Any, repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=5_000_000)
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args()
    base = ss.datasets.sample(n_visits=20_000).visits
    idx = np.random.default_rng(0).integers(0, len(base), a.n)
    rules = ss.needs.default_rules()
    names = list(rules.fields)
    x = np.ascontiguousarray(base[names].to_numpy(dtype=np.float64)[idx])
    frame = pd.DataFrame(x, columns=names)
    rule_dicts = json.loads(rules.to_json())["rules"]
    cores = os.cpu_count() or 1
    print(f"{a.n:,} interactions x {len(names)} fields, {len(rule_dicts)} default rules, best of {a.repeat}")
    t_np, (f_np, n_np) = best_of(lambda: numpy_needs(x, names, rule_dicts), a.repeat)
    t1, r1 = best_of(lambda: _core.evaluate_needs(rules, x, names, 1), a.repeat)
    tall, rall = best_of(lambda: _core.evaluate_needs(rules, x, names, 0), a.repeat)
    tdf, _ = best_of(lambda: ss.needs.evaluate(frame, workers=0), a.repeat)
    assert (r1["fired"].astype(bool) == f_np).all() and (r1["needs"].astype(bool) == n_np).all()
    assert (rall["fired"] == r1["fired"]).all()
    print(f"numpy (vectorised, same rules)      {t_np:8.3f} s   1.00x")
    print(f"servscore core, workers=1           {t1:8.3f} s   {t_np / t1:5.2f}x faster")
    print(f"servscore core, all cores ({cores})       {tall:8.3f} s   {t_np / tall:5.2f}x faster")
    print(f"ss.needs.evaluate(DataFrame)        {tdf:8.3f} s   {t_np / tdf:5.2f}x faster")

    std = ss.standards.load_standards()
    sf = list(std.fields)
    xs = np.ascontiguousarray(base[sf].to_numpy(dtype=np.float64)[idx])
    ts, _ = best_of(lambda: _core.check_standards(std, xs, sf, 0), a.repeat)
    print(f"check_standards core, all cores     {ts:8.3f} s   ({len(std)} standards, {a.n / ts / 1e6:.0f} M rows/s)")


if __name__ == "__main__":
    main()
