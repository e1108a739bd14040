"""``-o markdown`` and the GitHub step summary: a Markdown table of the steps, and a picture.

The picture is a Mermaid flowchart of the run (GitHub renders it): the
config's graph with each step coloured by its final status and labelled with
its run count.  A run of more than ``MAX_DIAGRAM_STEPS`` steps gets a note
instead: such a chart is unreadable and GitHub refuses big ones.
"""

from __future__ import annotations

import json

from visor_mem.engine.results import RunResult, StepResult
from visor_mem.report import format as fmt
from visor_mem.report.base import BaseReporter
from visor_mem.report.graph import to_mermaid

MAX_DIAGRAM_STEPS = 100

STATUS_MARK = {"success": "✅", "failed": "❌", "skipped": "⏭️"}
"""Status → the emoji GitHub renders beside it."""


def render_markdown(result: RunResult) -> str:
    """The whole report: a heading with the verdict, the step table, the memory after the run."""
    lines = [f"### visor run: {STATUS_MARK['success' if result.ok else 'failed']} {fmt.summary_line(result)}"]
    lines += ["", "| Step | Status | Runs | Time | Output |", "|---|---|---:|---:|---|"]
    lines += [_row(step) for step in result.steps.values()]
    lines += _diagram(result)
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


def _diagram(result: RunResult) -> list[str]:
    """The Mermaid picture of the run, or a note saying why there is none."""
    if result.graph is None or not result.graph.steps:
        return []
    if len(result.graph.steps) > MAX_DIAGRAM_STEPS:
        return ["", f"_No diagram: {len(result.graph.steps)} steps (at most {MAX_DIAGRAM_STEPS} are drawn)._"]
    return ["", "```mermaid", to_mermaid(result.graph, result).rstrip("\n"), "```"]


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
