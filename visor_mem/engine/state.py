"""Mutable per-step state of a run, and the readiness tracker.

Readiness is incremental (a count of unresolved dependencies per step and a
heap of ready steps), so a 20,000-step chain costs O(steps), not O(steps²).
Ready steps come out by (goto generation, newest first; then config order):
a goto's subgraph runs before older pending work, which is kept, not dropped.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Literal

from visor_mem.engine.plan import Plan
from visor_mem.engine.results import StepResult
from visor_mem.store.base import JSON

Phase = Literal["pending", "dormant", "success", "failed", "skipped", "excluded"]
RESOLVED: frozenset[Phase] = frozenset({"success", "failed", "skipped", "excluded"})


@dataclass
class StepState:
    """Everything the run knows about one step so far."""

    name: str
    phase: Phase = "pending"
    runs: int = 0
    output: JSON = None
    error: str | None = None
    reason: str | None = None
    duration_ms: float = 0.0
    route: list[str] = field(default_factory=list)
    retries: int = 0
    generation: int = 0
    unresolved: int = 0
    recovered_by: str | None = None
    items: dict[str, int] | None = None
    issues: list[tuple[str, str]] = field(default_factory=list)
    """(severity, text) found by failure conditions that did not fail the step."""
    logical: bool = False
    """The latest failure is logical (a contract or condition), not an execution error."""
    """Per-item counts of a map step's latest activation (forEach)."""

    @property
    def resolved(self) -> bool:
        """Finished for now (dependents may look at it)."""
        return self.phase in RESOLVED

    def result(self, recovered: bool) -> StepResult:
        """The frozen record the reporters see."""
        status = self.phase
        reason = self.reason
        if status == "failed" and recovered:
            status, reason = "success", f"recovered: on_fail goto '{self.recovered_by}' succeeded"
        if status in ("pending", "dormant", "excluded"):
            status = "skipped"
            reason = reason or ("run target, never triggered" if self.phase == "dormant" else "never ran")
        return StepResult(
            name=self.name,
            status=status,  # type: ignore[arg-type]
            output=self.output,
            error=self.error,
            reason=reason,
            runs=self.runs,
            duration_ms=self.duration_ms,
            route=tuple(self.route),
            items=self.items,
            issues=tuple(dict.fromkeys(self.issues)),
        )


class Readiness:
    """Which pending steps have all their dependencies resolved."""

    def __init__(self, plan: Plan, states: dict[str, StepState]) -> None:
        self._plan = plan
        self._states = states
        self._heap: list[tuple[int, int, str]] = []
        self._open: set[str] = set()

    def start(self) -> None:
        """Count unresolved dependencies of every pending step."""
        self._open = {n for n, s in self._states.items() if s.phase in ("pending", "dormant")}
        for name in self._plan.order:
            self._recount(name)

    def pop_wave(self) -> list[str]:
        """All ready steps of the newest generation, in config order."""
        wave: list[str] = []
        taken: set[str] = set()  # a step pushed twice comes out once; a set keeps wide waves linear
        top: int | None = None
        while self._heap and (top is None or -self._heap[0][0] == top):
            generation, _, name = heapq.heappop(self._heap)
            state = self._states[name]
            if state.phase != "pending" or state.unresolved or name in taken:
                continue
            top = -generation
            taken.add(name)
            wave.append(name)
        return wave

    def resolved(self, name: str) -> None:
        """``name`` just became resolved: its dependents may become ready.

        Only the first resolution after a step was pending counts; a step that
        runs again as a ``run`` target does not release its dependents twice.
        """
        if name not in self._open:
            return
        self._open.discard(name)
        for dependent in self._plan.dependents.get(name, ()):
            state = self._states[dependent]
            if state.phase == "pending" and state.unresolved > 0:
                state.unresolved -= 1
                if state.unresolved == 0:
                    self._push(dependent)

    def reopen(self, names: list[str]) -> None:
        """``names`` were made pending again (a goto): count their dependencies anew."""
        self._open.update(names)
        for name in names:
            self._recount(name)

    def _recount(self, name: str) -> None:
        state = self._states[name]
        if state.phase != "pending":
            return
        state.unresolved = sum(1 for dep in self._plan.deps[name] if self._blocks(dep))
        if state.unresolved == 0:
            self._push(name)

    def _blocks(self, dep: str) -> bool:
        return self._states[dep].phase in ("pending", "dormant")

    def _push(self, name: str) -> None:
        state = self._states[name]
        heapq.heappush(self._heap, (-state.generation, self._plan.index[name], name))
