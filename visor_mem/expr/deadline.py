"""The wall-clock deadline of one step execution (its ``timeout``).

Every step type honours ``timeout`` by wall clock: the engine starts a
:class:`Deadline` when an execution begins and passes it down with each
expression the step evaluates; JavaScript and Liquid stop when it passes
(commands are killed by their runner after the same number of seconds).
Store operations are never cut in the middle: a deadline only stops code
that the user wrote.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from visor_mem.errors import Location, StepTimeout


@dataclass(frozen=True)
class Deadline:
    """``seconds`` after the step started, at ``time.monotonic() == at``."""

    seconds: float
    at: float

    @classmethod
    def after(cls, seconds: float | None) -> Deadline | None:
        """The deadline ``seconds`` from now (None: no timeout)."""
        return None if seconds is None else cls(seconds, time.monotonic() + seconds)

    def remaining(self) -> float:
        """Seconds left (negative once passed)."""
        return self.at - time.monotonic()

    def error(self, where: Location | None = None) -> StepTimeout:
        """The error of an execution stopped by this deadline."""
        return StepTimeout(f"step timed out after {self.seconds:g} s (its timeout)", where)

    def check(self, where: Location | None = None) -> None:
        """Raise :meth:`error` once the deadline has passed."""
        if time.monotonic() >= self.at:
            raise self.error(where)
