"""8 real ``visor run`` processes, started together, increment one key on one store: the
total is exact on every backend; the file store serialises whole runs with its lock (the
runs that wait say on whom), SQLite and Redis interleave.  ``python bench/concurrency.py``
does 8 x 500 and prints the figures."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import load_bench

harness = load_bench("concurrency")

PROCESSES = 8


@dataclass(frozen=True)
class Case:
    backend: str
    steps: int  # increments per process
    serialised: bool  # by the file store's run-long lock


CASES = [
    Case("file-json", 500, serialised=True),
    Case("sqlite", 500, serialised=False),
    Case("redis", 500, serialised=False),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.backend)
def test_concurrent_runs_lose_no_increment(
    tmp_path: Path, case: Case, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("redis_url") if case.backend == "redis" else None
    outcome = harness.run_concurrently(case.backend, tmp_path, PROCESSES, case.steps, url)
    assert [run.code for run in outcome.runs] == [0] * PROCESSES, [run.err[-300:] for run in outcome.runs]
    assert outcome.final == PROCESSES * case.steps
    assert outcome.every_value_once  # no two increments saw the same value
    if case.serialised:
        _assert_took_turns(outcome, tmp_path / "hits.json")
    else:
        assert outcome.waited == 0  # no run-long lock: the runs interleave


def _assert_took_turns(outcome: object, store: Path) -> None:
    """Each run's increments are one block (runs never overlap); waiters name another run's pid."""
    assert outcome.alone == PROCESSES
    pids = {run.pid for run in outcome.runs}
    waits = [(run.pid, wait) for run in outcome.runs for wait in run.waited_for()]
    assert waits, "no run said it was waiting for the lock"
    for waiter, (file, holder) in waits:
        assert file == str(store)
        assert holder in pids - {waiter}


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_concurrent_value_js_read_modify_write_loses_nothing(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    """``value_js: memory.get('hits') + 1`` in parallel runs: each step is one exclusive section."""
    url = request.getfixturevalue("redis_url") if backend == "redis" else None
    steps = 40
    outcome = harness.run_concurrently(backend, tmp_path, PROCESSES, steps, url, workload="value_js")
    assert [run.code for run in outcome.runs] == [0] * PROCESSES, [run.err[-300:] for run in outcome.runs]
    assert outcome.final == PROCESSES * steps
    assert outcome.every_value_once
