"""The one memory operation type, and how a batch of operations is applied.

An :class:`Op` is what every context means by "a memory operation": memory
steps, JavaScript, ``visor memory``, the file journal and every backend.
``KINDS`` says, in one place, what each kind does, computing new values with
the pure rules of :mod:`visor_mem.store.semantics`.

A backend applies a batch in two phases.  :func:`plan` runs the rules over a
:class:`Reader` of the backend's current state (each operation sees the
batch's earlier ones) and yields the results plus the *writes*: resolved
operations of kind ``set`` (with an absolute ``expires_at``), ``delete`` and
``clear`` that no rule can refuse.  The backend then performs the writes in
one atomic step of its own (a dict update, one SQLite transaction, one Lua
script).  A rule violation raises during planning, so a refused batch writes
nothing anywhere.  The writes are also what the file journal records.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from visor_mem.errors import MemoryOperationError
from visor_mem.store.base import JSON
from visor_mem.store.semantics import (
    MISSING,
    Quotas,
    appended,
    check_new_key,
    check_size,
    copy_json,
    expiry_of,
    incremented,
    is_number,
    limits_for,
)

MAX_SECONDS = 1e11
"""A ttl or expiry past this (about 3,000 years of epoch seconds) is refused: expiries stay finite."""


@dataclass(frozen=True, slots=True)
class Entry:
    """A stored value and the epoch second it expires at (None: never)."""

    value: JSON
    expires_at: float | None = None


@dataclass(frozen=True, slots=True)
class Op:
    """One memory operation.

    ``value`` is the value of ``set`` / ``append`` and the amount of
    ``increment``; ``ttl`` (seconds) applies to the three writes that store a
    value.  ``expires_at`` is set only on resolved writes (see :func:`plan`).
    """

    kind: str
    namespace: str
    key: str | None = None
    value: JSON = None
    ttl: float | None = None
    expires_at: float | None = None

    def record(self) -> list[JSON]:
        """The JSON form (journal lines, the JS bridge): trailing defaults dropped."""
        fields = [self.kind, self.namespace, self.key, self.value, self.ttl, self.expires_at]
        while len(fields) > 2 and fields[-1] is None:
            fields.pop()
        return fields

    @classmethod
    def from_record(cls, record: object) -> Op:
        """The operation a record describes; MemoryOperationError when it is malformed."""
        if not isinstance(record, list) or not 2 <= len(record) <= 6:
            raise MemoryOperationError(f"not an operation record: {str(record)[:80]}")
        kind, namespace, key, value, ttl, expires_at = (*record, None, None, None, None)[:6]
        if not isinstance(kind, str) or not isinstance(namespace, str):
            raise MemoryOperationError(f"not an operation record: {str(record)[:80]}")
        if key is not None and not isinstance(key, str):
            raise MemoryOperationError(f"operation key must be a string: {str(record)[:80]}")
        op = cls(kind, namespace, key, value, ttl, expires_at)
        check(op)
        return op


class Reader(Protocol):
    """A backend's state as a batch starts (live entries only)."""

    def entry(self, namespace: str, key: str) -> Entry | None:
        """The live entry, or None."""

    def count(self, namespace: str) -> int:
        """How many live keys the namespace holds."""

    def keys(self, namespace: str) -> list[str]:
        """The live keys in insertion order."""


@dataclass(frozen=True)
class Reads:
    """Reads of a store and their answers: entries by ``(namespace, key)``, live key lists
    and counts by namespace, the namespace list (None: not read).

    What an optimistic reader saw, or the same questions asked again at one
    moment (``OpMethods.read_again``) to check that it is still so.
    """

    entries: dict[tuple[str, str], Entry | None]
    keys: dict[str, list[str]]
    counts: dict[str, int]
    namespaces: list[str] | None = None


def answer(reads: Reads, reader: Reader, namespaces: Callable[[], list[str]]) -> Reads:
    """The same questions as ``reads``, answered by ``reader`` and ``namespaces``."""
    return Reads(
        {place: reader.entry(*place) for place in reads.entries},
        {namespace: reader.keys(namespace) for namespace in reads.keys},
        {namespace: reader.count(namespace) for namespace in reads.counts},
        None if reads.namespaces is None else namespaces(),
    )


_UNREAD: Any = object()


class Overlay:
    """A batch being planned: reads see the batch's own earlier writes."""

    def __init__(self, reader: Reader, now: float, quotas: Quotas | None) -> None:
        self.now = now
        self.writes: list[Op] = []
        self._reader = reader
        self._quotas = quotas
        self._cache: dict[tuple[str, str], Entry | None] = {}
        self._counts: dict[str, int] = {}
        self._full: dict[str, dict[str, Entry]] = {}  # namespaces whose every key is known

    def entry(self, namespace: str, key: str) -> Entry | None:
        full = self._full.get(namespace)
        if full is not None:
            found = full.get(key)
            if found is _UNREAD:
                found = self._reader.entry(namespace, key)
                if found is None:  # listed but gone (cannot happen at one instant): forget it
                    del full[key]
                else:
                    full[key] = found
            return found
        place = (namespace, key)
        if place not in self._cache:
            self._cache[place] = self._reader.entry(namespace, key)
        return self._cache[place]

    def keys(self, namespace: str) -> list[str]:
        return list(self._materialized(namespace))

    def limited(self, namespace: str) -> bool:
        """Whether quotas apply to the namespace."""
        return limits_for(self._quotas, namespace) is not None

    def check_new_key(self, namespace: str, key: str) -> None:
        limits = limits_for(self._quotas, namespace)
        if limits is not None and limits.max_keys is not None:
            check_new_key(limits, namespace, key, self._count(namespace))

    def check_size(self, namespace: str, key: str, value: JSON) -> None:
        check_size(limits_for(self._quotas, namespace), namespace, key, value)

    def put(self, namespace: str, key: str, entry: Entry) -> None:
        full = self._full.get(namespace)
        if full is not None:
            full[key] = entry
        else:
            if namespace in self._counts and self.entry(namespace, key) is None:
                self._counts[namespace] += 1
            self._cache[namespace, key] = entry
        self.writes.append(Op("set", namespace, key, entry.value, expires_at=entry.expires_at))

    def delete(self, namespace: str, key: str) -> bool:
        if self.entry(namespace, key) is None:
            return False
        full = self._full.get(namespace)
        if full is not None:
            del full[key]
        else:
            self._cache[namespace, key] = None
            if namespace in self._counts:  # (the entry was read just above)
                self._counts[namespace] -= 1
        self.writes.append(Op("delete", namespace, key))
        return True

    def clear(self, namespace: str) -> None:
        self._full[namespace] = {}
        self.writes.append(Op("clear", namespace))

    def _count(self, namespace: str) -> int:
        full = self._full.get(namespace)
        if full is not None:
            return len(full)
        if namespace not in self._counts:
            # The base count, corrected by this batch's writes to keys already seen.
            count = self._reader.count(namespace)
            for (ns, key), entry in self._cache.items():
                if ns == namespace:
                    count += (entry is not None) - (self._reader.entry(ns, key) is not None)
            self._counts[namespace] = count
        return self._counts[namespace]

    def _materialized(self, namespace: str) -> dict[str, Entry]:
        """Every key of a namespace, in order: the base order, then this batch's writes."""
        full = self._full.get(namespace)
        if full is None:
            full = dict.fromkeys(self._reader.keys(namespace), _UNREAD)
            for write in self.writes:
                if write.namespace == namespace:
                    _replay_write(full, write)
            self._full[namespace] = full
        return full


def _replay_write(entries: dict[str, Entry], write: Op) -> None:
    if write.kind == "clear":
        entries.clear()
    elif write.kind == "delete":
        entries.pop(write.key or "", None)
    else:
        entries[write.key or ""] = Entry(write.value, write.expires_at)


# -- the rules of each kind ------------------------------------------------------------


def _key(op: Op) -> str:
    assert op.key is not None  # check() refuses keyless operations that need one
    return op.key


def _get(op: Op, plan: Overlay) -> JSON:
    found = plan.entry(op.namespace, _key(op))
    return None if found is None else copy_json(found.value)


def _list(op: Op, plan: Overlay) -> JSON:
    return plan.keys(op.namespace)


def _store(plan: Overlay, op: Op, old: Entry | None, value: JSON) -> None:
    """Quotas, then the write (keeping or replacing the expiry as the rules say)."""
    namespace, key = op.namespace, _key(op)
    if old is None:
        plan.check_new_key(namespace, key)
    plan.check_size(namespace, key, value)
    expires = expiry_of(op.kind, None if old is None else old.expires_at, old is not None, op.ttl, plan.now)
    plan.put(namespace, key, Entry(value, expires))


def _set(op: Op, plan: Overlay) -> JSON:
    value = copy_json(op.value, f"value of '{op.key}'")
    # A set's result and expiry do not depend on the old entry; only a quota reads it.
    old = plan.entry(op.namespace, _key(op)) if plan.limited(op.namespace) else None
    _store(plan, op, old, value)
    return copy_json(value)


def _append(op: Op, plan: Overlay) -> JSON:
    item = copy_json(op.value, f"value of '{op.key}'", depth=1)  # it ends up inside a list
    old = plan.entry(op.namespace, _key(op))
    new = appended(MISSING if old is None else old.value, item)
    _store(plan, op, old, new)
    return copy_json(new)


def _increment(op: Op, plan: Overlay) -> JSON:
    old = plan.entry(op.namespace, _key(op))
    new = incremented(_key(op), MISSING if old is None else old.value, op.value)
    _store(plan, op, old, new)
    return new


def _delete(op: Op, plan: Overlay) -> JSON:
    return plan.delete(op.namespace, _key(op))


def _clear(op: Op, plan: Overlay) -> JSON:
    plan.clear(op.namespace)
    return None


Rule = Callable[[Op, Overlay], JSON]


@dataclass(frozen=True)
class Kind:
    """What an operation kind does, and whether it names a key and changes the store."""

    rule: Rule
    keyed: bool
    writes: bool


KINDS: dict[str, Kind] = {
    "get": Kind(_get, keyed=True, writes=False),
    "list": Kind(_list, keyed=False, writes=False),
    "set": Kind(_set, keyed=True, writes=True),
    "append": Kind(_append, keyed=True, writes=True),
    "increment": Kind(_increment, keyed=True, writes=True),
    "delete": Kind(_delete, keyed=True, writes=True),
    "clear": Kind(_clear, keyed=False, writes=True),
}
"""Operation kind → its rule.  Results: get the value (None when missing), list the
keys, set the value stored, append the whole list, increment the new number, delete
whether the key existed, clear None."""


def check(op: Op) -> None:
    """An operation of a known kind, with a key when the kind needs one."""
    kind = KINDS.get(op.kind)
    if kind is None:
        raise MemoryOperationError(
            f"unknown memory operation '{op.kind}'; expected one of {', '.join(KINDS)}"
        )
    if kind.keyed and not isinstance(op.key, str):
        raise MemoryOperationError(f"memory operation '{op.kind}' needs a key")
    copy_json([op.namespace, op.key], "a namespace or key name")  # text a file can hold
    for name, seconds in (("ttl", op.ttl), ("expires_at", op.expires_at)):
        if seconds is not None and not (is_number(seconds) and abs(seconds) < MAX_SECONDS):
            problem = f"must be a finite number of seconds, not {seconds!r}"
            raise MemoryOperationError(f"{name} of '{op.key}' {problem}")


def writes_anything(batch: Sequence[Op]) -> bool:
    """Whether a batch may change the store (a read-only batch needs no write lock)."""
    return any(KINDS[op.kind].writes for op in batch)


def plan(
    batch: Sequence[Op], reader: Reader, now: float, quotas: Quotas | None = None
) -> tuple[list[JSON], list[Op]]:
    """The results of ``batch`` over ``reader``'s state, and the writes that make it so.

    Raises MemoryOperationError (nothing to write) when any operation is refused.
    """
    for op in batch:
        check(op)
    state = Overlay(reader, now, quotas)
    results = [KINDS[op.kind].rule(op, state) for op in batch]
    return results, state.writes


class OpMethods:
    """``set`` / ``append`` / ``increment`` / ``delete`` / ``clear`` as one-operation batches.

    Every backend inherits them, so a single call and a batch go the same way;
    and ``now`` / ``reader``, so a caller can plan over the store's state itself
    (the JS bridge answers a snippet's calls that way before applying its batch).
    """

    _clock: Callable[[], float]

    def now(self) -> float:
        """The store's clock (expiries are measured on it)."""
        return self._clock()

    def reader(self) -> Reader:
        """The store's live state as an ``ops.Reader`` (inside an exclusive section: stable)."""
        reader: Reader = self  # type: ignore[assignment]
        return reader

    def read_again(self, reads: Reads) -> Reads:
        """The questions of ``reads`` answered at one moment (a backend that other threads or
        processes write overrides this with a snapshot or one round trip)."""
        return answer(reads, self.reader(), self.namespaces)

    def namespaces(self) -> list[str]:
        raise NotImplementedError

    def apply(self, batch: Sequence[Op], quotas: Quotas | None = None) -> list[JSON]:
        raise NotImplementedError

    def set(self, key: str, value: JSON, namespace: str, ttl: float | None = None) -> JSON:
        return self.apply([Op("set", namespace, key, value, ttl)])[0]

    def append(self, key: str, value: JSON, namespace: str, ttl: float | None = None) -> list[JSON]:
        result: list[JSON] = self.apply([Op("append", namespace, key, value, ttl)])[0]
        return result

    def increment(
        self, key: str, amount: int | float, namespace: str, ttl: float | None = None
    ) -> int | float:
        result: int | float = self.apply([Op("increment", namespace, key, amount, ttl)])[0]
        return result

    def delete(self, key: str, namespace: str) -> bool:
        return bool(self.apply([Op("delete", namespace, key)])[0])

    def clear(self, namespace: str) -> None:
        self.apply([Op("clear", namespace)])
