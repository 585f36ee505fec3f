"""Arrow input read exactly and safely (issue 19): uint64 ids, integers beyond 2^53, temporal,
decimal and unread column types, and a hand-made C stream whose schema child has no name."""

import ctypes
import decimal

import numpy as np
import pytest
import servscore as ss
from servscore import _core

pa = pytest.importorskip("pyarrow")


def test_uint64_ids_are_exact_and_do_not_merge_groups():
    ids = [2**63 + 5, 2**64 - 1, 2**63 + 6, 1]
    t = pa.table({"customer": pa.array(ids, pa.uint64()), "nps": [10, 0, 9, 5]})
    cols = _core.arrow_columns(t)
    assert cols["customer"].dtype == np.uint64 and cols["customer"].tolist() == ids
    r = ss.nps(t, column="nps", by="customer")
    assert len(r.table) == 4  # four customers, not one INT64_MIN group
    small = _core.arrow_columns(pa.table({"u": pa.array([3, 2**40], pa.uint64())}))["u"]
    assert small.dtype == np.int64 and small.tolist() == [3, 2**40]


def test_integers_with_nulls_beyond_2_53_stay_exact():
    t = pa.table(
        {
            "big": pa.array([2**53 + 1, None, -(2**60) - 7], pa.int64()),
            "ubig": pa.array([2**63 + 1, None, 4], pa.uint64()),
            "small": pa.array([2**53, None, -3], pa.int64()),
        }
    )
    cols = _core.arrow_columns(t)
    assert cols["big"].dtype == object and cols["big"].tolist() == [2**53 + 1, None, -(2**60) - 7]
    assert cols["ubig"].tolist() == [2**63 + 1, None, 4]
    # within 2^53 a double is exact: float64 with NaN for the null, as before
    assert cols["small"].dtype == np.float64
    np.testing.assert_array_equal(cols["small"], [2.0**53, np.nan, -3.0])


def test_temporal_and_decimal_columns():
    t = pa.table(
        {
            "ts": pa.array([0, 86_400, None], pa.timestamp("s", tz="UTC")),
            "tn": pa.array([1_500, None, 2], pa.timestamp("ns")),
            "d32": pa.array([0, 19_000, None], pa.date32()),
            "dur": pa.array([5, None, 7], pa.duration("ms")),
            "tod": pa.array([3_600, None, 0], pa.time32("s")),
            "dec": pa.array([decimal.Decimal("1.25"), None, decimal.Decimal("-300.5")], pa.decimal128(7, 2)),
        }
    )
    c = _core.arrow_columns(t)
    assert c["ts"].dtype == np.dtype("datetime64[s]")
    assert c["ts"][1] == np.datetime64("1970-01-02T00:00:00") and np.isnat(c["ts"][2])
    assert c["tn"].dtype == np.dtype("datetime64[ns]") and c["tn"][0] == np.datetime64(1_500, "ns")
    assert c["d32"].dtype == np.dtype("datetime64[D]") and c["d32"][1] == np.datetime64("2022-01-08")
    assert c["dur"].dtype == np.dtype("timedelta64[ms]") and c["dur"][2] == np.timedelta64(7, "ms")
    assert np.isnat(c["dur"][1])
    assert c["tod"].dtype == np.dtype("timedelta64[s]") and c["tod"][0] == np.timedelta64(3_600, "s")
    assert c["dec"].tolist() == [decimal.Decimal("1.25"), None, decimal.Decimal("-300.50")]


def test_unread_types_pass_through_when_not_used_and_are_named_when_used():
    t = pa.table(
        {"nps": [9, 10, 3], "tags": pa.array([[1], None, [2, 3]]), "when": pa.array([1, 2, 3], pa.time64("us"))}
    )
    cols = _core.arrow_columns(t)
    assert cols["tags"].dtype == object and cols["tags"][1] is None
    assert cols["tags"][0].format == "+l" and "+l" in repr(cols["tags"][0])
    r = ss.nps(t, column="nps")  # the list column is not used: the frame reads
    assert r.table.loc["all", "n"] == 3 and r.table.loc["all", "promoters"] == 2
    with pytest.raises(ss.InputError, match=r"tags"):
        ss.nps(t, column="tags")


# --- a hand-made Arrow C stream (the C Data Interface structs, spec section "C stream interface")


class _Schema(ctypes.Structure):
    pass


_Schema._fields_ = [
    ("format", ctypes.c_char_p),
    ("name", ctypes.c_char_p),
    ("metadata", ctypes.c_char_p),
    ("flags", ctypes.c_int64),
    ("n_children", ctypes.c_int64),
    ("children", ctypes.POINTER(ctypes.POINTER(_Schema))),
    ("dictionary", ctypes.POINTER(_Schema)),
    ("release", ctypes.c_void_p),
    ("private_data", ctypes.c_void_p),
]


class _Array(ctypes.Structure):
    _fields_ = [
        ("length", ctypes.c_int64),
        ("null_count", ctypes.c_int64),
        ("offset", ctypes.c_int64),
        ("n_buffers", ctypes.c_int64),
        ("n_children", ctypes.c_int64),
        ("buffers", ctypes.c_void_p),
        ("children", ctypes.c_void_p),
        ("dictionary", ctypes.c_void_p),
        ("release", ctypes.c_void_p),
        ("private_data", ctypes.c_void_p),
    ]


class _Stream(ctypes.Structure):
    _fields_ = [
        ("get_schema", ctypes.c_void_p),
        ("get_next", ctypes.c_void_p),
        ("get_last_error", ctypes.c_void_p),
        ("release", ctypes.c_void_p),
        ("private_data", ctypes.c_void_p),
    ]


_SCHEMA_RELEASE = ctypes.CFUNCTYPE(None, ctypes.POINTER(_Schema))
_GET_SCHEMA = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(_Stream), ctypes.POINTER(_Schema))
_GET_NEXT = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(_Stream), ctypes.POINTER(_Array))
_LAST_ERROR = ctypes.CFUNCTYPE(ctypes.c_char_p, ctypes.POINTER(_Stream))
_STREAM_RELEASE = ctypes.CFUNCTYPE(None, ctypes.POINTER(_Stream))


class _EmptyStreamWithoutNames:
    """A stream with no batches whose struct schema has two children, the first with name NULL."""

    def __init__(self) -> None:
        self.keep: list = []
        child_a = _Schema(format=b"l", name=None)
        child_b = _Schema(format=b"u", name=b"text")
        self.children = (ctypes.POINTER(_Schema) * 2)(ctypes.pointer(child_a), ctypes.pointer(child_b))
        self.keep += [child_a, child_b]

        def schema_release(p):
            p.contents.release = None

        def get_schema(_stream, out):
            out.contents.format = b"+s"
            out.contents.name = None
            out.contents.n_children = 2
            out.contents.children = self.children
            out.contents.release = ctypes.cast(self.schema_release, ctypes.c_void_p).value
            return 0

        def get_next(_stream, out):
            out.contents.release = None  # end of stream: no batch at all
            return 0

        def stream_release(p):
            p.contents.release = None

        self.schema_release = _SCHEMA_RELEASE(schema_release)
        self.cbs = [_GET_SCHEMA(get_schema), _GET_NEXT(get_next), _LAST_ERROR(lambda _s: None)]
        self.stream_release = _STREAM_RELEASE(stream_release)
        self.stream = _Stream(
            get_schema=ctypes.cast(self.cbs[0], ctypes.c_void_p).value,
            get_next=ctypes.cast(self.cbs[1], ctypes.c_void_p).value,
            get_last_error=ctypes.cast(self.cbs[2], ctypes.c_void_p).value,
            release=ctypes.cast(self.stream_release, ctypes.c_void_p).value,
        )

    def __arrow_c_stream__(self, requested_schema=None):
        new = ctypes.pythonapi.PyCapsule_New
        new.restype = ctypes.py_object
        new.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
        return new(ctypes.addressof(self.stream), b"arrow_array_stream", None)


def test_empty_stream_with_a_nameless_child_reads_without_crashing():
    cols = _core.arrow_columns(_EmptyStreamWithoutNames())
    assert list(cols) == ["column0", "text"]
    assert all(len(v) == 0 for v in cols.values())


def test_dates_and_durations_where_numbers_are_expected_are_refused_by_name():
    import pandas as pd

    when = pd.Series(pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(3), unit="h"))
    with pytest.raises(ss.InputError, match=r"column 'nps' holds datetime64"):
        ss.nps(pd.DataFrame({"nps": when}), column="nps")
    with pytest.raises(ss.InputError, match=r"timedelta64"):
        ss.cronbach_alpha(pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": pd.to_timedelta([1, 2, 3], unit="min")}))
    # through Arrow: a timestamp column named as the score
    t = pa.table({"nps": pa.array([1, 2, 3], pa.timestamp("s"))})
    with pytest.raises(ss.InputError, match=r"datetime64"):
        ss.nps(t, column="nps")


class _OneBatchOfText:
    """A record batch with one utf8 column 'comment' of two values, built from raw buffers, so
    that its offsets can be what no real producer writes (the checks of src/arrow_read.hpp)."""

    def __init__(self, offsets: list[int], data: bytes = b"hello") -> None:
        self.offsets = (ctypes.c_int32 * len(offsets))(*offsets)
        self.data = ctypes.create_string_buffer(data)
        self.buffers = (ctypes.c_void_p * 3)(None, ctypes.addressof(self.offsets), ctypes.addressof(self.data))
        self.child_schema = _Schema(format=b"u", name=b"comment")
        self.schema_children = (ctypes.POINTER(_Schema) * 1)(ctypes.pointer(self.child_schema))
        self.child = _Array(length=len(offsets) - 1, null_count=0, n_buffers=3, buffers=ctypes.addressof(self.buffers))
        self.array_children = (ctypes.c_void_p * 1)(ctypes.addressof(self.child))
        self.none = (ctypes.c_void_p * 1)(None)
        self.served = False

        def get_schema(_stream, out):
            out.contents.format = b"+s"
            out.contents.name = None
            out.contents.n_children = 1
            out.contents.children = self.schema_children
            out.contents.release = ctypes.cast(self.schema_release, ctypes.c_void_p).value
            return 0

        def get_next(_stream, out):
            if self.served:
                out.contents.release = None
                return 0
            self.served = True
            a = out.contents
            a.length, a.null_count, a.offset, a.n_buffers = len(offsets) - 1, 0, 0, 1
            a.buffers = ctypes.addressof(self.none)
            a.n_children = 1
            a.children = ctypes.addressof(self.array_children)
            a.dictionary = None
            a.release = ctypes.cast(self.array_release, ctypes.c_void_p).value
            return 0

        def release_schema(p):
            p.contents.release = None

        self.schema_release = _SCHEMA_RELEASE(release_schema)
        self.array_release = ctypes.CFUNCTYPE(None, ctypes.POINTER(_Array))(
            lambda p: setattr(p.contents, "release", None)
        )
        self.cbs = [_GET_SCHEMA(get_schema), _GET_NEXT(get_next), _LAST_ERROR(lambda _s: None)]
        self.stream_release = _STREAM_RELEASE(lambda p: setattr(p.contents, "release", None))
        self.stream = _Stream(
            get_schema=ctypes.cast(self.cbs[0], ctypes.c_void_p).value,
            get_next=ctypes.cast(self.cbs[1], ctypes.c_void_p).value,
            get_last_error=ctypes.cast(self.cbs[2], ctypes.c_void_p).value,
            release=ctypes.cast(self.stream_release, ctypes.c_void_p).value,
        )

    def __arrow_c_stream__(self, requested_schema=None):
        new = ctypes.pythonapi.PyCapsule_New
        new.restype = ctypes.py_object
        new.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
        return new(ctypes.addressof(self.stream), b"arrow_array_stream", None)


def test_a_hand_made_stream_reads_as_the_specification_says():
    cols = _core.arrow_columns(_OneBatchOfText([0, 2, 5]))
    assert list(cols["comment"]) == ["he", "llo"]


@pytest.mark.parametrize(
    ("offsets", "why"),
    [([0, 5, 1], r"the offsets decrease at value 1 \(5 then 1\)"), ([-3, 2, 5], r"offset -3 of value 0 is negative")],
)
def test_offsets_no_producer_may_write_are_refused_before_reading(offsets, why):
    # before the checks, [0, 5, 1] read a string of length 2^64 - 4 (a crash); now an InputError names the column
    with pytest.raises(ss.InputError, match=r"record batch\.comment: " + why):
        _core.arrow_columns(_OneBatchOfText(offsets))
