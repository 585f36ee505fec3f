"""servscore on Dask and Spark (issue 14, "Speed"), scaled to a 2-core machine.

Data are generated partition by partition on the workers (never on the client), held in the
engine's memory (Dask ``persist``, Spark ``cache``), then timed: Cronbach's alpha (20 int8 items),
NPS by branch (20 branches) and Kano pair counts (5 attributes), each beside the engine's own way
of computing the same statistic (Dask ``cov()`` / ``groupby().value_counts()``; Spark
``Correlation.corr`` / ``groupBy().count()``), with 1 and 2 workers, and one process on the same
rows (``ss.cronbach_alpha`` / ``ss.nps`` / ``ss.kano.analyze`` on the concatenated pandas frame).
Every result is checked against the one-process result before it is reported. State sizes are
the bytes one partition ships (``to_bytes()``).

    PYTHONPATH=build/dev-dist/python .venv/bin/python benchmarks/bench_distributed.py \
        [--rows 20000000] [--alpha-rows 4000000] [--partitions 16] [--engines dask,spark] [--workers 1,2]
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import servscore as ss

ITEMS = [f"q{j:02d}" for j in range(20)]
ATTRS = [f"a{j}" for j in range(5)]
INDICATORS = [i.name for i in ss.EncounterConfig().indicators]  # Martin's sixteen
WIDE = [f"x{j:02d}" for j in range(20)]  # columns an aggregate does not read
BRANCHES = [f"branch{b:02d}" for b in range(20)]
ENC = "encounter summary by branch, 16 ratings"


# --------------------------------------------------------------------------- data (one partition)


def nps_part(i: int, rows: int) -> pd.DataFrame:
    rng = np.random.default_rng([2026, i])
    p = np.array([3, 2, 2, 3, 4, 6, 8, 14, 20, 18, 20], dtype=float)
    return pd.DataFrame(
        {
            "nps": rng.choice(11, size=rows, p=p / p.sum()).astype(np.int8),
            "branch": pd.Categorical.from_codes(rng.integers(0, 20, rows), categories=BRANCHES),
        }
    )


def alpha_part(i: int, rows: int) -> pd.DataFrame:
    rng = np.random.default_rng([7, i])
    trait = rng.normal(size=rows)
    cols = {}
    for c in ITEMS:
        cols[c] = np.clip(np.rint(3 + trait + rng.normal(size=rows)), 1, 5).astype(np.int8)
    return pd.DataFrame(cols)


def kano_part(i: int, rows: int) -> pd.DataFrame:
    rng = np.random.default_rng([11, i])
    cols = {}
    for a in ATTRS:
        cols[a + "_f"] = rng.integers(1, 6, rows).astype(np.int8)
        cols[a + "_d"] = rng.integers(1, 6, rows).astype(np.int8)
    return pd.DataFrame(cols)


def enc_part(i: int, rows: int) -> pd.DataFrame:
    rng = np.random.default_rng([13, i])
    cols: dict[str, Any] = {c: rng.integers(1, 6, rows).astype(np.int8) for c in INDICATORS}
    cols["branch"] = pd.Categorical.from_codes(rng.integers(0, 20, rows), categories=BRANCHES)
    return pd.DataFrame(cols)


def wide_part(i: int, rows: int) -> pd.DataFrame:
    """NPS answers and branches beside 20 float columns the NPS does not read."""
    out = nps_part(i, rows)
    rng = np.random.default_rng([17, i])
    for c in WIDE:
        out[c] = rng.normal(size=rows)
    return out


def sizes(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


# --------------------------------------------------------------------------- checks


def check_alpha(r: Any, ref: Any) -> None:
    assert abs(r.alpha - ref.alpha) <= 1e-12 * abs(ref.alpha), (r.alpha, ref.alpha)


def check_nps(r: Any, ref: Any) -> None:
    # the same counts and estimates; group keys as text (a categorical in memory, strings from Spark)
    assert [str(k) for k in r.table.index] == [str(k) for k in ref.table.index]
    np.testing.assert_array_equal(r.distribution.to_numpy(), ref.distribution.to_numpy())
    np.testing.assert_allclose(r.table.to_numpy(dtype=float), ref.table.to_numpy(dtype=float), rtol=1e-12)


def check_kano(r: Any, ref: Any) -> None:
    assert r == ref


def check_encounters(r: Any, ref: Any) -> None:
    assert [str(k) for k in r.table.index] == [str(k) for k in ref.table.index]
    np.testing.assert_array_equal(r.table["quality"].to_numpy(), ref.table["quality"].to_numpy())
    np.testing.assert_allclose(r.table.to_numpy(dtype=float), ref.table.to_numpy(dtype=float), rtol=1e-12)


def alpha_from_cov(cov: np.ndarray) -> float:
    k = cov.shape[0]
    return float(k / (k - 1) * (1 - np.trace(cov) / cov.sum()))


# --------------------------------------------------------------------------- engines


def run_dask(args: Any, workers: int, ref: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    import dask.dataframe as dd
    import distributed
    import servscore.dask as sdask

    cluster = distributed.LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=50
    )
    client = distributed.Client(cluster)
    try:
        P = args.partitions
        frames = {
            "alpha": dd.from_map(alpha_part, range(P), sizes(args.alpha_rows, P), meta=alpha_part(0, 0)),
            "nps": dd.from_map(nps_part, range(P), sizes(args.rows, P), meta=nps_part(0, 0)),
            "kano": dd.from_map(kano_part, range(P), sizes(args.kano_rows, P), meta=kano_part(0, 0)),
            "enc": dd.from_map(enc_part, range(P), sizes(args.enc_rows, P), meta=enc_part(0, 0)),
        }
        frames = {k: v.persist() for k, v in frames.items()}
        distributed.wait(list(frames.values()))
        r = args.repeat
        for method in ("delayed", "reduction"):
            t, out = timed(lambda m=method: sdask._run(frames["nps"], _nps_job(frames["nps"]), None, m), r)
            check_nps(out, ref["nps"])
            rows.append(dict(engine="Dask", workers=workers, stat="NPS by branch", how=f"servscore ({method})", s=t))
        t, out = timed(lambda: sdask.cronbach_alpha(frames["alpha"]), r)
        check_alpha(out, ref["alpha"])
        rows.append(dict(engine="Dask", workers=workers, stat="alpha, 20 items", how="servscore", s=t))
        t, cov = timed(lambda: frames["alpha"].cov().compute(), r)
        assert abs(alpha_from_cov(cov.to_numpy()) - ref["alpha"].alpha) < 1e-9
        rows.append(dict(engine="Dask", workers=workers, stat="alpha, 20 items", how="dask `cov()`", s=t))
        t, _ = timed(lambda: frames["nps"].groupby("branch")["nps"].value_counts().compute(), r)
        rows.append(dict(engine="Dask", workers=workers, stat="NPS by branch", how="dask `value_counts()`", s=t))
        t, out = timed(lambda: sdask.kano(frames["kano"]), r)
        check_kano(out, ref["kano"])
        rows.append(dict(engine="Dask", workers=workers, stat="Kano counts, 5 attributes", how="servscore", s=t))

        def dask_kano() -> Any:
            import dask

            return dask.compute(*[frames["kano"].groupby([a + "_f", a + "_d"]).size() for a in ATTRS])

        t, _ = timed(dask_kano, r)
        rows.append(
            dict(engine="Dask", workers=workers, stat="Kano counts, 5 attributes", how="dask `groupby().size()`", s=t)
        )
        t, out = timed(lambda: sdask.summarize_encounters(frames["enc"], by="branch"), r)
        check_encounters(out, ref["enc"])
        rows.append(dict(engine="Dask", workers=workers, stat=ENC, how="servscore (scores + summary)", s=t))
        t, _ = timed(lambda: frames["enc"].groupby("branch", observed=True)[INDICATORS].mean().compute(), r)
        rows.append(dict(engine="Dask", workers=workers, stat=ENC, how="dask `groupby().mean()` (means only)", s=t))
    finally:
        client.close()
        cluster.close()


def _nps_job(ddf: Any) -> Any:
    from servscore import _distributed as _d

    return _d.response_job(
        "nps", list(ddf.columns), column="nps", by="branch", weights=None, config=None, overrides={}, empty="error"
    )


def run_spark(args: Any, workers: int, ref: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    import pyarrow as pa
    import servscore.spark as sspark
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    spark = (
        SparkSession.builder.master(f"local[{workers}]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "6g")
        .config("spark.sql.shuffle.partitions", str(2 * workers))
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "1000000")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    try:
        P = args.partitions

        def gen(make: Callable[[int, int], pd.DataFrame], total: int) -> Any:
            n = sizes(total, P)

            def plain(df: pd.DataFrame) -> pd.DataFrame:  # Spark has no dictionary type: categories as text
                return df.astype({c: str for c, t in df.dtypes.items() if isinstance(t, pd.CategoricalDtype)})

            schema = pa.Schema.from_pandas(plain(make(0, 1)), preserve_index=False)

            def fn(batches: Any) -> Any:
                for b in batches:
                    for i in b.column(0).to_pylist():
                        yield pa.RecordBatch.from_pandas(plain(make(i, n[i])), schema=schema, preserve_index=False)

            from pyspark.sql.pandas.types import from_arrow_schema

            df = spark.range(0, P, numPartitions=P).mapInArrow(fn, from_arrow_schema(schema)).cache()
            df.count()
            return df

        frames = {
            "alpha": gen(alpha_part, args.alpha_rows),
            "nps": gen(nps_part, args.rows),
            "kano": gen(kano_part, args.kano_rows),
            "enc": gen(enc_part, args.enc_rows),
            "wide": gen(wide_part, args.rows),
        }
        r = args.repeat
        t, out = timed(lambda: sspark.nps(frames["nps"], by="branch"), r)
        check_nps(out, ref["nps"])
        rows.append(dict(engine="Spark", workers=workers, stat="NPS by branch", how="servscore", s=t))
        t, _ = timed(lambda: frames["nps"].groupBy("branch", "nps").count().collect(), r)
        rows.append(dict(engine="Spark", workers=workers, stat="NPS by branch", how="spark `groupBy().count()`", s=t))
        t, out = timed(lambda: sspark.cronbach_alpha(frames["alpha"]), r)
        check_alpha(out, ref["alpha"])
        rows.append(dict(engine="Spark", workers=workers, stat="alpha, 20 items", how="servscore", s=t))

        def spark_corr() -> Any:
            from pyspark.ml.feature import VectorAssembler
            from pyspark.ml.stat import Correlation

            vec = VectorAssembler(inputCols=ITEMS, outputCol="v").transform(frames["alpha"])
            return Correlation.corr(vec, "v").head()[0]

        t, _ = timed(spark_corr, r)
        rows.append(dict(engine="Spark", workers=workers, stat="alpha, 20 items", how="spark `Correlation.corr`", s=t))
        t, out = timed(lambda: sspark.kano(frames["kano"]), r)
        check_kano(out, ref["kano"])
        rows.append(dict(engine="Spark", workers=workers, stat="Kano counts, 5 attributes", how="servscore", s=t))

        def spark_kano() -> Any:
            return [frames["kano"].groupBy(F.col(a + "_f"), F.col(a + "_d")).count().collect() for a in ATTRS]

        t, _ = timed(spark_kano, r)
        rows.append(
            dict(
                engine="Spark", workers=workers, stat="Kano counts, 5 attributes", how="spark `groupBy().count()`", s=t
            )
        )
        t, out = timed(lambda: sspark.summarize_encounters(frames["enc"], by="branch"), r)
        check_encounters(out, ref["enc"])
        rows.append(dict(engine="Spark", workers=workers, stat=ENC, how="servscore (scores + summary)", s=t))
        t, _ = timed(lambda: frames["enc"].groupBy("branch").agg(*[F.avg(c) for c in INDICATORS]).collect(), r)
        rows.append(dict(engine="Spark", workers=workers, stat=ENC, how="spark `groupBy().agg(avg)` (means only)", s=t))
        # a frame with 20 columns NPS does not read: only nps and branch cross to Python
        t, out = timed(lambda: sspark.nps(frames["wide"], by="branch"), r)
        check_nps(out, ref["nps"])
        rows.append(dict(engine="Spark", workers=workers, stat="NPS by branch, +20 columns", how="servscore", s=t))
        t, _ = timed(lambda: frames["wide"].groupBy("branch", "nps").count().collect(), r)
        rows.append(
            dict(
                engine="Spark", workers=workers, stat="NPS by branch, +20 columns", how="spark `groupBy().count()`", s=t
            )
        )
        for f in frames.values():
            f.unpersist()
    finally:
        spark.stop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=20_000_000, help="NPS answers")
    ap.add_argument("--alpha-rows", type=int, default=2_000_000, help="respondents x 20 items")
    ap.add_argument("--kano-rows", type=int, default=4_000_000, help="respondents x 5 attribute pairs")
    ap.add_argument("--enc-rows", type=int, default=4_000_000, help="encounters x 16 ratings")
    ap.add_argument("--partitions", type=int, default=16)
    ap.add_argument("--engines", default="dask,spark")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    P = args.partitions

    # one process: the same rows, concatenated
    one: dict[str, pd.DataFrame] = {
        "alpha": pd.concat([alpha_part(i, n) for i, n in enumerate(sizes(args.alpha_rows, P))], ignore_index=True),
        "nps": pd.concat([nps_part(i, n) for i, n in enumerate(sizes(args.rows, P))], ignore_index=True),
        "kano": pd.concat([kano_part(i, n) for i, n in enumerate(sizes(args.kano_rows, P))], ignore_index=True),
        "enc": pd.concat([enc_part(i, n) for i, n in enumerate(sizes(args.enc_rows, P))], ignore_index=True),
    }
    results: list[dict[str, Any]] = []
    ref: dict[str, Any] = {}
    t, ref["alpha"] = timed(lambda: ss.cronbach_alpha(one["alpha"]), args.repeat)
    results.append(dict(engine="one process", workers=1, stat="alpha, 20 items", how="servscore", s=t))
    t, ref["nps"] = timed(lambda: ss.nps(one["nps"], by="branch"), args.repeat)
    results.append(dict(engine="one process", workers=1, stat="NPS by branch", how="servscore", s=t))
    t, ref["kano"] = timed(lambda: ss.kano.analyze(one["kano"]), args.repeat)
    results.append(dict(engine="one process", workers=1, stat="Kano counts, 5 attributes", how="servscore", s=t))
    t, ref["enc"] = timed(lambda: ss.summarize_encounters(ss.score_encounters(one["enc"]), by="branch"), args.repeat)
    results.append(dict(engine="one process", workers=1, stat=ENC, how="servscore (scores + summary)", s=t))

    # bytes one partition ships
    state = {
        "alpha (Moments, 20 items)": ss.AlphaAccumulator(columns=ITEMS).update(alpha_part(0, 1000)).to_bytes(),
        "NPS by 20 branches": ss.ResponseAccumulator("nps").update(nps_part(0, 1000), by="branch").to_bytes(),
        "Kano, 5 attributes": ss.kano.Accumulator().update(kano_part(0, 1000)).to_bytes(),
        "encounter summary by 20 branches": ss.encounters.Accumulator(by="branch").update(enc_part(0, 1000)).to_bytes(),
    }
    many = pd.DataFrame({"nps": np.zeros(20_000, np.int8), "staff": [f"s{i:05d}" for i in range(20_000)]})
    state["NPS by 20,000 staff"] = ss.ResponseAccumulator("nps").update(many, by="staff").to_bytes()
    one.clear()
    gc.collect()

    for engine in args.engines.split(","):
        for w in (int(x) for x in args.workers.split(",")):
            print(f"... {engine}, {w} worker(s)", file=sys.stderr, flush=True)
            (run_dask if engine == "dask" else run_spark)(args, w, ref, results)

    table = pd.DataFrame(results)
    print(
        f"{args.rows:,} NPS answers, {args.alpha_rows:,} x 20 alpha items, {args.kano_rows:,} x 5 Kano pairs; "
        f"{args.enc_rows:,} x 16 encounter ratings; {P} partitions; {os.cpu_count()} cores"
    )
    with pd.option_context("display.width", 200, "display.max_rows", 100):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print("state bytes per partition:", {k: len(v) for k, v in state.items()})


if __name__ == "__main__":
    main()
