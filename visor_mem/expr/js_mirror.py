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


Patch = dict[str, Any]
Touched = tuple[str, str, str | None]
"""(scope, namespace, key); key None: the whole namespace."""


class ScopePatch(NamedTuple):
    """The JSON text of one scope's patch; ``full``: it replaces the whole mirror."""

    text: str
    full: bool


class MirrorSync:
    """Tracks what one JS mirror has seen of one ``Memory``."""

    def __init__(self, memory: Memory) -> None:
        self.memory = memory
        self._revision: int | None = None
        self._dirty: set[tuple[str, str | None]] = set()
        self._expiring: list[tuple[float, str, str]] = []
        self._order: list[str] | None = None
        self._expires_at: Callable[[str, str], float | None] | None = getattr(
            memory.store, "expires_at", None
        )

    def invalidate(self, places: Iterable[tuple[str, str | None]]) -> None:
        """Refetch these keys (or namespaces, key None) before the next evaluation."""
        self._dirty.update(places)
        self._order = None  # the mirror may have reordered namespaces: send the order again

    def reset(self) -> None:
        """Reload everything before the next evaluation."""
        self._revision = None

    def patch(self, now: float) -> ScopePatch | None:
        """What the mirror must apply to match the store; None when nothing changed."""
        if self._revision is None:
            return ScopePatch(dumps(self.full()), full=True)
        revision = self.memory.revision
        if revision == self._revision and not self._dirty and not self._due(now):
            return None  # the common case, checked before building anything
        changes = self.memory.changes_since(self._revision)
        if changes is None:
            return ScopePatch(dumps(self.full()), full=True)
        self._revision = revision
        dirty, self._dirty = self._dirty, set()
        dirty.update((change.namespace, change.key) for change in changes)
        self._expired(now, dirty)
        return ScopePatch(dumps(self._partial(dirty)), full=False) if dirty else None

    def full(self) -> Patch:
        """Everything, for a new mirror or after the change log was trimmed."""
        self._revision = self.memory.revision
        self._dirty.clear()
        self._expiring.clear()
        dump = self.memory.dump()
        for namespace, entries in dump.items():
            for key in entries:
                self._track(namespace, key)
        full = {ns: {key: dumps(value) for key, value in entries.items()} for ns, entries in dump.items()}
        self._order = list(dump)
        return {"full": full, "order": self._order}

    def _partial(self, dirty: set[tuple[str, str | None]]) -> Patch:
        order = self._order_after(dirty)
        present: set[str] = set(order)
        changes: dict[str, dict[str, Any]] = {}
        reloads = {ns for ns, key in dirty if key is None or ns not in present}
        for namespace in reloads:
            changes[namespace] = {"reload": self._namespace(namespace, present)}
        for namespace, key in dirty:
            if key is not None and namespace not in reloads:
                self._key(changes.setdefault(namespace, {}), namespace, key)
        if order == self._order:
            return {"ns": changes}
        self._order = order
        return {"ns": changes, "order": order}

    def _order_after(self, dirty: set[tuple[str, str | None]]) -> list[str]:
        """The store's namespace order; not asked when only keys of known namespaces changed.

        Asking costs a query on database backends.  Namespaces outlive their
        last key, so only a first write (an unknown namespace) or a clear (key
        None) can change the order.
        """
        known = self._order
        if known is not None and all(key is not None and ns in known for ns, key in dirty):
            return known
        return self.memory.namespaces()

    def _namespace(self, namespace: str, present: set[str]) -> dict[str, str] | None:
        if namespace not in present:
            return None
        entries = self.memory.get_all(namespace)
        for key in entries:
            self._track(namespace, key)
        return {key: dumps(value) for key, value in entries.items()}

    def _key(self, change: dict[str, Any], namespace: str, key: str) -> None:
        if self.memory.has(key, namespace):
            change.setdefault("set", {})[key] = dumps(self.memory.get(key, namespace))
            self._track(namespace, key)
        else:
            change.setdefault("del", []).append(key)

    def _track(self, namespace: str, key: str) -> None:
        """Remember when a key expires, so the mirror drops it in time."""
        if self._expires_at is None:
            return
        expires_at = self._expires_at(key, namespace)
        if expires_at is not None:
            heapq.heappush(self._expiring, (expires_at, namespace, key))

    def _due(self, now: float) -> bool:
        return bool(self._expiring) and self._expiring[0][0] <= now

    def _expired(self, now: float, dirty: set[tuple[str, str | None]]) -> None:
        while self._expiring and self._expiring[0][0] <= now:
            _, namespace, key = heapq.heappop(self._expiring)
            dirty.add((namespace, key))


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
