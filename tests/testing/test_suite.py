"""Loading suites: inline or in a .visor.tests.yaml, discovery, names that must exist, selection."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.testing.conftest import RETRY_FLOW, load, with_cases, write_suite
from visor_mem.errors import ConfigError, UsageError
from visor_mem.testing.suite import find_suite, load_suite, select


def error_of(folder: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load(folder, text)
    return str(caught.value)


def test_inline_suite_resolves_defaults(tmp_path: Path) -> None:
    text = with_cases(
        RETRY_FLOW, "- {name: a}\n- {name: b, strict: true, real_commands: [lint], tags: [x]}\n"
    ).replace(
        "tests:\n", "tests:\n  defaults: {strict: false, real_commands: true, tags: fast, env: {A: 1}}\n"
    )
    suite = load(tmp_path, text)
    a, b = suite.cases
    assert (a.strict, a.real_commands, a.step_tags, dict(a.env)) == (False, True, ("fast",), {"A": "1"})
    assert (b.strict, b.real_commands, b.step_tags) == (True, frozenset({"lint"}), ("fast", "x"))
    assert b.runs_for_real("lint")
    assert not b.runs_for_real("init")
    assert suite.locate("tests.cases.1").prefix() == f"{tmp_path / '.visor.yaml'}:27:7: tests.cases.1"


def test_separate_tests_file_extends_the_config(tmp_path: Path) -> None:
    write_suite(tmp_path, RETRY_FLOW)
    path = write_suite(
        tmp_path,
        """\
        version: "1.0"
        extends: .visor.yaml
        tests:
          defaults:
            ai_provider: mock
          cases:
            - name: visor-style
              mocks: {lint: '{"ok": true}'}
              expect:
                calls:
                  - {step: lint, exactly: 1}
        """,
        ".visor.tests.yaml",
    )
    suite = load_suite(path)
    assert list(suite.loaded.spec.steps) == ["init", "lint", "bump", "publish"]
    assert [c.name for c in suite.cases] == ["visor-style"]
    assert suite.locate("tests.cases.0.expect.calls.0").line == 11


def test_tests_file_errors_name_their_line(tmp_path: Path) -> None:
    write_suite(tmp_path, RETRY_FLOW)
    path = write_suite(
        tmp_path, "extends: .visor.yaml\ntests:\n  cases:\n    - name: a\n      mock: {}\n", "t.yaml"
    )
    with pytest.raises(ConfigError) as caught:
        load_suite(path)
    assert str(caught.value) == f"{path}:5:7: tests.cases.0.mock: unknown field 'mock'; did you mean 'mocks'?"


def test_errors_of_the_extended_config_name_its_file(tmp_path: Path) -> None:
    write_suite(tmp_path, RETRY_FLOW.replace("depends_on: [init]", "depends_on: [inti]"))
    path = write_suite(tmp_path, "extends: .visor.yaml\ntests:\n  cases:\n    - name: a\n", "t.yaml")
    with pytest.raises(ConfigError, match=r"\.visor\.yaml:\d+:\d+: .*unknown step 'inti'"):
        load_suite(path)
    missing = write_suite(tmp_path, "extends: nowhere.yaml\ntests:\n  cases:\n    - name: a\n", "m.yaml")
    with pytest.raises(ConfigError, match="nowhere.yaml"):
        load_suite(missing)


def test_a_config_without_tests_is_an_error(tmp_path: Path) -> None:
    message = error_of(tmp_path, RETRY_FLOW)
    assert message.endswith("no 'tests' block: add one, or write the cases in a .visor.tests.yaml")


@pytest.mark.parametrize(
    ("cases", "expected"),
    [
        (
            "- name: a\n  mocks: {lnt: 1}\n",
            ":26:15: tests.cases.0.mocks.lnt: unknown step 'lnt'; did you mean 'lint'?",
        ),
        (
            "- name: a\n  expect: {calls: [{step: bmp}]}\n",
            ".expect.calls.0.step: unknown step 'bmp'; did you mean 'bump'?",
        ),
        (
            "- name: a\n  expect: {status: {nope: failed}}\n",
            "tests.cases.0.expect.status.nope: unknown step 'nope'",
        ),
        (
            "- name: a\n  expect: {order: [{step: init, after: lnt}]}\n",
            "expect.order.0.after: unknown step 'lnt'",
        ),
        ("- name: a\n  expect: {use: [basics]}\n", "tests.cases.0.expect.use.0: unknown macro 'basics'"),
        (
            "- name: a\n  mocks: {lint: {exit_code: 1, stdot: x}}\n",
            "mocks.lint: unknown field 'stdot' in a command mock",
        ),
        ("- name: a\n  mocks: {lint: {exit_code: one}}\n", "mocks.lint: 'exit_code' must be an integer"),
        ("- name: a\n  mock_js: {lint: 'return 1'}\n", "mock_js.lint: mock_js replaces JavaScript"),
        ("- name: a\n  mocks:\n    lint[]: []\n", "mocks: 'lint[]' takes a non-empty list"),
        ("- name: a\n  files: {../x: y}\n", "files: file '../x' must be a relative path"),
        ("- name: a\n- name: a\n", "tests.cases: two cases are named 'a'"),
        ("- name: a\n  expect: {calls: [{step: lint, exactly: 1, at_most: 2}]}\n", "exactly: use either"),
        ("- name: a\n  expect: {order: [{step: lint}]}\n", "before: give exactly one of 'before' or 'after'"),
        ("- name: a\n  expect: {outputs: [{step: lint, matches: '('}]}\n", "invalid regular expression"),
    ],
    ids=lambda value: value if len(value) < 30 else None,
)
def test_load_time_errors(tmp_path: Path, cases: str, expected: str) -> None:
    assert expected in error_of(tmp_path, with_cases(RETRY_FLOW, cases))


def test_macros_merge_under_the_case(tmp_path: Path) -> None:
    text = with_cases(
        RETRY_FLOW, "- name: a\n  expect: {use: [base], calls: [{step: lint}], status: {lint: failed}}\n"
    )
    text = text.replace(
        "tests:\n",
        "tests:\n  defaults:\n    macros:\n      base: {calls: [{step: init}], status: {init: success, lint: success}}\n",
    )
    [case] = load(tmp_path, text).cases
    assert [c.step for c in case.expect.calls] == ["init", "lint"]
    assert case.expect.status == {"init": "success", "lint": "failed"}


def test_find_suite_prefers_the_tests_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no suite found"):
        find_suite(None, tmp_path)
    write_suite(tmp_path, RETRY_FLOW)
    assert find_suite(None, tmp_path) == tmp_path / ".visor.yaml"
    write_suite(tmp_path, "x", ".visor.tests.yaml")
    assert find_suite(None, tmp_path) == tmp_path / ".visor.tests.yaml"
    assert find_suite(tmp_path / "given.yaml", tmp_path) == tmp_path / "given.yaml"


def test_select_by_name_part_and_tags(tmp_path: Path) -> None:
    cases = "- {name: Retry-Loop, tags: [slow]}\n- {name: happy, tags: [fast]}\n- {name: retry-once}\n"
    all_cases = load(tmp_path, with_cases(RETRY_FLOW, cases)).cases
    assert [c.name for c in select(all_cases, ["RETRY"], [], [])] == ["Retry-Loop", "retry-once"]
    assert [c.name for c in select(all_cases, [], ["fast", "slow"], ["slow"])] == ["happy"]
    with pytest.raises(UsageError, match="--only hapy: no case matches; did you mean 'happy'"):
        select(all_cases, ["hapy"], [], [])


def test_an_unreadable_or_odd_suite(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="suite file not found"):
        load_suite(tmp_path / "missing.yaml")
    (tmp_path / "bin.yaml").write_bytes(b"\xff\xfe")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_suite(tmp_path / "bin.yaml")
    (tmp_path / "list.yaml").write_text("- 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="expected a mapping with a 'tests' block"):
        load_suite(tmp_path / "list.yaml")
