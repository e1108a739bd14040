"""bench/suite.py's generated suite passes, so the benchmark measures passing cases."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import load_bench
from visor_mem.testing.runner import run_suite
from visor_mem.testing.suite import load_suite


def test_benchmark_suite_passes(tmp_path: Path) -> None:
    bench = load_bench("suite")
    path = tmp_path / ".visor.yaml"
    path.write_text(bench.suite_text(8), encoding="utf-8")
    suite = load_suite(path)
    result = run_suite(suite, suite.cases, 1)
    assert [c.status for c in result.cases] == ["passed"] * 8
    assert bench.in_process(path, 1) > 0
