"""``-o text`` (the default): live progress on a terminal, then a summary table.

Live progress is shown on stderr only when stderr is a terminal; the table
goes to stdout, drawn with rich on a terminal and as plain aligned text
otherwise (``report/plain.py``), so CI logs and hooks get no escape codes
and do not pay for importing rich.  NO_COLOR turns colour off.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from visor_mem.engine.events import StepFinished, StepStarted
from visor_mem.engine.results import RunResult
from visor_mem.report import plain
from visor_mem.report.base import BaseReporter, is_tty

if TYPE_CHECKING:
    from visor_mem.report.rich_view import LiveProgress


class TextReporter(BaseReporter):
    """Progress while running, a step table at the end."""

    _progress: LiveProgress | None = None

    @contextmanager
    def running(self) -> Iterator[None]:
        if not is_tty(self.context.err):
            yield
            return
        from visor_mem.report.rich_view import LiveProgress

        progress = LiveProgress(self.context.err, self.context.color)
        with progress.shown():
            self._progress = progress
            try:
                yield
            finally:
                self._progress = None

    def on_started(self, event: StepStarted) -> None:
        if self._progress is not None:
            self._progress.started(event.name, event.run)

    def on_finished(self, event: StepFinished) -> None:
        if self._progress is not None:
            self._progress.finished(event.result)

    def say(self, line: str) -> None:
        if self._progress is not None:
            self._progress.print(line)
        else:
            super().say(line)

    def render(self, result: RunResult) -> None:
        if is_tty(self.context.out):
            from visor_mem.report.rich_view import render_table

            render_table(result, self.context.out, self.context.color)
        else:
            self.context.out.write(plain.render_table(result))
            self.context.out.flush()
