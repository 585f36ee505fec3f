"""Data interchange: pandas (nullable dtypes), polars, pyarrow and the Arrow PyCapsule interface."""

import numpy as np
import pandas as pd
import pytest
import servscore as ss
from servscore import _core
from servscore._input import to_array, to_frame

pa = pytest.importorskip("pyarrow")
pl = pytest.importorskip("polars")


@pytest.fixture(scope="module")
def encounters():
    return ss.datasets.sample(seed=9, n_encounters=500).encounters


def test_arrow_columns_types_nulls_and_slices():
    t = pa.table(
        {
            "i8": pa.array([1, None, 3], pa.int8()),
            "u32": pa.array([1, 2, 3], pa.uint32()),
            "f32": pa.array([1.5, None, -2.0], pa.float32()),
            "s": pa.array(["a", None, "ccc"]),
            "ls": pa.array(["x", "y", None], pa.large_string()),
            "d": pa.array(["p", "q", "p"]).dictionary_encode(),
            "b": pa.array([True, None, False]),
        }
    )
    cols = _core.arrow_columns(t)
    np.testing.assert_array_equal(cols["i8"], [1, np.nan, 3])
    assert cols["u32"].dtype == np.int64 and cols["u32"].tolist() == [1, 2, 3]
    np.testing.assert_array_equal(cols["f32"], [1.5, np.nan, -2.0])
    assert cols["s"].tolist() == ["a", None, "ccc"]
    assert cols["ls"].tolist() == ["x", "y", None]
    assert cols["d"].tolist() == ["p", "q", "p"]
    assert cols["b"].tolist() == [True, None, False]
    sliced = _core.arrow_columns(t.slice(1, 2))
    assert sliced["s"].tolist() == [None, "ccc"] and sliced["d"].tolist() == ["q", "p"]
    np.testing.assert_array_equal(sliced["i8"], [np.nan, 3])
    chunked = pa.Table.from_batches([t.to_batches()[0], t.slice(0, 1).to_batches()[0]])
    assert _core.arrow_columns(chunked)["s"].tolist() == ["a", None, "ccc", "a"]


def test_polars_string_views_and_categoricals():
    df = pl.DataFrame(
        {
            "s": ["short", None, "a string longer than twelve bytes", "中文字符串也可以很长很长很长"],
            "k": pl.Series(["u", "v", "u", None], dtype=pl.Categorical),
            "x": [1, 2, None, 4],
        }
    )
    cols = _core.arrow_columns(df)
    assert cols["s"].tolist() == ["short", None, "a string longer than twelve bytes", "中文字符串也可以很长很长很长"]
    assert cols["k"].tolist() == ["u", "v", "u", None]
    np.testing.assert_array_equal(cols["x"], [1, 2, np.nan, 4])


def test_not_arrow_is_a_clear_error():
    # (columns of types servscore does not read are kept: tests/python/test_arrow_input.py)
    with pytest.raises(ss.InputError, match="neither __arrow_c_stream__ nor __arrow_c_array__"):
        _core.arrow_columns(object())


@pytest.mark.parametrize("kind", ["pandas", "pandas_nullable", "polars", "arrow_table", "arrow_batch", "capsule"])
def test_score_encounters_accepts_every_frame_kind(encounters, kind):
    expected = ss.score_encounters(encounters)
    names = [i.name for i in ss.EncounterConfig().indicators]
    if kind == "pandas":
        data = encounters
    elif kind == "pandas_nullable":
        data = encounters.convert_dtypes()  # Int64 / Float64 / string with pd.NA
        assert isinstance(data[names[0]].dtype, pd.api.extensions.ExtensionDtype)
    elif kind == "polars":
        data = pl.from_pandas(encounters)
    elif kind == "arrow_table":
        data = pa.Table.from_pandas(encounters, preserve_index=False)
    elif kind == "arrow_batch":
        data = pa.RecordBatch.from_pandas(encounters, preserve_index=False)
    else:

        class Stream:  # any producer of the PyCapsule stream interface
            def __init__(self, t):
                self.t = t

            def __arrow_c_stream__(self, requested_schema=None):
                return self.t.__arrow_c_stream__(requested_schema)

        data = Stream(pa.Table.from_pandas(encounters, preserve_index=False))
    out = ss.score_encounters(data)
    np.testing.assert_allclose(out["procedural"].to_numpy(), expected["procedural"].to_numpy(), equal_nan=True)
    assert out["quadrant"].astype(str).tolist() == expected["quadrant"].astype(str).tolist()
    assert out["branch"].tolist() == encounters["branch"].tolist()
    s = ss.summarize_encounters(out, by="branch")
    assert s.table["n"].sum() == len(encounters)


def test_to_array_one_column_inputs():
    expected = [1.0, np.nan, 3.0]
    for data in (
        [1, None, 3],
        np.array([1, np.nan, 3]),
        pd.Series([1, pd.NA, 3], dtype="Int64"),
        pl.Series("x", [1, None, 3]),
        pa.array([1, None, 3]),
        pa.chunked_array([[1], [None, 3]]),
    ):
        np.testing.assert_array_equal(to_array(data), expected)
    with pytest.raises(ss.InputError, match="row 1: value 'x' is not a number"):
        to_array(["1", "x"])
    with pytest.raises(ss.InputError, match="expected one column"):
        to_array(np.ones((2, 2)))


def test_to_frame_rejects_non_tables():
    with pytest.raises(ss.InputError, match="expected a DataFrame"):
        to_frame(42)
