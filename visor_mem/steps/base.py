"""What a step implementation receives, and the two shapes a step kind takes.

Most kinds are ``SequentialKind``: they run in the engine's thread, in plan
order, and may read and write memory.  A ``ParallelKind`` (command) splits its
work: ``launch`` (engine thread: render templates) returns a thunk the engine
may run in a worker thread (no memory access), and ``finish`` (engine thread,
plan order) turns the thunk's raw result into the step's output.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from visor_mem.config.specs import StepSpec
from visor_mem.errors import Location
from visor_mem.expr.deadline import Deadline
from visor_mem.store.base import JSON
from visor_mem.store.scoped import Memory


class Evaluator(Protocol):
    """The expression services a step may use (``visor_mem.expr.Expressions``)."""

    def js(
        self,
        code: str,
        *,
        where: Location,
        extra: Mapping[str, JSON] | None = None,
        deadline: Deadline | None = None,
    ) -> JSON: ...

    def truthy(self, code: str, *, where: Location, extra: Mapping[str, JSON] | None = None) -> bool: ...

    def render(
        self,
        template: str,
        *,
        where: Location,
        extra: Mapping[str, Any] | None = None,
        deadline: Deadline | None = None,
    ) -> str: ...


@dataclass(frozen=True)
class StepCall:
    """One execution of one step."""

    name: str
    spec: StepSpec
    exprs: Evaluator
    memory: Memory
    session: Memory
    locate: Callable[[str], Location]
    """Location of a field of this step, e.g. ``locate("value_js")``."""
    base_dir: Path
    env: Mapping[str, str]
    args: Mapping[str, JSON] = field(default_factory=dict)
    timeout: float | None = None
    """Seconds this execution may take (the step's ``timeout``, or its type's default)."""
    deadline: Deadline | None = None
    """When ``timeout`` runs out; passed to every expression the step evaluates."""
    max_output: int | None = None
    """Bytes a command may print on each stream (``limits.command_output_mb``)."""
    log: Callable[[str, str], None] = lambda level, text: None
    """Show ``text`` at ``level`` (the engine turns it into a LogMessage event)."""

    def js(self, field_name: str, code: str, **extra: JSON) -> JSON:
        """Evaluate a JS field of this step; ``args`` of a routed run are visible."""
        return self.exprs.js(
            code,
            where=self.locate(field_name),
            extra={"args": dict(self.args), **extra},
            deadline=self.deadline,
        )

    def render(self, field_name: str, template: str, **extra: JSON) -> str:
        """Render a Liquid field of this step; ``args`` of a routed run are visible."""
        return self.exprs.render(
            template,
            where=self.locate(field_name),
            extra={"args": dict(self.args), **extra},
            deadline=self.deadline,
        )


@runtime_checkable
class SequentialKind(Protocol):
    """A step kind that runs in the engine thread."""

    def run(self, call: StepCall) -> JSON:
        """Execute; return the output or raise StepFailed / VisorError."""


@runtime_checkable
class ParallelKind(Protocol):
    """A step kind whose slow part may run in a worker thread."""

    def launch(self, call: StepCall) -> Callable[[], Any]:
        """Prepare in the engine thread; return the thread-safe work."""

    def finish(self, call: StepCall, raw: Any) -> JSON:
        """Turn the work's result into the output (engine thread)."""


StepKind = SequentialKind | ParallelKind
