"""The SQLite backend: stdlib ``sqlite3`` in WAL mode, one operation per transaction.

Every write runs inside ``BEGIN IMMEDIATE`` (the read-modify-write of
``append`` and ``increment`` included), so concurrent processes interleave
without losing updates; the busy timeout makes them wait for each other
instead of failing.  ``transaction()`` widens one such transaction around
several operations.

Layout: ``visor_entries`` holds every key (namespace, key, JSON text, expiry,
insertion sequence); ``visor_namespaces`` keeps namespaces listed in creation
order, empty ones included; ``visor_meta`` records the schema version.  An
overwrite updates the row in place, so a key keeps its position.
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
from visor_mem.store.ops import Entry, Op, OpMethods, plan, writes_anything
from visor_mem.store.paths import store_target
from visor_mem.store.semantics import Quotas

SCHEMA_VERSION = "1"
BUSY_TIMEOUT_S = 60.0

_SCHEMA = """
CREATE TABLE visor_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE visor_namespaces (name TEXT PRIMARY KEY, seq INTEGER NOT NULL);
CREATE TABLE visor_entries (
    namespace TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    expires_at REAL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (namespace, key)
);
CREATE INDEX visor_entries_order ON visor_entries (namespace, seq);
CREATE INDEX visor_entries_expiry ON visor_entries (expires_at) WHERE expires_at IS NOT NULL;
"""

_FEED_SCHEMA = "CREATE TABLE visor_changes (rev INTEGER PRIMARY KEY, namespace TEXT NOT NULL, key TEXT)"
"""The change feed (see ``changes_since``); added to databases made before it existed."""

_EXPECTED_COLUMNS = {
    "visor_meta": ["name", "value"],
    "visor_namespaces": ["name", "seq"],
    "visor_entries": ["namespace", "key", "value", "expires_at", "seq"],
}

_LIVE = "(expires_at IS NULL OR expires_at > ?)"


def _encode(value: JSON) -> str:
    return dump_compact(value)


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


class SqliteStore(OpMethods):
    """A store in one SQLite database file."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self._clock = clock
        # One connection shared by the engine's worker threads; the lock
        # serialises them and makes a transaction belong to one thread.
        self._lock = threading.RLock()
        self._depth = 0
        self._db = _connect(path)
        try:
            _prepare(self._db, path)
        except BaseException:
            self._db.close()
            raise

    # -- reads -------------------------------------------------------------

    def get(self, key: str, namespace: str) -> JSON:
        row = self._row(key, namespace)
        return None if row is None else _decode(row[0], namespace, key, self.path)

    def has(self, key: str, namespace: str) -> bool:
        return self._row(key, namespace) is not None

    def keys(self, namespace: str) -> list[str]:
        return [key for key, _ in self._entries(namespace)]

    def get_all(self, namespace: str) -> dict[str, JSON]:
        return {key: _decode(text, namespace, key, self.path) for key, text in self._entries(namespace)}

    def namespaces(self) -> list[str]:
        with self._reading() as db:
            rows = db.execute("SELECT name FROM visor_namespaces ORDER BY seq").fetchall()
        return [name for (name,) in rows]

    def dump(self) -> Dump:
        with self._reading():  # one snapshot for the whole dump
            return {ns: self.get_all(ns) for ns in self.namespaces()}

    # -- writes ------------------------------------------------------------

    def apply(self, batch: Sequence[Op], quotas: Quotas | None = None) -> list[JSON]:
        """Plan and write the batch in one transaction (a read snapshot when it only reads)."""
        with self._writing() if writes_anything(batch) else self._reading() as db:
            results, writes = plan(batch, self, self._clock(), quotas)
            for write in writes:
                _WRITES[write.kind](db, write)
            if writes:
                _record_changes(db, writes)
        return results

    # -- what other processes see: the change feed and the exclusive section ----------

    def revision(self) -> int:
        """The number of the last recorded write (every process's)."""
        with self._reading() as db:
            return int(db.execute("SELECT COALESCE(MAX(rev), 0) FROM visor_changes").fetchone()[0])

    def changes_since(self, revision: int) -> list[tuple[str, str | None]] | None:
        """``(namespace, key)`` written after ``revision`` (key None: cleared), oldest first;
        None when the feed no longer reaches back that far."""
        with self._reading() as db:
            rows = db.execute(
                "SELECT rev, namespace, key FROM visor_changes WHERE rev > ? ORDER BY rev", (revision,)
            ).fetchall()
        if rows and rows[0][0] != revision + 1:
            return None
        return [(namespace, key) for _, namespace, key in rows]

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """A section during which no other process writes: one BEGIN IMMEDIATE around it.

        Reads inside see every other process's committed writes; batches
        applied inside join the transaction, committed when the section ends
        (rolled back if it raises).
        """
        with self._writing():
            yield

    def entry(self, namespace: str, key: str) -> Entry | None:
        """The live entry (the ``ops.Reader`` view)."""
        row = self._row(key, namespace)
        return None if row is None else Entry(_decode(row[0], namespace, key, self.path), row[1])

    def count(self, namespace: str) -> int:
        """Live keys of a namespace."""
        with self._reading() as db:
            row = db.execute(
                f"SELECT COUNT(*) FROM visor_entries WHERE namespace = ? AND {_LIVE}",  # noqa: S608
                (namespace, self._clock()),
            ).fetchone()
        return int(row[0])

    # -- transactions and durability ----------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._writing():
            yield

    def commit(self) -> None:
        """Every operation is already committed; SQLite's auto-checkpoint folds the WAL back.

        (A checkpoint per step cost about 0.5 ms, more than the operation itself.)
        """

    def close(self) -> None:
        with self._lock:
            with suppress(sqlite3.Error):  # another process may still read: best effort
                self._db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            self._db.close()

    def check(self) -> None:
        """Integrity check of the database file; StoreError with SQLite's reason."""
        with self._reading() as db:
            problems = [row[0] for row in db.execute("PRAGMA integrity_check").fetchall()]
        if problems != ["ok"]:
            raise StoreError(f"{self.path}: integrity check failed: {problems[0]}")

    # -- helpers -------------------------------------------------------------

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (BEGIN IMMEDIATE), or the one already open."""
        with self._lock, _errors(self.path):
            if self._depth:
                yield from self._joined()
                return
            self._db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                self._purge_expired()
                yield self._db
            except BaseException:
                self._end("ROLLBACK")
                raise
            else:
                self._end("COMMIT")
            finally:
                self._depth = 0

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """A read snapshot, or the transaction already open."""
        with self._lock, _errors(self.path):
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

    def _row(self, key: str, namespace: str) -> tuple[str, float | None] | None:
        with self._reading() as db:
            row = db.execute(
                f"SELECT value, expires_at FROM visor_entries WHERE namespace = ? AND key = ? AND {_LIVE}",  # noqa: S608
                (namespace, key, self._clock()),
            ).fetchone()
        return None if row is None else (row[0], row[1])

    def _entries(self, namespace: str) -> list[tuple[str, str]]:
        with self._reading() as db:
            rows = db.execute(
                f"SELECT key, value FROM visor_entries WHERE namespace = ? AND {_LIVE} ORDER BY seq",  # noqa: S608
                (namespace, self._clock()),
            ).fetchall()
        return [(key, value) for key, value in rows]

    def _purge_expired(self) -> None:
        """Expired keys are invisible to reads; each write transaction deletes them."""
        self._db.execute(
            "DELETE FROM visor_entries WHERE expires_at IS NOT NULL AND expires_at <= ?",
            (self._clock(),),
        )


def _put(db: sqlite3.Connection, write: Op) -> None:
    namespace, key = write.namespace, write.key
    db.execute(
        "INSERT OR IGNORE INTO visor_namespaces (name, seq) "
        "VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM visor_namespaces))",
        (namespace,),
    )
    db.execute(
        "INSERT INTO visor_entries (namespace, key, value, expires_at, seq) VALUES (?, ?, ?, ?, "
        "(SELECT COALESCE(MAX(seq), 0) + 1 FROM visor_entries WHERE namespace = ?)) "
        "ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, "
        "expires_at = excluded.expires_at",
        (namespace, key, _encode(write.value), write.expires_at, namespace),
    )


def _delete(db: sqlite3.Connection, write: Op) -> None:
    db.execute("DELETE FROM visor_entries WHERE namespace = ? AND key = ?", (write.namespace, write.key))


def _clear(db: sqlite3.Connection, write: Op) -> None:
    db.execute("DELETE FROM visor_entries WHERE namespace = ?", (write.namespace,))
    db.execute("DELETE FROM visor_namespaces WHERE name = ?", (write.namespace,))


FEED_KEEP = 4096
"""Changes kept in ``visor_changes``: a reader further behind reloads everything."""


def _record_changes(db: sqlite3.Connection, writes: list[Op]) -> None:
    db.executemany(
        "INSERT INTO visor_changes (namespace, key) VALUES (?, ?)",
        [(write.namespace, write.key) for write in writes],
    )
    db.execute(
        "DELETE FROM visor_changes WHERE rev <= (SELECT MAX(rev) FROM visor_changes) - ?", (FEED_KEEP,)
    )


_WRITES: dict[str, Callable[[sqlite3.Connection, Op], None]] = {
    "set": _put,
    "delete": _delete,
    "clear": _clear,
}
"""Resolved write kind (see ``ops.plan``) → its SQL."""


@contextmanager
def _errors(path: Path) -> Iterator[None]:
    """SQLite errors become one-line StoreErrors naming the file."""
    try:
        yield
    except sqlite3.Error as err:
        raise StoreError(f"{path}: {err}") from err


def _connect(path: Path) -> sqlite3.Connection:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves.
        return sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
    except (OSError, sqlite3.Error) as err:
        raise StoreError(f"{path}: cannot open SQLite database: {err}") from err


def _prepare(db: sqlite3.Connection, path: Path) -> None:
    """Check (or create) the schema, then switch to WAL.

    The schema is read before anything is written, so a file that is not a
    visor database is left byte-identical.
    """
    with _errors(path):
        try:
            tables = _tables(db)
        except sqlite3.DatabaseError as err:
            raise StoreError(f"{path}: not a SQLite database ({err})") from err
        if tables:
            _check_schema(db, path, tables)
        db.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL: a commit survives a killed process; only power loss can
        # drop the last commits, and never corrupts the file.
        db.execute("PRAGMA synchronous=NORMAL")
        if not tables:
            _create_schema(db)
        elif "visor_changes" not in tables:
            _add_feed(db)


def _add_feed(db: sqlite3.Connection) -> None:
    """A database made before the change feed gets its table (another process may race us)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        if "visor_changes" not in _tables(db):
            db.execute(_FEED_SCHEMA)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _tables(db: sqlite3.Connection) -> set[str]:
    rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for (name,) in rows}


def _check_schema(db: sqlite3.Connection, path: Path, tables: set[str]) -> None:
    for table, columns in _EXPECTED_COLUMNS.items():
        if table not in tables:
            raise StoreError(f"{path}: not a visor memory database (no table '{table}')")
        found = [row[1] for row in db.execute(f"PRAGMA table_info({table})").fetchall()]
        if found != columns:
            raise StoreError(f"{path}: table '{table}' has columns {found}, expected {columns}")
    row = db.execute("SELECT value FROM visor_meta WHERE name = 'schema_version'").fetchone()
    if row is None or row[0] != SCHEMA_VERSION:
        version = None if row is None else row[0]
        raise StoreError(f"{path}: schema version {version}, expected {SCHEMA_VERSION}")


def _create_schema(db: sqlite3.Connection) -> None:
    db.execute("BEGIN IMMEDIATE")
    try:
        if not _tables(db):  # another process may have created it meanwhile
            for statement in [*_SCHEMA.split(";"), _FEED_SCHEMA]:
                if statement.strip():
                    db.execute(statement)
            db.execute("INSERT INTO visor_meta (name, value) VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def new_sqlite_store(
    config: StoreSettings, base_dir: Path, clock: Callable[[], float] = time.time, **_: Any
) -> SqliteStore:
    """Registry factory for ``storage: sqlite``; ``file`` is relative to ``base_dir``."""
    if not config.file:
        raise StoreError("storage 'sqlite' needs a file")
    return SqliteStore(store_target(base_dir / config.file, writes=True), clock=clock)
