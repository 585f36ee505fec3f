"""The vocabulary page (docs/vocabulary.md) against the public signatures (issue 13 item 5)."""

import importlib
import inspect
import pkgutil
import re
import warnings
from pathlib import Path

import pytest
import servscore as ss
from servscore._compat import VOCABULARY, renamed

ROOT = Path(__file__).resolve().parents[2]


def public_callables():
    """Every public function and method of the pure-Python modules (the compiled core aside)."""
    out = {}
    for info in pkgutil.iter_modules(ss.__path__):
        if info.name.startswith("_") or info.name in ("cli", "__main__", "dask", "spark"):
            continue
        module = importlib.import_module(f"servscore.{info.name}")
        for name, obj in inspect.getmembers(module):
            if name.startswith("_") or getattr(obj, "__module__", "") != module.__name__:
                continue
            if inspect.isfunction(obj):
                out[f"{info.name}.{name}"] = obj
            elif inspect.isclass(obj):
                for m, f in inspect.getmembers(obj, inspect.isfunction):
                    if (not m.startswith("_") or m == "__init__") and f.__qualname__.startswith(obj.__name__ + "."):
                        out[f"{info.name}.{name}.{m}"] = f
    return out


def test_no_public_signature_uses_an_old_name():
    offenders = []
    for where, f in public_callables().items():
        try:
            params = inspect.signature(f).parameters
        except (TypeError, ValueError):
            continue
        # dataclass constructors of results mirror their fields, which are not keyword options
        if where.endswith(".__init__") and "Result" in where:
            continue
        offenders += [f"{where}({p}=)" for p in params if p in VOCABULARY]
    assert offenders == [], "use the vocabulary of docs/vocabulary.md: " + ", ".join(offenders)


def test_the_page_lists_every_name_and_its_old_names():
    text = (ROOT / "docs" / "vocabulary.md").read_text(encoding="utf-8")
    for old, new in VOCABULARY.items():
        row = next((line for line in text.splitlines() if line.startswith("|") and f"`{new}`" in line), None)
        assert row is not None, f"docs/vocabulary.md has no row for {new}"
        assert f"`{old}`" in row, f"docs/vocabulary.md does not give {old} as an old name of {new}"
    for name in ("n_permutations", "seed", "by", "weights", "workers"):
        assert re.search(rf"\| `{name}` \|", text), name


@pytest.mark.parametrize(
    ("call", "old", "new", "value"),
    [
        (lambda **kw: ss.standards.wilson_interval(8, 10, **kw), "confidence", "level", 0.9),
        (lambda **kw: ss.loyalty.multinomial_intervals([50, 30, 20], **kw), "confidence", "level", 0.9),
    ],
    ids=["wilson_interval", "multinomial_intervals"],
)
def test_old_names_still_work_with_a_deprecation_warning(call, old, new, value):
    expected = call(**{new: value})
    with pytest.warns(DeprecationWarning, match=rf"{old}= is deprecated.*use {new}="):
        got = call(**{old: value})
    assert str(got) == str(expected)
    # 0.9 and the default 0.95 give different intervals: the old name is not ignored
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        assert str(call(**{old: value})) != str(call())
    with pytest.raises(ss.ConfigError, match=rf"pass {new}= only"):
        call(**{old: value, new: value})


def test_pls_fit_old_names():
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(1)
    a = rng.normal(size=80)
    data = pd.DataFrame(
        {
            c: np.clip(np.round(5.5 + 1.5 * (a + rng.normal(scale=0.6, size=80))), 1, 10)
            for c in ("x1", "x2", "y1", "y2")
        }
    )
    m = ss.PathModel("X =~ x1 + x2\nY =~ y1 + y2\nY ~ X")
    new = m.fit(data, n_bootstrap=30, seed=3, level=0.9)
    with pytest.warns(DeprecationWarning):
        old = m.fit(data, bootstrap=30, seed=3, confidence=0.9)
    assert new.bootstrap is not None and new.bootstrap.equals(old.bootstrap)


def test_renamed_keeps_the_signature_and_the_docstring():
    @renamed(confidence="level")
    def f(x, *, level=0.95):
        """Doc."""
        return x, level

    assert list(inspect.signature(f).parameters) == ["x", "level"] and f.__doc__ == "Doc."
    with pytest.warns(DeprecationWarning):
        assert f(1, confidence=0.5) == (1, 0.5)
