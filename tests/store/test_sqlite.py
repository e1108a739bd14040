"""What the SQLite backend adds to the conformance battery: files, schema, WAL, purge."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from visor_mem.config.models import MemoryConfig
from visor_mem.errors import StoreError
from visor_mem.store import open_store
from visor_mem.store.sqlite import SqliteStore, new_sqlite_store


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_relative_file_is_resolved_against_base_dir(tmp_path: Path) -> None:
    store = open_store(MemoryConfig(storage="sqlite", file="sub/m.db"), tmp_path)
    store.set("k", 1, "ns")
    store.close()
    assert (tmp_path / "sub" / "m.db").is_file()


def test_database_is_in_wal_mode(tmp_path: Path) -> None:
    SqliteStore(tmp_path / "m.db").close()
    with sqlite3.connect(tmp_path / "m.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@dataclass(frozen=True)
class Broken:
    id: str
    content: bytes | None  # raw bytes of the file, or None: build with sql
    sql: str
    message: str


BROKEN = [
    Broken("text-file", b"namespace,key,value,type\ndefault,a,1,number\n", "", "not a SQLite database"),
    Broken("json-file", b'{"default": {"a": 1}}', "", "not a SQLite database"),
    Broken("other-app", None, "CREATE TABLE users (id INTEGER)", "no table 'visor_meta'"),
    Broken(
        "wrong-columns",
        None,
        "CREATE TABLE visor_meta (name TEXT, value TEXT); CREATE TABLE visor_namespaces (name TEXT);"
        "CREATE TABLE visor_entries (namespace TEXT)",
        "table 'visor_namespaces' has columns",
    ),
    Broken(
        "future-version",
        None,
        "CREATE TABLE visor_meta (name TEXT, value TEXT); CREATE TABLE visor_namespaces (name TEXT, seq INT);"
        "CREATE TABLE visor_entries (namespace TEXT, key TEXT, value TEXT, expires_at REAL, seq INT);"
        "INSERT INTO visor_meta VALUES ('schema_version', '99')",
        "schema version 99, expected 2",
    ),
]


@pytest.mark.parametrize("case", BROKEN, ids=[c.id for c in BROKEN])
def test_a_foreign_file_is_refused_and_left_byte_identical(tmp_path: Path, case: Broken) -> None:
    path = tmp_path / "m.db"
    if case.content is not None:
        path.write_bytes(case.content)
    else:
        with sqlite3.connect(path) as db:
            db.executescript(case.sql)
        db.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match=case.message) as caught:
        SqliteStore(path)
    assert str(path) in str(caught.value)
    assert "\n" not in str(caught.value)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.db"]  # no -wal / -shm left behind


def test_an_unopenable_path_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "dir.db").mkdir()
    with pytest.raises(StoreError, match="dir.db"):
        SqliteStore(tmp_path / "dir.db")


def test_an_empty_file_becomes_a_new_store(tmp_path: Path) -> None:
    (tmp_path / "m.db").touch()
    store = SqliteStore(tmp_path / "m.db")
    store.set("k", 1, "ns")
    assert store.dump() == {"ns": {"k": 1}}
    store.close()


def test_expired_rows_are_purged_from_the_file(tmp_path: Path) -> None:
    clock = Clock()
    store = SqliteStore(tmp_path / "m.db", clock=clock)
    store.set("short", 1, "ns", ttl=5)
    store.set("long", 1, "ns", ttl=50)
    clock.now += 10
    store.set("other", 1, "ns2")  # a store that wrote purges when it closes (and every so often)
    store.close()
    with sqlite3.connect(tmp_path / "m.db") as db:
        keys = [row[0] for row in db.execute("SELECT key FROM visor_entries ORDER BY namespace, seq")]
    assert keys == ["long", "other"]


def test_ttl_survives_reopen(tmp_path: Path) -> None:
    clock = Clock()
    store = SqliteStore(tmp_path / "m.db", clock=clock)
    store.set("k", 1, "ns", ttl=5)
    store.close()
    store = SqliteStore(tmp_path / "m.db", clock=clock)
    assert store.get("k", "ns") == 1
    clock.now += 6
    assert store.get("k", "ns") is None
    store.close()


def test_two_connections_see_each_others_commits(tmp_path: Path) -> None:
    first, second = SqliteStore(tmp_path / "m.db"), SqliteStore(tmp_path / "m.db")
    first.increment("n", 1, "ns")
    second.increment("n", 1, "ns")
    assert first.get("n", "ns") == 2
    first.close()
    second.close()


def test_threads_sharing_one_store_lose_no_update(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "m.db")

    def work() -> None:
        for _ in range(200):
            store.increment("n", 1, "ns")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.get("n", "ns") == 800
    store.close()


def test_check_passes_on_a_healthy_store_and_commit_checkpoints(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "m.db")
    store.set("k", 1, "ns")
    store.commit()
    store.check()
    store.close()


def _damaged_store(path: Path, first_page: int, last_page: int) -> None:
    """A store of 500 keys whose pages [first, last) are overwritten with garbage."""
    store = SqliteStore(path)
    for n in range(500):
        store.set(f"key-{n}", "x" * 100, "ns")
    store.close()  # the last connection folds the WAL into the file
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")  # the header's page size
    data[first_page * page : last_page * page] = b"\xff" * (last_page - first_page) * page
    path.write_bytes(bytes(data))


def test_damaged_schema_pages_fail_at_open(tmp_path: Path) -> None:
    _damaged_store(tmp_path / "m.db", 2, 4)
    with pytest.raises(StoreError, match=f"{tmp_path / 'm.db'}: .*database disk image is malformed"):
        SqliteStore(tmp_path / "m.db")


def test_damaged_data_pages_fail_check_and_reads(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    _damaged_store(path, 27, 29)
    store = SqliteStore(path)
    with pytest.raises(StoreError, match=f"{path}: "):
        store.check()
    with pytest.raises(StoreError, match=f"{path}: "):
        store.dump()
    store.close()


def test_factory_needs_a_file(tmp_path: Path) -> None:
    config = MemoryConfig.model_construct(storage="sqlite", file=None)
    with pytest.raises(StoreError, match="needs a file"):
        new_sqlite_store(config, tmp_path)


VERSION_1 = """
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
INSERT INTO visor_meta VALUES ('schema_version', '1');
INSERT INTO visor_namespaces VALUES ('b', 1), ('empty', 2), ('a', 3);
INSERT INTO visor_entries VALUES
    ('a', 'z', '"last"', NULL, 7), ('a', 'y', '{"n":[1,2]}', NULL, 3), ('a', 'old', '1', 900.0, 5),
    ('b', 'k', '"\u00e9\u2603"', 5000.0, 1);
"""
"""A version-1 database as visor 0.2 wrote it (the trigger and the feed were added later)."""

FEED_AND_TRIGGER = """
CREATE TABLE visor_feed (rev INTEGER PRIMARY KEY, places TEXT NOT NULL);
INSERT INTO visor_feed (places) VALUES ('[["a","z"]]');
CREATE TRIGGER visor_entries_namespace AFTER INSERT ON visor_entries BEGIN
INSERT OR IGNORE INTO visor_namespaces (name, seq)
VALUES (new.namespace, (SELECT COALESCE(MAX(seq), 0) + 1 FROM visor_namespaces)); END;
"""


def _version_1(path: Path, extra: str = "") -> None:
    with sqlite3.connect(path) as db:
        db.executescript(VERSION_1 + extra)
    db.close()


def _schema(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL").fetchall()
    db.close()
    return dict(rows)


@pytest.mark.parametrize("extra", ["", FEED_AND_TRIGGER], ids=["as-released", "with-feed-and-trigger"])
def test_a_version_1_database_is_upgraded_with_its_order_and_expiries(tmp_path: Path, extra: str) -> None:
    path = tmp_path / "m.db"
    _version_1(path, extra)
    clock = Clock()
    store = SqliteStore(path, clock=clock)
    assert store.dump() == {"b": {"k": "\u00e9\u2603"}, "empty": {}, "a": {"y": {"n": [1, 2]}, "z": "last"}}
    store.set("old", 2, "a")  # its expired row is replaced: the key goes last
    store.set("y", 3, "a")  # an overwrite keeps its place
    store.set("new", 1, "c")  # the trigger lists the new namespace
    clock.now = 6000.0
    assert store.dump() == {"b": {}, "empty": {}, "a": {"y": 3, "z": "last", "old": 2}, "c": {"new": 1}}
    store.close()
    schema = _schema(path)
    assert "WITHOUT ROWID" in schema["visor_entries"]
    assert {"visor_entries_order", "visor_entries_expiry", "visor_entries_namespace"} <= set(schema)
    assert ("visor_feed" in schema) == bool(extra)  # left alone: an older process may still write it
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT value FROM visor_meta").fetchall() == [("2",)]
    db.close()


def test_a_failed_upgrade_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    _version_1(path, "CREATE TABLE visor_entries_v2 (leftover TEXT);")
    before = _schema(path)
    with pytest.raises(StoreError, match="visor_entries_v2 already exists"):
        SqliteStore(path)
    assert _schema(path) == before
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM visor_entries").fetchone() == (4,)
    db.close()


def test_a_value_that_is_not_json_is_a_store_error(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "m.db")
    store.set("k", 1, "ns")
    with sqlite3.connect(tmp_path / "m.db") as db:
        db.execute("UPDATE visor_entries SET value = 'not json' WHERE key = 'k'")
    for read in (lambda: store.get("k", "ns"), store.dump, lambda: store.increment("k", 1, "ns")):
        with pytest.raises(StoreError, match="the value at ns.k is not JSON visor can read"):
            read()
    store.close()
