"""``visor test`` end to end: exit codes 0/1/2, text, JSON, JUnit, selection, discovery."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from junitparser import JUnitXml

from tests.cli.conftest import Visor
from tests.testing.conftest import RETRY_FLOW, with_cases, write_suite
from tests.testing.test_report import MIXED

VISOR = Path(sys.executable).with_name("visor")
PASSING = """\
- name: green
  mocks:
    lint[]: [1, '{"ok": true}']
  expect:
    calls:
      - {step: init, exactly: 1}
      - {step: lint, exactly: 2}
      - {step: bump, exactly: 1}
      - {step: publish, exactly: 1}
    memory: [{key: retry_count, equals: 1}]
"""


def test_all_passing_exits_0(visor: Visor, tmp_path: Path) -> None:
    path = write_suite(tmp_path, with_cases(RETRY_FLOW, PASSING))
    outcome = visor("test", str(path))
    assert outcome.code == 0, outcome
    lines = outcome.out.splitlines()
    assert lines[0] == f"{path}: 1 case"
    assert lines[1].startswith("PASS  green  (")
    assert lines[-1].startswith("1 passed in ")
    assert outcome.err == ""


def test_failing_and_erroring_cases_exit_1_with_json_and_junit(visor: Visor, tmp_path: Path) -> None:
    path = write_suite(tmp_path, with_cases(RETRY_FLOW, MIXED))
    junit = tmp_path / "out" / "junit.xml"
    junit.parent.mkdir()
    outcome = visor("test", str(path), "-o", "json", "--junit", str(junit))
    assert outcome.code == 1
    document = json.loads(outcome.out)  # exactly one JSON document on stdout
    assert [c["status"] for c in document["cases"]] == ["passed", "failed", "error", "skipped"]
    [suite] = list(JUnitXml.fromfile(str(junit)))
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (4, 1, 1, 1)


def test_github_annotations_go_to_stderr(
    visor: Visor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    path = write_suite(tmp_path, with_cases(RETRY_FLOW, MIXED))
    outcome = visor("test", str(path), "-o", "json")
    assert outcome.code == 1
    assert outcome.err.count("::error file=") == 2
    json.loads(outcome.out)


def test_only_and_tags_select_cases(visor: Visor, tmp_path: Path) -> None:
    path = write_suite(tmp_path, with_cases(RETRY_FLOW, MIXED))
    outcome = visor("test", str(path), "--only", "PASS")
    assert (outcome.code, outcome.out.splitlines()[-1].split(" in ")[0]) == (0, "1 passed")
    listed = visor("test", str(path), "--list", "--only", "s")
    assert listed.out.splitlines() == ["passes", "fails", "errors", "skipped"]
    none = visor("test", str(path), "--tags", "nothing")
    assert (none.code, none.out.splitlines()[-1].split(" in ")[0]) == (0, "no cases")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--only", "pases"], "--only pases: no case matches; did you mean 'passes'?"),
        (["-o", "xml"], "Invalid value for '-o' / '--output'"),
        (["--jobs", "0"], "Invalid value for '-j' / '--jobs'"),
    ],
)
def test_bad_usage_exits_2(visor: Visor, tmp_path: Path, argv: list[str], message: str) -> None:
    path = write_suite(tmp_path, with_cases(RETRY_FLOW, MIXED))
    outcome = visor("test", str(path), *argv)
    assert outcome.code == 2
    assert message in outcome.err
    assert "Traceback" not in outcome.err


def test_invalid_suite_exits_2_at_its_line(visor: Visor, tmp_path: Path) -> None:
    path = write_suite(tmp_path, with_cases(RETRY_FLOW, "- name: a\n  expect: {cals: []}\n"))
    outcome = visor("test", str(path))
    assert outcome.code == 2
    assert (
        outcome.err
        == f"{path}:26:16: tests.cases.0.expect.cals: unknown field 'cals'; did you mean 'calls'?\n"
    )
    validated = visor("validate", str(path))
    assert validated.code == 2
    assert validated.err.endswith(outcome.err)  # after the loader's "tests: inert for visor run" warning


def test_junit_to_an_unwritable_place_exits_2(visor: Visor, tmp_path: Path) -> None:
    path = write_suite(tmp_path, with_cases(RETRY_FLOW, PASSING))
    outcome = visor("test", str(path), "--junit", str(tmp_path / "missing" / "j.xml"))
    assert outcome.code == 2
    assert "missing/j.xml" in outcome.err


def test_discovers_the_suite_in_the_working_folder(
    visor: Visor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert visor("test").code == 2
    write_suite(tmp_path, with_cases(RETRY_FLOW, PASSING))
    outcome = visor("test")
    assert (outcome.code, outcome.out.splitlines()[0]) == (0, ".visor.yaml: 1 case")


def test_console_script_runs_cases_in_processes(tmp_path: Path) -> None:
    cases = "".join(PASSING.replace("name: green", f"name: green-{n}") for n in range(4))
    path = write_suite(tmp_path, with_cases(RETRY_FLOW, cases))
    done = subprocess.run(
        [str(VISOR), "test", str(path), "-j", "2", "-o", "json"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["summary"]["passed"] == 4


def test_validate_counts_the_test_cases(visor: Visor, tmp_path: Path) -> None:
    path = write_suite(tmp_path, with_cases(RETRY_FLOW, PASSING))
    outcome = visor("validate", str(path))
    assert (outcome.code, outcome.out) == (0, f"✓ {path} is valid: 4 steps, 1 test case\n")
    bare = write_suite(tmp_path, RETRY_FLOW, "bare.yaml")
    assert visor("validate", str(bare)).out == f"✓ {bare} is valid: 4 steps\n"


def test_schema_describes_the_tests_block(visor: Visor) -> None:
    schema = json.loads(visor("schema").out)
    case = schema["definitions"]["Case"]
    assert {"name", "mocks", "mock_js", "memory", "files", "expect", "skip"} <= set(case["properties"])
    assert case["additionalProperties"] is False
    assert schema["properties"]["tests"]["allOf"] == [{"$ref": "#/definitions/TestsBlock"}]
