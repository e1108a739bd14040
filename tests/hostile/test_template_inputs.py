"""Hostile templates and timeouts: each fails its step (exit 1) with one clear line, quickly.

Issue 10 "Liquid has no time or output limit" and "timeout: is ignored on every
step type but command".
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.hostile.table import Case, run_and_check


def _case(id: str, message: str, fragment: str, **step: object) -> Case:
    """A log step rendering ``message``; ``fragment`` is expected in the JSON result."""
    config = {"version": "1", "steps": {"a": {"type": "log", "message": message, **step}}}
    return Case(id, ("run", "c.yaml", "-o", "json"), 1, "", {"c.yaml": json.dumps(config)}, stdout=fragment)


def _step(id: str, step: dict[str, object], fragment: str) -> Case:
    config = {"version": "1", "limits": {"js_timeout": 30}, "steps": {"a": step}}
    return Case(id, ("run", "c.yaml", "-o", "json"), 1, "", {"c.yaml": json.dumps(config)}, stdout=fragment)


CASES = [
    _case("for-1e8", "{% for i in (1..100000000) %}x{% endfor %}", "template loops more than 200,000 times"),
    _case(
        "output-bomb",
        # 300 writes of a 64 KiB string: past 16 MiB quickly even on a loaded machine.
        "{% assign s = 'xxxxxxxxxxxxxxxx' %}{% for i in (1..12) %}{% assign s = s | append: s %}{% endfor %}"
        "{% for i in (1..300) %}{{ s }}{% endfor %}",
        "template output is larger than 16 MiB",
    ),
    _case("base64-decode", "{{ 'abc' | base64_decode }}", "a filter failed: the text is not valid base64"),
    _case("sum-mixed", "{% assign a = '[1, \"x\"]' | parse_json %}{{ a | sum }}", "a filter failed:"),
    _case(
        "parse-json-deep",
        "{% assign a = '" + "[" * 5000 + "]" * 5000 + "' | parse_json %}{{ a | json }}",
        "a filter failed: a value is nested too deeply",
    ),
    _case(
        "memory-get-3-args",
        "{{ 'k' | memory_get: 'ns', 'x' }}",
        "memory_get: takes at most 1 argument, got 2",
    ),
    _case(
        "liquid-timeout",
        "{% for i in (1..190000) %}{{ i }}{% endfor %}",
        "step timed out after 0.01 s",
        timeout=0.01,
    ),
    _step(
        "script-timeout",
        {"type": "script", "content": "while (true) {}", "timeout": 0.01},
        "step timed out after 0.01 s",
    ),
    _step(
        "script-300ms-timeout",
        {
            "type": "script",
            "content": "let t = Date.now(); while (Date.now() - t < 300) {}; return 1",
            "timeout": 0.01,
        },
        "step timed out after 0.01 s",
    ),
    _step(
        "value-js-timeout",
        {"type": "memory", "operation": "set", "key": "k", "value_js": "while (true) {}", "timeout": "10ms"},
        "step timed out after 0.01 s",
    ),
    _step(
        "command-timeout",
        {"type": "command", "exec": "sleep 30", "timeout": "100ms"},
        "Command timed out after 0.1s",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_hostile_template(case: Case, tmp_path: Path) -> None:
    run_and_check(case, tmp_path)
