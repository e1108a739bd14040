"""A pure reference model of the memory rules, written from DESIGN.md (not from ``store/ops.py``).

What it models: values are copied JSON; namespaces and keys keep insertion
order (an overwrite keeps its place; a key or namespace created again goes
last, and so does a key whose old entry had expired); ``append`` wraps a
scalar (null included); ``increment`` starts a missing key or null from 0 and
refuses a non-number on either side; ``delete`` never creates a namespace and
leaves an emptied one listed; ``clear`` removes the namespace; a ``ttl``
expires a key (``set`` without one never expires, ``append`` / ``increment``
keep a live key's expiry); quotas refuse a new key past ``max_keys`` and a
value whose compact JSON is over ``max_value_bytes``.  A batch is all or
nothing.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any


class Refused(Exception):
    """A rule refused the operation (the store raises MemoryOperationError)."""


@dataclass
class Slot:
    value: Any
    expires_at: float | None


@dataclass(frozen=True)
class Quota:
    max_keys: int | None = None
    max_value_bytes: int | None = None


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


class MemoryModel:
    """``{namespace: {key: Slot}}`` and the rules, one operation at a time."""

    def __init__(self, quotas: dict[str, Quota] | None = None) -> None:
        self.data: dict[str, dict[str, Slot]] = {}
        self.quotas = quotas or {}

    # -- whole batches -------------------------------------------------------------

    def batch(
        self, ops: list[tuple[str, str, str | None, Any, float | None]], now: float
    ) -> list[Any] | None:
        """Results of ``(kind, namespace, key, value, ttl)`` operations, or None (nothing changed)
        when one is refused."""
        trial = copy.deepcopy(self.data)
        saved, self.data = self.data, trial
        try:
            results = [self.apply(*op, now=now) for op in ops]
        except Refused:
            self.data = saved
            return None
        return results

    def dump(self, now: float) -> list[tuple[str, list[tuple[str, Any]]]]:
        """Live content in order (a list, so that order is compared too)."""
        self.expire(now)
        return [
            (ns, [(key, slot.value) for key, slot in entries.items()]) for ns, entries in self.data.items()
        ]

    def expire(self, now: float) -> None:
        for entries in self.data.values():
            for key in [
                k for k, slot in entries.items() if slot.expires_at is not None and slot.expires_at <= now
            ]:
                del entries[key]

    # -- one operation ---------------------------------------------------------------

    def apply(
        self, kind: str, namespace: str, key: str | None, value: Any, ttl: float | None, now: float
    ) -> Any:
        self.expire(now)
        entries = self.data.get(namespace)
        old = entries.get(key) if entries is not None and key is not None else None
        if kind == "get":
            return copy.deepcopy(old.value) if old else None
        if kind == "list":
            return list(entries or {})
        if kind == "delete":
            return entries is not None and entries.pop(key or "", None) is not None
        if kind == "clear":
            self.data.pop(namespace, None)
            return None
        new = self._new_value(kind, key or "", old, value)
        self._check_quota(namespace, old, new)
        expires = now + ttl if ttl is not None else (old.expires_at if old and kind != "set" else None)
        self.data.setdefault(namespace, {})[key or ""] = Slot(copy.deepcopy(new), expires)
        return copy.deepcopy(new)

    def _new_value(self, kind: str, key: str, old: Slot | None, value: Any) -> Any:
        if kind == "set":
            return value
        if kind == "append":
            if old is None:
                return [value]
            return [*old.value, value] if isinstance(old.value, list) else [old.value, value]
        if not is_number(value):
            raise Refused(f"amount {value!r}")
        if old is None or old.value is None:
            return value
        if not is_number(old.value):
            raise Refused(f"increment of {old.value!r}")
        return old.value + value

    def _check_quota(self, namespace: str, old: Slot | None, new: Any) -> None:
        quota = self.quotas.get(namespace) or self.quotas.get("*")
        if quota is None:
            return
        count = len(self.data.get(namespace, {}))
        if old is None and quota.max_keys is not None and count >= quota.max_keys:
            raise Refused("max_keys")
        if quota.max_value_bytes is not None and _size(new) > quota.max_value_bytes:
            raise Refused("max_value_bytes")


def norm(value: Any) -> Any:
    """Numbers as JavaScript sees them (one type, doubles): an integral float compares as
    its int, and past 2**53 every number as its double (JavaScript prints such a double
    as its shortest integer text, which Python reads as another int of the same double).
    """
    if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) > 2**53:
        return float(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [norm(v) for v in value]
    if isinstance(value, tuple):
        return tuple(norm(v) for v in value)
    if isinstance(value, dict):
        return {k: norm(v) for k, v in value.items()}
    return value


def ordered(dump: dict[str, dict[str, Any]]) -> list[tuple[str, list[tuple[str, Any]]]]:
    """A store dump in the model's ordered form."""
    return [(ns, list(entries.items())) for ns, entries in dump.items()]
