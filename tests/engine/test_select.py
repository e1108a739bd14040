"""Selection as Visor: tags, tag_filter, on: with --event (and GitHub's event), any-of depends_on."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from visor_mem.config import load_config
from visor_mem.engine import run_config
from visor_mem.engine.options import RunOptions
from visor_mem.engine.plan import build_plan
from visor_mem.engine.select import github_event
from visor_mem.errors import UsageError

STEPS: dict[str, Any] = {
    "plain": {"type": "noop"},
    "fast": {"type": "noop", "tags": ["fast"]},
    "slow": {"type": "noop", "tags": ["slow", "nightly"]},
    "after-slow": {"type": "noop", "depends_on": "slow"},
    "either": {"type": "noop", "depends_on": "fast|slow"},
    "on-pr": {"type": "noop", "on": ["pr_opened", "pr_updated"]},
    "on-manual": {"type": "noop", "on": ["manual"]},
}


@dataclass(frozen=True)
class Case:
    id: str
    options: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    environ: dict[str, str] = field(default_factory=dict)
    runs: frozenset[str] = frozenset()


ALL = frozenset(STEPS)
CASES = [
    Case("untagged-only-by-default", runs=ALL - {"fast", "slow", "after-slow", "either"}),
    Case("tags-add-their-steps", {"tags": ("fast",)}, runs=ALL - {"slow"}),
    Case("exclude-only-keeps-other-tagged", {"exclude_tags": ("nightly",)}, runs=ALL - {"slow"}),
    Case("tags-and-exclude", {"tags": ("fast,slow",), "exclude_tags": ("nightly",)}, runs=ALL - {"slow"}),
    Case("tag-filter", config={"tag_filter": {"include": ["slow"]}}, runs=ALL - {"fast"}),
    Case(
        "command-line-replaces-tag-filter",
        {"tags": ("fast",)},
        config={"tag_filter": {"include": ["slow"]}},
        runs=ALL - {"slow"},
    ),
    Case("event", {"event": "pr_opened"}, runs=frozenset({"plain", "on-pr"})),
    Case("event-all", {"event": "all"}, runs=ALL - {"fast", "slow", "after-slow", "either"}),
    Case(
        "github-event",
        environ={"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "schedule"},
        runs=frozenset({"plain"}),
    ),
    Case(
        "explicit-event-wins-over-github",
        {"event": "manual"},
        environ={"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "schedule"},
        runs=frozenset({"plain", "on-manual"}),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_selection(case: Case) -> None:
    spec = load_config({"steps": STEPS, **case.config}).spec
    plan = build_plan(spec, RunOptions(environ=case.environ, **case.options))
    assert set(spec.steps) - set(plan.excluded) == case.runs


def test_reasons_name_the_rule() -> None:
    spec = load_config({"steps": STEPS}).spec
    excluded = build_plan(spec, RunOptions(environ={}, event="manual")).excluded
    assert excluded["fast"] == "tagged: runs only with --tags or tag_filter"
    assert excluded["after-slow"] == "dependency 'slow' is not selected"
    assert excluded["either"] == "dependency 'fast|slow' is not selected"
    assert excluded["on-pr"] == "not triggered by event 'manual' (on: pr_opened, pr_updated)"


def test_any_of_runs_when_one_option_succeeds_and_waits_for_all(tmp_path: Path) -> None:
    config = {
        "steps": {
            "bad": {"type": "command", "exec": "exit 3"},
            "good": {"type": "memory", "operation": "set", "key": "k", "value": 1},
            "late": {"type": "memory", "operation": "set", "key": "k", "value": 2, "depends_on": "good"},
            "join": {"type": "script", "content": "return memory.get('k')", "depends_on": ["bad | late"]},
            "none": {"type": "noop", "depends_on": "bad|bad2"},
            "bad2": {"type": "command", "exec": "exit 4"},
        }
    }
    result = run_config(load_config(config), RunOptions(environ={}))
    assert result.steps["join"].status == "success"
    assert result.steps["join"].output == 2  # ran after every option that is in the run
    assert result.steps["none"].status == "skipped"
    assert result.steps["none"].reason == "no dependency of 'bad|bad2' succeeded (dependency 'bad' failed)"


def test_any_of_names_must_exist_at_their_line(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("steps:\n  a: {type: noop}\n  b:\n    type: noop\n    depends_on: [a, 'a|nope']\n")
    with pytest.raises(Exception, match=r"c.yaml:5:21: steps.b.depends_on.1: unknown step 'nope'"):
        load_config(path)


def test_an_unknown_event_is_a_usage_error() -> None:
    spec = load_config({"steps": STEPS}).spec
    with pytest.raises(UsageError, match="unknown event 'pr_open'"):
        build_plan(spec, RunOptions(environ={}, event="pr_open"))


@pytest.mark.parametrize(
    ("name", "payload", "event"),
    [
        ("pull_request", {"action": "opened"}, "pr_opened"),
        ("pull_request", {"action": "synchronize"}, "pr_updated"),
        ("pull_request", {"action": "edited"}, "pr_updated"),
        ("pull_request", {"action": "closed"}, "pr_closed"),
        ("pull_request", {"action": "labeled"}, "manual"),
        ("issues", {"action": "opened"}, "issue_opened"),
        ("issue_comment", {"issue": {"pull_request": {"url": "x"}}}, "pr_updated"),
        ("issue_comment", {"issue": {}}, "issue_comment"),
        ("pull_request_review", {}, "pr_updated"),
        ("workflow_dispatch", {}, "schedule"),
        ("push", {}, "manual"),
    ],
)
def test_github_events_map_as_visor_maps_them(name: str, payload: dict[str, Any], event: str) -> None:
    assert github_event(name, payload) == event


def test_the_github_payload_is_read_from_its_file(tmp_path: Path) -> None:
    payload = tmp_path / "event.json"
    payload.write_text(json.dumps({"action": "opened"}))
    environ = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(payload),
    }
    spec = load_config({"steps": STEPS}).spec
    assert "on-pr" not in build_plan(spec, RunOptions(environ=environ)).excluded
    payload.write_bytes(b"\xff not json")  # unreadable payload: no action, so no pr event
    assert "on-pr" in build_plan(spec, RunOptions(environ=environ)).excluded


def test_config_max_parallelism_and_fail_fast_apply() -> None:
    config = {
        "fail_fast": True,
        "max_parallelism": 1,
        "steps": {"a": {"type": "command", "exec": "exit 1"}, "b": {"type": "noop", "depends_on": "c"},
                  "c": {"type": "noop"}},
    }  # fmt: skip
    result = run_config(load_config(config), RunOptions(environ={}))
    assert result.steps["a"].status == "failed"
    assert result.steps["b"].status == "skipped"


def test_the_selected_event_is_the_event_scripts_see() -> None:
    config = {"steps": {"e": {"type": "log", "message": "{{ event.event_name }}"}}}
    result = run_config(load_config(config), RunOptions(environ={}, event="pr_updated"))
    assert result.steps["e"].output == {"text": "pr_updated"}
    assert run_config(load_config(config), RunOptions(environ={})).steps["e"].output == {"text": "manual"}
