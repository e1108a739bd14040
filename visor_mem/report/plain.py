"""The text report without rich: an aligned table for logs, pipes and hooks.

When stdout is not a terminal there is nothing for rich to add (no colour,
no cursor), and importing it would cost a third of visor's start-up, which
matters in pre-commit hooks; so this module renders the same table by hand.
"""

from __future__ import annotations

from visor_mem.engine.results import RunResult, StepResult
from visor_mem.report import format as fmt

HEADER = ("step", "status", "runs", "time", "output")
RIGHT_ALIGNED = frozenset({2, 3})
"""Columns (by index) whose cells are numbers."""


def render_table(result: RunResult) -> str:
    """The step table and the summary line, as plain text."""
    rows = [HEADER, *(_cells(step) for step in result.steps.values())]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER) - 1)]
    lines = [_line(row, widths) for row in rows]
    return "\n".join([*lines, "", fmt.summary_line(result)]) + "\n"


def _cells(step: StepResult) -> tuple[str, str, str, str, str]:
    return (
        fmt.step_label(step),
        step.status,
        str(step.runs),
        fmt.step_time(step),
        fmt.detail(step),
    )


def _line(row: tuple[str, ...], widths: list[int]) -> str:
    padded = [
        cell.rjust(width) if index in RIGHT_ALIGNED else cell.ljust(width)
        for index, (cell, width) in enumerate(zip(row, widths, strict=False))
    ]
    return "  ".join([*padded, row[-1]]).rstrip()
