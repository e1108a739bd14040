"""The SQLite backend: stdlib ``sqlite3`` in WAL mode, one transaction per batch.

A batch (``apply``) is planned and written in one transaction: ``BEGIN
IMMEDIATE`` at the plan's first read, so what it read cannot change before
it writes, and concurrent processes interleave without losing updates; the
busy timeout makes them wait for each other instead of failing.  A batch
that reads nothing and writes one row (a plain set) is that one statement,
atomic on its own.  ``exclusive()`` widens the transaction around a
caller's read-compute-write.

Kept cheap per operation whatever the store's size (``bench/store.py``): a
write is one statement (an upsert; an UPDATE when the batch read the live
row), the entries are one WITHOUT ROWID b-tree (sqlite_schema), statements
are prepared once by sqlite3's statement cache, and expired keys, invisible
to every read, are deleted every ``PURGE_EVERY`` write batches rather than
in each.  WAL with ``synchronous=NORMAL``: a committed batch survives a
killed process.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from visor_mem.errors import Location, StoreError
from visor_mem.jsonvalue import JsonValueError, dump_compact, parse_json
from visor_mem.store.base import JSON, Dump, StoreSettings
from visor_mem.store.ops import Entry, Op, OpMethods, Reads, answer, plan, writes_anything
from visor_mem.store.paths import store_target
from visor_mem.store.semantics import Quotas
from visor_mem.store.sqlite_schema import SCHEMA_VERSION, connect, errors, prepare

__all__ = ["SCHEMA_VERSION", "SqliteStore", "new_sqlite_store"]

PURGE_EVERY = 256
"""Write transactions between two deletions of expired keys."""

_LIVE = "(expires_at IS NULL OR expires_at > ?)"
_SELECT_ENTRY = f"SELECT value, expires_at FROM visor_entries WHERE namespace = ? AND key = ? AND {_LIVE}"  # noqa: S608


class SqliteStore(OpMethods):
    """A store in one SQLite database file."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self._clock = clock
        # One connection shared by the engine's worker threads; the lock
        # serialises them and makes a transaction belong to one thread.
        self._lock = threading.RLock()
        self._depth = 0
        self._writes = 0
        self._db = connect(path)
        try:
            prepare(self._db, path)
        except BaseException:
            self._db.close()
            raise

    # -- reads -------------------------------------------------------------

    def get(self, key: str, namespace: str) -> JSON:
        found = self.entry(namespace, key)
        return None if found is None else found.value

    def has(self, key: str, namespace: str) -> bool:
        return self.entry(namespace, key) is not None

    def keys(self, namespace: str) -> list[str]:
        with self._reading() as db:
            return _Reader(db, self._clock(), self.path).keys(namespace)

    def get_all(self, namespace: str) -> dict[str, JSON]:
        with self._reading() as db:
            rows = db.execute(
                f"SELECT key, value FROM visor_entries WHERE namespace = ? AND {_LIVE} ORDER BY seq",  # noqa: S608
                (namespace, self._clock()),
            ).fetchall()
        return {key: _decode(text, namespace, key, self.path) for key, text in rows}

    def namespaces(self) -> list[str]:
        with self._reading() as db:
            rows = db.execute("SELECT name FROM visor_namespaces ORDER BY seq").fetchall()
        return [name for (name,) in rows]

    def dump(self) -> Dump:
        with self._reading():  # one snapshot for the whole dump
            return {ns: self.get_all(ns) for ns in self.namespaces()}

    def entry(self, namespace: str, key: str) -> Entry | None:
        """The live entry, or None."""
        with self._reading() as db:
            return _Reader(db, self._clock(), self.path).entry(namespace, key)

    def count(self, namespace: str) -> int:
        """How many live keys the namespace holds."""
        with self._reading() as db:
            return _Reader(db, self._clock(), self.path).count(namespace)

    def read_again(self, reads: Reads) -> Reads:
        """The questions of ``reads`` answered in one read transaction: one moment of the
        database, without holding up writers (WAL)."""
        with self._reading():
            return answer(reads, self, self.namespaces)

    # -- writes ------------------------------------------------------------

    def apply(self, batch: Sequence[Op], quotas: Quotas | None = None) -> list[JSON]:
        """Plan and write the batch in one transaction (a read snapshot when it only reads)."""
        if not writes_anything(batch):
            with self._reading() as db:
                now = self._clock()
                return plan(batch, _Reader(db, now, self.path), now, quotas)[0]
        with self._lock:
            try:
                if self._depth:  # inside exclusive(): join its transaction
                    return self._apply_in_savepoint(batch, quotas)
                return self._apply_alone(batch, quotas)
            except sqlite3.Error as err:
                raise StoreError(f"{self.path}: {err}") from err

    def _apply_alone(self, batch: Sequence[Op], quotas: Quotas | None) -> list[JSON]:
        """The batch in a transaction of its own, begun (BEGIN IMMEDIATE) at the plan's first
        read.  A batch that read nothing and writes one row (a plain set) is one statement, atomic
        by itself: SQLite's autocommit saves the BEGIN and COMMIT round trips."""
        self._purge_now_and_then()
        try:
            results = self._plan_and_write(batch, quotas, begin=self._begin)
        except BaseException:
            self._end("ROLLBACK")
            raise
        finally:
            self._depth = 0
        self._end("COMMIT")
        return results

    def _apply_in_savepoint(self, batch: Sequence[Op], quotas: Quotas | None) -> list[JSON]:
        """A batch inside an open transaction: all of it, or (on an error) none of it."""
        self._db.execute("SAVEPOINT visor_batch")
        try:
            results = self._plan_and_write(batch, quotas)
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK TO visor_batch")
                self._db.execute("RELEASE visor_batch")
            raise
        self._db.execute("RELEASE visor_batch")
        return results

    def _plan_and_write(
        self, batch: Sequence[Op], quotas: Quotas | None, begin: Callable[[], None] | None = None
    ) -> list[JSON]:
        now = self._clock()
        reader = _Reader(self._db, now, self.path, begin)
        results, writes = plan(batch, reader, now, quotas)
        if reader.begin is not None and (len(writes) > 1 or (writes and writes[0].kind == "clear")):
            reader.begin()  # several statements: one transaction
        _write_all(self._db, writes, now, reader.known)
        return results

    def _begin(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")
        self._depth = 1

    # -- what other processes see: the exclusive section ------------------------------

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """A section during which no other process writes: one BEGIN IMMEDIATE around it.

        Reads inside see every other process's committed writes.  A batch
        applied inside is atomic on its own (a savepoint) and stays applied,
        committed when the section ends, even when it ends with an exception:
        as on every other backend, where the section is only a lock.
        """
        with self._lock, errors(self.path):
            if self._depth:
                for _ in self._joined():
                    yield
                return
            self._db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                self._purge_now_and_then()
                yield
            finally:
                self._depth = 0
                self._end("COMMIT")

    # -- durability ----------------------------------------------------------

    def commit(self) -> None:
        """Every batch is already committed; SQLite's auto-checkpoint folds the WAL back.

        (A checkpoint per step cost about 0.5 ms, more than the operation itself.)
        """

    def close(self) -> None:
        """Delete expired rows (when this connection wrote), checkpoint, close."""
        with self._lock:
            with suppress(sqlite3.Error):  # another process may still read or write: best effort
                if self._writes:
                    self._purge()
                self._db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            self._db.close()

    def check(self) -> None:
        """Integrity check of the database file; StoreError with SQLite's reason."""
        with self._reading() as db:
            problems = [row[0] for row in db.execute("PRAGMA integrity_check").fetchall()]
        if problems != ["ok"]:
            raise StoreError(f"{self.path}: integrity check failed: {problems[0]}")

    # -- transactions ----------------------------------------------------------

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """A read snapshot, or the transaction already open."""
        with self._lock, errors(self.path):
            if self._depth:
                yield from self._joined()
                return
            self._db.execute("BEGIN")
            self._depth = 1
            try:
                yield self._db
            finally:
                self._depth = 0
                self._end("COMMIT")

    def _joined(self) -> Iterator[sqlite3.Connection]:
        self._depth += 1
        try:
            yield self._db
        finally:
            self._depth -= 1

    def _end(self, statement: str) -> None:
        """COMMIT or ROLLBACK, unless SQLite already ended the transaction after an error."""
        if self._db.in_transaction:
            self._db.execute(statement)

    def _purge_now_and_then(self) -> None:
        """Expired keys are invisible to reads; every so often a write deletes them."""
        self._writes += 1
        if self._writes % PURGE_EVERY == 1:
            self._purge()

    def _purge(self) -> None:
        self._db.execute(
            "DELETE FROM visor_entries WHERE expires_at IS NOT NULL AND expires_at <= ?", (self._clock(),)
        )


class _Reader:
    """The ``ops.Reader`` view of an open transaction."""

    def __init__(
        self, db: sqlite3.Connection, now: float, path: Path, begin: Callable[[], None] | None = None
    ) -> None:
        self._db, self._now, self._path = db, now, path
        self.begin = begin  # called (once) before the first read: the transaction starts there
        self.known: Known = {}

    def _ready(self) -> None:
        if self.begin is not None:
            begin, self.begin = self.begin, None
            begin()

    def entry(self, namespace: str, key: str) -> Entry | None:
        self._ready()
        row = self._db.execute(_SELECT_ENTRY, (namespace, key, self._now)).fetchone()
        self.known[namespace, key] = row is not None
        return None if row is None else Entry(_decode(row[0], namespace, key, self._path), row[1])

    def count(self, namespace: str) -> int:
        self._ready()
        row = self._db.execute(
            f"SELECT COUNT(*) FROM visor_entries WHERE namespace = ? AND {_LIVE}",  # noqa: S608
            (namespace, self._now),
        ).fetchone()
        return int(row[0])

    def keys(self, namespace: str) -> list[str]:
        self._ready()
        rows = self._db.execute(
            f"SELECT key FROM visor_entries WHERE namespace = ? AND {_LIVE} ORDER BY seq",  # noqa: S608
            (namespace, self._now),
        ).fetchall()
        return [key for (key,) in rows]


def _decode(text: object, namespace: str, key: str, path: Path) -> JSON:
    """A stored value under the one JSON policy; another program's value is a StoreError."""
    try:
        if not isinstance(text, str):
            raise TypeError(f"a {type(text).__name__}, not JSON text")
        return parse_json(text)
    except (JsonValueError, TypeError) as err:
        raise StoreError(
            f"the value at {namespace}.{key} is not JSON visor can read: {err}", Location(file=str(path))
        ) from err


_encode = dump_compact


Known = dict[tuple[str, str], bool]
"""(namespace, key) → whether its live row exists now, for the keys a batch read or wrote."""


def _write_all(db: sqlite3.Connection, writes: list[Op], now: float, known: Known) -> None:
    """Perform a batch's writes."""
    for write in writes:
        _WRITES[write.kind](db, write, now, known)


_UPDATE = f"UPDATE visor_entries SET value = ?, expires_at = ? WHERE namespace = ? AND key = ? AND {_LIVE}"  # noqa: S608
_UPSERT = (
    "INSERT INTO visor_entries (namespace, key, value, expires_at, seq) VALUES (?, ?, ?, ?, "
    "(SELECT COALESCE(MAX(seq), 0) + 1 FROM visor_entries WHERE namespace = ?)) "
    "ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, "
    "expires_at = excluded.expires_at, "
    "seq = CASE WHEN expires_at IS NULL OR expires_at > ? THEN seq ELSE excluded.seq END"
)


def _put(db: sqlite3.Connection, write: Op, now: float, known: Known) -> None:
    """An overwrite keeps the key's position, a new key goes last, and so does a key whose old
    row had expired: one upsert, or one cheaper UPDATE when the batch saw the live row (an
    increment, an append).  The namespace row comes from a trigger (sqlite_schema)."""
    namespace, key, text, expires = write.namespace, write.key or "", _encode(write.value), write.expires_at
    place = (namespace, key)
    if not (known.get(place) and db.execute(_UPDATE, (text, expires, namespace, key, now)).rowcount):
        db.execute(_UPSERT, (namespace, key, text, expires, namespace, now))
    known[place] = True


def _delete(db: sqlite3.Connection, write: Op, now: float, known: Known) -> None:
    db.execute("DELETE FROM visor_entries WHERE namespace = ? AND key = ?", (write.namespace, write.key))
    known[write.namespace, write.key or ""] = False


def _clear(db: sqlite3.Connection, write: Op, now: float, known: Known) -> None:
    db.execute("DELETE FROM visor_entries WHERE namespace = ?", (write.namespace,))
    db.execute("DELETE FROM visor_namespaces WHERE name = ?", (write.namespace,))
    for place in known:
        if place[0] == write.namespace:
            known[place] = False


_WRITES: dict[str, Callable[[sqlite3.Connection, Op, float, Known], None]] = {
    "set": _put,
    "delete": _delete,
    "clear": _clear,
}
"""Resolved write kind (see ``ops.plan``) → its SQL."""


def new_sqlite_store(
    config: StoreSettings, base_dir: Path, clock: Callable[[], float] = time.time, **_: Any
) -> SqliteStore:
    """Registry factory for ``storage: sqlite``; ``file`` is relative to ``base_dir``."""
    if not config.file:
        raise StoreError("storage 'sqlite' needs a file")
    return SqliteStore(store_target(base_dir / config.file, writes=True), clock=clock)
