"""The GitHub context a run derives from its environment: event, branches, files, permissions."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import run_yaml
from visor_mem.engine import event_payload
from visor_mem.expr.visor_info import from_environment

PR = {"base": "main", "head": "feature", "files": [{"filename": "a.py"}, {"filename": "b.md"}]}


def test_outside_github_actions_the_event_is_manual_and_permissions_are_local() -> None:
    info = from_environment({}, PR, None, {"who": "x"}, "manual")
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
    info = from_environment(env, PR, event_payload(env), {}, "pr_opened")
    assert (info.action, info.association, info.local) == (
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


def test_javascript_sees_visors_helpers_and_github_context(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        inputs:
          - {name: level, default: 3}
        steps:
          gate:
            type: script
            if: "always() && success() && !failure() && isMember() && isOwner() && !isFirstTimer() && hasMinPermission('OWNER')"
            content: |
              return [
                contains('Hello World', 'WORLD'), startsWith('Visor', 'vi'), endsWith('file.PY', '.py'),
                length('abc'), length([1, 2]), length({a: 1}), length(null),
                event.event_name, event.name, branch, baseBranch, filesChanged, filesCount, inputs.level,
                isCollaborator(), isContributor(),
              ]
          scan:
            type: script
            content: "return {issues: [{severity: 'critical', file: 'src/a.py', ruleId: 'x'}, {severity: 'info', file: 'b.md'}]}"
            failure_conditions:
              critical:
                condition: "hasFileMatching(issues, 'src/') && hasFileWith(issues, 'b.md') && countIssues(issues, 'severity', 'info') === 1 && hasIssue(issues, 'ruleId', 'x') && hasIssueWith(issues, 'ruleId', 'x')"
                message: "critical issue in src/"
        """,
    )
    assert result.steps["gate"].output == [
        True, True, True, 3, 2, 1, 0, "manual", "manual", "unknown", "main", [], 0, 3, True, True,
    ]  # fmt: skip
    assert result.steps["scan"].error == "critical issue in src/"


def test_permission_helpers_under_github_actions_follow_the_association(tmp_path: Path) -> None:
    payload = tmp_path / "event.json"
    payload.write_text(json.dumps({"action": "created", "comment": {"author_association": "CONTRIBUTOR"}}))
    env = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "issue_comment", "GITHUB_EVENT_PATH": str(payload)}
    result = run_yaml(
        tmp_path,
        """
        steps:
          who:
            type: script
            content: "return [isOwner(), isMember(), isContributor(), isFirstTimer(), hasMinPermission('COLLABORATOR'), event.name]"
        """,
        environ=env,
    )
    assert result.steps["who"].output == [False, False, True, False, False, "issue_comment"]


EVENT_SCRIPT = """
steps:
  seen: {type: script, content: "return event.name"}
  pr-only: {type: noop, on: [pr_updated]}
"""


def test_expressions_see_the_event_that_selected_the_steps(tmp_path: Path) -> None:
    """One mapping of GitHub events: a comment on a PR is pr_updated for selection and for scripts."""
    payload = tmp_path / "event.json"
    payload.write_text(json.dumps({"action": "created", "issue": {"pull_request": {"url": "u"}}}))
    env = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "issue_comment", "GITHUB_EVENT_PATH": str(payload)}
    result = run_yaml(tmp_path, EVENT_SCRIPT, environ=env)
    assert (result.steps["seen"].output, result.steps["pr-only"].status) == ("pr_updated", "success")
    manual = run_yaml(tmp_path, EVENT_SCRIPT, environ={}, event="pr_opened")
    assert (manual.steps["seen"].output, manual.steps["pr-only"].status) == ("pr_opened", "skipped")
