"""The file backend: persistence in Visor's layout, journal, recovery, lock, TTL, atomicity."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from visor_mem.config.models import MemoryConfig
from visor_mem.errors import StoreError, StoreLocked
from visor_mem.store import BACKENDS, open_store
from visor_mem.store.file import FileOptions, FileStore, StorePaths
from visor_mem.store.scoped import Memory

FORMATS = ["json", "csv"]
REPO = Path(__file__).resolve().parents[2]


def config(fmt: str = "json", **fields: object) -> MemoryConfig:
    return MemoryConfig(storage="file", file=f"m.{fmt}", format=fmt, **fields)  # type: ignore[arg-type]


def open_file(folder: Path, fmt: str = "json", **options: object) -> FileStore:
    store = open_store(config(fmt), folder, **options)
    assert isinstance(store, FileStore)
    return store


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file's bytes and mtime, except the lock file (which a run always holds)."""
    return {
        p.name: (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.iterdir())
        if not p.name.endswith(".lock")
    }


def run_child(code: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


CRASHING_WRITER = """
    import os, sys
    from pathlib import Path
    from visor_mem.config.models import MemoryConfig
    from visor_mem.store import open_store
    store = open_store(MemoryConfig(storage="file", file="m." + sys.argv[2], format=sys.argv[2]), Path(sys.argv[1]))
    store.set("a", 1, "default")
    store.commit()
    store.set("b", [1, 2], "default")
    store.set("gone", True, "other")
    store.commit()
    store.set("uncommitted", 3, "default")
    os._exit(0)  # dies without close(): the journal is all that is left
"""


@pytest.fixture(params=FORMATS)
def fmt(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_registered_as_the_file_backend(tmp_path: Path) -> None:
    store = BACKENDS["file"](config=MemoryConfig(storage="file", file="m.json"), base_dir=tmp_path)
    try:
        assert isinstance(store, FileStore)
    finally:
        store.close()


def test_path_is_relative_to_the_base_dir(tmp_path: Path) -> None:
    store = open_file(tmp_path / "sub")
    store.set("k", 1, "default")
    store.close()
    assert (tmp_path / "sub" / "m.json").exists()


def test_values_survive_a_reopen(tmp_path: Path, fmt: str) -> None:
    store = open_file(tmp_path, fmt)
    memory = Memory(store)
    memory.set("s", 'text, with "quotes"\nand lines')
    memory.increment("n", 2.5)
    memory.append("l", None)
    memory.set("one", [1])
    memory.set("zero", [])
    memory.set("x", 1, namespace="empty")
    memory.delete("x", namespace="empty")
    memory.set("o", {"nested": [[1, 2], {"a": None}]}, namespace="other")
    expected = store.dump()
    store.close()
    reopened = open_file(tmp_path, fmt)
    assert reopened.dump() == expected
    assert reopened.namespaces() == ["default", "empty", "other"]
    assert reopened.keys("default") == ["s", "n", "l", "one", "zero"]
    reopened.close()


def test_main_file_is_in_visors_layout(tmp_path: Path) -> None:
    store = open_file(tmp_path)
    store.set("count", 3, "default")
    store.set("list", ["a", 1.5], "default")
    store.close()
    assert (tmp_path / "m.json").read_text() == (
        '{\n  "default": {\n    "count": 3,\n    "list": [\n      "a",\n      1.5\n    ]\n  }\n}'
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == [".m.json.lock", "m.json"]


def test_a_run_that_changes_nothing_writes_nothing(tmp_path: Path, fmt: str) -> None:
    store = open_file(tmp_path, fmt)
    store.set("k", [1, 2], "default")
    store.close()
    before = snapshot(tmp_path)
    store = open_file(tmp_path, fmt)
    store.get("k", "default")
    store.keys("default")
    store.dump()
    store.commit()
    store.close()
    assert snapshot(tmp_path) == before


def test_changes_that_cancel_out_do_not_rewrite_the_file(tmp_path: Path) -> None:
    store = open_file(tmp_path)
    store.set("k", 1, "default")
    store.close()
    before = snapshot(tmp_path)
    store = open_file(tmp_path)
    store.set("k", 2, "default")
    store.commit()
    store.set("k", 1, "default")
    store.close()
    assert snapshot(tmp_path) == before


def test_commit_appends_to_the_journal_not_the_file(tmp_path: Path) -> None:
    store = open_file(tmp_path)
    store.set("k", 1, "default")
    store.close()
    main_before = (tmp_path / "m.json").read_bytes()
    store = open_file(tmp_path)
    for i in range(5):
        store.set(f"k{i}", i, "default")
        store.commit()
    journal = StorePaths.of(tmp_path / "m.json").journal
    assert (tmp_path / "m.json").read_bytes() == main_before
    assert len(journal.read_bytes().splitlines()) == 1 + 5  # header + one line per commit
    store.close()
    assert not journal.exists()
    assert open_file(tmp_path).keys("default") == ["k", "k0", "k1", "k2", "k3", "k4"]


def test_journal_is_compacted_past_its_threshold(tmp_path: Path) -> None:
    store = open_file(tmp_path, compact_bytes=2000)
    for i in range(200):
        store.set(f"k{i}", "x" * 20, "default")
        store.commit()
    assert (tmp_path / "m.json").exists()  # folded in before close
    assert (
        StorePaths.of(tmp_path / "m.json").journal.stat().st_size < 4 * (tmp_path / "m.json").stat().st_size
    )
    store.close()
    assert len(open_file(tmp_path).keys("default")) == 200


def rolled_back(store: FileStore, work: Callable[[], object]) -> None:
    with store.transaction():
        work()
        raise RuntimeError("roll back")


def test_a_rolled_back_transaction_leaves_no_journal_line(tmp_path: Path) -> None:
    store = open_file(tmp_path)
    store.set("a", 1, "default")
    store.commit()
    with pytest.raises(RuntimeError):
        rolled_back(store, lambda: (store.set("b", 2, "default"), store.clear("default")))
    store.commit()
    journal = StorePaths.of(tmp_path / "m.json").journal
    assert len(journal.read_bytes().splitlines()) == 2
    store.close()
    assert open_file(tmp_path).dump() == {"default": {"a": 1}}


def test_commit_inside_a_transaction_keeps_the_group_out_of_the_journal(tmp_path: Path) -> None:
    store = open_file(tmp_path)
    store.set("a", 1, "default")
    with pytest.raises(RuntimeError):
        rolled_back(store, lambda: (store.set("b", 2, "default"), store.commit()))
    store.close()
    assert open_file(tmp_path).dump() == {"default": {"a": 1}}


def test_a_crashed_run_is_recovered_from_its_journal(tmp_path: Path, fmt: str) -> None:
    child = run_child(CRASHING_WRITER, str(tmp_path), fmt)
    assert child.wait(30) == 0, child.stderr.read() if child.stderr else ""
    paths = StorePaths.of(tmp_path / f"m.{fmt}")
    assert paths.journal.exists()
    store = open_file(tmp_path, fmt)
    assert store.dump() == {"default": {"a": 1, "b": [1, 2]}, "other": {"gone": True}}
    assert not paths.journal.exists()  # folded into the main file at once
    store.close()


def test_a_torn_last_line_is_a_step_that_never_committed(tmp_path: Path) -> None:
    child = run_child(CRASHING_WRITER, str(tmp_path), "json")
    assert child.wait(30) == 0
    journal = StorePaths.of(tmp_path / "m.json").journal
    with journal.open("ab") as handle:
        handle.write(b'[["set","default","torn",1,nu')
    assert open_file(tmp_path).dump() == {"default": {"a": 1, "b": [1, 2]}, "other": {"gone": True}}


def test_a_journal_of_another_main_file_is_ignored(tmp_path: Path) -> None:
    """A crash after the main file was replaced but before the journal was removed."""
    child = run_child(CRASHING_WRITER, str(tmp_path), "json")
    assert child.wait(30) == 0
    (tmp_path / "m.json").write_text('{"default": {"fresh": 1}}')
    store = open_file(tmp_path)
    assert store.dump() == {"default": {"fresh": 1}}
    store.close()
    assert not StorePaths.of(tmp_path / "m.json").journal.exists()


@dataclass(frozen=True)
class CorruptCase:
    id: str
    fmt: str
    file: str  # which file: main | journal | meta
    data: bytes
    message: str


CORRUPT_CASES = [
    CorruptCase("json-truncated", "json", "main", b'{\n  "default": {\n    "k": 1,', "m.json:3: cannot read"),
    CorruptCase("json-not-object", "json", "main", b"[1]", "top level is a array"),
    CorruptCase(
        "csv-bad-type", "csv", "main", b"namespace,key,value,type\nn,k,1,int\n", "m.csv:2: cannot read"
    ),
    CorruptCase(
        "csv-unclosed-quote", "csv", "main", b'namespace,key,value,type\nn,k,"x\n', "unexpected end of data"
    ),
    CorruptCase(
        "journal-bad-middle-line",
        "json",
        "journal",
        b'{"base":""}\n{oops\n[["set","n","k",1,null]]\n',
        ".m.json.journal:2: cannot read",
    ),
    CorruptCase("journal-no-header", "json", "journal", b'[["set","n","k",1,null]]\n', "first line"),
    CorruptCase(
        "journal-unknown-change",
        "json",
        "journal",
        b'{"base":""}\n[["drop","n"]]\n',
        "unknown memory operation",
    ),
    CorruptCase("meta-garbage", "json", "meta", b"not json", ".m.json.meta:1: cannot read"),
]


@pytest.mark.parametrize("case", CORRUPT_CASES, ids=lambda c: c.id)
def test_an_unreadable_store_stops_and_changes_nothing(tmp_path: Path, case: CorruptCase) -> None:
    path = getattr(StorePaths.of(tmp_path / f"m.{case.fmt}"), case.file)
    path.write_bytes(case.data)
    before = snapshot(tmp_path)
    with pytest.raises(StoreError) as caught:
        open_file(tmp_path, case.fmt)
    assert case.message in str(caught.value)
    assert "\n" not in str(caught.value)
    assert caught.value.exit_code == 2
    assert snapshot(tmp_path) == before


def test_the_lock_is_released_after_an_unreadable_store(tmp_path: Path) -> None:
    (tmp_path / "m.json").write_bytes(b"{")
    with pytest.raises(StoreError):
        open_file(tmp_path)
    (tmp_path / "m.json").write_bytes(b"{}")
    open_file(tmp_path, lock_timeout=0).close()


def test_auto_load_false_starts_empty_and_replaces_the_file(tmp_path: Path, fmt: str) -> None:
    store = open_file(tmp_path, fmt)
    store.set("old", 1, "default")
    store.close()
    before = snapshot(tmp_path)
    store = open_store(config(fmt, auto_load=False), tmp_path)
    assert store.dump() == {}
    store.close()
    assert snapshot(tmp_path) == before  # no change, no write
    store = open_store(config(fmt, auto_load=False), tmp_path)
    store.set("new", 2, "default")
    store.close()
    assert open_file(tmp_path, fmt).dump() == {"default": {"new": 2}}


def test_auto_load_false_crash_recovers_to_this_runs_state(tmp_path: Path) -> None:
    (tmp_path / "m.json").write_text('{"default": {"old": 1}}')
    store = open_store(config("json", auto_load=False), tmp_path)
    store.set("new", 2, "default")
    store.commit()
    assert isinstance(store, FileStore)
    store._release()  # what a crash leaves: the journal, no compaction
    assert open_file(tmp_path).dump() == {"default": {"new": 2}}


def test_auto_save_false_writes_nothing_at_all(tmp_path: Path) -> None:
    (tmp_path / "m.json").write_text('{"default": {"k": 1}}')
    before = sorted(p.name for p in tmp_path.iterdir())
    store = open_store(config("json", auto_save=False), tmp_path)
    store.set("k", 2, "default")
    store.commit()
    store.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert (tmp_path / "m.json").read_text() == '{"default": {"k": 1}}'


def test_stale_temp_files_are_removed_at_open(tmp_path: Path) -> None:
    stale = tmp_path / ".m.json.tmp-dead.tmp"
    stale.write_text("half a file")
    other = tmp_path / ".other.json.tmp-x.tmp"
    other.write_text("not ours")
    open_file(tmp_path).close()
    assert not stale.exists()
    assert other.exists()


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_ttl_survives_a_reopen_and_expires(tmp_path: Path, fmt: str) -> None:
    clock = Clock()
    options = FileOptions(format=fmt)
    path = tmp_path / f"m.{fmt}"
    store = FileStore(path, options, clock)
    store.set("short", 1, "default", ttl=10)
    store.set("forever", 2, "default")
    store.close()
    meta = StorePaths.of(path).meta
    assert meta.exists()
    clock.now += 5
    store = FileStore(path, options, clock)
    assert store.get("short", "default") == 1
    store.close()
    clock.now += 10
    store = FileStore(path, options, clock)
    assert store.dump() == {"default": {"forever": 2}}
    store.set("forever", 3, "default")
    store.close()
    assert not meta.exists()  # no key has a TTL any more
    assert FileStore(path, options, clock).dump() == {"default": {"forever": 3}}


def test_no_sidecar_without_ttl(tmp_path: Path) -> None:
    store = open_file(tmp_path)
    store.set("k", 1, "default")
    store.close()
    assert not StorePaths.of(tmp_path / "m.json").meta.exists()


HOLDER = """
    import sys, time
    from pathlib import Path
    from visor_mem.config.models import MemoryConfig
    from visor_mem.store import open_store
    store = open_store(MemoryConfig(storage="file", file="m.json"), Path(sys.argv[1]))
    store.set("holder", True, "default")
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    store.close()
"""


@pytest.fixture
def holder(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[subprocess.Popen[str]]:
    child = run_child(HOLDER, str(tmp_path), str(request.param))
    assert child.stdout is not None
    assert child.stdout.readline() == "locked\n"
    yield child
    child.kill()
    child.wait()


@pytest.mark.parametrize("holder", [30], indirect=True)
def test_a_held_lock_times_out_naming_the_pid(tmp_path: Path, holder: subprocess.Popen[str]) -> None:
    messages: list[str] = []
    started = time.monotonic()
    with pytest.raises(StoreLocked) as caught:
        open_file(tmp_path, lock_timeout=0.3, on_wait=messages.append)
    assert time.monotonic() - started >= 0.3
    assert messages == [f"waiting for the lock on {tmp_path / 'm.json'} held by pid {holder.pid}"]
    assert f"locked by pid {holder.pid}" in str(caught.value)
    assert str(tmp_path / "m.json") in str(caught.value)
    assert caught.value.exit_code == 2


@pytest.mark.parametrize("holder", [0.5], indirect=True)
def test_a_waiting_run_gets_the_lock_when_released(tmp_path: Path, holder: subprocess.Popen[str]) -> None:
    messages: list[str] = []
    store = open_file(tmp_path, lock_timeout=20, on_wait=messages.append)
    assert len(messages) == 1
    assert store.get("holder", "default") is True  # it reads what the holder wrote
    store.close()


def test_lock_is_released_by_close(tmp_path: Path) -> None:
    open_file(tmp_path).close()
    open_file(tmp_path, lock_timeout=0).close()


def test_temp_file_is_gone_after_a_write(tmp_path: Path) -> None:
    store = open_file(tmp_path)
    store.set("k", "v", "default")
    store.close()
    assert not list(tmp_path.glob("*.tmp"))


def test_unwritable_folder_is_a_store_error(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root ignores folder permissions")
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(StoreError, match="cannot open the memory store"):
            open_file(folder)
    finally:
        folder.chmod(0o700)
