"""What an optimistic JavaScript evaluation read of memory (see ``js_host``).

``ReadLog`` stands between an evaluation's ``ops.Overlay`` and the store's
reader and notes each answer, so that at the evaluation's first write (inside
the exclusive section) or at its end (read-only) every question can be asked
again, at one moment, with ``Memory.read_again``: any different answer makes
the evaluation void.
"""

from __future__ import annotations

import json
from typing import Any

from visor_mem.store.ops import Entry, Reader, Reads
from visor_mem.store.scoped import Memory


class ReadLog:
    """An ``ops.Reader`` over a memory's live state that notes what it answered.

    Each question is noted with its first answer; a second, different answer
    to the same question means the evaluation saw two moments (``torn``).
    """

    def __init__(self, reader: Reader) -> None:
        self._reader = reader
        self.entries: dict[tuple[str, str], Entry | None] = {}
        self.keys_seen: dict[str, list[str]] = {}
        self.counts: dict[str, int] = {}
        self.namespaces: list[str] | None = None
        self.torn = False

    def entry(self, namespace: str, key: str) -> Entry | None:
        found = self._reader.entry(namespace, key)
        self._note(self.entries, (namespace, key), found)
        return found

    def count(self, namespace: str) -> int:
        found = self._reader.count(namespace)
        self._note(self.counts, namespace, found)
        return found

    def keys(self, namespace: str) -> list[str]:
        found = self._reader.keys(namespace)
        self._note(self.keys_seen, namespace, list(found))
        return found

    def noted_namespaces(self, names: list[str]) -> None:
        """The namespace list the evaluation saw."""
        if self.namespaces is None:
            self.namespaces = list(names)
        elif self.namespaces != names:
            self.torn = True

    @property
    def size(self) -> int:
        """How many questions were asked."""
        listed = 0 if self.namespaces is None else 1
        return len(self.entries) + len(self.keys_seen) + len(self.counts) + listed

    def unchanged(self, memory: Memory) -> bool:
        """Whether every answer is still the store's (asked again at one moment)."""
        if self.torn:
            return False
        if not self.size:
            return True
        now = memory.read_again(Reads(self.entries, self.keys_seen, self.counts, self.namespaces))
        return (
            all(same_as_stored(found, now.entries[place]) for place, found in self.entries.items())
            and now.keys == self.keys_seen
            and now.counts == self.counts
            and now.namespaces == self.namespaces
        )

    def _note(self, seen: dict[Any, Any], question: Any, answer: Any) -> None:
        if question not in seen:
            seen[question] = answer
        elif not same_as_stored(seen[question], answer):
            self.torn = True


def same_as_stored(one: object, other: object) -> bool:
    """Equal as stored: ``1``, ``1.0`` and ``true`` differ (Python's == says they are equal)."""
    if one != other:
        return False
    if isinstance(one, Entry) and isinstance(other, Entry):
        return _text(one) == _text(other)
    return True


def _text(entry: Entry) -> str:
    return json.dumps([entry.value, entry.expires_at], separators=(",", ":"))
