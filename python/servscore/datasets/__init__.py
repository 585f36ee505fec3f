"""Bundled, deterministic sample data of a service business.

``sample(seed=...)`` returns a :class:`SampleData`: shared entities (branches,
staff) and tables generated on first access, each from its own random stream
derived from the seed, so adding a table never changes the others. Planted
structure (what the engines should recover) is described in ``truth``.

Tables are contributed by modules ``_gen_<name>.py`` in this package, found
automatically: each registers a generator with :func:`table`.

>>> import servscore as ss
>>> d = ss.datasets.sample(seed=3, n_encounters=200)
>>> d.encounters.shape[0]
200
>>> d.truth["encounters"]["friendly_branch"]
'Harbour'
"""

from __future__ import annotations

import importlib
import pkgutil

from ._registry import SampleData, export, options, sample, table, tables

__all__ = ["SampleData", "export", "options", "sample", "table", "tables"]

for _m in pkgutil.iter_modules(__path__):
    if _m.name.startswith("_gen_"):
        importlib.import_module(f"{__name__}.{_m.name}")
