"""The file store's run-long lock, through the console script: a second run waits (saying on
whom), gives up after ``--lock-timeout`` with exit 2 and one line naming the file and the pid,
and changes nothing; when the holder ends, a waiting run goes on."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e import lock_held, snapshot, start_visor, stop, visor, wait_until, write

WRITE = """\
    version: "1.0"
    memory: {{storage: file, format: {fmt}, file: {file}}}
    steps:
      bump: {{type: memory, operation: increment, key: runs}}
"""


@dataclass(frozen=True)
class Case:
    name: str
    fmt: str
    file: str
    output: str


CASES = [
    Case("json store, -o json", "json", "m.json", "json"),
    Case("csv store, -o text", "csv", "m.csv", "text"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_a_locked_store_fails_after_the_lock_timeout_and_stays_unchanged(tmp_path: Path, case: Case) -> None:
    config = write(tmp_path, "write.yaml", WRITE.format(fmt=case.fmt, file=case.file))
    assert visor("run", config, cwd=tmp_path).returncode == 0  # the store exists: runs = 1
    store = tmp_path / case.file
    with lock_held(tmp_path, case.file, case.fmt) as holder:
        before = snapshot(tmp_path)
        started = time.monotonic()
        ran = visor("run", "-o", case.output, "--lock-timeout", "0.5", config, cwd=tmp_path)
        waited = time.monotonic() - started
        assert snapshot(tmp_path) == before  # no byte changed, no journal or temp file appeared
    assert ran.returncode == 2
    assert waited >= 0.5
    if case.output == "json":  # stdout still holds one document: the error
        assert json.loads(ran.stdout)["error"]["message"] == ran.stderr.splitlines()[-1]
    else:
        assert ran.stdout == ""
    assert ran.stderr.splitlines() == [
        f"waiting for the lock on {store} held by pid {holder.pid}",
        f"{store} is locked by pid {holder.pid} (gave up after 0.5s; see --lock-timeout)",
    ]
    assert holder.returncode == 130  # stopped by SIGTERM while its command ran
    assert visor("run", "--lock-timeout", "0", config, cwd=tmp_path).returncode == 0  # released
    assert visor("memory", "get", "runs", "-c", config, cwd=tmp_path).stdout.strip() == "2"


def test_a_waiting_run_goes_on_when_the_lock_is_released(tmp_path: Path) -> None:
    config = write(tmp_path, "write.yaml", WRITE.format(fmt="json", file="m.json"))
    err = tmp_path / "waiter.err"
    with lock_held(tmp_path) as holder:
        waiter = start_visor("run", "-o", "json", "--lock-timeout", "60", config, cwd=tmp_path, err=err)
        try:
            wait_until(
                lambda: "waiting for the lock" in err.read_text(), "the waiter says it waits", waiter, err
            )
        except BaseException:
            stop(waiter)
            raise
    assert waiter.wait(timeout=60) == 0
    assert err.read_text() == f"waiting for the lock on {tmp_path / 'm.json'} held by pid {holder.pid}\n"
    assert visor("memory", "get", "runs", "-c", config, cwd=tmp_path).stdout.strip() == "1"


def test_visor_memory_waits_with_a_message_and_honours_lock_timeout(tmp_path: Path) -> None:
    """`visor memory` on a locked file store says whom it waits for, then gives up (exit 2)."""
    with lock_held(tmp_path):
        done = visor("memory", "get", "a", "--store", "file:m.json", "--lock-timeout", "0.3", cwd=tmp_path)
    assert done.returncode == 2
    assert "waiting for the lock on" in done.stderr
    assert "locked by pid" in done.stderr
