"""The bad-input matrix (issue 19): every public engine x every kind of hostile input.

Each cell names its expected outcome: the same result as the clean input (the hostile form only
changes the representation), the result of another cell (``pd.NA`` in a nullable column is the
NaN cell), a missing value counted in the result, a checked value (a numpy reference written
here, not the engine), or a servscore ``InputError`` / ``ConfigError`` whose message names the
column, and the row (by its index label) where a row is at fault. Anything else -- a crash, a
Python internal error (``TypeError``, ``KeyError``, "truth value ... ambiguous", broadcast
errors) or an unexpected result -- fails the cell.

The clean inputs are small tables written with numpy's generator here (not the package's
sample data); their index starts at 100, so "row 103" in a message shows that the engine
relabelled the core's position 3 with the caller's index.
"""

from __future__ import annotations

import decimal
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pytest
import servscore as ss

R = 3  # the position of the hostile value
OFFSET = 100  # index labels start here
ROW = OFFSET + R


def _frame(values: np.ndarray, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(values.astype(np.float64), columns=columns, index=pd.RangeIndex(OFFSET, OFFSET + len(values)))


def _likert(seed: int, n: int, cols: list[str], lo: int = 1, hi: int = 5) -> pd.DataFrame:
    """Correlated ratings on [lo, hi]: a common factor plus noise, rounded."""
    rng = np.random.default_rng(seed)
    f = rng.normal(size=(n, 1))
    x = np.clip(np.rint((lo + hi) / 2 + (hi - lo) / 4 * (f + 0.7 * rng.normal(size=(n, len(cols))))), lo, hi)
    return _frame(x, cols)


def _num(a: Any) -> np.ndarray:
    return np.asarray(a, dtype=np.float64).ravel()


@dataclass
class Engine:
    """One public engine: its clean input, the column the hostile values go to, how to run it,
    the numbers that identify its result and the count of missing values it reports."""

    name: str
    frame: Callable[[], pd.DataFrame]
    col: str
    run: Callable[[Any], Any]
    key: Callable[[Any], np.ndarray]
    missing: Callable[[Any], int] | None = None
    text: bool = False  # the hostile values go into a text column
    weights: Callable[[Any, Any], Any] | None = None  # run with a weights column
    expect: dict[str, Any] = field(default_factory=dict)
    shown: str = ""  # the column's name in messages, when the engine renames it (servqual's "P_t1" is "t1")

    @property
    def label(self) -> str:
        return self.shown or self.col


# ---------------------------------------------------------------- expected outcomes


@dataclass(frozen=True)
class Same:
    """The clean input's result (the hostile form only changes the representation)."""


@dataclass(frozen=True)
class SameAs:
    """The result of another cell of the same engine."""

    kind: str


@dataclass(frozen=True)
class Missing:
    """A result whose reported missing count is the clean count plus ``extra``."""

    extra: int


@dataclass(frozen=True)
class Check:
    """A result checked by a function (a reference value written here)."""

    fn: Callable[[Any, pd.DataFrame], None]


@dataclass(frozen=True)
class Err:
    """A servscore error of class ``cls`` whose message holds every one of ``parts``."""

    cls: type
    parts: tuple[str, ...] = ()


def err(*parts: str, cls: type = ss.InputError) -> Err:
    return Err(cls, parts)


# ---------------------------------------------------------------- hostile inputs (numeric kinds)


def _set(df: pd.DataFrame, col: str, value: Any, *, dtype: Any = object) -> pd.DataFrame:
    out = df.copy()
    s = out[col].astype(dtype)
    s.iloc[R] = value
    out[col] = s
    return out


def _replace(df: pd.DataFrame, col: str, s: Any) -> pd.DataFrame:
    out = df.copy()
    out[col] = s
    return out


def _mixed(df: pd.DataFrame, col: str) -> pd.DataFrame:
    vals: list[Any] = []
    for i, v in enumerate(df[col].tolist()):
        kinds = (int(v), float(v), np.float32(v), decimal.Decimal(int(v)), np.int16(v))
        vals.append(None if i == R else kinds[i % len(kinds)])
    return _replace(df, col, pd.Series(vals, index=df.index, dtype=object))


def _numeric_part(df: pd.DataFrame, a: np.ndarray) -> pd.DataFrame:
    num = [c for c in df.columns if pd.api.types.is_float_dtype(df[c].dtype)]
    out = pd.DataFrame(a, columns=num, index=df.index, copy=False)
    return out.join(df.drop(columns=num))[list(df.columns)] if len(num) < df.shape[1] else out


def _strided(df: pd.DataFrame) -> pd.DataFrame:
    # every other column of a wider float array: a frame over non-contiguous memory
    num = df.select_dtypes("float64")
    wide = np.zeros((len(df), 2 * num.shape[1]))
    wide[:, ::2] = num.to_numpy()
    return _numeric_part(df, wide[:, ::2])


def _negstride(df: pd.DataFrame) -> pd.DataFrame:
    num = df.select_dtypes("float64")
    a = np.ascontiguousarray(num.to_numpy()[::-1])[::-1]  # same values, negative row stride
    assert a.strides[0] < 0
    return _numeric_part(df, a)


def _polars(df: pd.DataFrame, col: str) -> Any:
    pl = pytest.importorskip("polars")
    out = df.reset_index(drop=True).copy()
    s = out[col].astype(object)
    s.iloc[R] = None
    out[col] = s.astype("Float64")
    return pl.from_pandas(out)


def _multiindex(df: pd.DataFrame, col: str) -> pd.DataFrame:
    out = df.copy()
    out.columns = pd.MultiIndex.from_tuples([("block", c) for c in df.columns])
    return out


def _duplicated(df: pd.DataFrame, col: str) -> pd.DataFrame:
    if df.shape[1] == 1:
        return pd.concat([df, df], axis=1)
    other = next(c for c in df.columns if c != col)
    return df.rename(columns={other: col})


def _datetime(df: pd.DataFrame, col: str) -> pd.DataFrame:
    return _replace(df, col, pd.Timestamp("2026-01-01") + pd.to_timedelta(df[col].to_numpy(), unit="D"))


NUMERIC_KINDS: dict[str, Callable[[pd.DataFrame, str], Any]] = {
    "nan": lambda df, c: _set(df, c, np.nan, dtype=np.float64),
    "inf": lambda df, c: _set(df, c, np.inf, dtype=np.float64),
    "-inf": lambda df, c: _set(df, c, -np.inf, dtype=np.float64),
    "empty": lambda df, c: df.iloc[:0],
    "one_row": lambda df, c: df.iloc[:1],
    "object": lambda df, c: _replace(df, c, df[c].astype(object)),
    "mixed": _mixed,
    "numeric_text": lambda df, c: _replace(df, c, df[c].map(repr)),
    "bool": lambda df, c: (
        _set(df, c, False, dtype=bool)
        if False
        else _replace(df, c, pd.Series([i != R for i in range(len(df))], index=df.index))
    ),
    "pd_NA": lambda df, c: _set(df, c, pd.NA, dtype="Float64"),
    "Int64_NA": lambda df, c: _set(_replace(df, c, df[c].round()), c, pd.NA, dtype="Int64"),
    "arrow_null": lambda df, c: _set(df, c, None, dtype="float64[pyarrow]"),
    "polars_null": _polars,
    "categorical": lambda df, c: _replace(df, c, df[c].astype("category")),
    "categorical_text": lambda df, c: _replace(
        df, c, df[c].map(lambda v: "high" if v > 3 else "low").astype("category")
    ),
    "strided": lambda df, c: _strided(df),
    "negative_stride": lambda df, c: _negstride(df),
    "string_value": lambda df, c: _set(df, c, "n/a"),
    "complex_value": lambda df, c: _set(df, c, 3 + 1j),
    "bytes_value": lambda df, c: _set(df, c, b"3"),
    "datetime": _datetime,
    "datetime_tz": lambda df, c: _replace(df, c, _datetime(df, c)[c].dt.tz_localize("UTC")),
    "timedelta": lambda df, c: _replace(df, c, pd.to_timedelta(df[c].to_numpy(), unit="min")),
    "all_missing": lambda df, c: _replace(df, c, np.nan),
    "constant": lambda df, c: _replace(df, c, float(df[c].iloc[0])),
    "huge_value": lambda df, c: _set(df, c, 1e160, dtype=np.float64),
    "multiindex": _multiindex,
    "duplicated": _duplicated,
}

# the default expected outcome of each kind; engines override what differs
DEFAULTS: dict[str, Callable[[Engine], Any]] = {
    "nan": lambda e: Missing(1),
    "inf": lambda e: err(repr(e.label), f"row {ROW}", "inf"),
    "-inf": lambda e: err(repr(e.label), f"row {ROW}", "inf"),
    "empty": lambda e: err("empty"),
    "object": lambda e: Same(),
    "mixed": lambda e: SameAs("nan"),
    "numeric_text": lambda e: Same(),
    "pd_NA": lambda e: SameAs("nan"),
    "Int64_NA": lambda e: SameAs("nan"),
    "arrow_null": lambda e: SameAs("nan"),
    "polars_null": lambda e: SameAs("nan"),
    "categorical": lambda e: Same(),
    "categorical_text": lambda e: err(repr(e.label), "is not a number"),
    "strided": lambda e: Same(),
    "negative_stride": lambda e: Same(),
    "string_value": lambda e: err(repr(e.label), f"row {ROW}", "'n/a'"),
    "complex_value": lambda e: err(repr(e.label), f"row {ROW}"),
    "bytes_value": lambda e: err(repr(e.label), f"row {ROW}"),
    "datetime": lambda e: err(repr(e.label), "datetime"),
    "datetime_tz": lambda e: err(repr(e.label), "datetime"),
    "timedelta": lambda e: err(repr(e.label), "timedelta"),
    "huge_value": lambda e: err(repr(e.label), f"row {ROW}", "1e+160"),
    "multiindex": lambda e: err("MultiIndex"),
    "duplicated": lambda e: err(repr(e.label), "more than once"),
}


# ---------------------------------------------------------------- the engines

ENC_NAMES = [i.name for i in ss.EncounterConfig().indicators]


def _encounters() -> pd.DataFrame:
    return _likert(1, 24, ENC_NAMES)


def _scored() -> pd.DataFrame:
    return ss.score_encounters(_encounters())


ALPHA_COLS = ["q1", "q2", "q3", "q4"]
MOM_COLS = ["a", "b", "c"]
PLS_MODEL = ss.PathModel("X =~ x1 + x2\nY =~ y1 + y2\nY ~ X")
SQ_DIMS = {"tangibles": ["t1", "t2"], "empathy": ["e1", "e2"]}
TEXTS = [
    "The agent was rude and kept me waiting.",
    "Great service, thank you!",
    "店员态度很差，一直在玩手机。",
    "He never argued with me and sorted it out in five minutes.",
    "坐席：这个问题不归我们管，你自己去找物业。",
    "thanks, all good",
]


def _drivers_frame() -> pd.DataFrame:
    df = _likert(3, 40, ["a", "b", "c", "y"])
    return df


def _kano_frame() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    cols = ["wifi_f", "wifi_d", "wait_f", "wait_d"]
    return _frame(rng.integers(1, 6, (30, 4)), cols)


def _sq_frame() -> pd.DataFrame:
    e = _likert(5, 20, ["t1", "t2", "e1", "e2"], 1, 7)
    p = _likert(6, 20, ["t1", "t2", "e1", "e2"], 1, 7)
    return pd.concat([e.add_prefix("E_"), p.add_prefix("P_")], axis=1)


def _split(df: Any, *prefixes: str) -> list[Any]:
    if not isinstance(df, pd.DataFrame):  # polars: select and rename with its API
        return [
            df.select([c for c in df.columns if c.startswith(p)]).rename(lambda c, p=p: c[len(p) :]) for p in prefixes
        ]
    if isinstance(df.columns, pd.MultiIndex) or not df.columns.is_unique:
        return [df] * len(prefixes)  # hostile layouts go in whole
    return [
        df[[c for c in df.columns if str(c).startswith(p)]].rename(columns=lambda c, p=p: str(c)[len(p) :])
        for p in prefixes
    ]


def _zot_frame() -> pd.DataFrame:
    a = _likert(7, 20, ["t1", "t2", "e1", "e2"], 1, 4)
    d = a + 3
    p = _likert(8, 20, ["t1", "t2", "e1", "e2"], 2, 6)
    return pd.concat([a.add_prefix("A_"), d.add_prefix("D_"), p.add_prefix("P_")], axis=1)


def _nps_frame() -> pd.DataFrame:
    rng = np.random.default_rng(9)
    return _frame(rng.integers(0, 11, (30, 1)), ["score"])


def _csat_frame() -> pd.DataFrame:
    rng = np.random.default_rng(10)
    return _frame(rng.integers(1, 6, (30, 1)), ["score"])


def _ces_frame() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    return _frame(rng.integers(1, 8, (30, 1)), ["score"])


def _visits() -> pd.DataFrame:
    rng = np.random.default_rng(12)
    return _frame(np.c_[rng.integers(1, 7, 30), rng.integers(1, 12, 30)], ["greet", "wait"])


STANDARD = [{"id": "greet", "met": {"field": "greet", "op": "<=", "value": 3}}]
TARGETS = {"targets": [{"element": "waiting", "column": "wait", "target": 5}]}
NEED_RULES = [{"id": "long_wait", "when": {"field": "wait", "op": ">=", "value": 8}, "needs": ["comfort"]}]


def _journey() -> pd.DataFrame:
    return _likert(13, 30, ["info", "care", "fix"])


def _loyalty_frame() -> pd.DataFrame:
    return _likert(14, 30, ["sat", "loy"])


def _pls_frame() -> pd.DataFrame:
    return _likert(15, 40, ["x1", "x2", "y1", "y2"], 1, 10)


def _texts() -> pd.DataFrame:
    n = 12
    return pd.DataFrame(
        {"transcript": [TEXTS[i % len(TEXTS)] for i in range(n)], "id": range(n)},
        index=pd.RangeIndex(OFFSET, OFFSET + n),
    )


def _moments_key(m: Any) -> np.ndarray:
    return np.r_[_num(m.mean), _num(m.cov())]


def _box_key(r: Any) -> np.ndarray:
    t = r.table
    return _num(t.select_dtypes("number").to_numpy())


ENGINES: list[Engine] = [
    Engine(
        "score_encounters",
        _encounters,
        "tact",
        ss.score_encounters,
        lambda r: np.r_[_num(r["procedural"]), _num(r["personal"])],
        lambda r: int(r["n_missing"].sum()),
    ),
    Engine(
        "summarize_encounters",
        _scored,
        "procedural",
        ss.summarize_encounters,
        lambda r: _num(r.table.select_dtypes("number").to_numpy()),
    ),
    Engine(
        "cronbach_alpha",
        lambda: _likert(2, 30, ALPHA_COLS),
        "q2",
        ss.cronbach_alpha,
        lambda r: _num([r.alpha, r.alpha_standardized]),
        lambda r: int(r.n_dropped),
    ),
    Engine(
        "Moments",
        lambda: _likert(2, 30, MOM_COLS),
        "b",
        ss.Moments,
        _moments_key,
        lambda m: int(m.n_dropped),
    ),
    Engine(
        "drivers.importance",
        _drivers_frame,
        "b",
        lambda d: ss.drivers.importance(d, "y", columns=["a", "b", "c"]),
        lambda r: _num(r.table["importance"]),
        lambda r: int(r.n_dropped),
    ),
    Engine(
        "ipa",
        _drivers_frame,
        "b",
        lambda d: ss.ipa(d, "correlation", y="y", columns=["a", "b", "c"]),
        lambda r: _num(r.table.select_dtypes("number").to_numpy()),
    ),
    Engine(
        "nps",
        _nps_frame,
        "score",
        lambda d: ss.nps(d, column="score"),
        _box_key,
        lambda r: int(r.table["n_missing"].sum()),
    ),
    Engine(
        "csat",
        _csat_frame,
        "score",
        lambda d: ss.csat(d, column="score"),
        _box_key,
        lambda r: int(r.table["n_missing"].sum()),
    ),
    Engine(
        "ces",
        _ces_frame,
        "score",
        lambda d: ss.ces(d, column="score"),
        _box_key,
        lambda r: int(r.table["n_missing"].sum()),
    ),
    Engine(
        "kano.analyze",
        _kano_frame,
        "wifi_f",
        ss.kano.analyze,
        lambda r: _num(r.table[["A", "O", "M", "I", "R", "Q"]].to_numpy()),
        lambda r: int(r.table["missing"].sum()),
    ),
    Engine(
        "servqual",
        _sq_frame,
        "P_t1",
        lambda d: ss.servqual(*_split(d, "E_", "P_"), dimensions=SQ_DIMS),
        lambda r: _num(r.dimensions.select_dtypes("number").to_numpy()),
        shown="t1",
    ),
    Engine(
        "zone_of_tolerance",
        _zot_frame,
        "P_t1",
        lambda d: ss.zone_of_tolerance(*_split(d, "A_", "D_", "P_"), dimensions=SQ_DIMS),
        lambda r: _num(r.dimensions.select_dtypes("number").to_numpy()),
        shown="t1",
    ),
    Engine(
        "standards.compliance",
        _visits,
        "greet",
        lambda d: ss.standards.compliance(d, standards=STANDARD),
        lambda r: _num(r.table.select_dtypes("number").to_numpy()),
        lambda r: int(r.table["not_observed"].sum()),
    ),
    Engine(
        "standards.time_elements",
        _visits,
        "wait",
        lambda d: ss.standards.time_elements(d, targets=TARGETS),
        lambda r: _num(r.table.select_dtypes("number").to_numpy()),
    ),
    Engine(
        "lifecycle.stages",
        _journey,
        "care",
        lambda d: ss.lifecycle.stages(
            d, touchpoints={"info": "warm_handshake", "care": "caring", "fix": "taking_responsibility"}
        ),
        lambda r: _num(r.table.select_dtypes("number").to_numpy()),
        lambda r: int(r.table["n_missing"].sum()),
    ),
    Engine(
        "loyalty.segment",
        _loyalty_frame,
        "sat",
        lambda d: ss.loyalty.segment("sat", "loy", data=d),
        lambda r: _num(r.table.select_dtypes("number").to_numpy()),
        lambda r: int(r.table["n_missing"].sum()),
    ),
    Engine(
        "needs.evaluate",
        _visits,
        "wait",
        lambda d: ss.needs.evaluate(d, rules=NEED_RULES),
        lambda r: _num(r.to_frame().select_dtypes("number").to_numpy()),
    ),
    Engine(
        "PathModel.fit",
        _pls_frame,
        "x2",
        PLS_MODEL.fit,
        lambda r: _num(r.inner["estimate"]),
    ),
    Engine(
        "interactions.classify",
        _texts,
        "transcript",
        lambda d: ss.interactions.classify(d, model=None),
        lambda r: _num(r.table.select_dtypes("number").to_numpy()),
        text=True,
    ),
    Engine(
        "text.match_cues",
        lambda: _texts()[["transcript"]],
        "transcript",
        ss.text.match_cues,
        lambda r: _num(r.counts.to_numpy()),
        text=True,
    ),
]


# ---------------------------------------------------------------- references (numpy, written here)


def _enc_ref(df: pd.DataFrame) -> np.ndarray:
    """Martin's side scores with unit weights on 1-5: 100 (mean rating - 1) / 4 over the rated
    indicators, NaN when fewer than half are rated."""
    cfg = ss.EncounterConfig()
    out = []
    for side in ("procedural", "personal"):
        cols = [i.name for i in cfg.indicators if str(i.side.value if hasattr(i.side, "value") else i.side) == side]
        x = df[cols].to_numpy(dtype=np.float64)
        rated = (~np.isnan(x)).sum(axis=1)
        with np.errstate(invalid="ignore"):
            score = 100 * (np.nanmean(np.where(rated[:, None] > 0, x, 1.0), axis=1) - 1) / 4
        out.append(np.where(rated >= len(cols) / 2, score, np.nan))
    return np.r_[out[0], out[1]]


def _alpha_ref(df: pd.DataFrame) -> float:
    x = df.dropna().to_numpy(dtype=np.float64)
    k = x.shape[1]
    return float(k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1)))


def _close(a: Any, b: Any) -> None:
    assert np.allclose(
        np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-10, atol=1e-10, equal_nan=True
    ), (a, b)


def _numeric(d: pd.DataFrame) -> pd.DataFrame:
    return d.apply(lambda s: s.astype(np.float64) if s.dtype == bool else s)


def _enc_check(r: Any, d: pd.DataFrame) -> None:
    _close(np.r_[r["procedural"], r["personal"]], _enc_ref(d))


def _nps_of(scores: np.ndarray) -> float:
    s = scores[~np.isnan(scores)]
    return 100 * (np.mean(s >= 9) - np.mean(s <= 6))


def _box_check(top: int) -> Callable[[Any, pd.DataFrame], None]:
    def check(r: Any, d: pd.DataFrame) -> None:
        s = d["score"].to_numpy(dtype=np.float64)
        assert int(r.table["n"].iloc[0]) == len(s)
        _close(r.table["top"].iloc[0], np.sum(s >= top))

    return check


def _summary_check(r: Any, d: pd.DataFrame) -> None:
    t = r.table.iloc[0]
    assert int(t["n"]) == len(d)
    _close(
        t["mean_procedural"],
        np.nanmean(d["procedural"].to_numpy(dtype=np.float64)) if d["procedural"].notna().any() else np.nan,
    )


def _perception_check(col: str, dim: str, items: list[str], prefix: str) -> Callable[[Any, pd.DataFrame], None]:
    """The dimension's mean perception is the mean of its items' means over the answers given, or the
    mean of the respondents' item means (either published convention); NaN answers are left out."""

    def check(r: Any, d: pd.DataFrame) -> None:
        x = d[[prefix + i for i in items]].to_numpy(dtype=np.float64)
        got = float(r.dimensions.loc[dim, col])
        item_means = float(np.mean(np.nanmean(x, axis=0)))
        resp_means = float(np.nanmean(np.nanmean(x, axis=1)))
        assert np.isclose(got, item_means) or np.isclose(got, resp_means), (got, item_means, resp_means)

    return check


# ---------------------------------------------------------------- hostile inputs (text kinds)


def _text_set(df: pd.DataFrame, col: str, value: Any) -> pd.DataFrame:
    out = df.copy()
    s = out[col].astype(object)
    s.iloc[R] = value
    out[col] = s
    return out


TEXT_KINDS: dict[str, Callable[[pd.DataFrame, str], Any]] = {
    "empty": lambda df, c: df.iloc[:0],
    "one_row": lambda df, c: df.iloc[:1],
    "none_text": lambda df, c: _text_set(df, c, None),
    "nan_text": lambda df, c: _text_set(df, c, np.nan),
    "pd_NA_text": lambda df, c: _replace(df, c, _text_set(df, c, pd.NA)[c].astype("string")),
    "empty_string": lambda df, c: _text_set(df, c, ""),
    "emoji": lambda df, c: _text_set(df, c, "The agent was rude 😡😡 and kept me waiting 🙄"),
    "nul_bytes": lambda df, c: _text_set(df, c, "ok\x00The agent was rude and kept me waiting."),
    "surrogate": lambda df, c: _text_set(df, c, "The agent was rude \udcff"),
    "bytes_text": lambda df, c: _text_set(df, c, b"The agent was rude"),
    "number_text": lambda df, c: _text_set(df, c, 42),
    "categorical_text": lambda df, c: _replace(df, c, df[c].astype("category")),
    "arrow_text": lambda df, c: _replace(df, c, df[c].astype("string[pyarrow]")),
    "polars_text": lambda df, c: pytest.importorskip("polars").from_pandas(df.reset_index(drop=True)),
    "huge_text": lambda df, c: _text_set(df, c, "The agent was rude. " * 50_000),
    "multiindex": _multiindex,
    "duplicated": _duplicated,
}

TEXT_DEFAULTS: dict[str, Callable[[Engine], Any]] = {
    "categorical_text": lambda e: Same(),
    "arrow_text": lambda e: Same(),
    "polars_text": lambda e: Same(),
    "multiindex": lambda e: err("MultiIndex"),
    "duplicated": lambda e: err(repr(e.col), "more than once"),
}


# ---------------------------------------------------------------- running a cell


def _kinds(e: Engine) -> dict[str, Callable[[pd.DataFrame, str], Any]]:
    return TEXT_KINDS if e.text else NUMERIC_KINDS


def _expected(e: Engine, kind: str) -> Any:
    if kind in e.expect:
        return e.expect[kind]
    table = TEXT_DEFAULTS if e.text else DEFAULTS
    if kind not in table:
        raise AssertionError(f"{e.name} x {kind}: no expected outcome declared")
    return table[kind](e)


def _outcome(e: Engine, kind: str) -> Any:
    data = _kinds(e)[kind](e.frame(), e.col)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return e.run(data)


INTERNAL = (TypeError, KeyError, AttributeError, IndexError, RuntimeError, OverflowError, UnicodeError, MemoryError)


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-12, atol=1e-12, equal_nan=True))


CELLS = [(e, k) for e in ENGINES for k in _kinds(e)]


@pytest.mark.parametrize(("engine", "kind"), CELLS, ids=[f"{e.name}-{k}" for e, k in CELLS])
def test_cell(engine: Engine, kind: str) -> None:
    want = _expected(engine, kind)
    if isinstance(want, Err):
        with pytest.raises(ss.Error) as info:
            _outcome(engine, kind)
        assert isinstance(info.value, want.cls), f"{type(info.value).__name__}: {info.value}"
        msg = str(info.value)
        for part in want.parts:
            assert part in msg, f"{part!r} not in {msg!r}"
        return
    got = _outcome(engine, kind)
    if isinstance(want, Same):
        assert _same(engine.key(got), engine.key(engine.run(engine.frame())))
    elif isinstance(want, SameAs):
        assert _same(engine.key(got), engine.key(_outcome(engine, want.kind)))
    elif isinstance(want, Missing):
        assert engine.missing is not None
        assert engine.missing(got) == engine.missing(engine.run(engine.frame())) + want.extra
    elif isinstance(want, Check):
        want.fn(got, _kinds(engine)[kind](engine.frame(), engine.col))
    else:  # pragma: no cover
        raise AssertionError(want)


def test_matrix_size() -> None:
    kinds = set(NUMERIC_KINDS) | set(TEXT_KINDS)
    assert len(kinds) >= 25 and len(ENGINES) >= 18
    assert len(CELLS) >= 400


def describe() -> None:  # pragma: no cover - prints every cell's actual outcome (for adding engines or kinds)
    for e, k in CELLS:
        try:
            r = _outcome(e, k)
            try:
                key = e.key(r)
                base = e.key(e.run(e.frame()))
                tag = "same" if _same(key, base) else "differs"
                miss = e.missing(r) - e.missing(e.run(e.frame())) if e.missing else ""
                print(f"{e.name:24} {k:18} OK {tag} missing{miss:+} " if miss != "" else f"{e.name:24} {k:18} OK {tag}")
            except Exception as x:
                print(f"{e.name:24} {k:18} OK key-failed {type(x).__name__}: {x}")
        except ss.Error as x:
            print(f"{e.name:24} {k:18} {type(x).__name__}: {str(x)[:160]}")
        except Exception as x:
            print(f"{e.name:24} {k:18} !!! {type(x).__name__}: {str(x)[:160]}")


# ---------------------------------------------------------------- per-engine outcomes


def _rule_check(r: Any, d: pd.DataFrame) -> None:
    w = d["wait"].to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore"):
        assert r.to_frame()["n_needs"].tolist() == (w >= 8).astype(int).tolist()  # NaN: the rule does not fire


def _compliance_check(r: Any, d: pd.DataFrame) -> None:
    g = d["greet"].to_numpy(dtype=np.float64)
    t = r.table.loc["greet"]
    assert int(t["n_observed"]) == int(np.sum(~np.isnan(g))) and int(t["n_met"]) == int(np.sum(g <= 3))


def _time_check(r: Any, d: pd.DataFrame) -> None:
    w = d["wait"].to_numpy(dtype=np.float64)
    w = w[~np.isnan(w)]
    t = r.table.loc["waiting"]
    assert int(t["n"]) == len(w)
    if len(w):
        _close(t["attainment"], np.mean(w <= 5))
        _close(t["mean"], w.mean())


def _stage_check(r: Any, d: pd.DataFrame) -> None:
    row = r.table.set_index("stage").loc["caring"]
    x = d["care"].to_numpy(dtype=np.float64)
    x = x[~np.isnan(x)]
    assert int(row["n"]) == len(x)
    _close(row["index"], 100 * (x.mean() - 1) / 4 if len(x) else np.nan)


def _loyalty_check(r: Any, d: pd.DataFrame) -> None:
    t = r.table.iloc[0]
    ok = d[["sat", "loy"]].notna().all(axis=1)
    assert int(t["n"]) == int(ok.sum()) and int(t["n_missing"]) == int((~ok).sum())


def _kano_check(r: Any, d: pd.DataFrame) -> None:
    t = r.table.loc["wifi"]
    answered = (d["wifi_f"].fillna(0) > 0) & (d["wifi_d"].fillna(0) > 0)
    assert int(t["n"]) == int(answered.sum())


def _moments_check(m: Any, d: pd.DataFrame) -> None:
    x = d.dropna().to_numpy(dtype=np.float64)
    _close(m.mean, x.mean(axis=0))
    _close(m.cov().to_numpy(), np.cov(x, rowvar=False, ddof=1) if len(x) > 1 else np.full((3, 3), np.nan))


def _alpha_check(r: Any, d: pd.DataFrame) -> None:
    _close(r.alpha, _alpha_ref(_numeric(d)))


def _importance_check(r: Any, d: pd.DataFrame) -> None:
    ref = ss.drivers.importance(_numeric(d), "y", columns=["a", "b", "c"])  # booleans are 0/1 predictors
    _close(r.table["importance"], ref.table["importance"])


def _ipa_check(r: Any, d: pd.DataFrame) -> None:
    b = _numeric(d)["b"].to_numpy(dtype=np.float64)
    _close(r.table.loc["b", "performance"], np.nanmean(b))


OVERRIDES: dict[str, dict[str, Any]] = {
    "score_encounters": {
        "one_row": Check(_enc_check),
        "bool": err("'tact'", f"row {ROW}", "rating 0"),
        "all_missing": Missing(24),
        "constant": Check(_enc_check),
    },
    "summarize_encounters": {
        "nan": Check(_summary_check),
        "mixed": Check(_summary_check),  # the scores are not integers: the int / Decimal forms change them
        "Int64_NA": Check(_summary_check),  # rounded to integers
        "empty": Check(lambda r, d: int(r.table["n"].sum()) == 0 or None),
        "one_row": Check(_summary_check),
        "bool": err("'procedural'", "booleans"),
        "all_missing": Check(_summary_check),
        "constant": Check(_summary_check),
    },
    "cronbach_alpha": {
        "empty": err("empty"),
        "one_row": err("at least 2 complete rows", "got 1"),
        "bool": Check(_alpha_check),
        "all_missing": err("at least 2 complete rows", "30 left out"),
        "constant": Check(_alpha_check),
        "huge_value": err("'q2'", f"row {ROW}", "1e+160", "too large"),
    },
    "Moments": {
        "empty": Check(lambda m, d: None if repr(m).startswith("Moments(empty") else pytest.fail(repr(m))),
        "one_row": Check(_moments_check),
        "bool": Check(lambda m, d: _close(m.mean["b"], (len(d) - 1) / len(d))),
        "all_missing": Missing(30),
        "constant": Check(_moments_check),
        "huge_value": err("'b'", f"row {ROW}", "1e+160", "too large"),
    },
    "drivers.importance": {
        "one_row": err("1 complete row"),
        "bool": Check(_importance_check),
        "all_missing": err("0 complete row"),
        "constant": err("'b'", "constant"),
    },
    "ipa": {
        "nan": Check(_ipa_check),
        "empty": err("'a'", "no ratings"),
        "one_row": err("'a'", "nan"),
        "bool": Check(_ipa_check),
        "all_missing": err("'b'", "no ratings"),
        "constant": err("'b'", "nan"),
    },
    "nps": {
        "one_row": Check(lambda r, d: _close(r.table["nps"].iloc[0], _nps_of(d["score"].to_numpy(dtype=float)))),
        "bool": err("'score'", "booleans"),
        "all_missing": err("'score'", "no valid answers"),
        "constant": Check(lambda r, d: _close(r.table["nps"].iloc[0], _nps_of(d["score"].to_numpy(dtype=float)))),
    },
    "csat": {
        "one_row": Check(_box_check(4)),
        "bool": err("'score'", "booleans"),
        "all_missing": err("'score'", "no valid answers"),
        "constant": Check(_box_check(4)),
    },
    "ces": {
        "one_row": Check(_box_check(5)),
        "bool": err("'score'", "booleans"),
        "all_missing": err("'score'", "no valid answers"),
        "constant": Check(_box_check(5)),
    },
    "kano.analyze": {
        "one_row": Check(_kano_check),
        "bool": err("'wifi_f'", "booleans"),
        "datetime": err("'wifi_f'", f"row {OFFSET}", "not an answer code"),
        "datetime_tz": err("'wifi_f'", f"row {OFFSET}", "not an answer code"),
        "timedelta": err("'wifi_f'", f"row {OFFSET}", "not an answer code"),
        "all_missing": Missing(30),
        "constant": Check(_kano_check),
        "huge_value": err("'wifi_f'", f"row {ROW}", "1e+160"),
    },
    "servqual": {
        "nan": Check(_perception_check("perception", "tangibles", ["t1", "t2"], "P_")),
        "one_row": Check(_perception_check("perception", "tangibles", ["t1", "t2"], "P_")),
        "bool": err("'t1'", f"row {ROW}", "value 0"),
        "all_missing": Check(_perception_check("perception", "tangibles", ["t1", "t2"], "P_")),
        "constant": Check(_perception_check("perception", "tangibles", ["t1", "t2"], "P_")),
        "huge_value": err("'t1'", f"row {ROW}", "1e+160"),
        "duplicated": err("'P_t1'", "more than once"),
    },
    "zone_of_tolerance": {
        "nan": Check(_perception_check("perceived", "tangibles", ["t1", "t2"], "P_")),
        "empty": err("no respondents"),
        "one_row": Check(_perception_check("perceived", "tangibles", ["t1", "t2"], "P_")),
        "bool": err("'t1'", f"row {ROW}", "value 0"),
        "all_missing": Check(_perception_check("perceived", "tangibles", ["t1", "t2"], "P_")),
        "constant": Check(_perception_check("perceived", "tangibles", ["t1", "t2"], "P_")),
        "huge_value": err("'t1'", f"row {ROW}", "1e+160"),
        "duplicated": err("'P_t1'", "more than once"),
    },
    "standards.compliance": {
        "nan": Check(_compliance_check),
        "one_row": Check(_compliance_check),
        "bool": Check(_compliance_check),
        "all_missing": Missing(30),
        "constant": Check(_compliance_check),
        "huge_value": Check(_compliance_check),  # a finite number, compared as it is
    },
    "standards.time_elements": {
        "nan": Check(_time_check),
        "inf": err("'wait'", f"row {ROW}", "inf"),
        "one_row": Check(_time_check),
        "bool": Check(_time_check),
        "all_missing": Check(_time_check),
        "constant": Check(_time_check),
        "huge_value": Check(_time_check),
    },
    "lifecycle.stages": {
        "one_row": Check(
            lambda r, d: None if int(r.table.set_index("stage").loc["caring", "n"]) == 1 else pytest.fail()
        ),
        "bool": err("'care'", f"row {ROW}", "rating 0"),
        "all_missing": Missing(30),
        "constant": Check(_stage_check),
    },
    "loyalty.segment": {
        "nan": Check(_loyalty_check),
        "one_row": Check(_loyalty_check),
        "bool": err(f"row {ROW}", "value 0"),
        "all_missing": Check(_loyalty_check),
        "constant": Check(_loyalty_check),
        "huge_value": err(f"row {ROW}", "1e+160"),
        "inf": err(f"row {ROW}", "inf"),
        "-inf": err(f"row {ROW}", "inf"),
    },
    "needs.evaluate": {
        "nan": Check(_rule_check),
        "one_row": Check(_rule_check),
        "bool": Check(_rule_check),
        "all_missing": Check(_rule_check),
        "constant": Check(_rule_check),
        "huge_value": Check(_rule_check),
        "mixed": Check(_rule_check),
        "pd_NA": Check(_rule_check),
        "Int64_NA": Check(_rule_check),
        "arrow_null": Check(_rule_check),
        "polars_null": Same(),  # the NaN row does not fire, as in the clean frame (wait < 8 there)
    },
    "PathModel.fit": {
        "nan": Check(lambda r, d: None),
        "one_row": err("1 usable record"),
        "bool": err("'x2'", f"row {ROW}", "value 0"),
        "all_missing": err("'x2'", "every value is missing"),
        "constant": err("'x2'", "no variance"),
        "huge_value": err("'x2'", f"row {ROW}", "1e+160"),
    },
}


def _cues(r: Any) -> pd.DataFrame:
    t = r.counts if hasattr(r, "counts") else r.table
    return t[[c for c in t.columns if str(c).startswith("cue_")]].reset_index(drop=True)


def _status(r: Any) -> list[str]:
    return list(r.status) if hasattr(r, "status") else r.table["text_status"].astype(str).tolist()


def _status_is(value: str) -> Check:
    def check(r: Any, d: pd.DataFrame) -> None:
        st = _status(r)
        assert st[R] == value and st.count(value) == 1, st
        assert _cues(r).iloc[R].sum() == 0  # nothing matched in a text that is not there

    return Check(check)


def _rude_found(r: Any, d: pd.DataFrame) -> None:
    """Row R's text says the agent was rude (among emoji, after a NUL byte, as UTF-8 bytes, or
    50,000 times): the discourtesy cue is found there, as in the clean row 0."""
    c = _cues(r)
    assert c.loc[0, "cue_discourtesy"] > 0 and c.loc[R, "cue_discourtesy"] > 0
    assert _status(r)[R] == "ok"


TEXT_OVERRIDES: dict[str, Any] = {
    "one_row": Check(lambda r, d: None if len(_cues(r)) == 1 and _cues(r).iloc[0].sum() > 0 else pytest.fail()),
    "none_text": _status_is("missing"),
    "nan_text": _status_is("missing"),
    "pd_NA_text": _status_is("missing"),
    "empty_string": _status_is("empty"),
    "emoji": Check(_rude_found),
    "nul_bytes": Check(_rude_found),
    # flagged by status, and the valid part still read (the discourtesy cue is found)
    "surrogate": Check(
        lambda r, d: (
            None
            if _status(r)[R] == "invalid_utf8" and _cues(r).loc[R, "cue_discourtesy"] > 0
            else pytest.fail(str(_status(r)))
        )
    ),
    "bytes_text": Check(_rude_found),
    "number_text": err(f"row {ROW}", "expected a string", "int 42"),
    "huge_text": Check(_rude_found),
}
OVERRIDES["interactions.classify"] = {**TEXT_OVERRIDES, "empty": err("empty")}
OVERRIDES["text.match_cues"] = {
    **TEXT_OVERRIDES,
    "empty": Check(lambda r, d: None if len(_cues(r)) == 0 else pytest.fail()),
}
for _e in ENGINES:
    _e.expect.update(OVERRIDES.get(_e.name, {}))
