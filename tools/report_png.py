"""Regenerate docs/images/report.png: the HTML report of the sample data, as headless Chromium shows it.

    .venv/bin/python tools/report_png.py [OUT.png]

Needs the package built, matplotlib, playwright (Python package) and Debian's chromium.
"""

from __future__ import annotations

import pathlib
import shutil
import sys
import tempfile

import servscore as ss
from servscore.report import build_report


def main() -> None:
    root = pathlib.Path(__file__).resolve().parents[1]
    out = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else root / "docs" / "images" / "report.png"
    data = ss.datasets.sample(seed=2026)
    tables = {name: data[name] for name in ss.datasets.tables()}
    report = build_report(tables)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("chromium not found: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        page_path = pathlib.Path(tmp) / "report.html"
        report.save(str(page_path))
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1000, "height": 1100})
            page.goto(page_path.as_uri())
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out))
            browser.close()
    print(out)


if __name__ == "__main__":
    main()
