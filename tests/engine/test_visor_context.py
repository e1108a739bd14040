"""The GitHub context a run derives from its environment: event, branches, files, permissions."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import run_yaml
from visor_mem.engine import event_payload
from visor_mem.expr.visor_info import from_environment

PR = {"base": "main", "head": "feature", "files": [{"filename": "a.py"}, {"filename": "b.md"}]}


def test_outside_github_actions_the_event_is_manual_and_permissions_are_local() -> None:
    info = from_environment({}, PR, None, {"who": "x"})
    assert info.globals() == {
        "event": {"event_name": "manual", "name": "manual", "action": None, "repository": None},
        "branch": "feature",
        "baseBranch": "main",
        "filesChanged": ["a.py", "b.md"],
        "filesCount": 2,
        "inputs": {"who": "x"},
    }
    assert info.has_min_permission("OWNER")
    assert not info.is_exactly("FIRST_TIMER")


def test_under_github_actions_event_names_and_association_come_from_the_payload(tmp_path: Path) -> None:
    payload = tmp_path / "event.json"
    payload.write_text(
        json.dumps({"action": "opened", "pull_request": {"author_association": "CONTRIBUTOR"}})
    )
    env = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(payload)}
    info = from_environment(env, PR, event_payload(env), {})
    assert (info.event_name, info.action, info.association, info.local) == (
        "pr_opened",
        "opened",
        "CONTRIBUTOR",
        False,
    )
    assert info.has_min_permission("CONTRIBUTOR")
    assert not info.has_min_permission("MEMBER")


def test_an_unreadable_or_hostile_payload_is_ignored(tmp_path: Path) -> None:
    for text in ("not json", "[1]", "[" * 100_000, "\udcff"):
        path = tmp_path / "event.json"
        path.write_text(text, encoding="utf-8", errors="surrogateescape")
        assert event_payload({"GITHUB_ACTIONS": "true", "GITHUB_EVENT_PATH": str(path)}) is None
    assert event_payload({"GITHUB_ACTIONS": "true", "GITHUB_EVENT_PATH": str(tmp_path / "missing")}) is None


def test_liquid_sees_inputs_defaults_and_the_event(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        inputs:
          - {name: greeting, default: hello}
        steps:
          a: {type: log, message: "{{ inputs.greeting }} {{ event.name }} {{ filesCount }}"}
        """,
    )
    assert result.steps["a"].output == {"text": "hello manual 0"}
