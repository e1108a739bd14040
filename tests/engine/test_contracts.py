"""assume / guarantee, fail_if (step and global), failure_conditions, halt_execution, criticality, on_init."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import run_yaml, statuses


def test_a_false_assume_skips_the_step_with_reason_assume_and_is_not_a_run(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        steps:
          a: {type: script, content: "return 2"}
          b: {type: memory, operation: set, key: k, value: 1, depends_on: a, assume: ["outputs.a === 2", "outputs.a > 5"]}
          c: {type: noop, depends_on: b}
          d: {type: memory, operation: set, key: d, value: 1, depends_on: a, assume: "outputs.a === 2"}
        """,
    )
    assert statuses(result) == {"a": "success", "b": "skipped", "c": "skipped", "d": "success"}
    assert (result.steps["b"].reason, result.steps["b"].runs) == ("assume", 0)
    assert result.memory["default"] == {"d": 1}
    assert result.ok


def test_an_assume_that_throws_fails_the_step_loudly_at_its_location(tmp_path: Path) -> None:
    result = run_yaml(tmp_path, 'steps:\n  a: {type: noop, assume: ["true", "nope.x"]}\n')
    assert result.steps["a"].status == "failed"
    assert "steps.a.assume.1" in (result.steps["a"].error or "")


def test_a_false_guarantee_fails_the_step_and_routes_on_fail(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        steps:
          summarize:
            type: command
            exec: "echo '{\\"items\\": []}'"
            guarantee: ["output && Array.isArray(output.items)", "output.items.length > 0"]
            on_fail: {run: [recompute]}
          recompute: {type: memory, operation: set, key: recomputed, value: true}
        """,
    )
    step = result.steps["summarize"]
    assert (step.status, step.error) == ("failed", "guarantee failed: output.items.length > 0")
    assert result.memory["default"] == {"recomputed": True}


def test_failure_conditions_global_and_step_with_override_severity_and_message(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        failure_conditions:
          too_big: "output > 100"
          small:
            condition: "output < 5"
            severity: warning
            message: "suspiciously small"
        steps:
          tiny: {type: script, content: "return 1"}
          huge: {type: script, content: "return 1000"}
          allowed:
            type: script
            content: "return 1000"
            failure_conditions:
              too_big: {condition: "output > 5000", message: "way too big"}
        """,
    )
    steps = result.steps
    assert (steps["tiny"].status, steps["tiny"].issues) == ("success", (("warning", "suspiciously small"),))
    assert steps["huge"].status == "failed"
    assert steps["huge"].error == "failure condition 'too_big' met: output > 100"
    assert steps["allowed"].status == "success"
    assert result.to_json()["steps"]["tiny"]["issues"] == [
        {"severity": "warning", "message": "suspiciously small"}
    ]


def test_halt_execution_fails_the_step_and_skips_everything_not_started(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        steps:
          first: {type: noop}
          gate:
            type: script
            content: "return 'stop'"
            depends_on: first
            failure_conditions:
              stop_now: {condition: "output === 'stop'", halt_execution: true, severity: info}
            on_fail: {retry: {max: 3}}
          independent: {type: memory, operation: set, key: never, value: 1, depends_on: first}
          later: {type: noop, depends_on: gate}
        """,
    )
    assert statuses(result) == {
        "first": "success",
        "gate": "failed",
        "independent": "skipped",
        "later": "skipped",
    }
    assert result.steps["gate"].runs == 1
    assert result.steps["independent"].reason == "halted by failure condition 'stop_now' of step 'gate'"
    assert result.memory == {}


def test_global_fail_if_keeps_the_step_status_and_routing_but_fails_the_run(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        fail_if: "output === 'bad'"
        steps:
          a: {type: script, content: "return 'bad'", on_success: {run: [b]}}
          b: {type: memory, operation: set, key: ran, value: true}
        """,
    )
    assert statuses(result) == {"a": "success", "b": "success"}
    assert result.steps["a"].issues == (("error", "global fail_if met: output === 'bad'"),)
    assert (result.ok, result.exit_code) == (False, 1)


def test_criticality_external_and_internal_suppress_retries_of_logical_failures_only(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        steps:
          logical_ext: {type: script, content: "return 1", fail_if: "true", criticality: external, on_fail: {retry: {max: 2}}}
          logical_int: {type: script, content: "return 1", guarantee: "false", criticality: internal, on_fail: {retry: {max: 2}}}
          logical_policy: {type: script, content: "return 1", fail_if: "true", criticality: policy, on_fail: {retry: {max: 2}}}
          execution_ext: {type: script, content: "throw new Error('x')", criticality: external, on_fail: {retry: {max: 2}}}
        """,
    )
    runs = {name: step.runs for name, step in result.steps.items()}
    assert runs == {"logical_ext": 1, "logical_int": 1, "logical_policy": 3, "execution_ext": 3}


def test_on_init_runs_steps_first_and_shows_their_outputs_by_name(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        steps:
          fetch:
            type: script
            on_init:
              run:
                - {step: double, with: {x: 21}, as: doubled}
                - setup
            content: "return [outputs.doubled, outputs.setup]"
          after: {type: script, depends_on: fetch, content: "return typeof outputs.doubled"}
          double: {type: script, content: "return (args.x || 0) * 2", if: "args.x !== undefined"}
          setup: {type: memory, operation: increment, key: setups}
        """,
    )
    assert result.steps["fetch"].output == [42, 1]
    assert result.steps["after"].output == "undefined"
    assert result.memory["default"]["setups"] == 2  # once by on_init, once as a step of the plan


def test_on_init_run_js_and_a_failing_item_fails_the_step_before_it_starts(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        steps:
          a:
            type: memory
            operation: set
            key: a
            value: 1
            on_init: {run_js: "return ['boom']"}
          boom: {type: script, content: "throw new Error('no')", if: "false"}
          b:
            type: script
            content: "return outputs.x"
            on_init: {run_js: "return [{step: 'val', with: {v: 7}, as: 'x'}]"}
          val: {type: script, content: "return args.v ?? null"}
        """,
    )
    assert result.steps["a"].status == "failed"
    assert "on_init step 'boom' failed: " in (result.steps["a"].error or "")
    assert "a" not in result.memory.get("default", {})
    assert result.steps["b"].output == 7


def test_conditions_see_visors_per_step_names_checkname_issues_and_counters(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        steps:
          scan:
            type: script
            if: "checkName === 'scan' && totalIssues === 0 && metadata.checkName === 'scan'"
            content: "return {issues: [{severity: 'critical', file: 'src/a.py'}, {severity: 'warning', file: 'b.md'}]}"
            failure_conditions:
              no_critical_issues:
                condition: "criticalIssues > 0 && issues[0].file === 'src/a.py' && warningIssues === 1"
                message: "Critical security issues found"
          clean:
            type: script
            content: "return {issues: '[]'}"
            fail_if: "totalIssues > 0 || metadata.totalIssues !== 0"
        """,
    )
    assert (result.steps["scan"].status, result.steps["scan"].error) == (
        "failed",
        "Critical security issues found",
    )
    assert result.steps["clean"].status == "success"
