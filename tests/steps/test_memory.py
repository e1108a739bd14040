"""Memory steps: every operation's output and error (DESIGN.md section 4)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import run_yaml


@dataclass(frozen=True)
class Case:
    name: str
    seed: dict[str, Any]
    step: dict[str, Any]
    output: Any = None
    memory: dict[str, Any] | None = None
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


CASES = [
    Case("get-existing", {"k": 5}, {"operation": "get", "key": "k"}, output=5),
    Case("get-missing", {}, {"operation": "get", "key": "k"}, output=None),
    Case(
        "set-object",
        {},
        {"operation": "set", "key": "k", "value": {"a": [1, None]}},
        output={"a": [1, None]},
        memory={"default": {"k": {"a": [1, None]}}},
    ),
    Case(
        "set-null",
        {},
        {"operation": "set", "key": "k", "value": None},
        output=None,
        memory={"default": {"k": None}},
    ),
    Case(
        "set-other-namespace",
        {},
        {"operation": "set", "key": "k", "value": 1, "namespace": "ns"},
        output=1,
        memory={"default": {}, "ns": {"k": 1}},
    ),
    Case("append-missing", {}, {"operation": "append", "key": "k", "value": 1}, output=[1]),
    Case("append-list", {"k": [1]}, {"operation": "append", "key": "k", "value": 2}, output=[1, 2]),
    Case("append-scalar", {"k": "a"}, {"operation": "append", "key": "k", "value": "b"}, output=["a", "b"]),
    Case("append-null", {"k": None}, {"operation": "append", "key": "k", "value": 1}, output=[None, 1]),
    Case("increment-missing", {}, {"operation": "increment", "key": "k"}, output=1),
    Case("increment-null", {"k": None}, {"operation": "increment", "key": "k"}, output=1),
    Case("increment-amount", {"k": 2}, {"operation": "increment", "key": "k", "value": 5}, output=7),
    Case("increment-float", {"k": 1.5}, {"operation": "increment", "key": "k", "value": 1.5}, output=3),
    Case(
        "increment-string",
        {"k": "x"},
        {"operation": "increment", "key": "k"},
        error="Cannot increment non-numeric value at key 'k' (type: string)",
        memory={"default": {"k": "x"}},
    ),
    Case(
        "increment-bad-amount",
        {},
        {"operation": "increment", "key": "k", "value": "2"},
        error="Increment amount must be a number, got string",
    ),
    Case(
        "delete-existing", {"k": 1}, {"operation": "delete", "key": "k"}, output=True, memory={"default": {}}
    ),
    Case("delete-missing", {}, {"operation": "delete", "key": "k"}, output=False),
    Case(
        "delete-never-creates-namespace",
        {},
        {"operation": "delete", "key": "k", "namespace": "ghost"},
        output=False,
        memory={"default": {}},
    ),
    Case("clear-default", {"k": 1}, {"operation": "clear"}, output=None, memory={}),
    Case(
        "clear-named-only",
        {"k": 1},
        {"operation": "clear", "namespace": "other"},
        output=None,
        memory={"default": {"k": 1}},
    ),
    Case("list", {"b": 1, "a": 2}, {"operation": "list"}, output=["b", "a"]),
    Case("list-unknown-namespace", {}, {"operation": "list", "namespace": "nope"}, output=[]),
]


def seed_steps(seed: dict[str, Any]) -> dict[str, Any]:
    steps = {
        f"seed-{k}": {"type": "memory", "operation": "set", "key": k, "value": v} for k, v in seed.items()
    }
    steps["seed-ns"] = {"type": "memory", "operation": "list"}  # makes sure 'default' exists
    return steps


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_operation(tmp_path: Path, case: Case) -> None:
    steps = seed_steps(case.seed)
    steps["seed-ns"] = {"type": "memory", "operation": "set", "key": "_", "value": 0}
    steps["cleanup"] = {"type": "memory", "operation": "delete", "key": "_", "depends_on": list(steps)}
    steps["op"] = {"type": "memory", "depends_on": ["cleanup"], **case.step}
    result = run_yaml(tmp_path, yaml.safe_dump({"steps": steps}, sort_keys=False))
    op = result.steps["op"]
    if case.error:
        assert op.status == "failed"
        assert case.error in (op.error or "")
    else:
        assert op.status == "success", op.error
        assert op.output == case.output
    if case.memory is not None:
        assert result.memory == case.memory


def test_session_scope_is_separate_and_reported(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        steps:
          a: {type: memory, operation: set, key: id, value: x, scope: session}
          b: {type: memory, operation: get, key: id, depends_on: a}
    """,
    )
    assert result.session == {"default": {"id": "x"}}
    assert result.memory == {}
    assert result.steps["b"].output is None


def test_default_namespace_comes_from_config(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        memory: {namespace: production}
        steps:
          a: {type: memory, operation: set, key: k, value: 1}
    """,
    )
    assert result.memory == {"production": {"k": 1}}


def test_values_are_copied_not_shared(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        steps:
          a: {type: memory, operation: set, key: k, value: [1]}
          b: {type: memory, operation: append, key: k, value: 2, depends_on: a}
    """,
    )
    assert result.steps["a"].output == [1]
    assert result.memory["default"]["k"] == [1, 2]


def test_liquid_is_rendered_in_every_string_of_a_value_nested_ones_included(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        steps:
          src: {type: script, content: "return {n: 2, tag: 'v1'}"}
          save:
            type: memory
            depends_on: src
            operation: set
            key: k
            value:
              plain: "no markup {"
              count: "{{ outputs.src.n }}"
              list: ["{{ outputs.src.tag }}", 3, {deep: "{% if outputs.src.n > 1 %}big{% endif %}"}]
        """,
    )
    assert result.memory["default"]["k"] == {
        "plain": "no markup {",
        "count": "2",
        "list": ["v1", 3, {"deep": "big"}],
    }


def test_a_liquid_error_in_a_nested_value_string_names_its_path(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        steps:
          save: {type: memory, operation: set, key: k, value: {a: ["{{ 1 | nosuch }}"]}}
        """,
    )
    assert result.steps["save"].status == "failed"
    assert "steps.save.value.a.0" in (result.steps["save"].error or "")
