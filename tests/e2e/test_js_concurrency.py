"""Parallel ``visor run``s whose script steps read-modify-write one key lose nothing: each JS
evaluation that touches memory runs inside ``Memory.exclusive()`` and applies its writes as one
batch there (``python bench/concurrency.py --workload script`` does 8 x 500)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import load_bench

harness = load_bench("concurrency")

PROCESSES = 8
STEPS = 30


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_script_read_modify_write_is_serializable(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("redis_url") if backend == "redis" else None
    outcome = harness.run_concurrently(backend, tmp_path, PROCESSES, STEPS, url, workload="script")
    assert [run.code for run in outcome.runs] == [0] * PROCESSES, [run.err[-300:] for run in outcome.runs]
    assert outcome.final == PROCESSES * STEPS
    assert outcome.every_value_once  # no two evaluations read the same count
