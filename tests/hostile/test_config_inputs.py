"""Hostile configs and command-line values: one row each, run against the installed ``visor``.

Issue 10, "Config, templates, limits": alias bombs, deep nesting, bad bytes,
nonsense numbers, ``--var`` / ``--pr`` values.  Every row must end in a
one-line error (exit 2) or a failed step (exit 1): never 70, never a traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile.table import Case, run_and_check

STEP = "version: '1'\nsteps:\n  a:\n    type: noop\n"
LAUGHS = (
    "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    + "".join(
        f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + STEP
)
BIG_ALIAS = (
    "version: '1'\nbig: &a '"
    + "x" * 1_000_000
    + "'\nsteps:\n  a:\n    type: memory\n    operation: set\n    key: k\n    value: ["
    + ", ".join(["*a"] * 1000)
    + "]\n"
)


def _deep(depth: int, flow: bool) -> str:
    head = "version: '1'\nsteps:\n  a:\n    type: memory\n    operation: set\n    key: k\n    value:"
    if flow:
        return f"{head} {'[' * depth}{']' * depth}\n"
    return head + "\n" + "".join("  " * (i + 3) + "k:\n" for i in range(depth)) + "  " * (depth + 3) + "1\n"


def _run(
    config: str | bytes, *extra: str, code: int = 2, message: str = "", **kw: object
) -> dict[str, object]:
    return {"argv": ("run", "c.yaml", "-o", "json", *extra), "exit_code": code, "message": message,
            "files": {"c.yaml": config}, **kw}  # fmt: skip


def _step(field: str, value: str, kind: str = "command\n    exec: 'true'") -> str:
    return f"version: '1'\nsteps:\n  a:\n    type: {kind}\n    {field}: {value}\n"


CASES = [
    Case("billion-laughs", **_run(LAUGHS, message="c.yaml:7:4: invalid YAML: aliases expand", timeout=10)),
    Case(
        "billion-laughs-validate",
        ("validate", "c.yaml"),
        2,
        "invalid YAML: aliases expand",
        {"c.yaml": LAUGHS},
    ),
    Case(
        "big-anchor-aliased",
        **_run(BIG_ALIAS, message="c.yaml:8:12: invalid YAML: aliases expand", timeout=10),
    ),
    Case(
        "deep-flow-600", **_run(_deep(600, True), message="c.yaml:7:209: invalid YAML: nested more than 200")
    ),
    Case("deep-flow-1000", **_run(_deep(1000, True), message="invalid YAML: exceeded maximum nesting depth")),
    Case("deep-block-800", **_run(_deep(800, False), message="invalid YAML: nested more than 200")),
    Case(
        "non-utf8",
        **_run(
            b"version: '1'\nsteps:\n  a:\n    type: noop\n    description: caf\xe9\n",
            message="c.yaml:5:21: config file is not UTF-8 text: byte 0xe9",
        ),
    ),  # fmt: skip
    Case(
        "nul",
        **_run(
            b"version: '1'\nsteps:\n  a:\n    type: noop\n    description: a\x00b\n",
            message="c.yaml:5:19: invalid YAML: character 0x0000",
        ),
    ),  # fmt: skip
    Case(
        "huge-int",
        **_run(_step("max_runs", "9" * 5000), message="c.yaml:6:15: invalid YAML: number too large"),
    ),
    Case(
        "js-timeout-1e13",
        **_run(
            "version: '1'\nlimits:\n  js_timeout: 1e13\n" + STEP[13:],
            message="c.yaml:3:3: limits.js_timeout: expected a number greater than 0 and at most 3600",
        ),
    ),  # fmt: skip
    Case(
        "js-timeout-inf",
        **_run("version: '1'\nlimits:\n  js_timeout: .inf\n" + STEP[13:], message="expected a finite number"),
    ),
    Case(
        "js-timeout-nan",
        **_run("version: '1'\nlimits:\n  js_timeout: .nan\n" + STEP[13:], message="(got the number nan)"),
    ),
    Case(
        "command-timeout-inf",
        **_run(_step("timeout", ".inf"), message="c.yaml:6:5: steps.a.timeout: expected a finite"),
    ),
    Case(
        "command-timeout-1e30",
        **_run(_step("timeout", "1e30"), message="at most 604800 seconds (got the number 1e+30)"),
    ),
    Case("command-timeout-word", **_run(_step("timeout", "soon"), message="or a duration such as '500ms'")),
    Case(
        "backoff-1e30",
        **_run(
            _step("on_fail", "{retry: {max: 1, backoff: {delay_ms: 1e30}}}", "noop"),
            message="from 0 to 3600000 milliseconds",
        ),
    ),  # fmt: skip
    Case(
        "max-loops-1e30",
        **_run("version: '1'\nrouting:\n  max_loops: 1e30\n" + STEP[13:], message="from 0 to 1000000"),
    ),
    Case(
        "max-runs-inf",
        **_run(_step("max_runs", ".inf", "noop"), message="expected a finite number from 1 to 1000000"),
    ),
    Case(
        "js-memory-huge",
        **_run("version: '1'\nlimits:\n  js_memory_mb: 1e9\n" + STEP[13:], message="from 1 to 65536 MiB"),
    ),
    Case(
        "ttl-inf",
        **_run(
            _step("ttl", ".inf", "memory\n    operation: set\n    key: k\n    value: 1"),
            message="at most 315360000 seconds",
        ),
    ),  # fmt: skip
    Case(
        "type-is-a-list",
        **_run("version: '1'\nsteps:\n  a:\n    type: [memory]\n", message="c.yaml:4:5: steps.a.type"),
    ),
    Case(
        "var-not-utf8",
        ("run", "c.yaml", "-o", "json", "--var", "a=\udcff"),
        2,
        "'a': not UTF-8 text (byte 0xff)",
        {"c.yaml": STEP},
    ),  # fmt: skip
    Case(
        "var-name-not-utf8",
        ("run", "c.yaml", "--var", "\udcfe=1"),
        2,
        "the name: not UTF-8 text (byte 0xfe)",
        {"c.yaml": STEP},
    ),  # fmt: skip
    *(
        Case(
            f"pr-{name}",
            **_run(
                STEP,
                "--pr",
                "pr.json",
                message=f"pr.json:{where}: not a JSON value: {what}",
                files={"c.yaml": STEP, "pr.json": data},
            ),
        )  # fmt: skip
        for name, data, where, what in [
            ("deep", '{"a": ' + "[" * 5000 + "]" * 5000 + "}", "1:262", "nested deeper than 256 levels"),
            ("nan", '{"a":\n NaN}', "2:2", "NaN is not a JSON value"),
            ("1e999", '{"a": 1e999}', "1:7", "1e999 is out of range"),
            ("surrogate", '{"a": "\\ud800"}', "1:8", "a string holds a lone surrogate"),
            ("not-utf8", b'{"a": "\xff"}', "1:8", "not UTF-8 (byte 0xff)"),
            ("big-int", '{"a": ' + "9" * 5000 + "}", "1:7", "an integer of 5000 digits is out of range"),
        ]
    ),
    Case(
        "memory-set-nan",
        ("memory", "set", "k", "NaN", "--store", "file:m.json"),
        2,
        "NaN is not a JSON value",
        {"m.json": '{"default": {"k": 1}}'},
        unchanged=("m.json",),
    ),  # fmt: skip
    Case(
        "memory-set-big-int",
        ("memory", "set", "k", "9" * 5000, "--store", "file:m.json"),
        2,
        "an integer of 5000 digits is out of range",
        {"m.json": '{"default": {"k": 1}}'},
        unchanged=("m.json",),
    ),  # fmt: skip
    *[
        Case(
            f"memory-{command}-{label}",
            ("memory", command, "k", value, "--store", "file:m.json"),
            code,
            message,
            {"m.json": '{"default": {"k": 1}}'},
            unchanged=("m.json",),
        )
        for command in ("append", "increment")
        for label, value, code, message in [
            ("nan", "NaN", 2, "NaN is not a JSON value"),
            ("1e999", "1e999", 2, "out of range of a JSON number"),
            ("deep", "[" * 300 + "]" * 300, 2, "nested deeper than 256 levels"),
            ("not-json", "{", 2, "value is not JSON"),
        ]
    ],
    Case(
        "memory-increment-text-amount",
        ("memory", "increment", "k", '"1"', "--store", "file:m.json"),
        1,
        "Increment amount must be a number, got string",
        {"m.json": '{"default": {"k": 1}}'},
        unchanged=("m.json",),
    ),  # fmt: skip
    Case(
        "memory-increment-of-text",
        ("memory", "increment", "k", "--store", "file:m.json"),
        1,
        "Cannot increment non-numeric value at key 'k' (type: string)",
        {"m.json": '{"default": {"k": "text"}}'},
        unchanged=("m.json",),
    ),  # fmt: skip
    Case("cli-js-timeout-nan", **_run(STEP, "--js-timeout", "nan", message="--js-timeout")),
    Case("cli-lock-timeout-inf", **_run(STEP, "--lock-timeout", "inf", message="expected a finite number")),
    Case(
        "cli-max-parallel-huge",
        **_run(STEP, "--max-parallel", "99999999999999999999", message="from 1 to 1024"),
    ),
    Case(
        "timeout-ms-warning",
        **_run(
            _step("timeout", "120000"),
            code=0,
            message="c.yaml:6:5: warning: steps.a.timeout: timeout is in seconds here",
        ),
    ),  # fmt: skip
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_hostile_config(case: Case, tmp_path: Path) -> None:
    run_and_check(case, tmp_path)
