"""Store paths that are not regular files, symlinks, read-only stores (issue 10): exit 2 naming
the path, never a hang, never a replaced device or target, nothing written."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.hostile.table import Case, run_and_check

CONFIG = """\
    version: "1.0"
    memory: {{storage: file, file: {file}{extra}}}
    steps:
      w: {{type: memory, operation: set, key: a, value: 1}}
"""
STORE = b'{\n  "default": {\n    "a": 0\n  }\n}'


def _config(file: str = "m.json", extra: str = "") -> dict[str, bytes | str]:
    return {"c.yaml": CONFIG.format(file=file, extra=extra)}


def _device(name: str) -> Callable[[Path], None]:
    """A character device like /dev/null (1, 3), made in the test's folder: never the real one."""
    return lambda folder: os.mknod(folder / name, stat.S_IFCHR | 0o666, os.makedev(1, 3))


def _fifo(name: str) -> Callable[[Path], None]:
    return lambda folder: os.mkfifo(folder / name)


def _folder(name: str) -> Callable[[Path], None]:
    return lambda folder: (folder / name).mkdir()


def _symlink(name: str, target: str) -> Callable[[Path], None]:
    return lambda folder: (folder / name).symlink_to(target)


def _read_only(name: str) -> Callable[[Path], None]:
    return lambda folder: (folder / name).chmod(0o444)


RUN = ("run", "c.yaml", "-o", "json")

CASES = [
    Case(
        "character device via --store",
        (*RUN, "--store", "file:dev"),
        2,
        "is a character device",
        _config(),
        setup=_device("dev"),
    ),
    Case(
        "character device in the config",
        RUN,
        2,
        "dev: the memory store is a character device",
        _config("dev"),
        setup=_device("dev"),
    ),
    Case("FIFO store", RUN, 2, "is a FIFO", _config(), setup=_fifo("m.json"), timeout=15),
    Case(
        "FIFO journal",
        RUN,
        2,
        ".m.json.journal: the journal is a FIFO",
        _config(),
        setup=_fifo(".m.json.journal"),
        timeout=15,
    ),
    Case(
        "FIFO metadata",
        RUN,
        2,
        ".m.json.meta: the metadata sidecar is a FIFO",
        _config(),
        setup=_fifo(".m.json.meta"),
        timeout=15,
    ),
    Case(
        "FIFO lock",
        RUN,
        2,
        ".m.json.lock: the lock file is a FIFO",
        _config(),
        setup=_fifo(".m.json.lock"),
        timeout=15,
    ),
    Case("folder store", RUN, 2, "d: the memory store is a folder", _config("d"), setup=_folder("d")),
    Case("file: /", RUN, 2, "/: the memory store is a folder", _config("/")),
    Case("--store file:/", (*RUN, "--store", "file:/"), 2, "", _config()),
    Case(
        "folder journal",
        RUN,
        2,
        ".m.json.journal: the journal is a folder",
        {**_config(), "m.json": STORE},
        ("m.json",),
        _folder(".m.json.journal"),
    ),
    Case(
        "folder lock",
        RUN,
        2,
        ".m.json.lock: the lock file is a folder",
        {**_config(), "m.json": STORE},
        ("m.json",),
        _folder(".m.json.lock"),
    ),
    Case(
        "lock symlink to a file",
        RUN,
        2,
        ".m.json.lock: the lock file is a symlink",
        {**_config(), "victim": b"keep me\n"},
        ("victim",),
        _symlink(".m.json.lock", "victim"),
    ),
    Case(
        "journal symlink to a file",
        RUN,
        2,
        ".m.json.journal: the journal is a symlink",
        {**_config(), "victim": b"keep me\n"},
        ("victim",),
        _symlink(".m.json.journal", "victim"),
    ),
    Case(
        "chmod 444 store",
        RUN,
        2,
        "read-only (-r--r--r--)",
        {**_config(), "m.json": STORE},
        ("m.json",),
        _read_only("m.json"),
    ),
    Case(
        "auto_load false over a torn store",
        RUN,
        2,
        "m.json:1: cannot read",
        {**_config(extra=", auto_load: false"), "m.json": b'{"default": {"a": 1'},
        ("m.json",),
    ),
    Case(
        "store in a path under a file",
        RUN,
        2,
        "f/m.json: cannot open the memory store: Not a directory",
        {**_config("f/m.json"), "f": b"x"},
        ("f",),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_hostile_store_path(case: Case, tmp_path: Path) -> None:
    outcome = run_and_check(case, tmp_path)
    assert len(outcome.stderr.splitlines()) == 1, outcome.stderr
    devices = [p for p in tmp_path.iterdir() if p.name == "dev"]
    assert all(stat.S_ISCHR(p.lstat().st_mode) for p in devices)  # the device was not replaced


def test_a_symlinked_store_updates_its_target(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    case = Case(
        "symlinked store",
        ("run", "c.yaml"),
        0,
        "",
        {**_config(), "real/t.json": STORE},
        setup=_symlink("m.json", "real/t.json"),
    )
    run_and_check(case, tmp_path)
    assert (tmp_path / "m.json").is_symlink()
    assert b'"a": 1' in (tmp_path / "real" / "t.json").read_bytes()
    assert (tmp_path / "real" / ".t.json.lock").is_file()  # the sidecars live beside the target


SQLITE = {"s.yaml": 'version: "1.0"\nsteps:\n  w: {type: memory, operation: set, key: a, value: 1}\n'}
SQLITE_CASES = [
    Case(
        "sqlite FIFO",
        ("run", "s.yaml", "--store", "sqlite:x.db"),
        2,
        "x.db: the memory store is a FIFO",
        SQLITE,
        setup=_fifo("x.db"),
        timeout=15,
    ),
    Case(
        "sqlite device",
        ("run", "s.yaml", "--store", "sqlite:dev"),
        2,
        "is a character device",
        SQLITE,
        setup=_device("dev"),
    ),
    Case(
        "sqlite folder",
        ("run", "s.yaml", "--store", "sqlite:d"),
        2,
        "d: the memory store is a folder",
        SQLITE,
        setup=_folder("d"),
    ),
    Case(
        "sqlite chmod 444",
        ("run", "s.yaml", "--store", "sqlite:x.db"),
        2,
        "read-only",
        {**SQLITE, "x.db": b""},
        ("x.db",),
        _read_only("x.db"),
    ),
]


@pytest.mark.parametrize("case", SQLITE_CASES, ids=lambda c: c.id)
def test_hostile_sqlite_path(case: Case, tmp_path: Path) -> None:
    run_and_check(case, tmp_path)
