"""Malformed configs: each is rejected with one line naming file, line, field and what was expected."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from visor_mem.config import load_config
from visor_mem.errors import ConfigError


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    line: int
    field: str | None
    fragment: str


CASES = [
    Case(
        "unknown-step-type",
        """
        steps:
          build:
            type: commnd
            exec: make
        """,
        3, "steps.build.type", "unknown step type 'commnd'; expected one of: command, log, memory, noop, script; did you mean 'command'?",
    ),
    Case(
        "visor-only-step-type",
        """
        steps:
          review:
            type: ai
        """,
        3, "steps.review.type", "'ai' is a Visor type that visor_mem does not run",
    ),
    Case(
        "missing-step-type",
        """
        steps:
          build:
            exec: make
        """,
        2, "steps.build.type", "required: the step type, one of: command, log, memory, noop, script",
    ),
    Case(
        "unknown-memory-operation",
        """
        steps:
          count:
            type: memory
            operation: incremnt
            key: n
        """,
        4, "steps.count.operation", "did you mean 'increment'?",
    ),
    Case(
        "missing-key",
        """
        version: "1.0"
        steps:
          save:
            type: memory
            operation: set
            value: 1
        """,
        3, "steps.save.key", "required for operation 'set'",
    ),
    Case(
        "missing-value",
        """
        steps:
          save:
            type: memory
            operation: append
            key: errors
        """,
        2, "steps.save.value", "'value' or 'value_js' is required for operation 'append'",
    ),
    Case(
        "missing-operation",
        """
        steps:
          save:
            type: memory
            key: errors
        """,
        2, "steps.save.operation", "required: one of get, set",
    ),
    Case(
        "ttl-on-get",
        """
        steps:
          read:
            type: memory
            operation: get
            key: k
            ttl: 5
        """,
        6, "steps.read.ttl", "only applies to operations set, append and increment",
    ),
    Case(
        "misspelt-step-key",
        """
        steps:
          lint: {type: noop}
          build:
            type: noop
            depnds_on: [lint]
        """,
        5, "steps.build.depnds_on", "unknown field 'depnds_on'; did you mean 'depends_on'?",
    ),
    Case(
        "misspelt-operation-key",
        """
        steps:
          read:
            type: memory
            operaton: get
            key: k
        """,
        4, "steps.read.operaton", "did you mean 'operation'?",
    ),
    Case(
        "misspelt-top-level-key",
        """
        version: "1.0"
        memroy:
          storage: memory
        steps:
          a: {type: noop}
        """,
        2, "memroy", "unknown field 'memroy'; did you mean 'memory'?",
    ),
    Case(
        "unknown-top-level-key",
        """
        steps:
          a: {type: noop}
        banana: 1
        """,
        3, "banana", "expected one of: version, steps, checks, memory",
    ),
    Case(
        "misspelt-hook-key",
        """
        steps:
          a:
            type: noop
            on_fail:
              retyr: {max: 2}
        """,
        5, "steps.a.on_fail.retyr", "did you mean 'retry'?",
    ),
    Case(
        "goto-not-a-string",
        """
        steps:
          build:
            type: command
            exec: make
            on_fail:
              goto: 3
        """,
        6, "steps.build.on_fail.goto", "expected a step name (string) (got the number 3)",
    ),
    Case(
        "run-item-not-a-name",
        """
        steps:
          build:
            type: noop
            on_success:
              run: [5]
        """,
        5, "steps.build.on_success.run.0", "expected a step name (string) or a mapping",
    ),
    Case(
        "depends-on-a-number",
        """
        steps:
          a:
            type: noop
            depends_on: 7
        """,
        4, "steps.a.depends_on", "expected a step name or a list of step names (got the number 7)",
    ),
    Case(
        "misspelt-quota-key",
        """
        memory:
          limits:
            scratch: {max_keyz: 10}
        steps:
          a: {type: noop}
        """,
        3, "memory.limits.scratch.max_keyz", "did you mean 'max_keys'?",
    ),
    Case(
        "run-item-misspelt-with",
        """
        steps:
          build:
            type: noop
            on_success:
              run:
                - step: build
                  wiht: {a: 1}
        """,
        7, "steps.build.on_success.run.0.wiht", "did you mean 'with'?",
    ),
    Case(
        "depends-on-unknown-step",
        """
        steps:
          build: {type: noop}
          test:
            type: noop
            depends_on: [bild]
        """,
        5, "steps.test.depends_on.0", "unknown step 'bild'; did you mean 'build'?",
    ),
    Case(
        "depends-on-unknown-step-bare-string",
        """
        steps:
          build: {type: noop}
          test:
            type: noop
            depends_on: nothing
        """,
        5, "steps.test.depends_on", "unknown step 'nothing'; steps are: build, test",
    ),
    Case(
        "goto-unknown-step",
        """
        steps:
          build:
            type: command
            exec: make
            on_fail:
              goto: biuld
        """,
        6, "steps.build.on_fail.goto", "unknown step 'biuld'; did you mean 'build'?",
    ),
    Case(
        "run-unknown-step",
        """
        steps:
          build:
            type: noop
            on_success:
              run: [build, notify]
        """,
        5, "steps.build.on_success.run.1", "unknown step 'notify'",
    ),
    Case(
        "transition-unknown-step",
        """
        steps:
          build:
            type: noop
            on_finish:
              transitions:
                - when: "true"
                  to: deploy
        """,
        7, "steps.build.on_finish.transitions.0.to", "unknown step 'deploy'",
    ),
    Case(
        "routing-defaults-unknown-step",
        """
        routing:
          defaults:
            on_fail: {goto: retry-all}
        steps:
          a: {type: noop}
        """,
        3, "routing.defaults.on_fail.goto", "unknown step 'retry-all'",
    ),
    Case(
        "dependency-cycle",
        """
        steps:
          a:
            type: noop
            depends_on: [c]
          b:
            type: noop
            depends_on: [a]
          c:
            type: noop
            depends_on: [b]
        """,
        4, "steps.a.depends_on.0", "dependency cycle: a -> c -> b -> a",
    ),
    Case(
        "self-dependency",
        """
        steps:
          a:
            type: noop
            depends_on: a
        """,
        4, "steps.a.depends_on", "dependency cycle: a -> a",
    ),
    Case(
        "file-storage-without-file",
        """
        memory:
          storage: file
        steps:
          a: {type: noop}
        """,
        1, "memory.file", "required for storage 'file'",
    ),
    Case(
        "unknown-storage",
        """
        memory:
          storage: database
        steps:
          a: {type: noop}
        """,
        2, "memory.storage", "expected one of: memory, file, sqlite, redis",
    ),
    Case(
        "steps-and-checks",
        """
        steps:
          a: {type: noop}
        checks:
          b: {type: noop}
        """,
        3, "checks", "use either 'steps' or 'checks', not both",
    ),
    Case(
        "empty-steps",
        """
        version: "1.0"
        steps: {}
        """,
        2, "steps", "expected at least one step",
    ),
    Case(
        "no-steps",
        """
        version: "1.0"
        memory: {storage: memory}
        """,
        1, "steps", "required: a mapping of step names to steps",
    ),
    Case(
        "steps-is-a-list",
        """
        steps:
          - type: noop
        """,
        1, "steps", "expected a mapping of step names to steps (got a list)",
    ),
    Case(
        "step-is-null",
        """
        steps:
          a:
          b: {type: noop}
        """,
        2, "steps.a", "expected a step (a mapping with a 'type') (got null)",
    ),
    Case(
        "command-without-exec",
        """
        steps:
          build:
            type: command
        """,
        2, "steps.build.exec", "required for a command step",
    ),
    Case(
        "log-without-message",
        """
        steps:
          say:
            type: logger
            level: info
        """,
        2, "steps.say.message", "required for a log step",
    ),
    Case(
        "max-runs-zero",
        """
        steps:
          a:
            type: noop
            max_runs: 0
        """,
        4, "steps.a.max_runs", "expected a number from 1 to 1000000 (got the number 0)",
    ),
    Case(
        "retry-max-negative",
        """
        steps:
          a:
            type: noop
            on_fail:
              retry:
                max: -1
        """,
        6, "steps.a.on_fail.retry.max", "expected a number from 0 to 1000000",
    ),
    Case(
        "if-not-a-string",
        """
        steps:
          a:
            type: noop
            if: [1]
        """,
        4, "steps.a.if", "expected a string (got a list)",
    ),
    Case(
        "bad-tag",
        """
        steps:
          a:
            type: noop
            tags: [+fast]
        """,
        4, "steps.a.tags", "invalid tag '+fast'",
    ),
    Case(
        "env-value-is-a-list",
        """
        env:
          PATH: [a, b]
        steps:
          a: {type: noop}
        """,
        2, "env.PATH", "expected a string, a number or a boolean (true/false) (got a list)",
    ),
    Case(
        "checks-alias-paths",
        """
        checks:
          a:
            type: noop
            depends_on: [b]
        """,
        4, "checks.a.depends_on.0", "unknown step 'b'",
    ),
    Case(
        "first-problem-in-file-order",
        """
        steps:
          a:
            type: noop
            timeout: -1
          b:
            type: memory
            operation: nope
        zzz: 1
        """,
        4, "steps.a.timeout", "expected a number greater than 0 and at most 604800 seconds",
    ),
    Case(
        "yaml-syntax-error",
        """
        steps:
          a: {type: noop
          b: {type: noop}
        """,
        3, None, "invalid YAML: did not find expected ',' or '}' (while parsing a flow mapping started at line 2)",
    ),
    Case(
        "yaml-bad-indentation",
        """
        steps:
          a:
            type: noop
           exec: x
        """,
        4, None, "invalid YAML",
    ),
    Case(
        "yaml-duplicate-step",
        """
        steps:
          a: {type: noop}
          a: {type: log, message: hi}
        """,
        3, None, "invalid YAML: duplicate key 'a'",
    ),
    Case(
        "document-is-a-list",
        """
        - version: "1.0"
        """,
        1, None, "expected a mapping with 'version' and 'steps' at the top level, found a list",
    ),
    Case(
        "document-is-a-scalar",
        """
        just text
        """,
        1, None, "found a single value",
    ),
]  # fmt: skip


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".visor.yaml"
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_malformed_config_is_one_line_with_position(tmp_path: Path, case: Case) -> None:
    path = _write(tmp_path, case.text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    error = caught.value
    rendered = str(error)
    assert "\n" not in rendered
    assert error.location is not None
    assert (error.location.file, error.location.line, error.location.field) == (
        str(path),
        case.line,
        case.field,
    )
    prefix = f"{path}:{case.line}:{error.location.column}: " + (f"{case.field}: " if case.field else "")
    assert rendered.startswith(prefix)
    assert case.fragment in rendered
    assert error.exit_code == 2


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 25
    assert len({case.id for case in CASES}) == len(CASES)


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError, match="config file not found") as caught:
        load_config(missing)
    assert str(caught.value) == f"{missing}: config file not found"


def test_folder_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="expected a config file, found a folder"):
        load_config(tmp_path)


def test_empty_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "# nothing here\n")
    with pytest.raises(ConfigError, match="the config is empty"):
        load_config(path)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("steps: {caf\xe9: {type: noop}}".encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(path)


def test_mapping_input_has_the_same_errors_without_positions() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config({"steps": {"build": {"type": "noop", "depends_on": ["lnt"]}, "lint": {"type": "noop"}}})
    assert str(caught.value) == "steps.build.depends_on.0: unknown step 'lnt'; did you mean 'lint'?"
