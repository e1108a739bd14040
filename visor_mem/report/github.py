"""GitHub Actions extras: ``::error`` annotations and the job's step summary.

Annotations are written to stderr: the runner parses workflow commands from
both output streams, and stdout must stay the report alone (``-o json``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from visor_mem.engine.results import RunResult
from visor_mem.report.markdown import render_markdown
from visor_mem.report.secrets import Masker

DATA_ESCAPES = (("%", "%25"), ("\r", "%0D"), ("\n", "%0A"))
PROPERTY_ESCAPES = (*DATA_ESCAPES, (":", "%3A"), (",", "%2C"))
"""Workflow-command escapes; ``%`` first so later escapes are not escaped again."""


def escape(text: str, escapes: tuple[tuple[str, str], ...] = DATA_ESCAPES) -> str:
    """Escape ``text`` for a workflow command's message (or, with PROPERTY_ESCAPES, a property)."""
    for raw, escaped in escapes:
        text = text.replace(raw, escaped)
    return text


def annotation_lines(result: RunResult) -> list[str]:
    """One ``::error`` line per failed step, in config order."""
    return [
        f"::error title={escape(f'visor: step {step.name} failed', PROPERTY_ESCAPES)}"
        f"::{escape(step.error or 'failed')}"
        for step in result.steps.values()
        if step.status == "failed"
    ]


def append_step_summary(result: RunResult, summary_file: str, environ: Mapping[str, str]) -> None:
    """Append the Markdown report to the file GitHub shows on the run's summary page."""
    masker = Masker.from_environ(environ)
    with Path(summary_file).open("a", encoding="utf-8") as handle:
        handle.write(masker.mask(render_markdown(result)) + "\n")


def report(result: RunResult, err: TextIO, environ: Mapping[str, str]) -> None:
    """Write the annotations to ``err`` and the summary to ``$GITHUB_STEP_SUMMARY`` (when set)."""
    for line in annotation_lines(result):
        err.write(line + "\n")
    summary_file = environ.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        try:
            append_step_summary(result, summary_file, environ)
        except OSError as exc:
            # The run itself is over and its exit code stands; a summary is a nicety.
            err.write(f"warning: cannot write GITHUB_STEP_SUMMARY {summary_file}: {exc.strerror}\n")
    err.flush()
