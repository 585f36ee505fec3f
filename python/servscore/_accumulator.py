"""The one accumulator protocol shared by every mergeable state.

Every ``Accumulator`` of the package (``ss.Moments``, ``ss.AlphaAccumulator``,
``ss.ResponseAccumulator``, ``ss.kano.Accumulator``, the SERVQUAL and zone-of-tolerance
accumulators, ...) follows the same contract:

- ``acc.update(data, by=..., weights=...)`` counts one batch in place and returns ``acc``; an
  empty batch (0 rows, as a filtered partition often is) is a no-op;
- ``acc.merge(other)`` folds another state in place and returns ``acc``; ``a + b`` and
  ``sum([a, b, c])`` make a new state and leave the operands alone; ``acc += b`` merges;
- merging a state of another kind, or of the same kind with another configuration, raises
  :class:`~servscore.InputError` naming both;
- ``acc.result(...)`` summarises everything counted so far;
- ``acc.to_bytes()`` / ``type(acc).from_bytes(b)`` carry the state in its documented, versioned
  byte format (untrusted bytes are validated before anything is allocated), and pickling goes
  through the bytes;
- ``a == b`` compares the kind and the state (the bytes); accumulators are not hashable.

A class opts in by subclassing :class:`Mergeable` and providing ``_merge_into`` (the in-place
fold of a compatible state), ``_merge_key`` (what two states must share to merge), ``to_bytes``
and ``from_bytes``. An accumulator whose state is one grouped C++ object (``_core.<Kind>State``
with ``merge``, ``to_bytes``, ``from_bytes``, ``key_names``, ``keys``, ``sorted_codes``,
``rows`` and ``groups``) subclasses :class:`StateAccumulator` instead, which provides all of
that from ``_state_type`` and leaves it ``__init__``, ``update``, ``_merge_key`` and ``result``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import numpy as np

from ._core import InputError
from ._input import factorize

_S = TypeVar("_S", bound="Mergeable")


def _restore(cls: Any, data: bytes) -> Any:
    return cls.from_bytes(data)


class Mergeable:
    """Base of every accumulator: merge, ``+``, ``sum``, copies, pickling and equality from
    ``_merge_into``, ``_merge_key``, ``to_bytes`` and ``from_bytes``."""

    __slots__ = ()

    #: the state's kind as users name it in messages (defaults to the class name)
    _kind: str = ""

    # -- to be provided -------------------------------------------------------------------
    def _merge_into(self, other: Any) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _merge_key(self) -> Any:
        """What two states must share to merge (configuration, policy, grouping); compared with ``==``."""
        return None

    def to_bytes(self) -> bytes:  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def from_bytes(cls: type[_S], data: bytes) -> _S:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- the protocol ----------------------------------------------------------------------
    @classmethod
    def _kind_name(cls) -> str:
        return cls._kind or cls.__name__

    def _check_mergeable(self, other: Any) -> None:
        if not isinstance(other, Mergeable) or type(other) is not type(self):
            what = other._kind_name() if isinstance(other, Mergeable) else type(other).__name__
            raise InputError(
                f"merge: cannot merge a {what} into a {self._kind_name()}; both must be {self._kind_name()}"
            )
        mine, theirs = self._merge_key(), other._merge_key()
        if mine != theirs:
            raise InputError(
                f"merge: the {self._kind_name()} states differ in configuration: {_describe(mine)} (this one) "
                f"vs {_describe(theirs)} (the other); only states of the same configuration merge"
            )

    def merge(self: _S, other: Any) -> _S:
        """Fold ``other`` (a state of the same kind and configuration) into this one; returns ``self``."""
        self._check_mergeable(other)
        self._merge_into(other)
        return self

    def copy(self: _S) -> _S:
        """An independent copy of the state."""
        return type(self).from_bytes(self.to_bytes())

    def __add__(self: _S, other: Any) -> _S:
        if not isinstance(other, Mergeable):
            return NotImplemented
        self._check_mergeable(other)
        out = self.copy()
        out._merge_into(other)
        return out

    def __radd__(self: _S, other: Any) -> _S:
        if isinstance(other, int) and not isinstance(other, bool) and other == 0:  # sum([...]) starts at 0
            return self.copy()
        return NotImplemented

    def __iadd__(self: _S, other: Any) -> _S:
        return self.merge(other)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore, (type(self), self.to_bytes()))

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Mergeable)
        return bool(self.to_bytes() == other.to_bytes())

    __hash__ = None  # type: ignore[assignment]


def by_list(by: Any) -> list[Any] | None:
    """The key columns of ``by=``: a list or tuple names several columns, any other label
    (str, int, ...) one; None stays None (ungrouped)."""
    return None if by is None else (list(by) if isinstance(by, (list, tuple)) else [by])


_T = TypeVar("_T", bound="StateAccumulator")


class StateAccumulator(Mergeable):
    """Base of the accumulators whose whole state is one grouped C++ state object.

    ``_state`` is an instance of ``_state_type`` (a ``_core`` class with ``merge``,
    ``to_bytes``, ``from_bytes``, ``key_names``, ``keys``, ``sorted_codes``, ``rows`` and
    ``groups``); ``_by`` the key columns as the user named them (None: ungrouped). Merging,
    bytes, pickling, equality, ``by`` / ``rows`` / ``groups`` and the group keys in key order
    come from here; a subclass provides ``__init__``, ``update``, ``_merge_key`` and ``result``.
    """

    __slots__ = ("_by", "_state")

    #: the ``_core`` class of the state
    _state_type: Any = None

    _by: list[Any] | None
    _state: Any

    @classmethod
    def _wrap(cls: type[_T], state: Any) -> _T:
        acc = cls.__new__(cls)
        acc._state = state
        acc._by = list(state.key_names) or None
        return acc

    @property
    def by(self) -> list[Any] | None:
        """The key columns (None: ungrouped)."""
        return None if self._by is None else list(self._by)

    @property
    def rows(self) -> int:
        """Records counted."""
        return int(self._state.rows)

    @property
    def groups(self) -> int:
        """Groups counted."""
        return int(self._state.groups)

    def _batch_by(self, by: Any) -> list[Any] | None:
        """The key columns of one ``update``: its ``by=`` when given, else the state's."""
        return by_list(by) if by is not None else self._by

    @staticmethod
    def _batch_groups(frame: Any, keys_by: list[Any] | None) -> tuple[Any, Any]:
        """The group codes of a batch's rows and their ``GroupKeys`` (``(None, None)`` ungrouped)."""
        if keys_by is None:
            return None, None
        codes, keys, _ = factorize(frame, keys_by if len(keys_by) > 1 else keys_by[0])
        return codes, keys

    def _adopt_by(self, by: Any, keys_by: list[Any] | None) -> None:
        """After a successful ``update(by=...)``: the state now holds those key columns (the core
        refused other key columns for a state that holds groups)."""
        if by is not None:
            self._by = keys_by

    def _merge_into(self, other: Any) -> None:
        self._state.merge(other._state)
        if self._by is None and other._by is not None:
            self._by = list(other._by)

    def to_bytes(self) -> bytes:
        """The state's versioned little-endian byte image (the format the class names; see
        docs/interchange.md)."""
        return bytes(self._state.to_bytes())

    @classmethod
    def from_bytes(cls: type[_T], data: bytes) -> _T:
        """A state from its bytes; a malformed image raises :class:`~servscore.InputError`."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise InputError(f"from_bytes: expected bytes, got {type(data).__name__}")
        return cls._wrap(cls._state_type.from_bytes(bytes(data)))

    def _key_values(self) -> tuple[list[tuple[Any, ...]], Sequence[Any]]:
        """The group keys in key order (numbers, then strings, missing last; a missing value as
        NaN) and the key columns' labels (as the user named them where known)."""
        names = list(self._state.key_names)
        keys = self._state.keys
        vals = [tuple(np.nan if v is None else v for v in keys.key(int(c))) for c in self._state.sorted_codes()]
        labels = self._by if self._by is not None and len(self._by) == len(names) else names
        return vals, labels

    def _group_keys(self) -> tuple[list[Any] | None, Any]:
        """For the grouped tables: one key per group in key order (a scalar for one key column,
        a tuple for several) and the single key column's label (None for several); ``(None,
        None)`` when ungrouped."""
        if not list(self._state.key_names):
            return None, None
        vals, labels = self._key_values()
        return [v[0] if len(v) == 1 else v for v in vals], (labels[0] if len(labels) == 1 else None)


class ConfigKey:
    """A ``_merge_key`` that compares by ``value`` and prints as ``label`` (a readable name of a
    configuration whose full form is too long for a message)."""

    __slots__ = ("label", "value")

    def __init__(self, label: str, value: Any) -> None:
        self.label = label
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ConfigKey) and bool(self.value == other.value)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return self.label


def _describe(key: Any) -> str:
    text = repr(key)
    return text if len(text) <= 200 else text[:197] + "..."
