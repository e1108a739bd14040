"""The append-only journal beside a store file.

One line per committed step (``commit()``): a JSON array of the writes that
step made, as operation records (``Op.record()``, see :mod:`visor_mem.store.ops`):
the resolved writes ``["set", ns, key, value, null, expires_at]``,
``["delete", ns, key]`` and ``["clear", ns]``, so replay needs no value rules.
The first line, ``{"base": DIGEST}``, names the main file the journal applies
to (``"reset": true``: start from empty instead, for ``auto_load: false``);
once that file is replaced by a compaction the journal no longer matches it
and is ignored, so a crash between the two is harmless.

A line is written with one ``write`` and ends with ``\\n``; bytes after the
last newline are a torn write of a step that never finished committing and
are ignored.  A complete line that does not parse means the journal is
damaged: reading it fails rather than silently dropping committed steps.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from visor_mem.errors import MemoryOperationError
from visor_mem.jsonvalue import MAX_DEPTH, JsonValueError, parse_json_bytes
from visor_mem.store.atomic import fsync_dir, write_all
from visor_mem.store.base import JSON
from visor_mem.store.codec import DecodeError
from visor_mem.store.memory import Entry, apply_write
from visor_mem.store.ops import Op
from visor_mem.store.paths import open_regular, read_regular

Record = list[JSON]
"""An operation record, ``Op.record()``."""
Loaded = dict[str, dict[str, Entry]]
"""A store read from disk: namespaces of entries, in order."""

# Built once (json.dumps builds an encoder per call); values passed the JSON policy already.
_ENCODE_LINE = json.JSONEncoder(separators=(",", ":"), allow_nan=False).encode
_sync = getattr(os, "fdatasync", os.fsync)  # fdatasync: size + data, not mtime; macOS lacks it


def digest(data: bytes | None) -> str:
    """Identity of a main file's bytes ("" when there is no file)."""
    return "" if data is None else hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass(frozen=True)
class Journal:
    """What a journal file holds: its base and the committed lines (number, changes)."""

    base: str
    commits: list[tuple[int, list[JSON]]]
    reset: bool = False


def read_journal(path: Path) -> Journal | None:
    """The journal at ``path``; None when absent; DecodeError when damaged."""
    data = read_regular(path, "journal")
    if data is None:
        return None
    lines = data.split(b"\n")[:-1]  # what follows the last newline is torn
    if not lines:
        return Journal("", [])
    header = _parse_line(lines[0], 1)
    if not isinstance(header, dict) or not isinstance(header.get("base"), str):
        raise DecodeError('the first line is not a {"base": ...} header', 1)
    commits = [(number, _parse_commit(line, number)) for number, line in enumerate(lines[1:], 2)]
    return Journal(header["base"], commits, header.get("reset") is True)


def _parse_line(line: bytes, number: int) -> JSON:
    try:
        return parse_json_bytes(line, MAX_DEPTH + 2)  # a value sits inside [[record]]
    except JsonValueError as err:
        raise DecodeError(f"unreadable journal line ({err.message}, column {err.column})", number) from err


def _parse_commit(line: bytes, number: int) -> list[JSON]:
    changes = _parse_line(line, number)
    if not isinstance(changes, list) or not all(isinstance(c, list) and c for c in changes):
        raise DecodeError("a journal line must be a list of changes", number)
    return changes


def replay(data: Loaded, journal: Journal) -> Loaded:
    """``data`` after every committed line of ``journal``, in order."""
    if journal.reset:
        data = {}
    for number, records in journal.commits:
        for record in records:
            try:
                apply_write(data, Op.from_record(record))
            except MemoryOperationError as err:
                raise DecodeError(
                    f"bad journal record {json.dumps(record)[:80]} ({err.message})", number
                ) from err
    return data


class JournalWriter:
    """Appends committed lines to a new journal (created, truncated, at the first one).

    ``sync_interval`` is group commit: every line is written at once (so it
    survives the process being killed), and synced to disk when at least that
    many seconds passed since the last sync (0: every line).  A power loss can
    then lose the last fraction of a second of steps, never tear the journal.
    """

    def __init__(self, path: Path, base: str, sync_interval: float = 0.0, reset: bool = False) -> None:
        self.path = path
        self.size = 0
        self._sync_interval = sync_interval
        header: dict[str, JSON] = {"base": base, "reset": True} if reset else {"base": base}
        self._header: bytes | None = json.dumps(header).encode() + b"\n"
        self._fd = open_regular(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, "journal")
        self._last_sync = 0.0
        self._dirty = False

    def append(self, changes: list[Record]) -> None:
        """Write one committed line."""
        line = _ENCODE_LINE(changes).encode() + b"\n"
        if self._header is not None:
            line, self._header = self._header + line, None
            write_all(self._fd, line)
            self.size += len(line)
            self.sync()
            fsync_dir(self.path.parent)  # the new file's name must survive too
            return
        write_all(self._fd, line)
        self.size += len(line)
        self._dirty = True
        if time.monotonic() - self._last_sync >= self._sync_interval:
            self.sync()

    def sync(self) -> None:
        """Force what was written to disk."""
        _sync(self._fd)
        self._last_sync = time.monotonic()
        self._dirty = False

    def close(self) -> None:
        """Sync what is pending and close the file."""
        if self._fd < 0:
            return
        try:
            if self._dirty:
                self.sync()
        finally:
            os.close(self._fd)
            self._fd = -1
