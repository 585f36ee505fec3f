from __future__ import annotations

import os
import pathlib
import shutil

import pandas as pd
import pytest
import servscore as ss
from servscore.cli import main
from servscore.report import build_report

pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("sample")
    ss.datasets.sample(seed=2026).encounters.to_csv(d / "encounters.csv", index=False)
    return d


def test_report_sections_and_findings():
    data = ss.datasets.sample(seed=2026)
    rep = build_report({"encounters": data.encounters})
    keys = [s.key for s in rep.sections]
    assert "encounters" in keys
    sec = rep.sections[keys.index("encounters")]
    text = rep.text()
    assert "3000 encounters" in text
    # the planted profiles are found and stated
    for branch, profile in data.truth["encounters"]["profiles"].items():
        if profile != "mixed":
            assert any(f"branch {branch}:" in f and ss.Quadrant(profile).label() in f for f in sec.findings)
    assert len(sec.figures) == 2
    html = rep.to_html()
    assert html.count("data:image/png;base64,") == 2
    assert "http://" not in html and "https://" not in html  # self-contained


def test_report_in_chinese():
    rep = build_report({"encounters": ss.datasets.sample(seed=1, n_encounters=400).encounters}, lang="zh")
    assert rep.title == "服务质量报告"
    assert "服务接触四象限" in rep.to_html()


def test_report_without_recognised_data(tmp_path):
    rep = build_report({"x": pd.DataFrame({"a": [1]})})
    assert rep.sections == []
    assert "No analysis recognised" in rep.text()


def test_report_command(sample_dir, tmp_path, capsys):
    out = tmp_path / "report.html"
    assert main(["report", str(sample_dir), "-o", str(out)]) == 0
    assert out.stat().st_size > 50_000
    assert "report written to" in capsys.readouterr().out
    assert main(["report", str(tmp_path / "empty-dir-that-does-not-exist")]) == 2


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


# ------------------------------------------------------------------ the full report on the sample data

#: smaller sample tables than the defaults: every section runs, the report builds in seconds
SMALL = dict(
    n_encounters=600,
    n_transactions=800,
    n_visits=400,
    n_journey=400,
    n_loyalty=600,
    n_driver_survey=300,
    n_respondents=300,
    n_kano=200,
    n_servqual=200,
    n_departures=200,
    n_customers=200,
    n_moment_visits=150,
)

#: Latin words a Chinese report may show besides the data's own names: method and index names,
#: authors of methods, the coefficients Better / Worse (Berger et al.) and the program's name
ALLOWED_WORDS = {
    *[
        "NPS",
        "CSAT",
        "CES",
        "SERVQUAL",
        "SERVPERF",
        "PLS",
        "IPA",
        "IPMA",
        "Kano",
        "ECSI",
        "LMG",
        "GoF",
        "AVE",
        "MSA",
        "MSS",
        "VIF",
        "RATER",
        "TARP",
        "UTC",
    ],
    *["Cronbach", "DuMouchel", "Fong", "Goodman", "Wilson", "Better", "Worse", "servscore"],
}


@pytest.fixture(scope="module")
def sample_tables():
    """Every sample table but the interaction transcripts: compiling the text cue matcher takes ~10 s
    (the interactions section still runs, on the style questionnaire; test_text checks its text part)."""
    data = ss.datasets.sample(seed=2026, **SMALL)
    return {name: getattr(data, name) for name in ss.datasets.tables() if name != "interactions"}


@pytest.fixture(scope="module")
def full_reports(sample_tables, tmp_path_factory):
    """The report of every sample table in English and in Chinese: {lang: (Report, html path)}."""
    out = {}
    d = tmp_path_factory.mktemp("full")
    for lang in ("en", "zh"):
        rep = build_report(sample_tables, lang=lang)
        path = d / f"report_{lang}.html"
        rep.save(str(path))
        out[lang] = (rep, path)
    return out


def visible_text(page: str) -> str:
    """The text a reader sees: the HTML without its tags, scripts and styles."""
    from html.parser import HTMLParser

    class Visible(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.hidden = 0
            self.parts: list[str] = []

        def handle_starttag(self, tag, attrs):
            self.hidden += tag in ("script", "style")

        def handle_endtag(self, tag):
            self.hidden -= tag in ("script", "style")

        def handle_data(self, data):
            if not self.hidden:
                self.parts.append(data)

    v = Visible()
    v.feed(page)
    return " ".join(v.parts)


def data_words(tables) -> set[str]:
    """Latin words of the data's own names: table names, column names, and the values of text columns
    with few distinct values (branches, channels, segments, months)."""
    import re

    names = set(tables)
    for df in tables.values():
        names.update(map(str, df.columns))
        for c in df.columns:
            if not pd.api.types.is_numeric_dtype(df[c]) and df[c].nunique() <= 50:
                names.update(map(str, df[c].dropna().unique()))
    return {w for n in names for w in re.findall(r"[A-Za-z]+", n)}


def test_summary_rule_takes_actions_first_one_per_section_then_fills_up():
    from servscore.report import ACTION, HEADLINE, Section, executive_summary

    a, b, c, d = (Section(k, k.upper()) for k in "abcd")
    a.add("a headline", HEADLINE)
    a.add("a detail")
    a.add("a action", ACTION)
    a.add("a second action", ACTION)
    b.add("b headline", HEADLINE)
    c.add("c detail")
    d.add("d action", ACTION)
    picked = [f.text for _, f in executive_summary([a, b, c, d])]
    # each section's first finding of its highest importance, ACTION first, then report order;
    # fewer than 3: filled with the next offered findings (importance, rank in section, order)
    assert picked == ["a action", "d action", "b headline"]
    assert [f.text for _, f in executive_summary([a, b, c, d], minimum=4, maximum=5)] == [
        "a action",
        "d action",
        "b headline",
        "a second action",
    ]
    assert [f.text for _, f in executive_summary([a, b, c, d], minimum=1, maximum=1)] == ["a action"]
    assert executive_summary([c]) == []  # nothing offered
    with pytest.raises(ss.ConfigError, match="minimum 4 and maximum 3"):
        executive_summary([a], minimum=4, maximum=3)


def test_full_report_opens_with_an_executive_summary(full_reports):
    for lang, (rep, path) in full_reports.items():
        assert 3 <= len(rep.summary) <= 5
        keys = [s.key for s, _ in rep.summary]
        assert len(set(keys)) == len(keys)  # one finding per section while there are enough
        for s, f in rep.summary:
            assert f.text in s.findings and f in s.ranked
        html = path.read_text(encoding="utf-8")
        head = "摘要" if lang == "zh" else "Executive summary"
        assert html.index(f"<h2>{head}</h2>") < html.index('<section id="encounters"')
        # the planted worst branch of the transactional survey is named with its interval and p-value
        nps = next(f.text for s, f in rep.summary if s.key == "nps")
        assert "Old Town" in nps and "[" in nps and "p < 0.001" in nps
        assert rep.text().splitlines()[3:6] == [
            head,
            "-" * len(head),
            f"* {rep.summary[0][0].title}{'：' if lang == 'zh' else ': '}{rep.summary[0][1].text}",
        ]


def test_numbers_and_labels_in_tables():
    from servscore.report_labels import display_table, fmt_num, fmt_p

    assert [fmt_p(p) for p in (6.2e-118, 0.00099, 0.001, 0.0231, 0.5)] == [
        "p < 0.001",
        "p < 0.001",
        "p = 0.001",
        "p = 0.023",
        "p = 0.500",
    ]
    assert [fmt_num(v) for v in (2000.0, 3, 19606.4, 123.456, 3.14159, 0.0275, float("nan"))] == [
        "2000",
        "3",
        "19606",
        "123.5",
        "3.14",
        "0.028",
        "–",
    ]
    df = pd.DataFrame(
        {"n": [2000.0, 31.0], "p_value": [6.2e-118, 0.0231], "quadrant": ["concentrate_here", "low_priority"]},
        index=pd.Index(["naming_names", "wait_time"], name="indicator"),
    )
    en, zh = display_table(df, "en"), display_table(df, "zh")
    assert list(en.columns) == ["n", "p", "quadrant"] and list(zh.columns) == ["样本数", "p 值", "象限"]
    assert en.to_dict("list") == {
        "n": ["2000", "31"],
        "p": ["< 0.001", "0.023"],
        "quadrant": ["concentrate here", "low priority"],
    }
    assert zh["象限"].tolist() == ["重点改进", "次要"]
    assert list(en.index) == ["using the customer's name", "wait_time"]  # a data column stays as it is


def test_full_report_html_has_no_identifiers_or_scientific_numbers(full_reports):
    import re

    html = full_reports["en"][1].read_text(encoding="utf-8")
    text = visible_text(html)
    for raw in ("naming_names", "concentrate_here", "share_promoters", "msa", "p_value", "n_fired"):
        assert not re.search(rf"\b{raw}\b", text), raw
    assert not re.search(r"\d[eE][+-]\d", text)  # no 2e+03, 6.2e-118
    assert html.count('<div class="table-wrap">') == html.count("<table ") > 5


def test_chinese_report_has_no_english_words(full_reports, sample_tables):
    """Every word of the zh report is Chinese apart from the data's names and ALLOWED_WORDS."""
    import re

    rep, path = full_reports["zh"]
    allowed = ALLOWED_WORDS | data_words(sample_tables)
    text = visible_text(path.read_text(encoding="utf-8")) + "\n" + rep.text()
    left = sorted({w for w in re.findall(r"[A-Za-z][A-Za-z'’]*[A-Za-z]", text) if w not in allowed})
    assert left == []
    assert len(rep.sections) == 12


def _page_checks(page) -> dict:
    """What the browser measured: console errors, images, and the elements wider than the viewport."""
    return page.evaluate(
        """() => {
        const vw = document.documentElement.clientWidth;
        const wide = [];
        for (const el of document.querySelectorAll('body *')) {
            // a table inside its scrolling wrapper may be wider: the wrapper scrolls, the page does not
            if (el.closest('.table-wrap') && el.className !== 'table-wrap') continue;
            const r = el.getBoundingClientRect();
            if (r.right > vw + 1 || r.left < -1) wide.push(el.tagName + '.' + el.className + ' ' + Math.round(r.right));
        }
        const imgs = Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.naturalHeight]);
        return {vw, scroll: document.documentElement.scrollWidth, wide: wide.slice(0, 10), imgs,
                sections: document.querySelectorAll('section.analysis').length};
    }"""
    )


def test_report_renders_in_a_real_browser(full_reports, tmp_path, root):
    """Headless Chromium opens the report of every sample table (en, zh) at desktop (1280 px) and phone
    (390 px) widths: no console errors, every section and image rendered, nothing wider than the
    viewport (wide tables scroll inside their card); full-page screenshots in build/screenshots."""
    chromium = _chromium()
    if chromium is None:
        if os.environ.get("SERVSCORE_REQUIRE_BROWSER"):
            pytest.fail("chromium is required for the browser test (apt-get install chromium)")
        pytest.skip("chromium not installed")
    playwright = pytest.importorskip("playwright.sync_api")
    shots = root / "build" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        for lang, (rep, path) in full_reports.items():
            for name, width in (("desktop", 1280), ("phone", 390)):
                page = browser.new_page(viewport={"width": width, "height": 900})
                errors: list[str] = []
                page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
                page.goto(pathlib.Path(path).as_uri())
                page.wait_for_load_state("load")
                m = _page_checks(page)
                assert errors == []
                assert m["sections"] == len(rep.sections) + 1  # and the executive summary
                assert len(m["imgs"]) >= 20 and all(c and w > 200 and h > 200 for c, w, h in m["imgs"])
                assert m["wide"] == [] and m["scroll"] <= m["vw"], (lang, name, m["wide"])
                title = "摘要" if lang == "zh" else "Executive summary"
                assert page.locator("#summary h2").inner_text() == title
                out = shots / f"report-{lang}-{name}.png"
                page.screenshot(path=str(out), full_page=True)
                assert out.stat().st_size > 20_000
                page.close()
        browser.close()
