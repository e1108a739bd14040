"""The SQLite backend's schema: creation, checks and upgrades, and the connection.

Layout: ``visor_entries`` holds every key (namespace, key, JSON text, expiry,
insertion sequence); ``visor_namespaces`` keeps namespaces listed in creation
order, empty ones included; ``visor_meta`` records the schema version.  A
``visor_feed`` table (a change feed older versions wrote) is left alone.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from visor_mem.errors import StoreError

SCHEMA_VERSION = "1"
BUSY_TIMEOUT_S = 60.0
PAGE_SIZE = 1024
WAL_CHECKPOINT_PAGES = 10_000

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

_ADDITIONS = {
    "visor_entries_namespace": (
        "CREATE TRIGGER visor_entries_namespace AFTER INSERT ON visor_entries BEGIN "
        "INSERT OR IGNORE INTO visor_namespaces (name, seq) "
        "VALUES (new.namespace, (SELECT COALESCE(MAX(seq), 0) + 1 FROM visor_namespaces)); END"
    ),
}
"""Added after schema version 1 (to older databases when opened): the trigger that lists a
key's namespace."""

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
            _create_schema(db)
        elif _missing(db):
            _add_missing(db)


def _missing(db: sqlite3.Connection) -> list[str]:
    rows = db.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')").fetchall()
    present = {name for (name,) in rows}
    return [name for name in _ADDITIONS if name not in present]


def _add_missing(db: sqlite3.Connection) -> None:
    """A database made before the additions gets them (another process may race us)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        for name in _missing(db):
            db.execute(_ADDITIONS[name])
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
            for statement in [*_SCHEMA.split(";"), *_ADDITIONS.values()]:
                if statement.strip():
                    db.execute(statement)
            db.execute("INSERT INTO visor_meta (name, value) VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
