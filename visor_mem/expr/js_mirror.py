"""The host half of the JavaScript memory mirror: patches in, operations out.

QuickJS refuses calls into Python while a time limit is set, so a QuickJS
context holds a mirror of each store (see ``js_prelude.js``).  ``MirrorSync``
computes what the mirror lacks since the last evaluation from
``Memory.changes_since`` (only the changed keys travel; ``None`` means the log
no longer reaches back, so everything is reloaded), and ``replay`` applies the
operations a successful evaluation recorded to the real ``Memory``.
"""

from __future__ import annotations

import heapq
import json
from _json import encode_basestring, make_encoder, make_scanner
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from visor_mem.store.base import JSON
from visor_mem.store.scoped import Memory


def _not_json(value: object) -> object:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# The C encoder and scanner that json.dumps / json.loads wrap, called directly:
# the wrappers cost more than encoding or decoding a small value (~2 us each,
# several times per evaluation).  No circular-reference check (markers None):
# a cycle ends in RecursionError, reported as ValueError below.
_ENCODE = make_encoder(None, _not_json, encode_basestring, None, ":", ",", False, False, False)
_SCAN = make_scanner(json.JSONDecoder())  # type: ignore[arg-type]


def dumps(value: object) -> str:
    """The one JSON encoding sent to QuickJS (NaN and infinities are refused)."""
    try:
        return "".join(_ENCODE(value, 0))
    except RecursionError:
        raise ValueError("circular reference or nesting too deep") from None


def loads(text: str) -> Any:
    """Decode a JSON text that QuickJS's ``JSON.stringify`` produced."""
    value, end = _SCAN(text, 0)
    if end != len(text):
        raise ValueError(f"extra data after the JSON value at {end}")
    return value


Touched = tuple[str, str, str | None]
"""(scope, namespace, key); key None: the whole namespace."""

Dirty = dict[tuple[str, str | None], None]
"""Places to refetch, in the order they changed (a dict is an ordered set)."""


def quote(text: str) -> str:
    """A JSON string literal (the C function behind ``dumps`` of a str)."""
    return encode_basestring(text)


class ScopePatch(NamedTuple):
    """One scope's patch records, comma-separated; ``full``: they replace the whole mirror."""

    text: str
    full: bool


class MirrorSync:
    """Tracks what one JS mirror has seen of one ``Memory``.

    A patch is a list of records (``js_prelude.js`` applies them in order):
    ``["full", scope, [[ns, [[key, text], ...]], ...]]``, ``["reload", scope,
    ns, [[key, text], ...] | null]``, ``["set", scope, ns, key, text]``,
    ``["del", scope, ns, key]``, ``["order", scope, [ns, ...]]``.  Values
    travel as JSON texts: the mirror keeps texts, so every read in JS is a
    copy.  Pairs rather than objects keep the store's order (a JS object puts
    integer-like keys first); flat records cost less to build here and to
    parse in QuickJS than nested objects.
    """

    def __init__(self, scope: str, memory: Memory) -> None:
        self.memory = memory
        self._scope = quote(scope)
        self._revision: int | None = None
        self._dirty: Dirty = {}
        self._expiring: list[tuple[float, str, str]] = []
        self._order: list[str] | None = None
        self._expires_at: Callable[[str, str], float | None] | None = getattr(
            memory.store, "expires_at", None
        )

    def invalidate(self, places: Iterable[tuple[str, str | None]]) -> None:
        """Refetch these keys (or namespaces, key None) before the next evaluation."""
        self._dirty.update(dict.fromkeys(places))
        self._order = None  # the mirror may have reordered namespaces: send the order again

    def reset(self) -> None:
        """Reload everything before the next evaluation."""
        self._revision = None

    def patch(self, now: float) -> ScopePatch | None:
        """What the mirror must apply to match the store; None when nothing changed."""
        if self._revision is None:
            return ScopePatch(self.full(), full=True)
        revision = self.memory.revision
        if revision == self._revision and not self._dirty and not self._due(now):
            return None  # the common case, checked before building anything
        changes = self.memory.changes_since(self._revision)
        if changes is None:
            return ScopePatch(self.full(), full=True)
        self._revision = revision
        dirty, self._dirty = self._dirty, {}
        for change in changes:
            dirty[change.namespace, change.key] = None
        if self._expiring:
            self._expired(now, dirty)
        return ScopePatch(",".join(self._records(dirty)), full=False) if dirty else None

    def full(self) -> str:
        """The record that loads everything, for a new mirror or after the change log was trimmed."""
        self._revision = self.memory.revision
        self._dirty.clear()
        self._expiring.clear()
        dump = self.memory.dump()
        for namespace, entries in dump.items():
            for key in entries:
                self._track(namespace, key)
        full = [[ns, [[key, dumps(value)] for key, value in entries.items()]] for ns, entries in dump.items()]
        self._order = list(dump)
        return f'["full",{self._scope},{dumps(full)}]'

    def _records(self, dirty: Dirty) -> list[str]:
        """Keys of namespaces the mirror knows changed: one record each (the common case).

        Namespaces outlive their last key, so only a first write (an unknown
        namespace) or a clear (key None) can change the namespace order, which
        costs a query to ask on database backends.
        """
        known = self._order
        keys = [(ns, key) for ns, key in dirty if key is not None and known is not None and ns in known]
        if len(keys) < len(dirty):
            return self._reshaped(dirty)
        return [self._key(ns, key) for ns, key in keys]

    def _reshaped(self, dirty: Dirty) -> list[str]:
        """Namespaces appeared, vanished or were cleared: reload those, send the order."""
        order = self.memory.namespaces()
        present = set(order)
        reloads = dict.fromkeys(ns for ns, key in dirty if key is None or ns not in present)
        records = [self._namespace(ns, present) for ns in reloads]
        records += [self._key(ns, key) for ns, key in dirty if key is not None and ns not in reloads]
        if order != self._order:
            self._order = order
            records.append(f'["order",{self._scope},{dumps(order)}]')
        return records

    def _namespace(self, namespace: str, present: set[str]) -> str:
        if namespace not in present:
            return f'["reload",{self._scope},{quote(namespace)},null]'
        entries = self.memory.get_all(namespace)
        for key in entries:
            self._track(namespace, key)
        texts = dumps([[key, dumps(value)] for key, value in entries.items()])
        return f'["reload",{self._scope},{quote(namespace)},{texts}]'

    def _key(self, namespace: str, key: str) -> str:
        value = self.memory.get(key, namespace)
        if value is None and not self.memory.has(key, namespace):
            return f'["del",{self._scope},{quote(namespace)},{quote(key)}]'
        self._track(namespace, key)
        return f'["set",{self._scope},{quote(namespace)},{quote(key)},{quote(dumps(value))}]'

    def _track(self, namespace: str, key: str) -> None:
        """Remember when a key expires, so the mirror drops it in time."""
        if self._expires_at is None:
            return
        expires_at = self._expires_at(key, namespace)
        if expires_at is not None:
            heapq.heappush(self._expiring, (expires_at, namespace, key))

    def _due(self, now: float) -> bool:
        return bool(self._expiring) and self._expiring[0][0] <= now

    def _expired(self, now: float, dirty: Dirty) -> None:
        while self._expiring and self._expiring[0][0] <= now:
            _, namespace, key = heapq.heappop(self._expiring)
            dirty[(namespace, key)] = None


# -- replay of recorded operations ------------------------------------------------------


def _set(memory: Memory, namespace: str, key: str, arg: Any) -> None:
    memory.set(key, json.loads(arg), namespace)


def _append(memory: Memory, namespace: str, key: str, arg: Any) -> None:
    memory.append(key, json.loads(arg), namespace)


def _increment(memory: Memory, namespace: str, key: str, arg: Any) -> None:
    memory.increment(key, arg, namespace)


def _delete(memory: Memory, namespace: str, key: str, arg: Any) -> None:
    memory.delete(key, namespace)


def _clear(memory: Memory, namespace: str, key: str, arg: Any) -> None:
    memory.clear(namespace)


REPLAY: dict[str, Callable[[Memory, str, str, Any], None]] = {
    "set": _set,
    "append": _append,
    "increment": _increment,
    "delete": _delete,
    "clear": _clear,
}
"""Recorded JS operation name → how to apply it to ``Memory``."""


def replay_op(memories: dict[str, Memory], op: list[JSON]) -> None:
    """Apply one recorded ``[scope, name, namespace, key?, arg?]`` operation."""
    scope, name, namespace, key, arg = (*op, None, None)[:5]
    REPLAY[name](memories[scope], namespace, key, arg)


def describe_op(op: list[JSON]) -> str:
    """``memory.set('k', ns 'x')`` for error messages."""
    scope, name, namespace, *rest = op
    key = f"'{rest[0]}', " if rest else ""
    return f"{scope}.{name}({key}namespace '{namespace}')"


def touched(ops: Iterable[list[JSON]]) -> set[Touched]:
    """The places the operations changed (to resynchronise after a failure)."""
    places: set[Touched] = set()
    for scope, _name, namespace, *rest in ops:
        places.add((scope, namespace, rest[0] if rest else None))
    return places
