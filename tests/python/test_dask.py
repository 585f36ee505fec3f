"""servscore.dask on a LocalCluster with 2 worker processes: every aggregate on partitioned frames
(uneven, empty and single partitions) equals the in-memory result; row-wise engines give the
in-memory frames; bad input raises the in-memory InputError, naming the row of the whole data set."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe", reason="servscore[dask] is not installed (dask[dataframe])")
distributed = pytest.importorskip("distributed", reason="servscore[dask] is not installed (distributed)")

import dask  # noqa: E402
import servscore as ss  # noqa: E402
import servscore.dask as sdask  # noqa: E402
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
def client():
    # dask would turn object text columns into pyarrow strings; the comparisons want pandas' own
    with dask.config.set({"dataframe.convert-string": False}):
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=50
        )
        with distributed.Client(cluster) as c:
            yield c
        cluster.close()


@pytest.fixture(scope="module")
def data(client):
    return sample()


def frame(df: pd.DataFrame, layout: str) -> dd.DataFrame:
    """A dask frame with the given partitions (unknown divisions, each partition's index as in df)."""
    parts = pieces(df, layouts(len(df))[layout])
    return dd.from_map(_part, parts, meta=df.iloc[:0])


def _part(p: pd.DataFrame) -> pd.DataFrame:
    return p


@pytest.mark.parametrize("layout", LAYOUTS)
def test_response_metrics_equal_in_memory(data, layout):
    tr = data.transactions.copy()
    tr["w"] = np.random.default_rng(5).uniform(0.5, 2.0, len(tr))
    ddf = frame(tr, layout)
    assert ddf.npartitions == len(layouts(len(tr))[layout])
    assert sdask.nps(ddf, column="nps", by="branch") == ss.nps(tr, column="nps", by="branch")
    assert sdask.nps(ddf, column="nps", by=["branch", "channel"], split_every=2) == ss.nps(
        tr, column="nps", by=["branch", "channel"]
    )
    assert sdask.csat(ddf, by="channel") == ss.csat(tr, by="channel")
    assert sdask.ces(ddf) == ss.ces(tr)
    assert sdask.mean_score(ddf, column="csat", scale=(1, 5)) == ss.mean_score(tr, column="csat", scale=(1, 5))
    # weighted: the counts are weight sums, merged in another order than one pass (to rounding)
    r, r0 = sdask.nps(ddf, weights="w", by="branch"), ss.nps(tr, weights="w", by="branch")
    assert_frames_close(r.table, r0.table)
    assert r.table["n"].tolist() == r0.table["n"].tolist()


def test_many_groups_tree_reduction(client):
    # 12,000 staff members over 36,000 answers: the states carry every group, never rows
    rng = np.random.default_rng(7)
    n = 36_000
    df = pd.DataFrame(
        {
            "staff": [f"s{i:05d}" for i in rng.integers(0, 12_000, n)],
            "nps": rng.integers(0, 11, n).astype(np.int8),
        }
    )
    ddf = dd.from_pandas(df, npartitions=9, sort=False)
    r = sdask.nps(ddf, by="staff", split_every=3)
    r0 = ss.nps(df, by="staff")
    assert len(r.table) == len(r0.table) == df["staff"].nunique()
    assert r == r0


@pytest.mark.parametrize("layout", LAYOUTS)
def test_moments_and_alpha_equal_in_memory(data, layout):
    ds = data.driver_survey
    cols = items(ds)
    ddf = frame(ds, layout)
    assert_moments_close(sdask.moments(ddf, columns=cols), ss.Moments(ds[cols]))
    assert_moments_close(
        sdask.moments(ddf, columns=cols, missing="pairwise", weights="weight"),
        ss.Moments(ds[[*cols, "weight"]], weights="weight", missing="pairwise"),
    )
    a, a0 = sdask.cronbach_alpha(ddf[cols]), ss.cronbach_alpha(ds[cols])
    assert a.n == a0.n
    assert a.alpha == pytest.approx(a0.alpha, rel=1e-12)
    assert_frames_close(a.items, a0.items)


def test_drivers_and_pls_from_merged_moments(data):
    ds = data.driver_survey
    cols = items(ds)[1:]
    ddf = frame(ds, "uneven")
    r = sdask.importance(ddf, "overall", columns=cols)
    r0 = ss.drivers.importance(ds, "overall", columns=cols)
    np.testing.assert_allclose(r.table["share"], r0.table["share"], rtol=1e-10)
    np.testing.assert_allclose(r.table["importance"], r0.table["importance"], rtol=1e-10)
    survey = data.index_survey
    model = ss.PathModel("IMAG =~ imag1 + imag2 + imag3; SAT =~ sat1 + sat2 + sat3; SAT ~ IMAG")
    p = sdask.fit_pls(model, frame(survey, "many"))
    p0 = model.fit(survey, missing="listwise")
    assert p.paths.loc["SAT", "IMAG"] == pytest.approx(p0.paths.loc["SAT", "IMAG"], rel=1e-10)
    np.testing.assert_allclose(p.r2.to_numpy(), p0.r2.to_numpy(), rtol=1e-10)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_kano_equal_in_memory(data, layout):
    kano = data.kano
    assert sdask.kano(frame(kano, layout), by="segment") == ss.kano.analyze(kano, by="segment")
    # long rows, later partitions bringing attributes not seen before: the attribute order of one pass
    long = long_kano(kano)
    r, r0 = sdask.kano(frame(long, layout)), ss.kano.analyze(long)
    assert list(r.table.index) == list(r0.table.index)
    assert r == r0


def test_servqual_and_zone_of_tolerance(data):
    sq = data.servqual
    ddf = frame(sq, "uneven")
    points = [c for c in sq.columns if c.startswith("points_")]
    r = sdask.servqual(ddf, weights=points)
    r0 = ss.servqual(sq.filter(regex="^e_"), sq.filter(regex="^p_"), weights=sq[points])
    assert r.servqual == pytest.approx(r0.servqual, rel=1e-12)
    assert r.weighted_servqual == pytest.approx(r0.weighted_servqual, rel=1e-12)
    assert_frames_close(r.dimensions, r0.dimensions)
    assert_frames_close(r.items, r0.items)
    p, p0 = sdask.servperf(ddf), ss.servperf(sq.filter(regex="^p_"))
    assert_frames_close(p.dimensions, p0.dimensions)
    z = sdask.zone_of_tolerance(ddf)
    z0 = ss.zone_of_tolerance(sq.filter(regex="^a_"), sq.filter(regex="^d_"), sq.filter(regex="^z_"))
    assert z.n_rows == z0.n_rows == len(sq)
    assert_frames_close(z.dimensions, z0.dimensions)


def test_row_wise_engines_are_lazy_and_equal_in_memory(data):
    enc = data.encounters
    lazy = sdask.score_encounters(frame(enc, "uneven"))
    assert isinstance(lazy, dd.DataFrame)
    out, out0 = lazy.compute(), ss.score_encounters(enc)
    pd.testing.assert_frame_equal(out, out0)
    assert lazy._meta.dtypes.equals(out0.dtypes)  # the declared meta is what the partitions hold
    # the text engines compile their lexicon in each worker: a small lexicon keeps that short
    lex = {
        "cues": [
            {"name": "apology", "actor": "staff", "personal": 1, "phrases": {"en": ["sorry"], "zh": ["抱歉"]}},
            {"name": "slow", "actor": "staff", "procedural": -1, "phrases": {"en": ["wait", "slow"], "zh": ["慢"]}},
        ]
    }
    inter = data.interactions
    parts = [(0, 0), (0, 15), (15, len(inter))]
    cues = sdask.match_cues(dd.from_map(_part, pieces(inter, parts)), text="transcript", lexicon=lex).compute()
    cues0 = ss.text.match_cues(inter["transcript"], lexicon=lex).counts.set_axis(inter.index)
    pd.testing.assert_frame_equal(cues, cues0)
    assert cues0.to_numpy().sum() > 0  # the cues occur: the comparison is not of zeros
    kw = {"lexicon": lex, "model": None, "needs": None}
    rows = sdask.classify_interactions(dd.from_map(_part, pieces(inter, parts)), **kw).compute()
    pd.testing.assert_frame_equal(rows, ss.interactions.classify(inter, **kw).table)


def _message(fn, *args, **kwargs) -> str:
    with pytest.raises(ss.InputError) as e:
        fn(*args, **kwargs)
    return str(e.value)


def test_bad_input_raises_the_in_memory_error(data):
    tr = data.transactions.reset_index(drop=True)
    bad = tr.copy()
    bad["nps"] = bad["nps"].astype("float64")
    bad.loc[[1700, 2900], "nps"] = [11, 12]  # row 1700 sits in the 5th partition of "uneven"
    msg = _message(sdask.nps, frame(bad, "uneven"), column="nps", by="branch")
    assert msg == _message(ss.nps, bad, column="nps", by="branch")
    assert "row 1700" in msg
    # partitions that restart at 0 (as read_csv makes them): the row of the whole data set
    restarted = [p.reset_index(drop=True) for p in pieces(bad, layouts(len(bad))["uneven"])]
    ddf = dd.from_map(_part, restarted, meta=bad.iloc[:0])
    assert "row 1700" in _message(sdask.nps, ddf, column="nps")
    # known divisions: rows named by their index label, as in memory
    labelled = bad.set_axis(bad.index * 10 + 5)
    msg = _message(sdask.nps, dd.from_pandas(labelled, npartitions=4), column="nps")
    assert msg == _message(ss.nps, labelled, column="nps")
    assert "row 17005" in msg
    # Kano, moments, row-wise engines
    kano = data.kano.copy()
    kano.loc[kano.index[333], "free_wifi_d"] = 9
    assert _message(sdask.kano, frame(kano, "many")) == _message(ss.kano.analyze, kano)
    ds = data.driver_survey[items(data.driver_survey)].astype(object)
    ds.iloc[801, 2] = "seven"
    assert _message(sdask.cronbach_alpha, frame(ds, "uneven")) == _message(ss.cronbach_alpha, ds)
    enc = data.encounters.copy()
    enc.loc[enc.index[1000], "flow"] = 9
    lazy = sdask.score_encounters(frame(enc, "uneven"))
    assert _message(lazy.compute) == _message(ss.score_encounters, enc)
    # a column that is not there: before any task runs
    assert _message(sdask.nps, frame(tr, "one"), column="nope") == _message(ss.nps, tr, column="nope")
    with pytest.raises(ss.ConfigError):
        sdask.nps(frame(tr, "one"), split_every=1)
    with pytest.raises(TypeError, match="dask DataFrame"):
        sdask.nps(tr)


def test_import_error_names_the_extra():
    code = "import sys; sys.modules['dask'] = None\ntry:\n import servscore.dask\nexcept ImportError as e:\n print(e)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "servscore[dask]" in out


@pytest.mark.parametrize("layout", ["uneven", "one"])
def test_grouped_state_aggregates_equal_in_memory(data, layout):
    check_state_aggregates(sdask, lambda df: frame(df, layout), data)


def test_grouped_state_aggregates_bad_input(data):
    check_state_errors(sdask, lambda df: frame(df, "uneven"), data)


def test_many_groups_grouped_states(data):
    check_many_groups(sdask, lambda df: dd.from_pandas(df, npartitions=9, sort=False), data)
