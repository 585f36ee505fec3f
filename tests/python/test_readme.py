"""Every ```python block of the README runs as written."""

import re

import pytest


def blocks(root):
    text = (root / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


def test_readme_has_python_examples(root):
    assert len(blocks(root)) >= 2


def test_readme_examples_run(root, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for i, code in enumerate(blocks(root)):
        try:
            exec(compile(code, f"README.md block {i}", "exec"), namespace)
        except Exception as e:  # pragma: no cover - the message is the point
            pytest.fail(f"README python block {i} failed: {e!r}\n{code}")
