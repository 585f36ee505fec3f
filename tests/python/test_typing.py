"""The typed API: the checked-in stub of the compiled core matches the built module."""

import importlib.util
import subprocess
import sys

import pytest
import servscore as ss


@pytest.mark.skipif(importlib.util.find_spec("pybind11_stubgen") is None, reason="pybind11-stubgen not installed")
def test_core_stub_is_current(root):
    r = subprocess.run(
        [sys.executable, str(root / "tools" / "gen_stubs.py"), "--check"], capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr


def test_package_is_marked_typed():
    from importlib import resources

    assert resources.files("servscore").joinpath("py.typed").is_file()
    assert resources.files("servscore").joinpath("_core.pyi").is_file()


def test_stub_declares_every_public_core_name(root):
    text = (root / "python" / "servscore" / "_core.pyi").read_text(encoding="utf-8")
    names = [n for n in dir(ss._core) if not n.startswith("_")]
    missing = [n for n in names if f"def {n}(" not in text and f"class {n}" not in text and f"{n}:" not in text]
    assert missing == []
