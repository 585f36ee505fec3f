"""Strict JSON reading for configuration text read on the Python side.

The compiled core refuses a key that appears twice in one object; text that Python reads first
(to look inside or to re-wrap it) must be refused the same way, or the last value would silently
win before the core sees it.
"""

from __future__ import annotations

import json
from typing import Any

from ._core import ConfigError


def _pairs(what: str) -> Any:
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in pairs:
            if k in out:
                raise ConfigError(f"{what}: duplicate key {k!r} in a JSON object; a key may appear once per object")
            out[k] = v
        return out

    return hook


def loads(text: str | bytes, what: str) -> Any:
    """``json.loads`` refusing duplicate keys: a ``ConfigError`` naming ``what`` and the key.

    Invalid JSON raises ``json.JSONDecodeError`` as ``json.loads`` does (callers word it).

    >>> loads('{"a": 1, "b": {"a": 2}}', "config")
    {'a': 1, 'b': {'a': 2}}
    >>> loads('{"a": 1, "a": 2}', "config")
    Traceback (most recent call last):
    ...
    servscore.ConfigError: config: duplicate key 'a' in a JSON object; a key may appear once per object
    """
    return json.loads(text, object_pairs_hook=_pairs(what))
