"""The scheduler: statuses, skip cascade, determinism, budgets of runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import run_yaml, statuses
from visor_mem.engine.events import StepStarted


def test_skip_cascades_to_dependents_with_reasons(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        steps:
          fail: {type: command, exec: "exit 1"}
          child: {type: noop, depends_on: fail}
          grandchild: {type: noop, depends_on: child}
          independent: {type: noop}
    """,
    )
    assert statuses(result) == {
        "fail": "failed",
        "child": "skipped",
        "grandchild": "skipped",
        "independent": "success",
    }
    assert result.steps["child"].reason == "dependency 'fail' failed"
    assert result.steps["grandchild"].reason == "dependency 'child' was skipped"
    assert not result.ok
    assert result.exit_code == 1


def test_continue_on_failure_lets_dependents_run_but_the_run_fails(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        steps:
          lint: {type: command, exec: "exit 2", continue_on_failure: true}
          report: {type: noop, depends_on: lint}
    """,
    )
    assert statuses(result) == {"lint": "failed", "report": "success"}
    assert not result.ok


def test_every_step_appears_with_runs_and_reason(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        steps:
          a: {type: noop, on_fail: {run: [never]}}
          never: {type: noop}
    """,
    )
    never = result.steps["never"].to_json()
    assert never == {
        "status": "skipped",
        "output": None,
        "reason": "run target, never triggered",
        "runs": 0,
        "duration_ms": 0.0,
    }


def test_dependent_of_an_untriggered_run_target_is_skipped(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        steps:
          build: {type: noop, on_fail: {run: [mark]}}
          mark: {type: noop}
          after-mark: {type: noop, depends_on: mark}
    """,
    )
    assert result.steps["after-mark"].status == "skipped"
    assert result.steps["after-mark"].reason == "dependency 'mark' never ran"


@pytest.mark.parametrize("parallel", [1, 4])
def test_results_do_not_depend_on_parallelism(tmp_path: Path, parallel: int) -> None:
    text = """
        steps:
          slow: {type: command, exec: "sleep 0.2; echo slow"}
          fast: {type: command, exec: "echo fast"}
          first: {type: memory, operation: append, key: order, value: first}
          second: {type: memory, operation: append, key: order, value: second, depends_on: [slow, fast]}
    """
    result = run_yaml(tmp_path, text, max_parallel=parallel)
    assert result.memory == {"default": {"order": ["first", "second"]}}
    assert result.steps["slow"].output == "slow"


# Each command marks itself started, then waits (bounded) for the other's mark:
# both can succeed only if they run at the same time.  No clock is read.
RENDEZVOUS = "touch {me}; for i in $(seq 60); do [ -f {other} ] && exit 0; sleep 0.05; done; exit 1"


@pytest.mark.parametrize(("parallel", "both_pass"), [(2, True), (1, False)])
def test_commands_of_a_wave_run_concurrently(tmp_path: Path, parallel: int, both_pass: bool) -> None:
    a = RENDEZVOUS.format(me="a.started", other="b.started")
    b = RENDEZVOUS.format(me="b.started", other="a.started")
    result = run_yaml(
        tmp_path,
        f"steps:\n  a: {{type: command, exec: '{a}'}}\n  b: {{type: command, exec: '{b}'}}\n",
        max_parallel=parallel,
    )
    assert result.ok is both_pass


def test_max_runs_fails_the_step_naming_the_limit(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        routing: {max_loops: 100}
        steps:
          loop: {type: memory, operation: increment, key: n, max_runs: 3, on_success: {goto: loop}}
    """,
    )
    loop = result.steps["loop"]
    assert (loop.status, loop.runs) == ("failed", 3)
    assert "max_runs = 3" in (loop.error or "")
    assert result.memory["default"]["n"] == 3


def test_limits_max_runs_per_step_applies_to_every_step(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        routing: {max_loops: 100}
        limits: {max_runs_per_step: 2}
        steps:
          loop: {type: noop, on_success: {goto: loop}}
    """,
    )
    assert result.steps["loop"].runs == 2
    assert "limits.max_runs_per_step = 2" in (result.steps["loop"].error or "")


def test_fail_fast_skips_the_remaining_waves(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        steps:
          bad: {type: command, exec: "exit 1"}
          ok: {type: noop}
          later: {type: noop, depends_on: ok}
    """,
        fail_fast=True,
    )
    assert statuses(result) == {"bad": "failed", "ok": "success", "later": "skipped"}
    assert result.steps["later"].reason == "skipped by --fail-fast after a failure"


def test_only_runs_the_step_and_its_dependencies(tmp_path: Path) -> None:
    events: list[object] = []
    result = run_yaml(
        tmp_path,
        """
        steps:
          a: {type: noop}
          b: {type: noop, depends_on: a}
          c: {type: noop}
    """,
        events=events,
        only=("b",),
    )
    started = [e.name for e in events if isinstance(e, StepStarted)]
    assert started == ["a", "b"]
    assert result.steps["c"].reason == "not selected by --only"
    assert result.ok


def test_excluded_dependency_is_ignored(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        steps:
          slow: {type: noop, tags: [slow]}
          after: {type: noop, depends_on: slow}
    """,
        exclude_tags=("slow",),
    )
    assert statuses(result) == {"slow": "skipped", "after": "success"}


def test_a_long_chain_runs_every_step_once(tmp_path: Path) -> None:
    steps = {
        f"s{i}": {
            "type": "memory",
            "operation": "increment",
            "key": "n",
            **({"depends_on": f"s{i - 1}"} if i else {}),
        }
        for i in range(2000)
    }
    from visor_mem.config import load_config
    from visor_mem.engine import run_config

    result = run_config(load_config({"steps": steps}))
    assert result.memory["default"]["n"] == 2000
    assert all(step.runs == 1 for step in result.steps.values())


def test_a_step_skipped_by_its_if_skips_its_dependents_unless_it_continues(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        steps:
          gate: {type: noop, if: "false"}
          after-gate: {type: noop, depends_on: gate}
          soft-gate: {type: noop, if: "1 > 2", continue_on_failure: true}
          after-soft: {type: noop, depends_on: soft-gate}
    """,
    )
    assert statuses(result) == {
        "gate": "skipped",
        "after-gate": "skipped",
        "soft-gate": "skipped",
        "after-soft": "success",
    }
    assert result.steps["gate"].reason == "if condition is false"
    assert result.steps["after-gate"].reason == "dependency 'gate' was skipped"
    assert result.ok


def test_a_command_skipped_by_its_if_releases_its_dependents(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        steps:
          build: {type: command, exec: "echo built", if: "false", continue_on_failure: true}
          after: {type: noop, depends_on: build}
    """,
    )
    assert statuses(result) == {"build": "skipped", "after": "success"}


def test_parallel_commands_report_their_own_time_from_launch_to_finish(tmp_path: Path) -> None:
    """Listed slowest first, the faster ones are collected late: their time is still their own.

    Collected-time accounting gave the later ones ~0 ms; no wall-clock upper bound
    here (bench/durations.py prints how close the figures are).
    """
    result = run_yaml(
        tmp_path,
        """
        steps:
          slow: {type: command, exec: "sleep 0.4"}
          fast: {type: command, exec: "sleep 0.2"}
          faster: {type: command, exec: "sleep 0.1"}
    """,
        max_parallel=3,
    )
    assert result.steps["slow"].duration_ms >= 400
    assert result.steps["fast"].duration_ms >= 200
    assert result.steps["faster"].duration_ms >= 100
