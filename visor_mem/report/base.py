"""What every reporter shares: where it writes, and the lines every format prints.

Whatever ``-o`` says, stdout carries only the report itself; log-step
messages, ``log()`` from JavaScript, ``--debug`` routing lines and GitHub
annotations go to stderr as they happen.  (The GitHub runner reads workflow
commands such as ``::error`` from stderr as well as stdout, so annotations
never have to touch stdout and ``-o json`` stays one clean document.)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import ClassVar, Protocol, TextIO

from visor_mem.engine.events import Event, LogMessage, RoutingDecision, StepFinished, StepStarted
from visor_mem.engine.results import RunResult

LEVEL_PREFIX: Mapping[str, str] = {
    "debug": "debug: ",
    "info": "",
    "warn": "warning: ",
    "warning": "warning: ",
    "error": "error: ",
}
"""Log level → what precedes the message (info is the unmarked default)."""


@dataclass(frozen=True)
class ReportContext:
    """The streams and environment a reporter writes to."""

    out: TextIO
    err: TextIO
    environ: Mapping[str, str] = field(default_factory=dict)
    debug: bool = False

    @property
    def color(self) -> bool:
        """Colour is allowed unless NO_COLOR is set to a non-empty value (no-color.org)."""
        return not self.environ.get("NO_COLOR")

    @property
    def github_actions(self) -> bool:
        """Running as a GitHub Actions step."""
        return self.environ.get("GITHUB_ACTIONS") == "true"


class Reporter(Protocol):
    """Receives the engine's events during a run, then renders its result."""

    def on_event(self, event: Event) -> None:
        """Handle one progress event (may be called from worker threads)."""

    def running(self) -> AbstractContextManager[None]:
        """Context manager around the run (live progress is shown inside it)."""

    def finish(self, result: RunResult) -> None:
        """Render the result of the run."""

    def say(self, line: str) -> None:
        """Show a notice on stderr now (e.g. that the store is locked by another run)."""


def is_tty(stream: TextIO) -> bool:
    """Whether ``stream`` is a terminal (False for closed or fake streams)."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def log_line(event: LogMessage, debug: bool) -> str | None:
    """How a log message is shown; None when its level is hidden (debug without --debug)."""
    if event.level == "debug" and not debug:
        return None
    prefix = LEVEL_PREFIX.get(event.level, f"{event.level}: ")
    return f"[{event.step}] {prefix}{event.text}"


def routing_line(event: RoutingDecision) -> str:
    """How a routing decision is shown under --debug."""
    detail = f" {event.detail}" if event.detail else ""
    return f"routing: {event.step} {event.hook} -> {event.action}{detail}"


class BaseReporter:
    """Log and routing lines on stderr, GitHub extras at the end; subclasses render."""

    HANDLERS: ClassVar[Mapping[type, str]] = {
        LogMessage: "on_log",
        RoutingDecision: "on_routing",
        StepStarted: "on_started",
        StepFinished: "on_finished",
    }
    """Event type → name of the method that handles it."""

    def __init__(self, context: ReportContext) -> None:
        self.context = context
        self._lock = threading.Lock()

    def on_event(self, event: Event) -> None:
        handler: Callable[[Event], None] = getattr(self, self.HANDLERS[type(event)])
        with self._lock:
            handler(event)

    @contextmanager
    def running(self) -> Iterator[None]:
        yield

    def finish(self, result: RunResult) -> None:
        self.render(result)
        if self.context.github_actions:
            # Imported here: github renders Markdown, whose reporter builds on this module.
            from visor_mem.report import github

            github.report(result, self.context.err, self.context.environ)

    def render(self, result: RunResult) -> None:
        """Write the report of ``result`` (subclasses)."""
        raise NotImplementedError

    def on_log(self, event: LogMessage) -> None:
        line = log_line(event, self.context.debug)
        if line is not None:
            self.say(line)

    def on_routing(self, event: RoutingDecision) -> None:
        if self.context.debug:
            self.say(routing_line(event))

    def on_started(self, event: StepStarted) -> None:
        """Progress is shown by the text reporter only."""

    def on_finished(self, event: StepFinished) -> None:
        """Progress is shown by the text reporter only."""

    def say(self, line: str) -> None:
        """Write one line to stderr now (not buffered: the run may take a while)."""
        self.context.err.write(line + "\n")
        self.context.err.flush()
