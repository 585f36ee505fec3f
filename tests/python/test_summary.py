"""Every result has ``summary()``: an object with a text and an HTML form (issue 13 item 4)."""

import functools

import numpy as np
import pandas as pd
import pytest
import servscore as ss
from servscore._result import Summary
from test_results_protocol import result_classes

ITEMS = pd.DataFrame(
    [[4, 4, 5], [5, 4, 5], [3, 3, 2], [2, 1, 2], [5, 5, 4]],
    columns=["q1", "q2", "q3"],
    dtype=float,
)


@functools.lru_cache(maxsize=1)
def _results():
    scored = ss.score_encounters(ss.datasets.sample(seed=3, n_encounters=60).encounters)
    return {
        "alpha": ss.cronbach_alpha(ITEMS),
        "nps": ss.nps([10, 9, 3, 7, 8, 0, 10, 6]),
        "nps_by": ss.nps([10, 9, 3, 7, 8, 0], by=["a", "a", "b", "b", "b", "a"]),
        "csat": ss.csat([5, 4, 3, 2]),
        "encounters": ss.summarize_encounters(scored, by="branch"),
        "drivers": ss.drivers.importance(ITEMS, y="q3"),
    }


def test_the_base_summary_holds_lines_and_the_main_table():
    r = ss.nps([10, 9, 3, 7, 8, 0, 10, 6])  # 3 promoters, 3 detractors of 8: NPS 0
    s = r.summary()
    assert isinstance(s, Summary)
    assert s.title == "NpsResult"
    assert s.lines == r._summary_lines()
    assert str(s) == s.text == repr(s)
    assert s.text.splitlines()[0] == "NpsResult"
    # the main table is printed under the lines and rendered as an HTML table
    assert r.to_frame().to_string(float_format=lambda v: format(v, ".4g")) in s.text
    assert s._repr_html_() == s.html and s.html.startswith("<div>") and "<table" in s.html
    assert "NpsResult" in s and "no such words here" not in s and 3 not in s


def test_html_escapes_the_text():
    s = Summary("a <b> & c", ["x < y"], pd.DataFrame({"<col>": [1.0]}))
    assert "a &lt;b&gt; &amp; c" in s.html and "x &lt; y" in s.html and "&lt;col&gt;" in s.html
    assert "<b>" not in s.html.replace("<strong>", "")


@pytest.mark.parametrize("name", list(_results()))
def test_every_result_has_a_text_and_an_html_summary(name):
    r = _results()[name]
    s = r.summary()
    assert isinstance(s, Summary)
    assert s.text.startswith(type(r).__name__)
    for line in r._summary_lines():
        assert "  " + line in s.text
    assert "<table" in s.html


def test_every_result_class_has_summary():
    for name, cls in result_classes().items():
        assert callable(getattr(cls, "summary", None)), f"{name} has no summary()"


def test_pls_summary_has_its_sections():
    rng = np.random.default_rng(5)
    n = 120
    a = rng.normal(size=n)
    b = 0.6 * a + rng.normal(scale=0.8, size=n)
    raw = {
        "a1": a + rng.normal(scale=0.5, size=n),
        "a2": a + rng.normal(scale=0.5, size=n),
        "b1": b + rng.normal(scale=0.5, size=n),
        "b2": b + rng.normal(scale=0.5, size=n),
    }
    data = pd.DataFrame({k: np.clip(np.round(5.5 + 1.5 * v), 1, 10) for k, v in raw.items()})  # a 1-10 scale
    model = ss.PathModel("A =~ a1 + a2\nB =~ b1 + b2\nB ~ A")
    r = model.fit(data)
    s = r.summary()
    assert isinstance(s, Summary)
    heads = ["Latent variables", "Paths", "Effects", "Model fit", "Outer model", "Reliability"]
    heads += ["Fornell-Larcker (sqrt AVE on the diagonal)", "HTMT", "HTMT2", "IPMA (target B)"]
    assert [h for h, _ in s.sections] == heads  # IPMA of the last endogenous latent by default
    assert s.text.startswith("PLS path model")
    # the path coefficient appears in the text with four decimals
    path = float(r.inner.loc[(r.inner["from"] == "A") & (r.inner["to"] == "B"), "estimate"].iloc[0])
    assert f"{path:.4f}" in s.text
    assert s.html.count("<table") == 10
