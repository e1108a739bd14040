"""``-o markdown`` and the GitHub step summary: a Markdown table of the steps."""

from __future__ import annotations

import json

from visor_mem.engine.results import RunResult, StepResult
from visor_mem.report import format as fmt
from visor_mem.report.base import BaseReporter

STATUS_MARK = {"success": "✅", "failed": "❌", "skipped": "⏭️"}
"""Status → the emoji GitHub renders beside it."""


def render_markdown(result: RunResult) -> str:
    """The whole report: a heading with the verdict, the step table, the memory after the run."""
    lines = [f"### visor run: {STATUS_MARK['success' if result.ok else 'failed']} {fmt.summary_line(result)}"]
    lines += ["", "| Step | Status | Runs | Time | Output |", "|---|---|---:|---:|---|"]
    lines += [_row(step) for step in result.steps.values()]
    if result.memory:
        lines += ["", *_memory_block(result)]
    return "\n".join(lines) + "\n"


def _row(step: StepResult) -> str:
    cells = [
        code(fmt.step_label(step)),
        f"{STATUS_MARK[step.status]} {step.status}",
        str(step.runs),
        fmt.step_time(step),
        code(fmt.detail(step)) if step.status == "success" else cell(fmt.detail(step)),
    ]
    return "| " + " | ".join(cells) + " |"


def _memory_block(result: RunResult) -> list[str]:
    dump = json.dumps(result.memory, indent=2, ensure_ascii=False)
    return ["<details><summary>memory after the run</summary>", "", "```json", dump, "```", "", "</details>"]


def cell(text: str) -> str:
    """Text safe inside a table cell: one line, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def code(text: str) -> str:
    """Inline code safe inside a table cell ('' stays empty)."""
    if not text:
        return ""
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{cell(text)}{pad}{fence}"


class MarkdownReporter(BaseReporter):
    """Writes the Markdown report on stdout."""

    def render(self, result: RunResult) -> None:
        self.context.out.write(render_markdown(result))
        self.context.out.flush()
