"""One memory API with one error policy in every JavaScript context (issue 3).

Each case is a JavaScript call on a seeded store; each context embeds it in a
different field.  Every context must end with the same store, and a call that
throws must fail the step that owns the field (and keep none of its writes).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import run_yaml


@dataclass(frozen=True)
class Case:
    name: str
    call: str
    memory: dict[str, Any]
    error: str | None = None


SEED = {"n": 1, "s": "text", "l": [1]}

CASES = [
    Case("increment", "memory.increment('n', 2)", {"default": {**SEED, "n": 3}, "other": {"x": 0}}),
    Case("increment-missing", "memory.increment('new')", {"default": {**SEED, "new": 1}, "other": {"x": 0}}),
    Case(
        "increment-string",
        "memory.increment('s')",
        {"default": SEED, "other": {"x": 0}},
        error="Cannot increment non-numeric value at key 's' (type: string)",
    ),
    Case(
        "append-scalar",
        "memory.append('s', 'more')",
        {"default": {**SEED, "s": ["text", "more"]}, "other": {"x": 0}},
    ),
    Case("append-list", "memory.append('l', 2)", {"default": {**SEED, "l": [1, 2]}, "other": {"x": 0}}),
    Case("delete-never-creates", "memory.delete('k', 'ghost')", {"default": SEED, "other": {"x": 0}}),
    Case("clear-default-only", "memory.clear()", {"other": {"x": 0}}),
    Case("clear-named", "memory.clear('other')", {"default": SEED}),
    Case(
        "set-other-namespace",
        "memory.set('y', {a: [1]}, 'other')",
        {"default": SEED, "other": {"x": 0, "y": {"a": [1]}}},
    ),
    Case(
        "write-then-throw",
        "(memory.set('n', 99), memory.undefinedFunction())",
        {"default": SEED, "other": {"x": 0}},
        error="TypeError",
    ),
]


def embed(context: str, call: str) -> dict[str, Any]:
    """The step named 'probe' that evaluates ``call`` in ``context``."""
    wrapped = f"({call}, null)"
    return {
        "script": {"type": "script", "content": f"{call}; return null"},
        "exec_js": {"type": "memory", "operation": "exec_js", "memory_js": f"{call}; return null"},
        "value_js": {
            "type": "memory",
            "operation": "set",
            "key": "_probe",
            "value_js": wrapped,
            "scope": "session",
        },
        "if": {"type": "noop", "if": f"({call}, true)"},
        "fail_if": {"type": "noop", "fail_if": f"({call}, false)"},
        "goto_js": {"type": "noop", "on_success": {"goto_js": wrapped}},
    }[context]


CONTEXTS = ["script", "exec_js", "value_js", "if", "fail_if", "goto_js"]


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_memory_call_in_every_context(tmp_path: Path, case: Case, context: str) -> None:
    steps: dict[str, Any] = {
        f"seed-{key}": {"type": "memory", "operation": "set", "key": key, "value": value}
        for key, value in SEED.items()
    }
    steps["seed-other"] = {"type": "memory", "operation": "set", "key": "x", "value": 0, "namespace": "other"}
    steps["probe"] = {**embed(context, case.call), "depends_on": list(steps)}
    result = run_yaml(tmp_path, yaml.safe_dump({"steps": steps}, sort_keys=False))
    probe = result.steps["probe"]
    if case.error:
        assert probe.status == "failed"
        assert case.error in (probe.error or "")
    else:
        assert probe.status == "success", probe.error
    assert result.memory == case.memory
