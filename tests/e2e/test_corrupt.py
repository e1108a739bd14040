"""A store that does not parse stops ``visor run`` (and ``visor memory check``) with exit 2
and one line naming the file, without a traceback, and no byte of any file changes."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e import snapshot, visor, write
from visor_mem.store.journal import digest

WRITE = """\
    version: "1.0"
    memory: {{storage: {storage}, format: {fmt}, file: {file}}}
    steps:
      w: {{type: memory, operation: set, key: a, value: 1}}
"""

GOOD_JSON = b'{\n  "default": {\n    "a": 0\n  }\n}\n'


def _journal(*lines: bytes) -> bytes:
    """A journal for GOOD_JSON (its header names that file) followed by ``lines``."""
    header = json.dumps({"base": digest(GOOD_JSON)}).encode()
    return b"\n".join([header, *lines]) + b"\n"


def _other_sqlite_database() -> bytes:
    """The bytes of a valid SQLite file that some other program made."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE users (name TEXT)")
    data = db.serialize()
    db.close()
    return data


@dataclass(frozen=True)
class Case:
    name: str
    storage: str
    fmt: str
    files: dict[str, bytes]  # what is in the folder before the run
    culprit: str  # the file the message must name
    reason: str  # a part of the message


CASES = [
    Case("torn json", "file", "json", {"m.json": b'{"default": {"a": 1,'}, "m.json", "cannot read"),
    Case("json not an object", "file", "json", {"m.json": b"[1, 2]\n"}, "m.json", "cannot read"),
    Case(
        "csv bad type",
        "file",
        "csv",
        {"m.csv": b"namespace,key,value,type\ndefault,a,1,bogus\n"},
        "m.csv",
        "unknown type 'bogus'",
    ),
    Case("csv bad header", "file", "csv", {"m.csv": b"name,value\nx,1\n"}, "m.csv", "expected 4 fields"),
    Case(
        "journal with a damaged line",
        "file",
        "json",
        {"m.json": GOOD_JSON, ".m.json.journal": _journal(b'[["set","default","b",2,null]]', b"not json")},
        ".m.json.journal",
        "unreadable journal line",
    ),
    Case(
        "journal without a header",
        "file",
        "json",
        {"m.json": GOOD_JSON, ".m.json.journal": b"garbage\n"},
        ".m.json.journal",
        "cannot read",
    ),
    Case(
        "text given to sqlite", "sqlite", "json", {"m.db": b"not a database\n" * 100}, "m.db", "not a SQLite"
    ),
    Case(
        "another program's sqlite",
        "sqlite",
        "json",
        {"m.db": _other_sqlite_database()},
        "m.db",
        "not a visor",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_a_corrupt_store_stops_the_run_and_stays_as_it_was(tmp_path: Path, case: Case) -> None:
    store = next(name for name in case.files if not name.startswith("."))
    config = write(tmp_path, "run.yaml", WRITE.format(storage=case.storage, fmt=case.fmt, file=store))
    for name, data in case.files.items():
        (tmp_path / name).write_bytes(data)
    before = snapshot(tmp_path)
    for command in (["run", "-o", "json", "--lock-timeout", "5"], ["memory", "check", "-c"]):
        ran = visor(*command, config, cwd=tmp_path)
        assert ran.returncode == 2
        _assert_stdout(command, ran.stdout, ran.stderr)
        assert len(ran.stderr.splitlines()) == 1, ran.stderr  # one line: no traceback
        assert str(tmp_path / case.culprit) in ran.stderr
        assert case.reason in ran.stderr
        after = snapshot(tmp_path)
        assert {name: after[name] for name in before} == before  # no byte changed
        assert set(after) - set(before) <= {f".{store}.lock"}  # only the lock sidecar may appear


def _assert_stdout(command: list[str], stdout: str, stderr: str) -> None:
    """Nothing on stdout; under -o json, the error as one JSON document (the stderr line)."""
    if "-o" not in command:
        assert stdout == ""
        return
    document = json.loads(stdout)
    assert document["ok"] is False
    assert document["error"]["message"] == stderr.strip()
