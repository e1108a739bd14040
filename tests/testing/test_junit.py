"""JUnit XML, read back by junitparser (the parser CI tools such as test-reporter actions use)."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from junitparser import Error, Failure, JUnitXml, Skipped

from tests.testing.conftest import RETRY_FLOW, run_text, with_cases
from tests.testing.test_report import MIXED
from visor_mem.testing.junit import clean, write_junit


def test_junit_counts_and_results(tmp_path: Path) -> None:
    result = run_text(tmp_path, with_cases(RETRY_FLOW, MIXED))
    report = tmp_path / "junit.xml"
    write_junit(result, report)
    xml = JUnitXml.fromfile(str(report))
    [suite] = list(xml)
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (4, 1, 1, 1)
    cases = {case.name: case for case in suite}
    assert list(cases) == ["passes", "fails", "errors", "skipped"]
    assert cases["passes"].is_passed
    [failure] = cases["fails"].result
    assert isinstance(failure, Failure)
    assert failure.message.startswith("output of 'lint': equals")
    assert f"{result.suite.path}:35:13: tests.cases.1.expect.outputs.0" in (failure.text or "")
    [error] = cases["errors"].result
    assert isinstance(error, Error)
    assert error.message.startswith("command step 'lint' has no mock")
    [skipped] = cases["skipped"].result
    assert isinstance(skipped, Skipped)
    assert skipped.message == "later"
    root = ElementTree.parse(report).getroot()
    case = root.find("testsuite/testcase[@name='fails']")
    assert case is not None
    assert (case.get("file"), case.get("line"), case.get("classname")) == (
        str(result.suite.path), "30", ".visor.yaml",
    )  # fmt: skip


def test_hostile_names_and_messages_stay_well_formed(tmp_path: Path) -> None:
    cases = '- name: "x <&> \\"q\\" ]]> \\u0001 é \\u2028"\n  strict: false\n  mocks: {lint: "1"}\n  expect: {ok: false}\n'
    result = run_text(tmp_path, with_cases(RETRY_FLOW, cases))
    assert result.cases[0].name == 'x <&> "q" ]]> \x01 é \u2028'
    assert result.cases[0].status == "failed"
    report = tmp_path / "j.xml"
    write_junit(result, report)
    [case] = list(next(iter(JUnitXml.fromfile(str(report)))))
    assert case.name == clean(result.cases[0].name)
    assert "\ufffd" in case.name
    assert "]]>" in case.name


def test_clean_replaces_what_xml_cannot_hold() -> None:
    assert clean("a\x00b\x1fc\ud800d\ttab\n") == "a\ufffdb\ufffdc\ufffdd\ttab\n"
