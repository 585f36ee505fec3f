"""Grouped aggregates through the public API beside polars ``group_by`` and DuckDB (issue 13).

    PYTHONPATH=build/dev/python .venv/bin/python benchmarks/bench_grouped.py [--n 50000000] [--encounters 10000000]

- ``ss.nps(x, by=key)`` on int8 answers in 20 branches, for each key type: pandas Categorical,
  pandas string Series (Arrow-backed in pandas 3), numpy str and object arrays, an int column,
  two columns, an Arrow dictionary array and polars String / Categorical columns. The peers count
  promoters, detractors and answers per group on the same data held in their own frame (their
  set-up is not timed); every result is checked against servscore's.
- The public call with its default ``workers=1`` and with ``workers=0`` (all cores; polars and
  DuckDB use all cores by default).
- ``ss.summarize_encounters(scored, by="branch")``: quadrant shares and mean scores per branch
  beside polars computing the same shares and means from the scored frame.

Goal: the public call at least 2x faster than polars for every key type. Timings are the best of
``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import servscore as ss


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def polars_nps(pl: Any, frame: Any, keys: list[str]) -> Any:
    return (
        frame.group_by(keys)
        .agg(
            n=pl.len(),
            promoters=(pl.col("x") >= 9).sum(),
            detractors=(pl.col("x") <= 6).sum(),
        )
        .with_columns(nps=100.0 * (pl.col("promoters") - pl.col("detractors")) / pl.col("n"))
    )


def duckdb_nps(con: Any, keys: list[str]) -> Any:
    k = ", ".join(keys)
    return con.execute(
        f"select {k}, count(*) as n, sum(case when x >= 9 then 1 else 0 end) as promoters,"
        f" sum(case when x <= 6 then 1 else 0 end) as detractors from t group by {k}"
    ).fetchall()


def check(ours: ss.NpsResult, polars_out: Any, keys: list[str]) -> None:
    """servscore's promoters per group equal polars' (keys compared as text)."""
    theirs = {
        tuple(str(v) for v in row[: len(keys)]): row[len(keys) + 1]
        for row in polars_out.select([*keys, "n", "promoters"]).iter_rows()
    }
    t = ours.table
    for idx, promoters in zip(t.index, t["promoters"]):
        key = tuple(str(v) for v in (idx if isinstance(idx, tuple) else (idx,)))
        assert theirs[key] == promoters, (key, theirs.get(key), promoters)
    assert len(theirs) == len(t)


def bench_nps(n: int, repeat: int, rows: list[str]) -> None:
    import duckdb
    import polars as pl
    import pyarrow as pa

    rng = np.random.default_rng(13)
    x = rng.integers(0, 11, n).astype(np.int8)
    names = np.array([f"branch-{i:02d}" for i in range(20)])
    idx = rng.integers(0, 20, n)
    channel = rng.integers(0, 5, n)
    t_kernel, _ = best_of(lambda: ss._core.count_responses(x, 0, 10, idx.astype(np.int32), 20), repeat)
    strs = names[idx]
    cases: dict[str, tuple[Any, Any, list[str]]] = {}
    cat = pd.Categorical.from_codes(idx.astype(np.int8), categories=names)
    cases["pandas Categorical"] = (
        pd.Series(cat, name="k"),
        pl.DataFrame({"x": x, "k": pl.Series(strs).cast(pl.Categorical)}),
        ["k"],
    )
    cases["pandas string Series"] = (pd.Series(strs, name="k"), pl.DataFrame({"x": x, "k": strs}), ["k"])
    cases["numpy str array"] = (strs, pl.DataFrame({"x": x, "k": strs}), ["k"])
    cases["numpy object array"] = (strs.astype(object), pl.DataFrame({"x": x, "k": strs}), ["k"])
    cases["int column"] = (idx, pl.DataFrame({"x": x, "k": idx}), ["k"])
    cases["two columns (str, int)"] = (
        [pd.Series(strs, name="k"), pd.Series(channel, name="c")],
        pl.DataFrame({"x": x, "k": strs, "c": channel}),
        ["k", "c"],
    )
    cases["Arrow dictionary"] = (
        pa.DictionaryArray.from_arrays(pa.array(idx.astype(np.int32)), pa.array(names)),
        pl.DataFrame({"x": x, "k": pl.Series(strs).cast(pl.Categorical)}),
        ["k"],
    )
    cases["polars String column"] = (pl.Series("k", strs), pl.DataFrame({"x": x, "k": strs}), ["k"])
    cases["polars Categorical column"] = (
        pl.Series("k", strs).cast(pl.Categorical),
        pl.DataFrame({"x": x, "k": pl.Series(strs).cast(pl.Categorical)}),
        ["k"],
    )
    for name, (by, frame, keys) in cases.items():
        t_ss, ours = best_of(lambda by=by: ss.nps(x, by=by, method="wald"), repeat)
        t_all, _ = best_of(lambda by=by: ss.nps(x, by=by, method="wald", workers=0), repeat)
        t_pl, theirs = best_of(lambda frame=frame, keys=keys: polars_nps(pl, frame, keys), repeat)
        check(ours, theirs, keys)
        con = duckdb.connect()
        con.register("t", frame.to_arrow())
        t_db, _ = best_of(lambda con=con, keys=keys: duckdb_nps(con, keys), repeat)
        con.close()
        best = min(t_ss, t_all)
        rows.append(
            f"| NPS by {name} | {n / 1e6:g} M | {t_ss:.3f} s | {t_all:.3f} s | {t_pl:.3f} s | {t_db:.3f} s |"
            f" {t_pl / t_ss:.2f}x / {t_pl / t_all:.2f}x | {'met' if t_pl / best >= 2 else 'not met'} |"
        )
        print(rows[-1], flush=True)
    print(f"(counting kernel alone, int32 codes given: {t_kernel:.3f} s)")


def bench_encounters(n: int, repeat: int, rows: list[str]) -> None:
    import polars as pl

    rng = np.random.default_rng(7)
    cfg = ss.EncounterConfig()
    names = [i.name for i in cfg.indicators]
    # answers leaning high, so that about a third of the encounters are in the quality quadrant
    df = pd.DataFrame({c: np.clip(rng.normal(3.9, 1.0, n).round(), 1, 5).astype(np.int8) for c in names})
    df["branch"] = pd.Categorical.from_codes(rng.integers(0, 20, n).astype(np.int8), [f"b{i:02d}" for i in range(20)])
    scored = ss.score_encounters(df)
    t_ss, ours = best_of(lambda: ss.summarize_encounters(scored, by="branch"), repeat)
    frame = pl.from_pandas(scored[["branch", "quadrant", "procedural", "personal"]])
    quads = ss.Quadrant.names()

    def polars_summary() -> Any:
        return (
            frame.group_by("branch")
            .agg(
                n=pl.len(),
                **{f"share_{q}": (pl.col("quadrant") == q).mean() for q in quads},
                mean_procedural=pl.col("procedural").mean(),
                mean_personal=pl.col("personal").mean(),
            )
            .sort("branch")
        )

    t_pl, theirs = best_of(polars_summary, repeat)
    np.testing.assert_allclose(theirs["share_quality"].to_numpy(), ours.table["share_quality"].to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(
        theirs["mean_procedural"].to_numpy(), ours.table["mean_procedural"].to_numpy(), rtol=1e-9
    )
    share = float(ours.table["share_quality"].mean())
    rows.append(
        f"| encounter quadrant shares and means by branch (quality share {share:.2f}) | {n / 1e6:g} M |"
        f" {t_ss:.3f} s | - | {t_pl:.3f} s | - | {t_pl / t_ss:.2f}x | {'met' if t_pl / t_ss >= 2 else 'not met'} |"
    )
    print(rows[-1], flush=True)
    acc_cls = getattr(getattr(ss, "encounters", None), "Accumulator", None)
    if acc_cls is not None:  # the same summary from 16 partition states, merged (what Dask and Spark do)
        cfg = ss.EncounterConfig()
        bounds = np.linspace(0, n, 17).astype(int)
        parts = [scored.iloc[a:b] for a, b in zip(bounds[:-1], bounds[1:])]

        def merged() -> Any:
            return sum(acc_cls(cfg, by="branch").update(p) for p in parts).result()

        t_acc, acc_out = best_of(merged, repeat)
        np.testing.assert_allclose(
            acc_out.table["share_quality"].to_numpy(), ours.table["share_quality"].to_numpy(), rtol=1e-12
        )
        rows.append(
            f"| the same from 16 partition states merged (`ss.encounters.Accumulator`) | {n / 1e6:g} M |"
            f" {t_acc:.3f} s | - | {t_pl:.3f} s | - | {t_pl / t_acc:.2f}x | - |"
        )
        print(rows[-1], flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5_000_000, help="NPS answers")
    ap.add_argument("--encounters", type=int, default=2_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", choices=["nps", "encounters"], default=None)
    args = ap.parse_args()
    rows = [
        "| aggregate | rows | servscore | servscore workers=0 | polars | DuckDB | polars / servscore (1 / all) |"
        " 2x goal |",
        "|---|---|---|---|---|---|---|---|",
    ]
    print("\n".join(rows), flush=True)
    if args.only in (None, "nps"):
        bench_nps(args.n, args.repeat, rows)
    if args.only in (None, "encounters"):
        bench_encounters(args.encounters, args.repeat, rows)


if __name__ == "__main__":
    main()
