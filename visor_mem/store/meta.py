"""The metadata sidecar: what Visor's file layouts cannot hold.

Visor's JSON and CSV files have no place for a key's expiry, and CSV none for
an empty namespace.  So, only when some key has a TTL (or, in CSV, some
namespace is empty), a sidecar ``.<name>.meta`` holds::

    {"base": DIGEST, "expires": {ns: {key: epoch_seconds}}, "namespaces": [...]}

``base`` is the digest of the main file it describes; a sidecar whose base
does not match is stale (a crash between writing it and the main file) and is
not applied as is.  ``namespaces`` (the full order) is present only when an
empty namespace must be kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from visor_mem.jsonvalue import JsonValueError, parse_json_bytes
from visor_mem.store.codec import DecodeError
from visor_mem.store.journal import Loaded
from visor_mem.store.memory import Entry
from visor_mem.store.semantics import is_number


@dataclass(frozen=True)
class Meta:
    """Expiries and (when needed) the namespace order of one main file."""

    base: str
    expires: dict[str, dict[str, float]] = field(default_factory=dict)
    namespaces: list[str] | None = None


def meta_of(data: Loaded, base: str, keep_empty_namespaces: bool) -> Meta | None:
    """The sidecar a store needs, or None when the main file says everything."""
    expires: dict[str, dict[str, float]] = {}
    for namespace, entries in data.items():
        for key, entry in entries.items():
            if entry.expires_at is not None:
                expires.setdefault(namespace, {})[key] = entry.expires_at
    empty = keep_empty_namespaces and any(not entries for entries in data.values())
    if not expires and not empty:
        return None
    return Meta(base, expires, list(data) if empty else None)


def encode_meta(meta: Meta) -> bytes:
    """The sidecar's bytes (deterministic, so an unchanged sidecar is not rewritten)."""
    document: dict[str, object] = {"base": meta.base, "expires": meta.expires}
    if meta.namespaces is not None:
        document["namespaces"] = meta.namespaces
    return json.dumps(document, separators=(",", ":")).encode()


def decode_meta(data: bytes) -> Meta:
    """A sidecar's contents; DecodeError when damaged (never a silently dropped key)."""
    try:
        document = parse_json_bytes(data)
    except JsonValueError as err:
        raise DecodeError(f"unreadable metadata ({err.message}, column {err.column})", err.line) from err
    if not isinstance(document, dict) or not isinstance(document.get("base"), str):
        raise DecodeError('unreadable metadata (expected {"base": "...", "expires": {...}})')
    return Meta(document["base"], _expires(document.get("expires")), _namespaces(document.get("namespaces")))


def _expires(value: object) -> dict[str, dict[str, float]]:
    """``{namespace: {key: epoch seconds}}``; JSON keys are strings, so only the leaves need checking."""
    if not isinstance(value, dict) or not all(isinstance(keys, dict) for keys in value.values()):
        raise DecodeError('unreadable metadata ("expires" must be {namespace: {key: seconds}})')
    for namespace, keys in value.items():
        for key, seconds in keys.items():
            if not is_number(seconds):
                raise DecodeError(f"unreadable metadata (expiry of {namespace}.{key} is not a number)")
    return value


def _namespaces(value: object) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise DecodeError('unreadable metadata ("namespaces" must be a list of names)')
    return value


def apply_meta(data: Loaded, meta: Meta) -> Loaded:
    """``data`` with the sidecar's expiries and namespace order."""
    for namespace, expiries in meta.expires.items():
        entries = data.get(namespace, {})
        for key, expires_at in expiries.items():
            if key in entries:
                entries[key] = Entry(entries[key].value, expires_at)
    if meta.namespaces is None:
        return data
    ordered = {namespace: data.get(namespace, {}) for namespace in meta.namespaces}
    ordered.update((ns, entries) for ns, entries in data.items() if ns not in ordered)
    return ordered
