"""Progress events the engine emits while a run goes on.

The engine never prints: it calls the reporter's callback with these frozen
records, and ``report/`` decides what to show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from visor_mem.engine.results import StepResult


@dataclass(frozen=True)
class StepStarted:
    """A step begins an execution (``run`` counts from 1)."""

    name: str
    run: int


@dataclass(frozen=True)
class StepFinished:
    """A step ended an execution, or was skipped."""

    result: StepResult


@dataclass(frozen=True)
class RoutingDecision:
    """A routing action was taken (shown with --debug)."""

    step: str
    hook: str
    action: str
    detail: str


@dataclass(frozen=True)
class LogMessage:
    """Text a step wants shown: a log step's message, or ``log()`` from JavaScript."""

    step: str
    level: str
    text: str


Event = StepStarted | StepFinished | RoutingDecision | LogMessage
EventSink = Callable[[Event], None]


def ignore_events(_: Event) -> None:
    """The default sink."""
