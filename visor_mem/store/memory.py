"""The in-memory backend: a dict of dicts, with TTL and undo-log transactions.

The file backend builds on it (the file is loaded into a ``DictStore`` and
written back), so this module holds the one implementation of the operations
over Python dicts.  Each write (an ``Op``, see :mod:`visor_mem.store.ops`)
reports itself through ``_on_change`` so a subclass can journal it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from visor_mem.errors import MemoryOperationError
from visor_mem.store.base import JSON, Dump
from visor_mem.store.ops import Entry, Op, OpMethods, plan
from visor_mem.store.semantics import Quotas, copy_json

__all__ = ["DictStore", "Entry", "apply_write", "new_memory_store"]


Namespace = dict[str, Entry]
Undo = Callable[[], None]


class DictStore(OpMethods):
    """Namespaces of entries held in process memory."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._data: dict[str, Namespace] = {}
        self._clock = clock
        self._undo: list[Undo] | None = None

    # -- reads -----------------------------------------------------------

    def get(self, key: str, namespace: str) -> JSON:
        entry = self._live(namespace, key)
        return None if entry is None else copy_json(entry.value)

    def has(self, key: str, namespace: str) -> bool:
        return self._live(namespace, key) is not None

    def keys(self, namespace: str) -> list[str]:
        self._purge(namespace)
        return list(self._data.get(namespace, {}))

    def get_all(self, namespace: str) -> dict[str, JSON]:
        self._purge(namespace)
        return {k: copy_json(e.value) for k, e in self._data.get(namespace, {}).items()}

    def namespaces(self) -> list[str]:
        return list(self._data)

    def dump(self) -> Dump:
        return {ns: self.get_all(ns) for ns in list(self._data)}

    def expires_at(self, key: str, namespace: str) -> float | None:
        """When a live key expires (None: never, or no such key); the JS mirror uses it."""
        entry = self._live(namespace, key)
        return None if entry is None else entry.expires_at

    def entries(self) -> Iterator[tuple[str, str, Entry]]:
        """Every live ``(namespace, key, entry)``, for codecs and exports."""
        for namespace in list(self._data):
            self._purge(namespace)
            for key, entry in self._data[namespace].items():
                yield namespace, key, entry

    # -- writes ----------------------------------------------------------

    def apply(self, batch: Sequence[Op], quotas: Quotas | None = None) -> list[JSON]:
        """Plan the batch over the current dicts, then perform its writes (which cannot fail)."""
        results, writes = plan(batch, self, self._clock(), quotas)
        for write in writes:
            self._write(write)
        return results

    def entry(self, namespace: str, key: str) -> Entry | None:
        """The live entry (the ``ops.Reader`` view)."""
        return self._live(namespace, key)

    def count(self, namespace: str) -> int:
        """Live keys of a namespace."""
        self._purge(namespace)
        return len(self._data.get(namespace, ()))

    def load_entry(self, namespace: str, key: str, entry: Entry) -> None:
        """Put an entry as read from disk, without journaling it."""
        self._data.setdefault(namespace, {})[key] = entry

    def ensure_namespace(self, namespace: str) -> None:
        """Create an empty namespace as read from disk, without journaling it."""
        self._data.setdefault(namespace, {})

    # -- transactions and durability --------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._undo is not None:  # nested: the outer one decides
            yield
            return
        self._undo = []
        try:
            yield
        except BaseException:
            for undo in reversed(self._undo):
                undo()
            raise
        finally:
            self._undo = None

    def commit(self) -> None:
        """Nothing to make durable in memory."""

    def close(self) -> None:
        """Nothing to release."""

    # -- helpers -----------------------------------------------------------

    def _on_change(self, write: Op) -> None:
        """Hook for subclasses that journal writes; the undo log replays through it too."""

    def _write(self, write: Op) -> None:
        """Perform one resolved write (see ``ops.plan``), remembering how to undo it."""
        namespace, key = write.namespace, write.key
        if write.kind == "clear":
            if namespace not in self._data:
                return
            self._remember_namespace(namespace)
        elif write.kind == "delete":
            self._remember_deleted(namespace, key or "")
        elif namespace not in self._data:
            self._remember_namespace(namespace)
        else:
            self._remember_key(namespace, key or "")
        apply_write(self._data, write)
        self._on_change(write)

    def _live(self, namespace: str, key: str) -> Entry | None:
        entries = self._data.get(namespace)
        entry = None if entries is None else entries.get(key)
        if entry is None:
            return None
        if entry.expires_at is not None and entry.expires_at <= self._clock():
            return None
        return entry

    def _purge(self, namespace: str) -> None:
        """Drop expired keys of a namespace (they are invisible anyway)."""
        entries = self._data.get(namespace)
        if not entries:
            return
        now = self._clock()
        expired = [k for k, e in entries.items() if e.expires_at is not None and e.expires_at <= now]
        for key in expired:
            self._remember_key(namespace, key)
            del entries[key]
            self._on_change(Op("delete", namespace, key))

    def _remember_key(self, namespace: str, key: str) -> None:
        if self._undo is None:
            return
        entries = self._data[namespace]
        if key in entries:
            old = entries[key]
            self._undo.append(lambda: self._restore_key(namespace, key, old))
        else:
            self._undo.append(lambda: self._drop_key(namespace, key))

    def _remember_deleted(self, namespace: str, key: str) -> None:
        """Undo of a delete puts the key back at its position, not at the end."""
        if self._undo is None:
            return
        entries = self._data[namespace]
        order = list(entries)
        old, followers = entries[key], order[order.index(key) + 1 :]
        self._undo.append(lambda: self._reinsert(namespace, key, old, followers))

    def _reinsert(self, namespace: str, key: str, entry: Entry, followers: list[str]) -> None:
        """Re-add ``key`` before ``followers``, reported as plain deletes and sets."""
        entries = self._data.setdefault(namespace, {})
        moved = {k: entries.pop(k) for k in followers if k in entries}
        entries[key] = entry
        self._on_change(_set(namespace, key, entry))
        for follower, moved_entry in moved.items():
            entries[follower] = moved_entry
            self._on_change(Op("delete", namespace, follower))
            self._on_change(_set(namespace, follower, moved_entry))

    def _remember_namespace(self, namespace: str) -> None:
        if self._undo is None:
            return
        snapshot = dict(self._data)
        self._undo.append(lambda: self._restore_layout(snapshot))

    def _restore_key(self, namespace: str, key: str, entry: Entry) -> None:
        entries = self._data.setdefault(namespace, {})
        entries[key] = entry
        self._on_change(_set(namespace, key, entry))

    def _drop_key(self, namespace: str, key: str) -> None:
        entries = self._data.get(namespace)
        if entries is not None and entries.pop(key, None) is not None:
            self._on_change(Op("delete", namespace, key))

    def _restore_layout(self, snapshot: dict[str, Namespace]) -> None:
        """Undo a namespace creation or removal, keeping namespace order."""
        for namespace in [ns for ns in self._data if ns not in snapshot]:
            self._on_change(Op("clear", namespace))
        for namespace, entries in snapshot.items():
            if namespace not in self._data:
                self._on_change(Op("clear", namespace))
                for key, entry in entries.items():
                    self._on_change(_set(namespace, key, entry))
        self._data = dict(snapshot)


def _set(namespace: str, key: str, entry: Entry) -> Op:
    return Op("set", namespace, key, entry.value, expires_at=entry.expires_at)


def apply_write(data: dict[str, Namespace], write: Op) -> None:
    """Perform a resolved write on namespaces of entries (the dict store, journal replay)."""
    if write.kind == "clear":
        data.pop(write.namespace, None)
    elif write.kind == "delete":
        data.get(write.namespace, {}).pop(write.key or "", None)
    elif write.kind == "set":
        data.setdefault(write.namespace, {})[write.key or ""] = Entry(write.value, write.expires_at)
    else:
        raise MemoryOperationError(f"'{write.kind}' is not a resolved write")


def new_memory_store(clock: Callable[[], float] = time.time, **_: Any) -> DictStore:
    """Registry factory for ``storage: memory``."""
    return DictStore(clock=clock)
