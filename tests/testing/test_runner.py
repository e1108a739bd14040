"""Running cases: the retry/goto flow on mocks, isolation, fixtures, errors, parallel processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.testing.conftest import RETRY_FLOW, load, run_text, with_cases
from visor_mem.testing.runner import default_jobs, run_suite

FAIL_FAIL_PASS = """\
- name: fail-fail-pass
  mocks:
    lint[]:
      - {exit_code: 1, stderr: "E501 line too long"}
      - {exit_code: 1}
      - {stdout: '{"ok": true, "warnings": 0}'}
  expect:
    calls:
      - {step: init, exactly: 1}
      - {step: lint, exactly: 3}
      - {step: bump, exactly: 2}
      - {step: publish, exactly: 1}
    memory:
      - {key: retry_count, equals: 2}
      - {equals: {retry_count: 2}}
    status: {init: success, lint: success, bump: success, publish: success}
    outputs:
      - {step: lint, path: ok, equals: true}
      - {step: lint, index: first, path: stderr, contains: E501}
      - {step: publish, path: text, equals: "published after 2"}
    errors:
      - {step: lint, contains: "E501"}
    order:
      - {step: init, before: lint}
      - {step: publish, after: lint}
    ok: true
    exit_code: 0
"""


def test_fail_fail_pass_holds_and_runs_nothing_real(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_text(tmp_path, with_cases(RETRY_FLOW, FAIL_FAIL_PASS))
    [case] = result.cases
    assert (case.status, case.failures, case.message) == ("passed", (), None)
    assert list(tmp_path.rglob("LINT_RAN")) == []  # the real command never ran, anywhere


def test_a_mock_that_keeps_failing_exhausts_the_loop(tmp_path: Path) -> None:
    cases = """\
    - name: always-fails
      mocks:
        lint: 1
      expect:
        calls:
          - {step: init, exactly: 1}
          - {step: lint, exactly: 3}
          - {step: bump, exactly: 3}
        no_calls:
          - step: publish
        memory:
          - {key: retry_count, equals: 3}
        status: {lint: failed, publish: skipped}
        ok: false
        exit_code: 1
        fail: {message_contains: "exit code 1"}
    """
    [case] = run_text(tmp_path, with_cases(RETRY_FLOW, cases)).cases
    assert case.status == "passed", case.failures


def test_failing_expectations_are_all_reported(tmp_path: Path) -> None:
    cases = """\
    - name: wrong
      mocks:
        lint: 1
      expect:
        calls:
          - {step: lint, exactly: 2}
          - {step: bump, at_most: 1}
        memory:
          - {equals: {retry_count: 1}}
        status: {publish: success}
        ok: true
    """
    [case] = run_text(tmp_path, with_cases(RETRY_FLOW, cases)).cases
    assert case.status == "failed"
    messages = [f.message for f in case.failures]
    assert messages == [
        "step 'lint' ran 3 times, expected exactly 2 times",
        "step 'bump' ran 3 times, expected at most once",
        "step 'publish' ended skipped (dependency 'lint' failed), expected success",
        'memory default: equals {"retry_count":1} does not hold; actual {"retry_count":3}',
        "ok is false, expected true (failed steps: lint)",
        "step 'init' ran once but expect.calls does not list it (strict mode; add it, or set strict: false)",
    ]
    assert [f.field for f in case.failures][:2] == [
        "tests.cases.0.expect.calls.0",
        "tests.cases.0.expect.calls.1",
    ]


def test_strict_false_allows_unlisted_steps(tmp_path: Path) -> None:
    cases = """\
    - name: loose
      strict: false
      mocks: {lint: '{"ok": true}'}
      expect:
        calls: [{step: lint, exactly: 1}]
    """
    [case] = run_text(tmp_path, with_cases(RETRY_FLOW, cases)).cases
    assert case.status == "passed", case.failures


def test_unmocked_command_errors_and_stops_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    [case] = run_text(tmp_path, with_cases(RETRY_FLOW, "- name: bare\n")).cases
    assert case.status == "error"
    assert case.message == (
        "command step 'lint' has no mock: add mocks.lint (or real_commands: [lint] to run it for real)"
    )
    assert list(tmp_path.rglob("LINT_RAN")) == []


CAT_FLOW = """\
    steps:
      read:
        type: command
        exec: "cat data/input.json; pwd > where.txt"
      echo:
        type: command
        exec: "echo hello"
"""


def test_real_commands_run_in_the_scratch_folder_with_files(tmp_path: Path) -> None:
    cases = """\
    - name: real
      real_commands: [read]
      files:
        data/input.json: '{"n": 3}'
      mocks:
        echo: mocked
      expect:
        calls: [{step: read, exactly: 1}, {step: echo, exactly: 1}]
        outputs:
          - {step: read, path: n, equals: 3}
          - {step: echo, equals: mocked}
    """
    result = run_text(tmp_path, with_cases(CAT_FLOW, cases))
    assert result.cases[0].status == "passed", result.cases[0].failures
    assert not (tmp_path / "where.txt").exists()  # it ran in the scratch folder, not beside the config


def test_real_commands_true_runs_every_unmocked_command(tmp_path: Path) -> None:
    cases = """\
    - name: all-real
      real_commands: true
      files: {data/input.json: "[1, 2]"}
      expect:
        calls: [{step: read, exactly: 1}, {step: echo, exactly: 1}]
        outputs: [{step: read, equals: [1, 2]}, {step: echo, equals: hello}]
    """
    [case] = run_text(tmp_path, with_cases(CAT_FLOW, cases)).cases
    assert case.status == "passed", case.failures


FILE_STORE = """\
    memory:
      storage: file
      file: state.json
    steps:
      bump:
        type: memory
        operation: increment
        key: n
"""


def test_each_case_gets_a_fresh_in_memory_store(tmp_path: Path) -> None:
    (tmp_path / "state.json").write_text('{"default": {"n": 100}}\n', encoding="utf-8")
    before = (tmp_path / "state.json").read_bytes()
    cases = """\
    - name: seeded
      memory: {default: {n: 5}, other: {x: [1]}}
      expect:
        calls: [{step: bump, exactly: 1}]
        memory:
          - {key: n, equals: 6}
          - {namespace: other, equals: {x: [1]}}
    - name: fresh
      expect:
        calls: [{step: bump, exactly: 1}]
        memory: [{key: n, equals: 1}]
    """
    result = run_text(tmp_path, with_cases(FILE_STORE, cases))
    assert [c.status for c in result.cases] == ["passed", "passed"], [c.failures for c in result.cases]
    assert (tmp_path / "state.json").read_bytes() == before


def test_store_config_uses_the_configured_store(tmp_path: Path) -> None:
    (tmp_path / "state.json").write_text('{"default": {"n": 100}}\n', encoding="utf-8")
    cases = """\
    - name: real-store
      store: config
      expect:
        calls: [{step: bump, exactly: 1}]
        memory: [{key: n, equals: 101}]
    """
    [case] = run_text(tmp_path, with_cases(FILE_STORE, cases)).cases
    assert case.status == "passed", case.failures
    assert json.loads((tmp_path / "state.json").read_text(encoding="utf-8")) == {"default": {"n": 101}}


CONTEXT_FLOW = """\
    steps:
      look:
        type: script
        content: |
          return {s: session.get('token'), e: env.VT_COLOUR, v: vars.who, pr: pr.number, title: pr.title};
      compute:
        type: script
        content: "return 1"
      fetch:
        type: memory
        operation: get
        key: missing
"""


def test_session_env_vars_pr_fixtures_reach_the_run(tmp_path: Path) -> None:
    cases = """\
    - name: context
      session: {default: {token: abc}}
      env: {VT_COLOUR: blue}
      vars: {who: me}
      pr: {number: 7}
      mock_js:
        compute: "memory.set('touched', true); return 41 + 1"
      mocks:
        fetch: {from: mock}
      expect:
        calls: [{step: look}, {step: compute}, {step: fetch}]
        outputs:
          - {step: look, equals: {s: abc, e: blue, v: me, pr: 7, title: Standalone Workflow Execution}}
          - {step: compute, equals: 42}
          - {step: fetch, path: from, equals: mock}
        memory: [{key: touched, equals: true}]
    """
    [case] = run_text(tmp_path, with_cases(CONTEXT_FLOW, cases)).cases
    assert case.status == "passed", case.failures


def test_skip_and_a_bad_memory_fixture(tmp_path: Path) -> None:
    cases = """\
    - name: later
      skip: waiting for the new API
    - name: nan
      memory: {default: {x: .nan}}
    - name: flag
      skip: true
    """
    result = run_text(tmp_path, with_cases(CONTEXT_FLOW, cases))
    assert [c.status for c in result.cases] == ["skipped", "error", "skipped"]
    assert [result.cases[0].message, result.cases[2].message] == ["waiting for the new API", "skip: true"]
    assert (result.cases[1].message or "").startswith("memory.default.x: ")


EVENT_FLOW = """\
    inputs:
      - name: channel
        default: stable
    steps:
      on-open:
        type: log
        on: [pr_opened]
        message: "{{ inputs.channel }}"
      always:
        type: log
        message: "{{ inputs.channel }}"
"""


def test_event_and_inputs_fixtures_reach_the_run(tmp_path: Path) -> None:
    cases = """\
    - name: opened
      event: pr_opened
      inputs: {channel: beta}
      expect:
        calls: [{step: on-open, exactly: 1}, {step: always, exactly: 1}]
        outputs: [{step: on-open, path: text, equals: beta}]
    - name: commented
      event: issue_comment
      workflow_input: {channel: nightly}
      expect:
        calls: [{step: always, exactly: 1}]
        no_calls: [{step: on-open}]
        outputs: [{step: always, path: text, equals: nightly}]
    - name: defaults
      expect:
        calls: [{step: on-open}, {step: always}]
        outputs: [{step: always, path: text, equals: stable}]
    - name: undeclared-input
      inputs: {chanel: x}
    """
    result = run_text(tmp_path, with_cases(EVENT_FLOW, cases))
    assert [(c.status, c.failures) for c in result.cases[:3]] == [("passed", ())] * 3
    last = result.cases[3]
    assert (last.status, last.message) == (
        "error",
        "inputs.chanel: the workflow declares no such input (inputs: channel)",
    )


def test_parallel_processes_give_the_same_results(tmp_path: Path) -> None:
    case = (
        "- name: c{n}\n  strict: false\n  mocks:\n    lint[]: [1, '{{\"ok\": true}}']\n"
        "  expect:\n    calls: [{{step: lint, exactly: {calls}}}]\n"
    )
    cases = "".join(case.format(n=n, calls=2 if n % 3 else 3) for n in range(12))
    suite = load(tmp_path, with_cases(RETRY_FLOW, cases))
    one = run_suite(suite, suite.cases, 1)
    two = run_suite(suite, suite.cases, 2)
    strip = [(c.name, c.status, c.failures) for c in one.cases]
    assert strip == [(c.name, c.status, c.failures) for c in two.cases]
    assert [c.status for c in one.cases].count("passed") == 8


def test_default_jobs_needs_enough_cases_per_process() -> None:
    assert default_jobs(1) == 1
    assert default_jobs(7) == 1
    assert 1 <= default_jobs(1000) <= 64


def test_a_failing_macro_expectation_points_at_the_macro(tmp_path: Path) -> None:
    text = with_cases(
        RETRY_FLOW,
        "- name: a\n  strict: false\n  mocks: {lint: '1'}\n"
        "  expect:\n    use: [twice]\n    calls: [{step: init, exactly: 2}]\n    status: {lint: failed}\n",
    ).replace(
        "tests:\n", "tests:\n  defaults:\n    macros:\n      twice: {calls: [{step: lint, exactly: 2}]}\n"
    )
    [case] = run_text(tmp_path, text).cases
    assert [(f.field, f.message) for f in case.failures] == [
        ("tests.defaults.macros.twice.calls.0", "step 'lint' ran once, expected exactly 2 times"),
        ("tests.cases.0.expect.calls.0", "step 'init' ran once, expected exactly 2 times"),
        ("tests.cases.0.expect.status.lint", "step 'lint' ended success, expected failed"),
    ]
