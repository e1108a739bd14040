"""The ``Store`` protocol every backend implements.

Namespaces are always explicit at this level; the default namespace, JSON
validation and quotas live one level up in :class:`visor_mem.store.scoped.Memory`,
so every backend sees the same already-checked calls.

Semantics every backend must follow (and ``tests/store/test_conformance.py``
checks): values are JSON values, copied on write and on read; namespaces and
keys keep insertion order (overwriting a key keeps its position); ``delete``
never creates a namespace; ``clear`` removes the namespace itself; deleting a
namespace's last key leaves it listed, empty; expired keys (``ttl`` seconds)
are invisible everywhere.  The value rules of ``append`` and ``increment``
are the pure functions of :mod:`visor_mem.store.semantics`; every write goes
through ``apply`` and :mod:`visor_mem.store.ops`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, runtime_checkable

if TYPE_CHECKING:
    from visor_mem.store.ops import Op, Reader, Reads
    from visor_mem.store.semantics import Quotas

JSON: TypeAlias = Any
"""A JSON value: None, bool, int, float, str, list or dict of JSON values."""

Dump: TypeAlias = dict[str, dict[str, JSON]]
"""The whole store: ``{namespace: {key: value}}`` in insertion order."""


class StoreSettings(Protocol):
    """What a backend reads of ``memory:`` (a ``MemorySpec`` or a pydantic ``MemoryConfig``)."""

    @property
    def storage(self) -> str: ...

    @property
    def format(self) -> str: ...

    @property
    def file(self) -> str | None: ...

    @property
    def url(self) -> str | None: ...

    @property
    def loads(self) -> bool: ...

    @property
    def saves(self) -> bool: ...


@runtime_checkable
class Store(Protocol):
    """A namespaced key-value store of JSON values."""

    def get(self, key: str, namespace: str) -> JSON:
        """The value, or None when the key is missing or expired."""

    def has(self, key: str, namespace: str) -> bool:
        """Whether the key exists (and has not expired)."""

    def apply(self, batch: Sequence[Op], quotas: Quotas | None = None) -> list[JSON]:
        """Apply a batch of operations atomically and return their results.

        All of them take effect, or (MemoryOperationError: a rule or a quota
        refused one) none.  See :mod:`visor_mem.store.ops`.
        """

    def set(self, key: str, value: JSON, namespace: str, ttl: float | None = None) -> JSON:
        """Store ``value``; return it (a one-operation batch)."""

    def append(self, key: str, value: JSON, namespace: str, ttl: float | None = None) -> list[JSON]:
        """Append to the list at ``key`` (see ``semantics.appended``); return the new list."""

    def increment(
        self, key: str, amount: int | float, namespace: str, ttl: float | None = None
    ) -> int | float:
        """Add ``amount`` (see ``semantics.incremented``); return the new number."""

    def delete(self, key: str, namespace: str) -> bool:
        """Remove the key; True if it existed.  Never creates the namespace."""

    def clear(self, namespace: str) -> None:
        """Remove the namespace and all its keys."""

    def keys(self, namespace: str) -> list[str]:
        """Keys of the namespace in insertion order; [] when it does not exist."""

    def get_all(self, namespace: str) -> dict[str, JSON]:
        """A copy of the namespace's entries; {} when it does not exist."""

    def namespaces(self) -> list[str]:
        """Namespace names in insertion order (empty namespaces included)."""

    def dump(self) -> Dump:
        """A copy of everything."""

    def now(self) -> float:
        """The store's clock (epoch seconds; expiries are measured on it)."""

    def reader(self) -> Reader:
        """The live state as an ``ops.Reader``, to plan over before ``apply``."""

    def read_again(self, reads: Reads) -> Reads:
        """The questions of ``reads`` answered at one moment (to validate optimistic reads)."""

    def commit(self) -> None:
        """A durability point: what was written so far survives a crash."""

    def close(self) -> None:
        """Make everything durable and release files, locks and connections."""


@runtime_checkable
class Transactional(Protocol):
    """A store held by this process (memory, file), whose writes an undo log can take back.

    Several batches grouped into one is what the in-process session memory needs (the JS
    bridge applies a snippet's session and store batches all or none).  Shared stores do not
    offer it: on sqlite and redis a group of writes is one ``apply`` batch, and a
    read-compute-write is one ``exclusive()`` section.
    """

    def transaction(self) -> AbstractContextManager[None]:
        """Group operations: all of them take effect, or (on an exception) none."""


@runtime_checkable
class SharedStore(Protocol):
    """A store other processes write too (sqlite, redis): what serializable read-modify-write needs."""

    def exclusive(self) -> AbstractContextManager[None]:
        """A section during which no other process writes (batches inside are applied)."""


def iter_items(dump: Dump) -> Iterator[tuple[str, str, JSON]]:
    """Every ``(namespace, key, value)`` of a dump, in order."""
    for namespace, entries in dump.items():
        for key, value in entries.items():
            yield namespace, key, value
