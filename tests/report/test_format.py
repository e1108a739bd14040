"""Cell texts shared by the text and markdown reports."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.report.samples import all_good, sample_result
from visor_mem.engine.results import StepResult
from visor_mem.report import format as fmt
from visor_mem.store.base import JSON


@dataclass(frozen=True)
class PreviewCase:
    id: str
    value: JSON
    width: int
    expected: str


PREVIEWS = [
    PreviewCase("null-is-empty", None, 60, ""),
    PreviewCase("number", 42, 60, "42"),
    PreviewCase("string-is-quoted", "hi", 60, '"hi"'),
    PreviewCase("unicode-kept", "café", 60, '"café"'),
    PreviewCase("object", {"a": [1, True, None]}, 60, '{"a": [1, true, null]}'),
    PreviewCase("newlines-escaped", "a\nb", 60, '"a\\nb"'),
    PreviewCase("cut-with-ellipsis", "x" * 20, 10, '"xxxxxxxx…'),
    PreviewCase("exact-width-not-cut", "abcdefgh", 10, '"abcdefgh"'),
]


@pytest.mark.parametrize("case", PREVIEWS, ids=[c.id for c in PREVIEWS])
def test_preview(case: PreviewCase) -> None:
    assert fmt.preview(case.value, case.width) == case.expected


def test_clip_joins_lines() -> None:
    assert fmt.clip("one\n  two\tthree", 60) == "one two three"


@pytest.mark.parametrize(
    ("ms", "expected"),
    [
        (0.0, "0.0 ms"),
        (0.44, "0.4 ms"),
        (9.94, "9.9 ms"),
        (10.0, "10 ms"),
        (999.4, "999 ms"),
        (1000, "1.00 s"),
        (61234, "61.23 s"),
    ],
    ids=["zero", "tenths", "under-10", "ten", "under-1s", "one-second", "minute"],
)
def test_duration(ms: float, expected: str) -> None:
    assert fmt.duration(ms) == expected


@dataclass(frozen=True)
class StepCase:
    id: str
    step: StepResult
    label: str
    detail: str
    time: str


STEPS = [
    StepCase("ran-once", StepResult("a", "success", output=1, runs=1, duration_ms=2), "a", "1", "2.0 ms"),
    StepCase(
        "retried", StepResult("f", "success", runs=3, route=("retry", "retry")), "f ×3 (retry)", "", "0.0 ms"
    ),
    StepCase(
        "goto-then-retry",
        StepResult("g", "failed", error="boom", runs=3, route=("goto from x", "retry")),
        "g ×3 (goto from x, retry)",
        "boom",
        "0.0 ms",
    ),
    StepCase("re-run-without-route", StepResult("h", "success", runs=2), "h ×2", "", "0.0 ms"),
    StepCase("failed-without-message", StepResult("b", "failed", runs=1), "b", "failed", "0.0 ms"),
    StepCase("never-ran", StepResult("c", "skipped", reason="if was false"), "c", "if was false", "-"),
]


@pytest.mark.parametrize("case", STEPS, ids=[c.id for c in STEPS])
def test_step_cells(case: StepCase) -> None:
    assert fmt.step_label(case.step) == case.label
    assert fmt.detail(case.step) == case.detail
    assert fmt.step_time(case.step) == case.time


def test_summary_line() -> None:
    assert fmt.summary_line(sample_result()) == "failed: 5 steps (3 success, 1 failed, 1 skipped) in 1.60 s"
    assert fmt.summary_line(all_good()) == "ok: 1 steps (1 success, 0 failed, 0 skipped) in 3.0 ms"


def test_a_map_step_is_labelled_with_its_item_counts() -> None:
    items = {"items": 4, "success": 2, "failed": 1, "skipped": 1}
    step = StepResult(name="each", status="failed", runs=5, items=items)
    assert fmt.step_label(step) == "each [2/4 items ok, 1 failed, 1 skipped]"
    assert step.to_json()["forEach"] == items
