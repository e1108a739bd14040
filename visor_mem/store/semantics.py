"""The rules of memory operations, as pure functions: values, expiry, quotas.

Every backend applies operations through :mod:`visor_mem.store.ops`, which
computes with these rules, so an operation means one thing in every context.
Errors are :class:`MemoryOperationError`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from visor_mem import jsonvalue
from visor_mem.errors import MemoryOperationError
from visor_mem.jsonvalue import js_number as js_number  # re-exported: the rules' number type
from visor_mem.store.base import JSON

_MISSING: Any = object()
MISSING: Any = _MISSING
"""Marker for "no such key" (distinct from a stored null)."""


def js_typeof(value: object) -> str:
    """The JavaScript ``typeof`` of a JSON value, for error messages."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if value is _MISSING:
        return "undefined"
    return "object"


def is_number(value: object) -> bool:
    """A JSON number (booleans are not numbers here, as in JavaScript)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def copy_json(value: object, where: str = "value", depth: int = 0) -> JSON:
    """A deep copy of a JSON value (:mod:`visor_mem.jsonvalue`'s policy); else a MemoryOperationError."""
    try:
        return jsonvalue.copy_json(value, where, depth)
    except jsonvalue.JsonValueError as err:
        raise MemoryOperationError(err.message) from err


def appended(old: JSON, new: JSON) -> list[JSON]:
    """The list after appending ``new`` to ``old`` (``MISSING`` when absent).

    Missing → ``[new]``; a list → a new list with ``new`` at the end; any
    other value, null included (as in Visor) → ``[old, new]``.
    """
    if old is _MISSING:
        return [new]
    if isinstance(old, list):
        return [*old, new]
    return [old, new]


def check_amount(amount: object) -> int | float:
    """The increment amount, which must be a number."""
    if not is_number(amount):
        raise MemoryOperationError(f"Increment amount must be a number, got {js_typeof(amount)}")
    return amount  # type: ignore[return-value]


def incremented(key: str, old: JSON, amount: object) -> int | float:
    """``old + amount``; a missing key or null starts from 0."""
    step = check_amount(amount)
    if old is _MISSING or old is None:
        return step
    if not is_number(old):
        raise MemoryOperationError(
            f"Cannot increment non-numeric value at key '{key}' (type: {js_typeof(old)})"
        )
    total: int | float = copy_json(old + step, f"the sum at key '{key}'")  # 1e308 + 1e308 is no number
    return total


def encoded_size(value: JSON) -> int:
    """Size in bytes of the compact JSON encoding (what quotas measure)."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


# -- expiry -----------------------------------------------------------------------


def expiry_of(
    kind: str, old_expires_at: float | None, exists: bool, ttl: float | None, now: float
) -> float | None:
    """When a written key expires: a new ttl wins; ``set`` without one never expires;
    ``append`` / ``increment`` of a live key keep its expiry."""
    if ttl is not None:
        return now + ttl
    if kind == "set" or not exists:
        return None
    return old_expires_at


# -- quotas -----------------------------------------------------------------------


@dataclass(frozen=True)
class NamespaceLimits:
    """Quotas of one namespace (None: unlimited)."""

    max_keys: int | None = None
    max_value_bytes: int | None = None


Quotas = Mapping[str, NamespaceLimits]
"""Namespace → its limits; ``"*"`` applies to namespaces without their own."""


def limits_for(quotas: Quotas | None, namespace: str) -> NamespaceLimits | None:
    """The limits of a namespace, if any."""
    if not quotas:
        return None
    return quotas.get(namespace) or quotas.get("*")


def check_new_key(limits: NamespaceLimits | None, namespace: str, key: str, count: int) -> None:
    """A key that does not exist yet may be added while the namespace holds fewer than max_keys."""
    if limits is None or limits.max_keys is None or count < limits.max_keys:
        return
    raise MemoryOperationError(
        f"namespace '{namespace}' already holds {count} keys (max_keys "
        f"{limits.max_keys}); '{key}' was not stored"
    )


def check_size(limits: NamespaceLimits | None, namespace: str, key: str, value: JSON) -> None:
    """A value (as compact JSON) may not exceed max_value_bytes."""
    if limits is None or limits.max_value_bytes is None:
        return
    size = encoded_size(value)
    if size > limits.max_value_bytes:
        raise MemoryOperationError(
            f"value of '{key}' is {size} bytes, over the {limits.max_value_bytes}-byte "
            f"limit of namespace '{namespace}'; nothing was stored"
        )
