"""Old keyword names that keep working for one minor version (docs/vocabulary.md).

``@renamed(confidence="level")`` lets a caller still write ``f(..., confidence=0.9)``: the value
goes to ``level`` with a :class:`DeprecationWarning` naming both; passing both is a
:class:`~servscore.ConfigError`. The function's signature shows the new names only.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any, Callable, TypeVar

from ._core import ConfigError

F = TypeVar("F", bound=Callable[..., Any])

#: the package's vocabulary: old keyword -> the one name used everywhere now
VOCABULARY: dict[str, str] = {
    "confidence": "level",
    "ci_level": "level",
    "n_boot": "n_bootstrap",
    "bootstrap": "n_bootstrap",
    "nan_policy": "missing",
}


def renamed(**old_to_new: str) -> Callable[[F], F]:
    """Decorator: accept the old keyword names given as ``old="new"`` with a DeprecationWarning."""

    def wrap(func: F) -> F:
        @functools.wraps(func)
        def inner(*args: Any, **kwargs: Any) -> Any:
            for old, new in old_to_new.items():
                if old in kwargs:
                    if new in kwargs:
                        raise ConfigError(f"{func.__qualname__}: pass {new}= only ({old}= is its old name)")
                    warnings.warn(
                        f"{func.__qualname__}: {old}= is deprecated and will be removed in the next minor "
                        f"version; use {new}=",
                        DeprecationWarning,
                        stacklevel=2,
                    )
                    kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        inner.__renamed__ = dict(old_to_new)  # type: ignore[attr-defined]
        return inner  # type: ignore[return-value]

    return wrap
