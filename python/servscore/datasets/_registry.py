"""Registry of sample-data tables and the SampleData container."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._core import ConfigError
from .._input import check_seed


@dataclass(frozen=True)
class _Table:
    name: str
    func: Callable[..., pd.DataFrame]
    options: dict[str, Any]
    doc: str


_TABLES: dict[str, _Table] = {}

# Shared entities every table may use. Branch profiles plant the quadrant structure:
# each branch has a procedural and a personal level (latent means on a 1-5 scale).
BRANCHES = pd.DataFrame(
    {
        "branch": ["Central", "Harbour", "Airport", "Old Town", "Riverside"],
        "city": ["Shenzhen", "Shenzhen", "Guangzhou", "Guangzhou", "Dongguan"],
        "procedural_level": [4.3, 2.6, 4.2, 2.5, 3.6],
        "personal_level": [4.3, 4.3, 2.6, 2.5, 3.7],
        "profile": ["quality", "friendly", "factory", "freezer", "mixed"],
    }
)


def table(name: str, **opts: Any) -> Callable[[Callable[..., pd.DataFrame]], Callable[..., pd.DataFrame]]:
    """Register a table generator ``func(data: SampleData, rng, **opts) -> DataFrame``.

    ``opts`` are the generator's options and their defaults (e.g. ``n_encounters=3000``);
    :func:`sample` accepts them as keywords. Option names must be unique across tables.
    """

    def deco(func: Callable[..., pd.DataFrame]) -> Callable[..., pd.DataFrame]:
        for k in opts:
            for t in _TABLES.values():
                if k in t.options and t.name != name:
                    raise RuntimeError(f"sample option {k!r} is declared by both {t.name!r} and {name!r}")
        _TABLES[name] = _Table(name, func, dict(opts), (func.__doc__ or "").strip())
        return func

    return deco


def tables() -> list[str]:
    """Names of the tables a :class:`SampleData` can generate."""
    return sorted(_TABLES)


def options() -> dict[str, Any]:
    """Every option of :func:`sample` with its default."""
    out: dict[str, Any] = {}
    for t in _TABLES.values():
        out.update(t.options)
    return out


class SampleData:
    """Sample data of a service business: entities and lazily generated tables.

    Access a table as an attribute (``data.encounters``) or with ``data[name]``;
    ``data.truth[name]`` describes the structure planted in that table.
    """

    def __init__(self, seed: int, opts: dict[str, Any]) -> None:
        self.seed = int(seed)
        self.options = opts
        self.branches = BRANCHES.copy()
        self.truth: dict[str, dict[str, Any]] = {}
        self._cache: dict[str, pd.DataFrame] = {}

    def rng(self, stream: str) -> np.random.Generator:
        """The random generator of one named stream (stable across versions for a seed)."""
        return np.random.default_rng([self.seed, zlib.crc32(stream.encode("utf-8"))])

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in _TABLES:
            raise ConfigError(f"sample table {name!r} does not exist; expected one of: {', '.join(tables())}")
        if name not in self._cache:
            t = _TABLES[name]
            kw = {k: self.options[k] for k in t.options}
            self._cache[name] = t.func(self, self.rng(name), **kw)
        return self._cache[name]

    def __getattr__(self, name: str) -> pd.DataFrame:
        if name.startswith("_") or name not in _TABLES:
            raise AttributeError(name)
        return self[name]

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(_TABLES))

    def __repr__(self) -> str:
        return f"SampleData(seed={self.seed}, tables={tables()})"


def sample(seed: int = 2026, **opts: Any) -> SampleData:
    """Deterministic sample data of a service business (see the module docs).

    Parameters
    ----------
    seed
        Seed of every random stream; the same seed gives the same data.
    **opts
        Table sizes and options, e.g. ``n_encounters``; :func:`options` lists them
        with their defaults. An unknown option is a ``ConfigError``.
    """
    known = options()
    unknown = sorted(set(opts) - set(known))
    if unknown:
        raise ConfigError(f"sample: unknown option(s) {unknown}; expected some of: {', '.join(sorted(known))}")
    merged = {**known, **opts}
    return SampleData(check_seed(seed), merged)


def export(directory: str, seed: int = 2026, *, names: list[str] | None = None, **opts: Any) -> list[str]:
    """Write every sample table (or ``names``) as ``<directory>/<table>.csv``; returns the paths.

    This is how ``examples/data`` is made: ``python -m servscore.datasets examples/data``.
    """
    import os

    data = sample(seed, **opts)
    os.makedirs(directory, exist_ok=True)
    paths = []
    for name in names or tables():
        path = os.path.join(directory, f"{name}.csv")
        data[name].to_csv(path, index=False)
        paths.append(path)
    return paths
