"""The documentation: every ```python block of docs/*.md runs, and the site builds without warnings."""

import re
import subprocess
import sys

import pytest


def doc_pages(root):
    return sorted((root / "docs").glob("*.md"))


def test_docs_examples_run(root, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    ran = 0
    for page in doc_pages(root):
        for i, code in enumerate(re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.DOTALL)):
            try:
                exec(compile(code, f"{page.name} block {i}", "exec"), {})
            except Exception as e:
                pytest.fail(f"{page.name} python block {i} failed: {e!r}\n{code}")
            ran += 1
    assert ran >= 5


def test_site_builds_without_warnings(root, tmp_path):
    pytest.importorskip("mkdocs")
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "-q",
            "-f",
            str(root / "mkdocs.yml"),
            "-d",
            str(tmp_path / "site"),
        ],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "site" / "index.html").exists()


def test_every_page_is_in_the_nav(root):
    nav = (root / "mkdocs.yml").read_text()
    missing = [p.name for p in doc_pages(root) if p.name not in nav]
    assert missing == [], f"pages not in mkdocs.yml nav: {missing}"


def test_configuration_page_lists_every_config_with_its_defaults(root):
    import json

    from servscore import _core

    text = (root / "docs" / "configuration.md").read_text(encoding="utf-8")
    names = sorted(n for n in dir(_core) if n.endswith("Config") and isinstance(getattr(_core, n), type))
    for n in names:
        m = re.search(rf"### {n}\n.*?```json\n(.*?)```", text, flags=re.DOTALL)
        assert m is not None, f"docs/configuration.md has no defaults block for {n}"
        cls = getattr(_core, n)
        assert cls.from_json(m.group(1)) == cls(), f"the documented defaults of {n} are stale"
        assert json.loads(m.group(1)) == json.loads(cls().to_json())


def test_cli_page_lists_every_subcommand(root):
    from servscore.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    text = (root / "docs" / "cli.md").read_text(encoding="utf-8")
    missing = [name for name in sub.choices if f"### `{name}`" not in text]
    assert missing == []
