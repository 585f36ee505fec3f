from __future__ import annotations

import os
import pathlib
import shutil

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
    import pandas as pd

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


def test_report_renders_in_a_real_browser(sample_dir, tmp_path, root):
    """Headless Chromium opens the report from disk: no console errors, sections and images rendered."""
    chromium = _chromium()
    if chromium is None:
        if os.environ.get("SERVSCORE_REQUIRE_BROWSER"):
            pytest.fail("chromium is required for the browser test (apt-get install chromium)")
        pytest.skip("chromium not installed")
    playwright = pytest.importorskip("playwright.sync_api")
    out = tmp_path / "report.html"
    assert main(["report", str(sample_dir), "-o", str(out), "--quiet"]) == 0
    shots = root / "build" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(pathlib.Path(out).as_uri())
        page.wait_for_load_state("load")
        assert errors == []
        assert page.locator("section.analysis").count() >= 1
        assert page.locator("#encounters h2").inner_text().startswith("Service encounters")
        sizes = page.evaluate("Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
        assert len(sizes) >= 2 and all(c and w > 200 and h > 200 for c, w, h in sizes)
        height = page.evaluate("document.body.scrollHeight")
        assert height > 1000
        page.screenshot(path=str(shots / "report.png"), full_page=True)
        browser.close()
    assert (shots / "report.png").stat().st_size > 20_000
