"""Every step type honours ``timeout`` by wall clock; commands default to limits.command_timeout.

No wall-clock asserts: each case is built so that only the step's timeout can
produce the message (the JS limit is 30 s, the Liquid render limit 5 s).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import run_yaml

SPIN = "while (true) {}"
LONG_RENDER = "{% for i in (1..190000) %}{{ i }}{% endfor %}"


@pytest.mark.parametrize(
    ("step", "field"),
    [
        ({"type": "script", "content": SPIN}, "content"),
        ({"type": "memory", "operation": "set", "key": "k", "value_js": SPIN}, "value_js"),
        ({"type": "memory", "operation": "exec_js", "memory_js": SPIN}, "memory_js"),
        (
            {"type": "memory", "operation": "set", "key": "k", "value": 1, "transform_js": SPIN},
            "transform_js",
        ),
        ({"type": "log", "message": LONG_RENDER}, "message"),
        ({"type": "memory", "operation": "set", "key": "k", "value": LONG_RENDER}, "value"),
        ({"type": "command", "exec": "echo 1", "transform_js": SPIN}, "transform_js"),
    ],
    ids=["script", "value_js", "memory_js", "transform_js", "log-liquid", "value-liquid", "command-js"],
)
def test_every_step_type_stops_at_its_timeout(tmp_path: Path, step: dict[str, str], field: str) -> None:
    import json

    result = run_yaml(
        tmp_path,
        f"""
        limits: {{js_timeout: 30}}
        steps:
          a: {json.dumps({**step, "timeout": "50ms"})}
        """,
    )
    a = result.steps["a"]
    assert a.status == "failed"
    assert a.error is not None
    assert a.error.endswith(f"steps.a.{field}: step timed out after 0.05 s (its timeout)")
    assert result.memory == {}  # a timed-out step wrote nothing


def test_a_timed_out_step_routes_like_any_failure(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        steps:
          a:
            type: script
            content: "while (true) {}"
            timeout: 0.05
            on_fail: {run: [cleanup]}
          cleanup: {type: noop}
        """,
    )
    assert result.steps["cleanup"].status == "success"


def test_commands_default_to_limits_command_timeout(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        limits: {command_timeout: 0.2}
        steps:
          slow: {type: command, exec: "sleep 30"}
          own: {type: command, exec: "echo fine", timeout: 30s}
        """,
    )
    assert result.steps["slow"].status == "failed"
    assert result.steps["slow"].output["message"] == "Command timed out after 0.2s"  # type: ignore[index]
    assert result.steps["own"].output == "fine"


def test_a_duration_string_times_a_command(tmp_path: Path) -> None:
    result = run_yaml(tmp_path, 'steps:\n  a: {type: command, exec: "sleep 30", timeout: 200ms}\n')
    assert result.steps["a"].error == "Command timed out after 0.2s"


def test_a_step_within_its_timeout_succeeds(tmp_path: Path) -> None:
    result = run_yaml(tmp_path, 'steps:\n  a: {type: script, content: "return 1 + 1", timeout: 5m}\n')
    assert result.steps["a"].output == 2


def test_the_js_limit_still_applies_when_the_step_timeout_is_longer(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        'limits: {js_timeout: 0.05}\nsteps:\n  a: {type: script, content: "while (true) {}", timeout: 1h}\n',
    )
    assert "JavaScript ran longer than the 0.05 s time limit" in (result.steps["a"].error or "")
