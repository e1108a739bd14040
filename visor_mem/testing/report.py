"""Reports of a suite run: a pytest-like text summary, a JSON document, GitHub annotations.

Every failure is shown at the expectation that failed (``file:line:col``);
structured mismatches get a unified diff of expected against actual.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Mapping
from typing import Any, TextIO

from visor_mem.errors import Location
from visor_mem.report.github import PROPERTY_ESCAPES, escape
from visor_mem.testing.expect import Failure
from visor_mem.testing.runner import CaseResult, CaseStatus, SuiteResult

LABELS: dict[CaseStatus, str] = {"passed": "PASS ", "failed": "FAIL ", "error": "ERROR", "skipped": "SKIP "}
INDENT = "      "


def summary_line(result: SuiteResult) -> str:
    """``2 passed, 1 failed, 1 error, 1 skipped in 0.23s`` (zero counts left out)."""
    parts = [f"{result.count(status)} {status}" for status in LABELS if result.count(status)]
    if result.count("error") > 1:
        parts = [p.replace(" error", " errors") for p in parts]
    return f"{', '.join(parts) or 'no cases'} in {result.duration_ms / 1000:.2f}s"


def write_text(result: SuiteResult, out: TextIO) -> None:
    """One line per case; under a failed or erroring case, its failures with diffs."""
    suite = result.suite
    out.write(f"{suite.path}: {len(result.cases)} case{'' if len(result.cases) == 1 else 's'}\n")
    for case in result.cases:
        out.write(f"{LABELS[case.status]} {case.name}{_tail(case)}\n")
        for line in _details(result, case):
            out.write(f"{INDENT}{line}\n")
    out.write(summary_line(result) + "\n")


def _tail(case: CaseResult) -> str:
    if case.status == "skipped":
        return f"  ({case.message})"
    return f"  ({case.duration_ms:.0f} ms)"


def _details(result: SuiteResult, case: CaseResult) -> Iterator[str]:
    suite = result.suite
    if case.status == "error":
        yield f"{suite.locate(f'tests.cases.{case.index}').prefix()}: {case.message}"
    for failure in case.failures:
        yield f"{suite.locate(failure.field).prefix()}: {failure.message}"
        if failure.diff:
            yield from ("  " + line for line in diff_lines(failure.expected, failure.actual))


def diff_lines(expected: Any, actual: Any) -> list[str]:
    """A unified diff of two JSON values, pretty-printed with sorted keys."""
    left = _pretty(expected).splitlines()
    right = _pretty(actual).splitlines()
    lines = difflib.unified_diff(left, right, "expected", "actual", lineterm="", n=2)
    return [line for line in lines if not line.startswith("@@")]


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


# -- JSON ---------------------------------------------------------------------


def to_json(result: SuiteResult) -> dict[str, Any]:
    """The ``-o json`` document."""
    suite = result.suite
    return {
        "ok": result.ok,
        "exit_code": result.exit_code,
        "suite": str(suite.path),
        "config": suite.loaded.file_label,
        "summary": {
            "total": len(result.cases),
            **{status: result.count(status) for status in LABELS},
            "duration_ms": round(result.duration_ms, 3),
        },
        "cases": [_case_json(result, case) for case in result.cases],
    }


def _case_json(result: SuiteResult, case: CaseResult) -> dict[str, Any]:
    plan = result.suite.cases[case.index]
    return {
        "name": case.name,
        "status": case.status,
        "duration_ms": round(case.duration_ms, 3),
        "description": plan.model.description,
        "tags": list(plan.model.tags),
        "message": case.message,
        "location": _location_json(result.suite.locate(plan.field)),
        "failures": [_failure_json(result, failure) for failure in case.failures],
    }


def _failure_json(result: SuiteResult, failure: Failure) -> dict[str, Any]:
    data: dict[str, Any] = {
        "message": failure.message,
        "location": _location_json(result.suite.locate(failure.field)),
    }
    if failure.diff:
        data["expected"], data["actual"] = failure.expected, failure.actual
    return data


def _location_json(location: Location) -> dict[str, Any]:
    return {"file": location.file, "line": location.line, "column": location.column, "field": location.field}


def write_json(result: SuiteResult, out: TextIO) -> None:
    json.dump(to_json(result), out, ensure_ascii=False, indent=2, default=str)
    out.write("\n")


# -- GitHub -------------------------------------------------------------------


def annotation_lines(result: SuiteResult) -> list[str]:
    """One ``::error`` per failing expectation and erroring case, at its file:line."""
    lines = []
    for case in result.cases:
        if case.status == "error":
            lines.append(
                _annotation(result.suite.locate(f"tests.cases.{case.index}"), case.name, case.message or "")
            )
        for failure in case.failures:
            lines.append(_annotation(result.suite.locate(failure.field), case.name, failure.message))
    return lines


def _annotation(location: Location, case: str, message: str) -> str:
    props = [f"file={escape(location.file or '', PROPERTY_ESCAPES)}"]
    if location.line is not None:
        props.append(f"line={location.line}")
    if location.column is not None:
        props.append(f"col={location.column}")
    props.append(f"title={escape(f'visor test: {case}', PROPERTY_ESCAPES)}")
    return f"::error {','.join(props)}::{escape(message)}"


def write_annotations(result: SuiteResult, err: TextIO, environ: Mapping[str, str]) -> None:
    """Under GitHub Actions, the annotations (to stderr: stdout stays the report)."""
    if environ.get("GITHUB_ACTIONS") != "true":
        return
    for line in annotation_lines(result):
        err.write(line + "\n")
    err.flush()
