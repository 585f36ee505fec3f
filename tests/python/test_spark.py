"""servscore.spark on a local[2] session: aggregates over partitioned Spark DataFrames (uneven,
empty and single partitions; the executor-side tree for many partitions and many groups) equal the
in-memory result; row-wise engines give the in-memory rows; bad input raises the in-memory
InputError with the row of the whole DataFrame."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pyspark", reason="servscore[spark] is not installed (pyspark)")
pytest.importorskip("pyarrow", reason="servscore[spark] is not installed (pyarrow)")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("Spark needs Java (17); none found", allow_module_level=True)

import servscore as ss  # noqa: E402
import servscore.spark as sspark  # noqa: E402
from _partitioned import (  # noqa: E402
    assert_frames_close,
    assert_moments_close,
    check_many_groups,
    check_state_aggregates,
    check_state_errors,
    items,
    layouts,
    long_kano,
    pieces,
    sample,
)

LAYOUTS = ["uneven", "one", "many"]


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    # the executors' Python imports the servscore this process imports (a dev build or .venv)
    path = os.path.dirname(os.path.dirname(os.path.abspath(ss.__file__)))
    session = (
        SparkSession.builder.master("local[2]")
        .appName("servscore-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "2")
        .config("spark.driver.memory", "1g")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")  # pandas in and out through Arrow
        .config("spark.executorEnv.PYTHONPATH", os.pathsep.join([path, os.environ.get("PYTHONPATH", "")]))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def data(spark):
    return sample()


def frame(spark, df: pd.DataFrame, layout: str):
    """A Spark DataFrame whose partitions are the given row ranges, in order (a union of
    single-partition frames; an empty range gives an empty partition)."""
    schema = spark.createDataFrame(df.iloc[:1]).schema
    parts = [spark.createDataFrame(p, schema=schema).coalesce(1) for p in pieces(df, layouts(len(df))[layout])]
    return functools.reduce(lambda a, b: a.union(b), parts)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_response_metrics_equal_in_memory(spark, data, layout):
    tr = data.transactions
    sdf = frame(spark, tr, layout)
    # "many" has 10 partitions: more than split_every=3, so the executor-side tree runs
    assert sspark.nps(sdf, column="nps", by="branch", split_every=3) == ss.nps(tr, column="nps", by="branch")
    if layout == "uneven":
        assert sspark.csat(sdf, by=["branch", "channel"]) == ss.csat(tr, by=["branch", "channel"])
        assert sspark.ces(sdf) == ss.ces(tr)


def test_many_groups_on_the_executors(spark):
    rng = np.random.default_rng(7)
    n = 30_000
    df = pd.DataFrame(
        {"staff": [f"s{i:05d}" for i in rng.integers(0, 10_000, n)], "nps": rng.integers(0, 11, n).astype(np.int8)}
    )
    sdf = spark.createDataFrame(df).repartition(6)  # rows shuffled: the counts do not care
    r = sspark.nps(sdf, by="staff", split_every=3)  # 6 states -> 2 on the executors -> 1 here
    r0 = ss.nps(df, by="staff")
    assert len(r.table) == df["staff"].nunique()
    assert r == r0


def test_moments_alpha_drivers(spark, data):
    ds = data.driver_survey
    cols = items(ds)
    sdf = frame(spark, ds, "uneven")
    assert_moments_close(sspark.moments(sdf, columns=cols), ss.Moments(ds[cols]))
    a, a0 = sspark.cronbach_alpha(sdf, columns=cols), ss.cronbach_alpha(ds[cols])
    assert a.alpha == pytest.approx(a0.alpha, rel=1e-12)
    assert_frames_close(a.items, a0.items)
    r = sspark.importance(sdf, "overall", columns=cols[1:])
    r0 = ss.drivers.importance(ds, "overall", columns=cols[1:])
    np.testing.assert_allclose(r.table["share"], r0.table["share"], rtol=1e-10)


def test_kano_and_servqual(spark, data):
    kano = data.kano
    assert sspark.kano(frame(spark, kano, "uneven"), by="segment") == ss.kano.analyze(kano, by="segment")
    long = long_kano(kano)
    r, r0 = sspark.kano(frame(spark, long, "many")), ss.kano.analyze(long)
    assert list(r.table.index) == list(r0.table.index)
    assert r == r0
    sq = data.servqual
    s = sspark.servqual(frame(spark, sq, "uneven"))
    s0 = ss.servqual(sq.filter(regex="^e_"), sq.filter(regex="^p_"))
    assert_frames_close(s.dimensions, s0.dimensions)


def test_row_wise_engine(spark, data):
    enc = data.encounters.iloc[:300]
    out = sspark.score_encounters(frame(spark, enc, "uneven")).toPandas()
    out0 = ss.score_encounters(enc).reset_index(drop=True)
    assert list(out.columns) == list(out0.columns)
    for c in ("quadrant", "weakest_procedural", "weakest_personal"):  # categoricals arrive as strings
        out0[c] = out0[c].astype(object).where(out0[c].notna(), None)
    assert_frames_close(out, out0, rtol=0)


def test_bad_input_raises_the_in_memory_error(spark, data):
    tr = data.transactions.reset_index(drop=True).copy()
    tr["nps"] = tr["nps"].astype("float64")
    tr.loc[[1700, 2900], "nps"] = [11, 12]
    with pytest.raises(ss.InputError) as e:
        sspark.nps(frame(spark, tr, "uneven"), column="nps", split_every=2)
    with pytest.raises(ss.InputError) as e0:
        ss.nps(tr, column="nps")
    assert str(e.value) == str(e0.value)
    assert "row 1700" in str(e.value)
    enc = data.encounters.iloc[:200].copy()
    enc.loc[enc.index[150], "flow"] = 9.0
    lazy = sspark.score_encounters(frame(spark, enc, "one"))
    with pytest.raises(ss.InputError, match=r"row 150, column 'flow': rating 9"), sspark.errors():
        lazy.collect()
    with pytest.raises(ss.InputError, match="no column 'nope'"):
        sspark.nps(frame(spark, tr, "one"), column="nope")


def test_import_error_names_the_extra():
    code = (
        "import sys; sys.modules['pyspark'] = None\ntry:\n import servscore.spark\nexcept ImportError as e:\n print(e)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "servscore[spark]" in out


def test_grouped_state_aggregates_equal_in_memory(spark, data):
    check_state_aggregates(sspark, lambda df: frame(spark, df, "uneven"), data)


def test_grouped_state_aggregates_bad_input(spark, data):
    check_state_errors(sspark, lambda df: frame(spark, df, "uneven"), data)


def test_many_groups_grouped_states(spark, data):
    check_many_groups(sspark, lambda df: spark.createDataFrame(df).repartition(6), data)
