"""forEach: map/reduce fan-out by Visor's rules, items, scopes, hooks, budgets."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import run_yaml, statuses
from visor_mem.config.specs import StepSpec
from visor_mem.engine.foreach import as_items, fanout_of

PRODUCER = """
steps:
  list:
    type: script
    forEach: true
    content: return [1, 2, 3]
"""


@dataclass(frozen=True)
class Mode:
    id: str
    type: str
    extra: dict[str, object]
    mode: str


MODES = [
    Mode("command maps", "command", {}, "map"),
    Mode("memory reduces", "memory", {}, "reduce"),
    Mode("script reduces", "script", {}, "reduce"),
    Mode("log reduces", "log", {}, "reduce"),
    Mode("noop reduces", "noop", {}, "reduce"),
    Mode("fanout map wins", "memory", {"fanout_mode": "map"}, "map"),
    Mode("fanout reduce wins", "command", {"fanout_mode": "reduce"}, "reduce"),
]


@pytest.mark.parametrize("case", MODES, ids=[m.id for m in MODES])
def test_fanout_default_by_type_and_override(case: Mode) -> None:
    assert fanout_of(StepSpec(type=case.type, **case.extra)) == case.mode  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("output", "items"),
    [
        ([1, 2], [1, 2]),
        (None, []),
        ('["a", "b"]', ["a", "b"]),
        ("plain", ["plain"]),
        ('{"a": 1}', ['{"a": 1}']),
        (5, [5]),
    ],
)
def test_a_producer_output_becomes_a_list_as_visor_normalises_it(output: object, items: list[object]) -> None:
    assert as_items(output) == items  # type: ignore[arg-type]


def test_map_runs_per_item_reduce_once_and_outputs_raw_is_the_whole_list(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        PRODUCER
        + """
  each:
    type: command
    depends_on: list
    exec: "echo {{ outputs.list }}"
  raw:
    type: command
    depends_on: list
    exec: "echo '{{ outputs_raw.list | json }}'"
    fanout: reduce
  once:
    type: script
    depends_on: list
    content: "return {seen: outputs.list, raw: outputs_raw.list}"
  per_item:
    type: memory
    depends_on: list
    reduce: false
    operation: append
    key: seen
    value_js: "({item: outputs.list, raw: outputs_raw.list.length})"
""",
    )
    assert result.ok
    steps = result.steps
    assert steps["each"].output == {"forEachItems": [1, 2, 3]}
    assert (steps["each"].runs, steps["each"].items) == (
        3,
        {"items": 3, "success": 3, "failed": 0, "skipped": 0},
    )
    assert steps["raw"].output == [1, 2, 3]
    assert steps["once"].output == {"seen": [1, 2, 3], "raw": [1, 2, 3]}
    assert result.memory["default"]["seen"] == [{"item": i, "raw": 3} for i in (1, 2, 3)]


def test_items_propagate_through_map_steps_and_history_has_one_entry_per_item(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        PRODUCER
        + """
  double:
    type: command
    depends_on: list
    exec: "echo $(( {{ outputs.list }} * 2 ))"
  plus_one:
    type: command
    depends_on: double
    exec: "echo $(( {{ outputs.double }} + 1 ))"
  total:
    type: script
    depends_on: plus_one
    content: return [outputs.history.double, outputs.plus_one.forEachItems]
""",
    )
    assert result.steps["plus_one"].output == {"forEachItems": [3, 5, 7]}
    assert result.steps["total"].output == [[2, 4, 6], [3, 5, 7]]


def test_zero_items_skip_map_dependents_with_forEach_empty_and_no_on_finish(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        steps:
          list:
            type: command
            forEach: true
            exec: "echo '[]'"
            on_finish: {run: [notify]}
          each: {type: command, depends_on: list, exec: "echo x"}
          after: {type: noop, depends_on: each}
          notify: {type: noop}
        """,
    )
    assert statuses(result) == {"list": "success", "each": "skipped", "after": "skipped", "notify": "skipped"}
    assert result.steps["each"].reason == "forEach_empty"
    assert result.steps["notify"].reason == "run target, never triggered"


def test_on_finish_runs_once_after_every_item_and_sees_the_forEach_context(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        PRODUCER
        + """
    on_finish:
      run: [summary]
      goto_js: "memory.set('ctx', forEach); return null"
  each:
    type: memory
    depends_on: list
    fanout: map
    operation: append
    key: order
    value_js: outputs.list
  summary:
    type: script
    content: return memory.get('order')
""",
    )
    assert result.steps["summary"].output == [1, 2, 3]
    assert result.memory["default"]["ctx"] == {
        "items": 3,
        "is_parent": True,
        "last_wave_size": 3,
        "last_items": [1, 2, 3],
    }


def test_a_failing_item_is_retried_alone_and_a_failed_item_skips_its_downstream_item(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        PRODUCER
        + """
  check:
    type: command
    depends_on: list
    exec: "n=$(cat c{{ outputs.list }} 2>/dev/null || echo 0); echo $((n+1)) > c{{ outputs.list }}; { [ {{ outputs.list }} != 2 ] || [ $n -ge 1 ]; } && echo {{ outputs.list }}"
    on_fail: {retry: {max: 1}}
  strict:
    type: command
    depends_on: list
    exec: "test {{ outputs.list }} != 3 && echo ok"
  next:
    type: command
    depends_on: strict
    exec: "echo {{ outputs.strict }}"
    continue_on_failure: true
""",
    )
    check, strict = result.steps["check"], result.steps["strict"]
    assert (check.status, check.runs, check.output) == ("success", 4, {"forEachItems": [1, 2, 3]})
    assert check.route == ("retry",)
    assert strict.status == "failed"
    assert strict.error is not None
    assert strict.error.startswith("1 of 3 items failed; item 2:")
    assert strict.items == {"items": 3, "success": 2, "failed": 1, "skipped": 0}
    assert result.steps["next"].status == "skipped"


def test_map_step_downstream_of_a_partly_failed_step_skips_only_the_failed_items(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        PRODUCER
        + """
  strict:
    type: command
    depends_on: list
    continue_on_failure: true
    exec: "test {{ outputs.list }} != 2 && echo {{ outputs.list }}"
  next:
    type: command
    depends_on: strict
    exec: "echo {{ outputs.strict }}"
""",
    )
    nxt = result.steps["next"]
    assert nxt.output == {"forEachItems": [1, None, 3]}
    assert nxt.items == {"items": 3, "success": 2, "failed": 0, "skipped": 1}


def test_max_runs_counts_executions_of_one_item_not_of_all_items(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        limits: {max_runs_per_step: 2}
        steps:
          list: {type: script, forEach: true, content: "return [1, 2, 3, 4, 5]"}
          each: {type: memory, fanout: map, depends_on: list, operation: increment, key: n}
        """,
    )
    assert result.ok
    assert result.memory["default"]["n"] == 5


def test_on_finish_goto_reruns_the_producer_and_its_items_within_the_loop_budget(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        PRODUCER
        + """
    on_finish:
      goto_js: "return memory.get('n') < 6 ? 'list' : null"
  each:
    type: memory
    depends_on: list
    fanout: map
    operation: increment
    key: n
""",
    )
    assert result.ok
    assert result.memory["default"]["n"] == 6
    assert result.steps["list"].runs == 2
    assert result.steps["each"].runs == 6


def test_on_finish_run_target_with_fanout_map_runs_per_producer_item(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        PRODUCER
        + """
    on_finish: {run: [per_item, once]}
  each: {type: command, depends_on: list, exec: "echo {{ outputs.list }}"}
  per_item:
    type: memory
    fanout: map
    operation: append
    key: items
    value_js: outputs.list
  once:
    type: memory
    operation: append
    key: whole
    value_js: outputs.list
""",
    )
    assert result.memory["default"] == {"items": [1, 2, 3], "whole": [[1, 2, 3]]}
    assert result.steps["per_item"].items == {"items": 3, "success": 3, "failed": 0, "skipped": 0}
