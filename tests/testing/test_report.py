"""Text, JSON and GitHub reports of a suite with passing, failing, erroring and skipped cases."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tests.testing.conftest import RETRY_FLOW, run_text, with_cases
from visor_mem.testing.report import (
    annotation_lines,
    diff_lines,
    summary_line,
    to_json,
    write_annotations,
    write_text,
)
from visor_mem.testing.runner import SuiteResult

MIXED = """\
- name: passes
  strict: false
  mocks: {lint: '{"ok": true}'}
  expect:
    calls: [{step: lint, exactly: 1}]
- name: fails
  strict: false
  mocks: {lint: '{"ok": true, "n": 1}'}
  expect:
    outputs:
      - {step: lint, equals: {ok: false, n: 1}}
- name: errors
- name: skipped
  skip: later
"""


@pytest.fixture
def mixed(tmp_path: Path) -> SuiteResult:
    return run_text(tmp_path, with_cases(RETRY_FLOW, MIXED))


def test_text_report(mixed: SuiteResult) -> None:
    out = io.StringIO()
    write_text(mixed, out)
    lines = out.getvalue().splitlines()
    path = mixed.suite.path
    assert lines[0] == f"{path}: 4 cases"
    assert lines[1].startswith("PASS  passes  (")
    assert lines[2].startswith("FAIL  fails  (")
    assert lines[3] == (
        f"      {path}:35:13: tests.cases.1.expect.outputs.0: output of 'lint': equals "
        '{"ok":false,"n":1} does not hold; actual {"ok":true,"n":1}'
    )
    assert lines[4:10] == [
        "        --- expected",
        "        +++ actual",
        "         {",
        '           "n": 1,',
        '        -  "ok": false',
        '        +  "ok": true',
    ]
    error_at = next(i for i, line in enumerate(lines) if line.startswith("ERROR errors  ("))
    assert lines[error_at + 1] == (
        f"      {path}:36:7: tests.cases.2: command step 'lint' has no mock: "
        "add mocks.lint (or real_commands: [lint] to run it for real)"
    )
    assert "SKIP  skipped  (later)" in lines
    assert lines[-1].startswith("1 passed, 1 failed, 1 error, 1 skipped in ")


def test_json_report(mixed: SuiteResult) -> None:
    document = json.loads(json.dumps(to_json(mixed)))
    assert (document["ok"], document["exit_code"]) == (False, 1)
    summary = document["summary"]
    assert {k: summary[k] for k in ("total", "passed", "failed", "error", "skipped")} == {
        "total": 4, "passed": 1, "failed": 1, "error": 1, "skipped": 1,
    }  # fmt: skip
    fails = document["cases"][1]
    assert fails["status"] == "failed"
    [failure] = fails["failures"]
    assert failure["location"] == {
        "file": str(mixed.suite.path), "line": 35, "column": 13, "field": "tests.cases.1.expect.outputs.0",
    }  # fmt: skip
    assert (failure["expected"], failure["actual"]) == ({"ok": False, "n": 1}, {"ok": True, "n": 1})
    assert document["cases"][2]["message"].startswith("command step 'lint' has no mock")
    assert document["cases"][3]["message"] == "later"


def test_github_annotations_point_at_the_expectation(mixed: SuiteResult) -> None:
    path = mixed.suite.path
    assert annotation_lines(mixed) == [
        f"::error file={path},line=35,col=13,title=visor test%3A fails::output of 'lint': equals "
        '{"ok":false,"n":1} does not hold; actual {"ok":true,"n":1}',
        f"::error file={path},line=36,col=7,title=visor test%3A errors::command step 'lint' has no mock: "
        "add mocks.lint (or real_commands: [lint] to run it for real)",
    ]
    quiet = io.StringIO()
    write_annotations(mixed, quiet, {})
    assert quiet.getvalue() == ""
    loud = io.StringIO()
    write_annotations(mixed, loud, {"GITHUB_ACTIONS": "true"})
    assert loud.getvalue().count("::error ") == 2


def test_annotation_escapes(tmp_path: Path) -> None:
    cases = "- name: 'a,b: c'\n  strict: false\n  mocks: {lint: 'x'}\n  expect: {outputs: [{step: lint, equals: \"1%\\n2\"}]}\n"
    result = run_text(tmp_path, with_cases(RETRY_FLOW, cases))
    [line] = annotation_lines(result)
    assert "title=visor test%3A a%2Cb%3A c::" in line
    assert line.endswith('equals "1%25\\n2" does not hold; actual "x"')


def test_summary_and_diff_helpers(mixed: SuiteResult) -> None:
    assert summary_line(SuiteResult(mixed.suite, (), 0.0)) == "no cases in 0.00s"
    assert diff_lines([1], [1]) == []
