"""The text report on a terminal, with rich: live progress and a coloured table.

Only imported when stdout or stderr is a terminal (see ``report/text.py``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from rich import box
from rich.console import Console, Group
from rich.live import Live
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

from visor_mem.engine.results import RunResult, StepResult
from visor_mem.report import format as fmt

STATUS_STYLE = {"success": "green", "failed": "bold red", "skipped": "yellow"}
"""Status → rich style of its cell."""


def console(stream: TextIO, color: bool) -> Console:
    """A console on ``stream``, which is a terminal; ``color`` False honours NO_COLOR."""
    return Console(file=stream, force_terminal=True, no_color=not color, highlight=False)


def render_table(result: RunResult, stream: TextIO, color: bool) -> None:
    """Print the step table and the summary line."""
    out = console(stream, color)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.add_column("Step")
    table.add_column("Status")
    table.add_column("Runs", justify="right")
    table.add_column("Time", justify="right")
    table.add_column("Output", overflow="ellipsis", no_wrap=True, max_width=fmt.PREVIEW_WIDTH)
    for step in result.steps.values():
        table.add_row(*_cells(step))
    out.print(table)
    out.print(Text(fmt.summary_line(result), style="green" if result.ok else "bold red"))


def _cells(step: StepResult) -> tuple[Text, Text, str, str, Text]:
    detail_style = {"failed": "red", "skipped": "dim"}.get(step.status, "")
    return (
        Text(fmt.step_label(step)),
        Text(step.status, style=STATUS_STYLE[step.status]),
        str(step.runs),
        fmt.step_time(step),
        Text(fmt.detail(step), style=detail_style),
    )


class LiveProgress:
    """A transient status line on stderr: steps by their latest status, and every one running.

    Counts are of steps, not executions: a step that failed then succeeded on
    retry counts once, as success, so the last line agrees with the summary.
    """

    def __init__(self, stream: TextIO, color: bool) -> None:
        self._console = console(stream, color)
        self._running: dict[str, int] = {}
        self._latest: dict[str, str] = {}
        self._live: Live | None = None

    @contextmanager
    def shown(self) -> Iterator[None]:
        """Show the status line while inside; it disappears afterwards."""
        with Live(self._view(), console=self._console, transient=True, refresh_per_second=8) as live:
            self._live = live
            try:
                yield
            finally:
                self._live = None

    def started(self, name: str, run: int) -> None:
        self._running[name] = run
        self._refresh()

    def finished(self, step: StepResult) -> None:
        self._running.pop(step.name, None)
        self._latest[step.name] = step.status
        self._refresh()

    def print(self, line: str) -> None:
        """A line above the status line (log messages)."""
        self._console.print(Text(line))

    def _refresh(self) -> None:
        if self._live is not None:
            self._live.update(self._view())

    def line(self) -> str:
        """``2 success, 1 failed · running b, c (run 2)``: what the spinner says."""
        counts = Counter(self._latest.values())
        done = ", ".join(f"{counts[status]} {status}" for status in fmt.STATUSES if counts[status])
        running = ", ".join(
            name if run == 1 else f"{name} (run {run})" for name, run in self._running.items()
        )
        return (done or "starting") + (f" · running {running}" if running else "")

    def _view(self) -> Group:
        return Group(Spinner("dots", text=Text(f" {self.line()}")))
