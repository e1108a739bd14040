"""Parallel ``visor run``s whose script steps read-modify-write one key lose nothing: a JS
evaluation reads without a lock, enters ``Memory.exclusive()`` at its first write (checking what
it read, or running again) and applies its writes as one batch there
(``python bench/concurrency.py --workload script`` does 8 x 500)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import load_bench

harness = load_bench("concurrency")

PROCESSES = 8
STEPS = 30


@pytest.mark.parametrize("workload", ["script", "if"])
@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_script_read_modify_write_is_serializable(
    tmp_path: Path, backend: str, workload: str, request: pytest.FixtureRequest
) -> None:
    """``script`` reads then writes; ``if`` reads (no exclusive section) in front of an increment."""
    url = request.getfixturevalue("redis_url") if backend == "redis" else None
    outcome = harness.run_concurrently(backend, tmp_path, PROCESSES, STEPS, url, workload=workload)
    assert [run.code for run in outcome.runs] == [0] * PROCESSES, [run.err[-300:] for run in outcome.runs]
    assert outcome.final == PROCESSES * STEPS
    assert outcome.every_value_once  # no two evaluations read the same count
