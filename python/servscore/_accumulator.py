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
and ``from_bytes``.
"""

from __future__ import annotations

from typing import Any, TypeVar

from ._core import InputError

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
