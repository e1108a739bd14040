"""Large, Unicode and many-writes snippets in every JS field, through ``visor run -o json``.

Each row puts the same hostile workload in one field: many writes of long
Unicode values (non-BMP included), one long log line and a long result.
Before the flat-result bridge, 14 writes, a ~480-character value, a long log
line or a long result after a write exited 70 ("Unknown quickjs tag: -6").
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

VISOR = Path(sys.executable).parent / "visor"
WRITES = 60
UNIT = "é漢😀\\u2028"  # Latin-1, CJK, a surrogate pair, a JS line terminator
REPEAT = 500  # ~2.5 k characters per value, one value of 50 k

WORKLOAD = (
    f"for (let i = 0; i < {WRITES}; i++) memory.set(FIELD + ':' + i, '{UNIT}'.repeat({REPEAT}) + i); "
    f"memory.set(FIELD + ':big', 'x'.repeat(50000) + '{UNIT}'); "
    f"log('L'.repeat(20000) + '{UNIT}'); "
    f"const RESULT = '{UNIT}'.repeat(2000) + FIELD; "
)


def _snippet(field: str, result: str) -> str:
    code = WORKLOAD.replace("FIELD", json.dumps(field)) + result
    return json.dumps(code, ensure_ascii=False)  # a YAML double-quoted scalar is a JSON string


@dataclass(frozen=True)
class FieldCase:
    field: str
    config: str  # the steps; {js} is where the snippet goes
    result: str  # what the snippet ends with, for that field
    output_step: str | None = None  # whose output is the long RESULT


CASES = [
    FieldCase("content", "s: {{type: script, content: {js}}}", "return RESULT", "s"),
    FieldCase(
        "value_js", "s: {{type: memory, operation: set, key: out, value_js: {js}}}", "return RESULT", "s"
    ),
    FieldCase(
        "transform_js",
        "s: {{type: memory, operation: set, key: out, value: 1, transform_js: {js}}}",
        "return RESULT",
        "s",
    ),
    FieldCase("memory_js", "s: {{type: memory, operation: exec_js, memory_js: {js}}}", "return RESULT", "s"),
    FieldCase("if", "s: {{type: noop, if: {js}}}", "return RESULT.length > 0"),
    FieldCase("fail_if", "s: {{type: noop, fail_if: {js}}}", "return RESULT.length === 0"),
    FieldCase("goto_js", "s: {{type: noop, on_success: {{goto_js: {js}}}}}", "return null"),
    FieldCase("run_js", "s: {{type: noop, on_success: {{run_js: {js}}}}}", "return []"),
    FieldCase(
        "transitions.when",
        "s: {{type: noop, on_success: {{transitions: [{{when: {js}, to: null}}]}}}}",
        "return RESULT.length > 0",
    ),
]


def _run(folder: Path, steps: str) -> subprocess.CompletedProcess[str]:
    config = folder / "fields.yaml"
    config.write_text(f'version: "1"\nsteps:\n  {steps}\n', encoding="utf-8")
    command = [str(VISOR), "run", "-o", "json", str(config)]
    return subprocess.run(command, capture_output=True, text=True, encoding="utf-8", timeout=120, check=False)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.field)
def test_every_js_field_takes_large_unicode_writes_logs_and_results(tmp_path: Path, case: FieldCase) -> None:
    done = _run(tmp_path, case.config.format(js=_snippet(case.field, case.result)))
    assert done.returncode == 0, done.stderr[-500:]
    report = json.loads(done.stdout)  # strict JSON, one document
    unit = json.loads(f'"{UNIT}"')
    memory = report["memory"]["default"]
    assert [memory[f"{case.field}:{i}"] for i in range(WRITES)] == [
        unit * REPEAT + str(i) for i in range(WRITES)
    ]
    assert memory[f"{case.field}:big"] == "x" * 50000 + unit
    assert ("L" * 20000 + unit) in done.stderr  # the log line, once
    assert done.stderr.count("L" * 20000) == 1
    if case.output_step:
        assert report["steps"][case.output_step]["output"] == unit * 2000 + case.field


@dataclass(frozen=True)
class BadCase:
    id: str
    code: str
    message: str


BAD_RESULTS = [
    BadCase("lone-surrogate", "return 'a\\ud800'", "lone surrogate (U+D800)"),
    BadCase("tojson-undefined", "return {toJSON() { return undefined }}", "toJSON() gave undefined"),
    BadCase("bigint", "return 10n", "a bigint"),
    BadCase("cycle", "const o = {}; o.o = o; return o", "not a JSON value"),
    BadCase("deep", "let v = 1; for (let i = 0; i < 1000; i++) v = [v]; return v", "nested more than"),
    BadCase("very-deep", "let v = 1; for (let i = 0; i < 200000; i++) v = [v]; return v", "not a JSON value"),
]


@pytest.mark.parametrize("case", BAD_RESULTS, ids=lambda c: c.id)
def test_unserialisable_results_fail_only_their_step(tmp_path: Path, case: BadCase) -> None:
    steps = (
        f"bad: {{type: script, content: {json.dumps('memory.set(`w`, 1); ' + case.code)}}}\n"
        "  after: {type: script, content: \"memory.get('w') === undefined ? 'clean' : 'dirty'\"}"
    )
    done = _run(tmp_path, steps)
    assert done.returncode == 1, done.stderr[-500:]
    report = json.loads(done.stdout)
    bad = report["steps"]["bad"]
    assert bad["status"] == "failed"
    assert case.message in bad["error"]
    assert "\n" not in bad["error"]
    assert report["steps"]["after"] == {**report["steps"]["after"], "status": "success", "output": "clean"}
    assert report["memory"] == {}


@pytest.mark.parametrize("name", ["constructor", "toString", "hasOwnProperty", "__proto__", "valueOf"])
def test_steps_named_like_object_members(tmp_path: Path, name: str) -> None:
    steps = (
        f'{json.dumps(name)}: {{type: script, content: "return {{v: 1}}"}}\n'
        f"  read: {{type: script, depends_on: [{json.dumps(name)}], "
        f"content: {json.dumps(f'return [outputs[{json.dumps(name)}], outputs_history[{json.dumps(name)}]]')}}}"
    )
    done = _run(tmp_path, steps)
    assert done.returncode == 0, done.stderr[-500:]
    report = json.loads(done.stdout)
    assert report["steps"]["read"]["output"] == [{"v": 1}, [{"v": 1}]]
