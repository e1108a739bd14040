"""Bounded numbers: every numeric config value is finite and in range, the range in the message."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from visor_mem.config import load_config
from visor_mem.config.bounds import SECONDS, Bound, parse_duration
from visor_mem.errors import ConfigError


@dataclass(frozen=True)
class Case:
    id: str
    where: tuple[str, ...]  # path of mappings down to the field
    value: Any
    fragment: str  # expected in the error; "" = valid


def _config(where: tuple[str, ...], value: Any) -> dict[str, Any]:
    step: dict[str, Any] = {"type": "memory", "operation": "set", "key": "k", "value": 1}
    config: dict[str, Any] = {"version": "1", "steps": {"a": step}}
    node = config if where[0] != "step" else step
    for part in where[1 if where[0] == "step" else 0 : -1]:
        node = node.setdefault(part, {})
    node[where[-1]] = value
    return config


RANGE = "expected a number greater than 0 and at most 604800 seconds"
CASES = [
    Case("timeout-inf", ("step", "timeout"), math.inf, "expected a finite number greater than 0"),
    Case("timeout-nan", ("step", "timeout"), math.nan, "(got the number nan)"),
    Case("timeout-1e30", ("step", "timeout"), 1e30, RANGE + " (got the number 1e+30)"),
    Case("timeout-zero", ("step", "timeout"), 0, RANGE),
    Case("timeout-bool", ("step", "timeout"), True, RANGE + " (got true)"),
    Case("timeout-word", ("step", "timeout"), "soon", "or a duration such as '500ms'"),
    Case("timeout-ms", ("step", "timeout"), "500ms", ""),
    Case("timeout-week", ("step", "timeout"), "168h", ""),
    Case("timeout-8-days", ("step", "timeout"), "192h", RANGE + " (got the number 691200)"),
    Case("ttl-inf", ("step", "ttl"), math.inf, "at most 315360000 seconds"),
    Case("max-runs-huge", ("step", "max_runs"), 10**30, "from 1 to 1000000 (got the number 1e+30)"),
    Case("js-timeout-1e13", ("limits", "js_timeout"), 1e13, "at most 3600 seconds (got the number 1e+13)"),
    Case("js-timeout-inf", ("limits", "js_timeout"), math.inf, "expected a finite number"),
    Case("js-memory", ("limits", "js_memory_mb"), 10**6, "from 1 to 65536 MiB"),
    Case("max-runs-per-step", ("limits", "max_runs_per_step"), 0, "from 1 to 1000000"),
    Case("command-timeout", ("limits", "command_timeout"), "30s", ""),
    Case("command-timeout-inf", ("limits", "command_timeout"), math.inf, "expected a finite number"),
    Case("max-loops", ("routing", "max_loops"), -1, "from 0 to 1000000"),
    Case("max-parallelism", ("max_parallelism",), 10**9, "from 1 to 1024 (got the number 1000000000)"),
    Case("max-loops-float", ("routing", "max_loops"), 1e30, "from 0 to 1000000 (got the number 1e+30)"),
    Case("quota", ("memory", "limits", "ns", "max_keys"), 2**50, "from 0 to 1099511627776"),
    Case(
        "delay-ms",
        ("step", "on_fail", "retry", "backoff", "delay_ms"),
        1e30,
        "from 0 to 3600000 milliseconds (got the number 1e+30)",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_numbers_are_bounded(case: Case) -> None:
    config = _config(case.where, case.value)
    if case.where[:3] == ("step", "on_fail", "retry"):
        config["steps"]["a"]["on_fail"]["retry"]["max"] = 1
    if not case.fragment:
        load_config(config)
        return
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert case.fragment in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("500ms", 0.5),
        ("30s", 30.0),
        ("5m", 300.0),
        ("1h", 3600.0),
        (" 2.5 s ", 2.5),
        ("7", 7.0),
        (".5m", 30.0),
    ],
)
def test_duration_strings(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5 minutes", "-1s", "1e3s", "s", "1d"])
def test_bad_duration_strings(text: str) -> None:
    with pytest.raises(ValueError, match="or a duration such as"):
        parse_duration(text)


def test_non_strings_pass_through_duration_parsing() -> None:
    assert parse_duration(12) == 12


def test_timeout_strings_become_seconds_in_the_spec() -> None:
    config = _config(("step", "timeout"), "250ms")
    assert load_config(config).spec.steps["a"].timeout == 0.25


def test_command_timeout_defaults_to_sixty_seconds() -> None:
    assert load_config(_config(("version",), "1")).spec.limits.command_timeout == 60.0


@pytest.mark.parametrize(
    ("bound", "value", "problem"),
    [
        (Bound(0, 10), 10, None),
        (Bound(0, 10), 0, None),
        (
            Bound(0, 10, low_open=True),
            0,
            "expected a number greater than 0 and at most 10 (got the number 0)",
        ),
        (Bound(1, 5, "MiB"), 6, "expected a number from 1 to 5 MiB (got the number 6)"),
        (
            SECONDS,
            -math.inf,
            "expected a finite number greater than 0 and at most 604800 seconds (got the number -inf)",
        ),
        (Bound(0, 1), 0.5, None),
        (Bound(0, 1), 1.5, "expected a number from 0 to 1 (got the number 1.5)"),
    ],
)
def test_bound_problem(bound: Bound, value: float, problem: str | None) -> None:
    assert bound.problem(value) == problem


def test_big_timeout_numbers_warn_once_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "version: '1'\nsteps:\n  a:\n    type: command\n    exec: 'true'\n    timeout: 120000\n"
        "  b:\n    type: noop\n    timeout: 999\n  c:\n    type: noop\n    timeout: '2000s'\n",
        encoding="utf-8",
    )
    loaded = load_config(path)
    assert loaded.warnings == (
        f"{path}:6:5: warning: steps.a.timeout: timeout is in seconds here: 120000 s is 33.3 hours; "
        "write '120000ms' if milliseconds were meant",
    )
    assert loaded.spec.steps["a"].timeout == 120000.0
