"""The SQLite backend's schema: creation, checks and upgrades, and the connection.

Layout: ``visor_entries`` holds every key (namespace, key, JSON text, expiry,
insertion sequence); ``visor_namespaces`` keeps namespaces listed in creation
order, empty ones included; ``visor_meta`` records the schema version.  A
``visor_feed`` table (a change feed older versions wrote) is left alone.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from visor_mem.errors import StoreError

SCHEMA_VERSION = "2"
UPGRADABLE = "1"
"""A database of this version is upgraded in place when opened (``_upgrade``)."""
BUSY_TIMEOUT_S = 60.0
PAGE_SIZE = 1024
WAL_CHECKPOINT_PAGES = 10_000

_ENTRIES = """
CREATE TABLE {name} (
    namespace TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    expires_at REAL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (namespace, key)
) WITHOUT ROWID
"""
"""Version 2: the rows live in the primary-key b-tree itself (version 1 had a rowid table plus
a separate primary-key index), so a commit that adds a key writes one page fewer to the WAL."""

_ENTRY_INDEXES = [
    "CREATE INDEX visor_entries_order ON visor_entries (namespace, seq)",
    "CREATE INDEX visor_entries_expiry ON visor_entries (expires_at) WHERE expires_at IS NOT NULL",
    "CREATE TRIGGER visor_entries_namespace AFTER INSERT ON visor_entries BEGIN "
    "INSERT OR IGNORE INTO visor_namespaces (name, seq) "
    "VALUES (new.namespace, (SELECT COALESCE(MAX(seq), 0) + 1 FROM visor_namespaces)); END",
]
"""The insertion order, the purge's index, and the trigger that lists a key's namespace."""

_SCHEMA = [
    "CREATE TABLE visor_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE visor_namespaces (name TEXT PRIMARY KEY, seq INTEGER NOT NULL)",
    _ENTRIES.format(name="visor_entries"),
    *_ENTRY_INDEXES,
]

_EXPECTED_COLUMNS = {
    "visor_meta": ["name", "value"],
    "visor_namespaces": ["name", "seq"],
    "visor_entries": ["namespace", "key", "value", "expires_at", "seq"],
}


@contextmanager
def errors(path: Path) -> Iterator[None]:
    """SQLite errors become one-line StoreErrors naming the file."""
    try:
        yield
    except sqlite3.Error as err:
        raise StoreError(f"{path}: {err}") from err


def connect(path: Path) -> sqlite3.Connection:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves.
        return sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
    except (OSError, sqlite3.Error) as err:
        raise StoreError(f"{path}: cannot open SQLite database: {err}") from err


def prepare(db: sqlite3.Connection, path: Path) -> None:
    """Check (or create) the schema, then switch to WAL.

    The schema is read before anything is written, so a file that is not a
    visor database is left byte-identical.
    """
    with errors(path):
        try:
            tables = _tables(db)
        except sqlite3.DatabaseError as err:
            raise StoreError(f"{path}: not a SQLite database ({err})") from err
        if tables:
            _check_schema(db, path, tables)
        else:  # small pages: a commit writes each page it touched to the WAL (bench/store.py)
            db.execute(f"PRAGMA page_size={PAGE_SIZE}")
        db.execute("PRAGMA journal_mode=WAL")
        # A checkpoint syncs the file: fewer, larger ones keep the cost of a commit low.
        db.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
        # WAL + NORMAL: a commit survives a killed process; only power loss can
        # drop the last commits, and never corrupts the file.
        db.execute("PRAGMA synchronous=NORMAL")
        if not tables:
            _in_transaction(db, _create_schema)
        elif _version(db) == UPGRADABLE:
            _in_transaction(db, _upgrade)


def _in_transaction(db: sqlite3.Connection, change: Callable[[sqlite3.Connection], None]) -> None:
    """``change`` in one write transaction: all of it, or (an error, a killed process) none."""
    db.execute("BEGIN IMMEDIATE")
    try:
        change(db)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _tables(db: sqlite3.Connection) -> set[str]:
    rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for (name,) in rows}


def _version(db: sqlite3.Connection) -> str | None:
    row = db.execute("SELECT value FROM visor_meta WHERE name = 'schema_version'").fetchone()
    return None if row is None else str(row[0])


def _check_schema(db: sqlite3.Connection, path: Path, tables: set[str]) -> None:
    for table, columns in _EXPECTED_COLUMNS.items():
        if table not in tables:
            raise StoreError(f"{path}: not a visor memory database (no table '{table}')")
        found = [row[1] for row in db.execute(f"PRAGMA table_info({table})").fetchall()]
        if found != columns:
            raise StoreError(f"{path}: table '{table}' has columns {found}, expected {columns}")
    version = _version(db)
    if version not in (SCHEMA_VERSION, UPGRADABLE):
        raise StoreError(f"{path}: schema version {version}, expected {SCHEMA_VERSION}")


def _create_schema(db: sqlite3.Connection) -> None:
    if _tables(db):  # another process created it meanwhile
        return
    for statement in _SCHEMA:
        db.execute(statement)
    db.execute("INSERT INTO visor_meta (name, value) VALUES ('schema_version', ?)", (SCHEMA_VERSION,))


def _upgrade(db: sqlite3.Connection) -> None:
    """Version 1 to 2: the entries move to a WITHOUT ROWID table, order and expiries kept.

    A ``visor_feed`` table (the change feed version 1 wrote) is left alone: a
    process of an older version still running on the file goes on writing it.
    """
    if _version(db) != UPGRADABLE:  # another process upgraded it meanwhile
        return
    db.execute(_ENTRIES.format(name="visor_entries_v2"))
    db.execute(
        "INSERT INTO visor_entries_v2 (namespace, key, value, expires_at, seq) "
        "SELECT namespace, key, value, expires_at, seq FROM visor_entries"
    )
    db.execute("DROP TABLE visor_entries")  # its indexes and trigger go with it
    db.execute("ALTER TABLE visor_entries_v2 RENAME TO visor_entries")
    for statement in _ENTRY_INDEXES:
        db.execute(statement)
    db.execute("UPDATE visor_meta SET value = ? WHERE name = 'schema_version'", (SCHEMA_VERSION,))
