"""Command steps: real processes, output parsing, failure shape, timeouts."""

from __future__ import annotations

import time
from pathlib import Path

from tests.helpers import run_yaml


def test_json_stdout_becomes_structured_output(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        steps:
          a: {type: command, exec: "echo '{\\"n\\": [1, 2]}'"}
          b: {type: command, exec: "echo 42"}
          c: {type: command, exec: "printf '  plain text \\n\\n'"}
    """,
    )
    assert [result.steps[n].output for n in "abc"] == [{"n": [1, 2]}, 42, "plain text"]


def test_failure_output_has_visor_shape_plus_stderr(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        steps:
          a: {type: command, exec: "echo partial; echo 'lint: unused import' >&2; exit 3"}
    """,
    )
    step = result.steps["a"]
    assert step.status == "failed"
    assert step.output == {
        "error": True,
        "exit_code": 3,
        "stdout": "partial",
        "stderr": "lint: unused import\n",
        "message": "lint: unused import\n",
        "text": "Command failed with exit code 3: lint: unused import\n",
    }
    assert step.error == "Command failed with exit code 3: lint: unused import"


def test_a_silent_failure_shows_the_tail_of_stdout_once(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        steps:
          a: {type: command, exec: "for i in 1 2 3 4 5 6 7; do echo line $i; done; exit 1"}
          b: {type: command, exec: "exit 4"}
          c: {type: command, exec: "echo '  '; echo ' ' >&2; exit 2"}
    """,
    )
    tail = " | ".join(f"line {i}" for i in range(3, 8))
    assert result.steps["a"].error == f"Command failed with exit code 1; stdout ends: {tail}"
    assert result.steps["b"].error == "Command failed with exit code 4"
    assert result.steps["c"].error == "Command failed with exit code 2"
    assert (
        result.steps["b"].output["text"] == "Command failed with exit code 4: Command exited with code 4"
    )  # Visor's


def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    began = time.perf_counter()
    result = run_yaml(
        tmp_path,
        """
        steps:
          slow: {type: command, exec: "sleep 30 & sleep 30; echo never", timeout: 0.3}
    """,
    )
    assert time.perf_counter() - began < 5
    step = result.steps["slow"]
    assert step.status == "failed"
    assert step.output["timeout"] is True
    assert step.output["exit_code"] is None
    assert "timed out after 0.3s" in (step.error or "")


def test_cwd_is_relative_to_the_config_and_env_is_merged(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    result = run_yaml(
        tmp_path,
        """
        env: {TOP: top}
        steps:
          a: {type: command, exec: "echo $(basename $PWD) $TOP $STEP", cwd: sub, env: {STEP: 7}}
    """,
    )
    assert result.steps["a"].output == "sub top 7"


def test_command_that_cannot_start_fails_cleanly(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        steps:
          a: {type: command, exec: "true", cwd: missing-folder}
    """,
    )
    assert result.steps["a"].status == "failed"
    assert "cannot start command" in result.steps["a"].output["stderr"]


def test_transforms_see_the_parsed_output(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        steps:
          js: {type: command, exec: "echo '{\\"n\\": 3}'", transform_js: "JSON.parse(output).n + 1"}
          liquid: {type: command, exec: "echo '{\\"n\\": 3}'", transform: '{"m": {{ output.n | plus: 1 }}}'}
          text: {type: command, exec: "echo hello", transform_js: "output.toUpperCase()"}
    """,
    )
    assert result.steps["js"].output == 4
    assert result.steps["liquid"].output == {"m": 4}
    assert result.steps["text"].output == "HELLO"


def test_transform_js_and_fail_if_see_visors_json_aware_output(tmp_path: Path) -> None:
    """Visor's docs use both `JSON.parse(output).tickets` and `output.tickets` on command output."""
    result = run_yaml(
        tmp_path,
        """
        steps:
          parse: {type: command, exec: "echo '{\\"tickets\\": [{\\"key\\": \\"T-1\\"}]}'", transform_js: "JSON.parse(output).tickets"}
          fields: {type: command, exec: "echo '{\\"tickets\\": [1, 2]}'", transform_js: "output.tickets.length + output.trim().length"}
          text: {type: command, exec: "echo '  hi  '", transform_js: "output.trim().toUpperCase()"}
          array: {type: command, exec: "echo '[1, 2, 3]'", transform_js: "output.length"}
          same: {type: command, exec: "echo '{\\"a\\": 1}'", transform_js: "output"}
          gate:
            type: command
            exec: "echo '{\\"summary\\": {\\"failed\\": 2}}'"
            fail_if: "output.summary.failed > 0 && output.includes('failed')"
        """,
    )
    outputs = {name: step.output for name, step in result.steps.items()}
    assert outputs["parse"] == [{"key": "T-1"}]
    assert outputs["fields"] == 2 + len('{"tickets": [1, 2]}')
    assert outputs["text"] == "HI"
    assert outputs["array"] == 3
    assert outputs["same"] == {"a": 1}
    assert result.steps["gate"].status == "failed"


def test_endless_output_stops_at_the_limit_and_fails_the_step(tmp_path: Path) -> None:
    """`yes` for the default 60 s would print gigabytes; the step stops at command_output_mb."""
    result = run_yaml(
        tmp_path,
        """
        limits: {command_output_mb: 1}
        steps:
          flood: {type: command, exec: "yes", continue_on_failure: true}
          after: {type: log, message: "still running", depends_on: flood}
    """,
    )
    step = result.steps["flood"]
    assert step.status == "failed"
    assert (
        step.error == "Command printed more than 1 MiB on stdout (limits.command_output_mb); it was stopped"
    )
    assert len(step.output["stdout"]) == 1024 * 1024 - 1  # "y\n" * n, kept up to the limit, stripped
    assert step.output["exit_code"] is None
    assert result.steps["after"].status == "success"
