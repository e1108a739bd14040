"""Routing: goto re-planning, retry with backoff, run targets, loop budgets."""

from __future__ import annotations

import time
from pathlib import Path

from tests.helpers import run_yaml, statuses
from visor_mem.engine.events import RoutingDecision, StepStarted

# A command that fails until it has been run N times (state in a counter file).
FLAKY = 'n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; [ "$n" -ge {n} ]'


def started(events: list[object]) -> list[str]:
    return [e.name for e in events if isinstance(e, StepStarted)]


def test_self_goto_stops_at_the_loop_budget_after_max_loops_plus_one_runs(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        routing: {max_loops: 3}
        steps:
          loop: {type: memory, operation: increment, key: n, on_success: {goto: loop}}
    """,
    )
    loop = result.steps["loop"]
    assert (loop.status, loop.runs) == ("failed", 4)
    assert "routing loop budget exceeded (routing.max_loops = 3) on loop -> loop" in (loop.error or "")
    assert "steps.loop.on_success.goto" in (loop.error or "")


def test_goto_to_an_ancestor_reruns_the_subgraph_and_names_the_loop(tmp_path: Path) -> None:
    events: list[object] = []
    result = run_yaml(
        tmp_path,
        f"""
        routing: {{max_loops: 2}}
        steps:
          setup: {{type: memory, operation: increment, key: setups}}
          build: {{type: command, exec: '{FLAKY.format(n=9)}', depends_on: setup, on_fail: {{goto: setup}}}}
    """,
        events=events,
    )
    assert started(events) == ["setup", "build"] * 3
    assert "on build -> setup -> build" in (result.steps["build"].error or "")
    assert result.memory["default"]["setups"] == 3


def test_goto_recovery_that_succeeds_does_not_fail_the_run(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        f"""
        steps:
          setup: {{type: noop}}
          build: {{type: command, exec: '{FLAKY.format(n=2)}', depends_on: setup, on_fail: {{goto: setup}}}}
          deploy: {{type: noop, depends_on: build}}
    """,
    )
    assert statuses(result) == {"setup": "success", "build": "success", "deploy": "success"}
    assert result.steps["build"].runs == 2
    assert result.steps["deploy"].runs == 1
    assert result.ok


def test_forward_goto_to_a_remediation_that_succeeds_recovers_the_step(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        steps:
          check: {type: command, exec: "exit 1", on_fail: {goto: fix}}
          fix: {type: noop}
    """,
    )
    assert result.ok
    assert result.steps["check"].status == "success"
    assert "recovered" in (result.steps["check"].reason or "")


def test_goto_keeps_independent_pending_work(tmp_path: Path) -> None:
    events: list[object] = []
    result = run_yaml(
        tmp_path,
        """
        routing: {max_loops: 2}
        steps:
          a: {type: memory, operation: increment, key: a, on_success: {goto_js: "memory.get('a') < 3 ? 'a' : null"}}
          x: {type: noop}
          y: {type: noop, depends_on: x}
    """,
        events=events,
    )
    assert statuses(result) == {"a": "success", "x": "success", "y": "success"}
    assert started(events).count("y") == 1


def test_retry_with_exponential_backoff_really_waits(tmp_path: Path) -> None:
    began = time.perf_counter()
    result = run_yaml(
        tmp_path,
        f"""
        steps:
          flaky:
            type: command
            exec: '{FLAKY.format(n=3)}'
            on_fail: {{retry: {{max: 3, backoff: {{mode: exponential, delay_ms: 100}}}}}}
    """,
    )
    elapsed = time.perf_counter() - began
    assert result.steps["flaky"].status == "success"
    assert result.steps["flaky"].runs == 3
    assert result.steps["flaky"].route == ("retry", "retry")
    assert elapsed >= 0.3  # 100 ms + 200 ms of backoff


def test_retries_spend_the_loop_budget(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        routing: {max_loops: 1}
        steps:
          flaky: {type: command, exec: "exit 1", on_fail: {retry: {max: 3}}}
    """,
    )
    flaky = result.steps["flaky"]
    assert flaky.runs == 2
    assert "flaky -> flaky (retry)" in (flaky.error or "")


def test_on_fail_run_target_may_depend_on_the_failed_step(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        steps:
          lint: {type: command, exec: "echo bad >&2; exit 1", on_fail: {run: [collect]}}
          collect: {type: memory, operation: append, key: errors, value: lint, depends_on: lint}
    """,
    )
    assert statuses(result) == {"lint": "failed", "collect": "success"}
    assert result.memory == {"default": {"errors": ["lint"]}}


def test_run_targets_execute_right_after_the_step_and_release_dependents(tmp_path: Path) -> None:
    events: list[object] = []
    result = run_yaml(
        tmp_path,
        """
        steps:
          build: {type: noop, on_success: {run: [mark-built]}}
          other: {type: noop}
          mark-built: {type: memory, operation: set, key: state, value: built}
          test: {type: noop, depends_on: mark-built}
    """,
        events=events,
    )
    assert started(events) == ["build", "mark-built", "other", "test"]
    assert result.ok
    assert result.steps["mark-built"].route == ("run from build",)


def test_unknown_computed_goto_target_fails_the_step(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        steps:
          a: {type: noop, on_success: {goto_js: "'nowhere'"}}
    """,
    )
    assert result.steps["a"].status == "failed"
    assert "'nowhere' is not a step" in (result.steps["a"].error or "")


def test_routing_decisions_are_reported(tmp_path: Path) -> None:
    events: list[object] = []
    run_yaml(
        tmp_path,
        """
        steps:
          a: {type: noop, on_success: {run: [b]}}
          b: {type: noop}
    """,
        events=events,
    )
    decisions = [e for e in events if isinstance(e, RoutingDecision)]
    assert [(d.step, d.hook, d.action, d.detail) for d in decisions] == [("a", "on_success", "run", "b")]


def test_goto_js_sees_what_run_targets_wrote(tmp_path: Path) -> None:
    """The seed's retry counter: run increments, then goto_js reads the new count."""
    result = run_yaml(
        tmp_path,
        f"""
        steps:
          init: {{type: memory, operation: set, key: retry_count, value: 0}}
          run-test:
            type: command
            exec: '{FLAKY.format(n=3)}'
            depends_on: [init]
            on_fail:
              run: [increment-retry]
              goto_js: "memory.get('retry_count') < 3 ? 'run-test' : null"
          increment-retry: {{type: memory, operation: increment, key: retry_count}}
    """,
    )
    assert result.ok
    assert result.memory["default"]["retry_count"] == 2
    assert result.steps["run-test"].runs == 3


def test_retry_counter_gives_up_when_the_command_keeps_failing(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        steps:
          init: {type: memory, operation: set, key: retry_count, value: 0}
          run-test:
            type: command
            exec: "exit 1"
            depends_on: [init]
            on_fail:
              run: [increment-retry]
              goto_js: "memory.get('retry_count') < 3 ? 'run-test' : null"
          increment-retry: {type: memory, operation: increment, key: retry_count}
          report: {type: noop, depends_on: run-test}
    """,
    )
    assert result.memory["default"]["retry_count"] == 3
    assert result.steps["run-test"].runs == 3  # fails, counts 1, 2, 3; at 3 goto_js returns null
    assert statuses(result)["report"] == "skipped"
    assert not result.ok


def test_routing_js_sees_the_current_execution_in_history(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        routing: {max_loops: 5}
        steps:
          counter:
            type: memory
            operation: increment
            key: n
            on_success:
              goto_js: "outputs.history['counter'].length < 3 ? 'counter' : null"
          after: {type: script, depends_on: counter, content: "return outputs.history['counter']"}
    """,
    )
    assert result.steps["counter"].runs == 3
    assert result.steps["after"].output == [1, 2, 3]


def test_transitions_pick_the_first_true_rule_and_null_means_stay(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        steps:
          a:
            type: memory
            operation: increment
            key: n
            on_success:
              transitions:
                - {when: "output < 2", to: a}
                - {when: "true", to: null}
              goto: nowhere-else
          nowhere-else: {type: noop}
    """,
    )
    assert result.steps["a"].runs == 2
    assert result.steps["nowhere-else"].runs == 1


def test_run_js_names_steps_to_run(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        steps:
          a: {type: noop, on_success: {run_js: "return ['b', 'c']"}}
          b: {type: memory, operation: append, key: seen, value: b}
          c: {type: memory, operation: append, key: seen, value: c}
    """,
    )
    assert result.memory["default"]["seen"] == ["b", "c"]


def test_run_with_arguments_reaches_the_target_as_args(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        steps:
          a: {type: noop, on_success: {run: [{step: greet, with: {who: world}}]}}
          greet: {type: script, content: "return 'hello ' + args.who"}
    """,
    )
    assert result.steps["greet"].output == "hello world"


def test_on_finish_runs_after_success_and_failure(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        steps:
          ok: {type: noop, on_finish: {run: [count]}}
          bad: {type: command, exec: "exit 1", on_finish: {run: [count]}}
          count: {type: memory, operation: increment, key: finished}
    """,
    )
    assert result.memory["default"]["finished"] == 2


def test_routing_defaults_merge_under_a_steps_own_on_fail(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        f"""
        routing:
          defaults:
            on_fail: {{retry: {{max: 2}}}}
        steps:
          flaky: {{type: command, exec: '{FLAKY.format(n=3)}', on_fail: {{run: [note]}}}}
          note: {{type: noop}}
          plain: {{type: command, exec: "exit 1"}}
    """,
    )
    assert result.steps["flaky"].status == "success"
    assert result.steps["flaky"].runs == 3
    assert result.steps["plain"].runs == 1  # defaults apply only to steps that declare on_fail
