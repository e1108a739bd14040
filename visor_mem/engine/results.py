"""Frozen records of what a run did; the reporters read only these."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from visor_mem.config.graph import Graph
from visor_mem.store.base import JSON, Dump, Store

Status = Literal["success", "failed", "skipped"]


@dataclass(frozen=True)
class StepResult:
    """The final state of one step after the run."""

    name: str
    status: Status
    output: JSON = None
    error: str | None = None
    reason: str | None = None
    runs: int = 0
    duration_ms: float = 0.0
    route: tuple[str, ...] = ()
    """Routing that led to re-executions, e.g. ('retry', 'retry') or ('goto from build',)."""
    items: dict[str, int] | None = None
    """A map step under forEach: counts of its items (items, success, failed, skipped)."""
    issues: tuple[tuple[str, str], ...] = ()
    """(severity, text) that did not fail the step: global fail_if, warning failure conditions."""

    def to_json(self) -> dict[str, JSON]:
        """The step's entry in the ``-o json`` document (DESIGN.md section 7)."""
        data: dict[str, JSON] = {"status": self.status, "output": self.output}
        if self.error is not None:
            data["error"] = self.error
        if self.reason is not None:
            data["reason"] = self.reason
        data["runs"] = self.runs
        if self.items is not None:
            data["forEach"] = dict(self.items)
        if self.issues:
            data["issues"] = [{"severity": severity, "message": text} for severity, text in self.issues]
        data["duration_ms"] = round(self.duration_ms, 3)
        return data


@dataclass(frozen=True)
class RunResult:
    """The outcome of ``visor run``: per-step results plus the final memory."""

    steps: dict[str, StepResult]
    memory: Dump
    session: Dump
    duration_ms: float = 0.0
    store: Store | None = field(default=None, compare=False, repr=False)
    graph: Graph | None = field(default=None, compare=False, repr=False)
    """The config's steps and edges, for the pictures of the run (``report/graph.py``)."""

    @property
    def ok(self) -> bool:
        """True when no step ended failed and no global fail_if fired."""
        return all(
            step.status != "failed" and all(severity != "error" for severity, _ in step.issues)
            for step in self.steps.values()
        )

    @property
    def exit_code(self) -> int:
        """0 when ok, else 1."""
        return 0 if self.ok else 1

    def to_json(self) -> dict[str, JSON]:
        """The ``-o json`` document."""
        return {
            "ok": self.ok,
            "steps": {name: result.to_json() for name, result in self.steps.items()},
            "memory": self.memory,
            "session": self.session,
        }
