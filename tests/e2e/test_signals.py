"""SIGTERM and SIGINT (Ctrl-C) stop ``visor run`` mid-chain, while a command step runs: exit
130, the command is killed, the store file parses and holds exactly the steps committed
before the signal, the lock is released and the next run leaves no journal or temp file."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e import TIMEOUT_S, snapshot, start_visor, visor, wait_until, write

INCREMENTS = 20  # committed before the long step

LONG_CHAIN = """\
    version: "1.0"
    memory: {{storage: file, format: {fmt}, file: {file}}}
    steps:
      first: {{type: memory, operation: set, key: a, value: 1}}
{increments}
      long:
        type: command
        depends_on: inc{n}
        exec: "echo $$ > {pidfile} && exec sleep 30"
      after: {{type: memory, operation: set, key: never, value: true, depends_on: long}}
"""

NEXT_RUN = """\
    version: "1.0"
    memory: {{storage: file, format: {fmt}, file: {file}}}
    steps:
      next: {{type: memory, operation: set, key: d, value: 4}}
"""


def _chain(fmt: str, file: str, pidfile: Path) -> str:
    increments = "\n".join(
        f"      inc{i}: {{type: memory, operation: increment, key: b, depends_on: {'first' if i == 1 else f'inc{i - 1}'}}}"
        for i in range(1, INCREMENTS + 1)
    )
    return LONG_CHAIN.format(fmt=fmt, file=file, pidfile=pidfile, increments=increments, n=INCREMENTS)


def _json_file(data: bytes) -> object:
    return json.loads(data)


def _csv_file(data: bytes) -> object:
    """The CSV store as {namespace: {key: value text}} (Visor's header checked)."""
    reader = csv.DictReader(io.StringIO(data.decode("utf-8"), newline=""))
    assert reader.fieldnames == ["namespace", "key", "value", "type"]
    parsed: dict[str, dict[str, str]] = {}
    for row in reader:
        parsed.setdefault(row["namespace"], {})[row["key"]] = row["value"]
    return parsed


@dataclass(frozen=True)
class Case:
    name: str
    signum: signal.Signals
    fmt: str
    file: str
    parse: Callable[[bytes], object]
    committed: object  # the store after the signal
    after_next: object  # the store after the next run


JSON_COMMITTED = {"default": {"a": 1, "b": INCREMENTS}}
JSON_NEXT = {"default": {"a": 1, "b": INCREMENTS, "d": 4}}
CSV_COMMITTED = {"default": {"a": "1", "b": str(INCREMENTS)}}
CSV_NEXT = {"default": {"a": "1", "b": str(INCREMENTS), "d": "4"}}

CASES = [
    Case("SIGTERM json", signal.SIGTERM, "json", "m.json", _json_file, JSON_COMMITTED, JSON_NEXT),
    Case("SIGINT json", signal.SIGINT, "json", "m.json", _json_file, JSON_COMMITTED, JSON_NEXT),
    Case("SIGTERM csv", signal.SIGTERM, "csv", "m.csv", _csv_file, CSV_COMMITTED, CSV_NEXT),
]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_a_signal_mid_chain_keeps_the_committed_steps(tmp_path: Path, case: Case) -> None:
    pidfile = tmp_path / "command.pid"
    config = write(tmp_path, "chain.yaml", _chain(case.fmt, case.file, pidfile))
    err = tmp_path / "run.err"
    run = start_visor("run", "-o", "json", "--lock-timeout", "0", config, cwd=tmp_path, err=err)
    try:
        wait_until(
            lambda: pidfile.exists() and pidfile.read_text().strip().isdigit(), "the command runs", run
        )
        run.send_signal(case.signum)
        code = run.wait(timeout=TIMEOUT_S)
    finally:
        run.kill()  # a no-op once it has exited; never leave it running
        run.wait(timeout=TIMEOUT_S)
    assert code == 130
    assert err.read_text().splitlines()[-1] == "interrupted; committed steps are kept"
    wait_until(lambda: not _alive(int(pidfile.read_text())), "the command step was killed")
    store = tmp_path / case.file
    assert case.parse(store.read_bytes()) == case.committed

    next_config = write(tmp_path, "next.yaml", NEXT_RUN.format(fmt=case.fmt, file=case.file))
    ran = visor("run", "--lock-timeout", "0", next_config, cwd=tmp_path)  # the lock was released
    assert ran.returncode == 0, ran.stderr
    assert case.parse(store.read_bytes()) == case.after_next
    sidecars = {name for name in snapshot(tmp_path) if name.startswith(".")}
    assert sidecars == {f".{case.file}.lock"}  # no journal, no temp file, no meta
