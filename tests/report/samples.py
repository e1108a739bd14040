"""Hand-built run results for the report tests."""

from __future__ import annotations

import io

from visor_mem.engine.results import RunResult, StepResult


def sample_result() -> RunResult:
    """One step of each kind the reports must show: plain, re-run, failed, skipped, unicode."""
    return RunResult(
        steps={
            "init": StepResult("init", "success", output=0, runs=1, duration_ms=0.25),
            "flaky": StepResult(
                "flaky",
                "success",
                output={"passed": True},
                runs=3,
                duration_ms=1520.0,
                route=("retry", "retry"),
            ),
            "build": StepResult(
                "build", "failed", output=None, error="exit 2: make | tee\nfailed", runs=1, duration_ms=42.0
            ),
            "deploy": StepResult("deploy", "skipped", reason="dependency 'build' failed"),
            "greet": StepResult("greet", "success", output={"text": "héllo `x`"}, runs=1, duration_ms=12.4),
        },
        memory={"default": {"retry_count": 2, "name": "café"}},
        session={},
        duration_ms=1600.0,
    )


def all_good() -> RunResult:
    """A run where nothing failed and nothing was stored."""
    return RunResult(
        steps={"only": StepResult("only", "success", output=None, runs=1, duration_ms=3.0)},
        memory={},
        session={},
        duration_ms=3.0,
    )


class Terminal(io.StringIO):
    """A StringIO that says it is a terminal."""

    def isatty(self) -> bool:
        return True
