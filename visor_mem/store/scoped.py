"""``Memory``: the one memory API every context uses.

Memory steps, Liquid filters, JavaScript (through a batch of its recorded
operations) and the ``visor memory`` CLI all call this class, so the default
namespace, quotas and error policy are decided in one place; every write is a
batch of ``Op`` (:mod:`visor_mem.store.ops`) handed to ``Store.apply``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace

from visor_mem.store.base import JSON, Dump, SharedStore, Store, Transactional
from visor_mem.store.ops import Op, Reader, Reads
from visor_mem.store.semantics import NamespaceLimits, Quotas

__all__ = ["Memory", "NamespaceLimits"]

# Memory has a method named ``list``; these aliases keep annotations readable below it.
KeyList = list[str]
ValueList = list[JSON]


class Memory:
    """A store seen through a default namespace, with checks and quotas."""

    def __init__(
        self,
        store: Store,
        default_namespace: str = "default",
        limits: dict[str, NamespaceLimits] | None = None,
    ) -> None:
        self.store = store
        self.default_namespace = default_namespace or "default"
        self._limits = limits or {}
        self._shared = store if isinstance(store, SharedStore) else None
        self._section = threading.RLock()

    @property
    def quotas(self) -> Quotas:
        """The namespace limits this memory enforces."""
        return self._limits

    def now(self) -> float:
        """The store's clock."""
        return self.store.now()

    def reader(self) -> Reader:
        """The store's live state, to plan over (``ops.Overlay``) before ``apply``."""
        return self.store.reader()

    def read_again(self, reads: Reads) -> Reads:
        """The questions of ``reads`` answered at one moment, to check optimistic reads.

        A shared store answers from a snapshot (sqlite) or in one round trip
        (redis) and holds up no writer; a store of this process only answers
        inside this memory's section, where the other threads' JS batches and
        computed memory steps write.
        """
        if self._shared is not None:
            return self.store.read_again(reads)
        with self._section:
            return self.store.read_again(reads)

    def ns(self, namespace: str | None) -> str:
        """The namespace to use: the given one, else the default."""
        return namespace if namespace else self.default_namespace

    # -- reads -------------------------------------------------------------

    def get(self, key: str, namespace: str | None = None) -> JSON:
        return self.store.get(key, self.ns(namespace))

    def has(self, key: str, namespace: str | None = None) -> bool:
        return self.store.has(key, self.ns(namespace))

    def list(self, namespace: str | None = None) -> KeyList:
        return self.store.keys(self.ns(namespace))

    def get_all(self, namespace: str | None = None) -> dict[str, JSON]:
        return self.store.get_all(self.ns(namespace))

    def namespaces(self) -> KeyList:
        return self.store.namespaces()

    def dump(self) -> Dump:
        return self.store.dump()

    # -- writes ------------------------------------------------------------

    def apply(self, batch: Sequence[Op]) -> ValueList:
        """Apply operations atomically (all or none) with this memory's quotas; their results.

        An operation whose namespace is ``""`` uses the default namespace.  It waits
        while another thread of this process holds an exclusive section: on the
        in-process stores the section is nothing else, so a plain memory step in a
        parallel worker could otherwise write between a snippet's read and its write.
        """
        ops = [op if op.namespace else replace(op, namespace=self.default_namespace) for op in batch]
        with self._section:
            return self.store.apply(ops, self._limits)

    def set(self, key: str, value: JSON, namespace: str | None = None, ttl: float | None = None) -> JSON:
        return self._one(Op("set", self.ns(namespace), key, value, ttl))

    def append(
        self, key: str, value: JSON, namespace: str | None = None, ttl: float | None = None
    ) -> ValueList:
        result: ValueList = self._one(Op("append", self.ns(namespace), key, value, ttl))
        return result

    def increment(
        self,
        key: str,
        amount: int | float = 1,
        namespace: str | None = None,
        ttl: float | None = None,
    ) -> int | float:
        result: int | float = self._one(Op("increment", self.ns(namespace), key, amount, ttl))
        return result

    def delete(self, key: str, namespace: str | None = None) -> bool:
        return bool(self._one(Op("delete", self.ns(namespace), key)))

    def clear(self, namespace: str | None = None) -> None:
        self._one(Op("clear", self.ns(namespace)))

    def _one(self, op: Op) -> JSON:
        return self.apply([op])[0]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Several batches all or nothing, on a store of this process (``Transactional``:
        memory, file); on sqlite and redis apply them as one batch instead."""
        if not isinstance(self.store, Transactional):
            raise TypeError(f"{type(self.store).__name__} cannot group batches: apply one batch")
        with self.store.transaction():
            yield

    # -- serializability (JS, value_js) ------------------------------------------------

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """A section in which nothing else writes this memory: no other thread of this
        process, and on a shared store (sqlite, redis) no other process either.

        Read, compute and ``apply`` inside it, and the read-modify-write is
        serializable.  Sections nest within a thread.
        """
        with self._section:
            if self._shared is None:
                yield
            else:
                with self._shared.exclusive():
                    yield
