"""The one place that changes a step's state during a run.

Every transition of ``StepState.phase`` goes through :class:`Resolver`:
the status, its reason, the output, the ``StepFinished`` event the
reporters see, and the readiness bookkeeping that releases dependents.
Scheduling (``runner.py``), single executions (``execute.py``), routing
(``routing.py``) and forEach (``foreach.py``) ask it; none of them writes
``phase`` itself, so a skip or a failure always means the same thing
wherever it happens.
"""

from __future__ import annotations

from collections.abc import Iterable

from visor_mem.engine.events import EventSink, StepFinished
from visor_mem.engine.plan import Plan
from visor_mem.engine.state import Readiness, StepState
from visor_mem.store.base import JSON

NEVER_TRIGGERED = "run target, never triggered"


class Resolver:
    """Owns the states of a run and every change of their phase."""

    def __init__(self, plan: Plan, sink: EventSink) -> None:
        self.plan = plan
        self.sink = sink
        self.states = {name: StepState(name) for name in plan.order}
        for name, reason in plan.excluded.items():
            self.states[name].phase, self.states[name].reason = "excluded", reason
        for name in plan.dormant:
            self.states[name].phase = "dormant"
        self.readiness = Readiness(plan, self.states)
        self.halted: str | None = None

    def __getitem__(self, name: str) -> StepState:
        return self.states[name]

    # -- outcomes ----------------------------------------------------------------

    def finish(self, name: str, output: JSON, error: str | None) -> None:
        """An execution ended (or failed before it could start): success or failed."""
        state = self.states[name]
        state.output, state.error = output, error
        state.phase = "success" if error is None else "failed"
        state.reason = None
        self.sink(StepFinished(state.result(False)))

    def skip(self, name: str, reason: str) -> None:
        """The step does not run now (``if``, contract, gate): skipped, dependents released."""
        state = self.states[name]
        state.phase, state.reason = "skipped", reason
        self.sink(StepFinished(state.result(False)))
        self.release(name)

    def release(self, name: str) -> None:
        """The step is settled for now: its dependents may become ready."""
        self.readiness.resolved(name)

    # -- scheduling ------------------------------------------------------------------

    def start(self) -> None:
        """Count unresolved dependencies of every pending step."""
        self.readiness.start()

    def pop_wave(self) -> list[str]:
        """The next wave of ready steps."""
        return self.readiness.pop_wave()

    def reset(self, names: Iterable[str], generation: int) -> None:
        """Make ``names`` pending again (a goto), newest generation first."""
        names = list(names)
        for name in names:
            state = self.states[name]
            state.phase, state.generation, state.reason = "pending", generation, None
        self.readiness.reopen(names)

    def give_up_on_dormant(self) -> bool:
        """Nothing is ready: dormant steps will never run. True if there were some."""
        dormant = [n for n in self.plan.order if self.states[n].phase == "dormant"]
        for name in dormant:
            self.states[name].phase, self.states[name].reason = "skipped", NEVER_TRIGGERED
            self.release(name)
        return bool(dormant)

    def skip_pending(self, reason: str) -> None:
        """Everything not started yet is skipped (``--fail-fast``, ``halt_execution``)."""
        for state in self.states.values():
            if state.phase in ("pending", "dormant"):
                state.phase, state.reason = "skipped", reason

    def halt(self, reason: str) -> None:
        """Stop the run: nothing not started yet will run (``halt_execution``)."""
        if self.halted is None:
            self.halted = reason
        self.skip_pending(reason)

    # -- questions ---------------------------------------------------------------------

    def is_pending(self, name: str) -> bool:
        """Still waiting for its turn."""
        return self.states[name].phase == "pending"

    def succeeded(self, name: str) -> bool:
        """The latest execution succeeded."""
        return self.states[name].phase == "success"

    def any_failed(self) -> bool:
        """Some step is failed right now."""
        return any(s.phase == "failed" for s in self.states.values())

    def blocked_by(self, name: str) -> str | None:
        """Why ``name`` may not run given its dependencies, or None when it may."""
        groups = self.plan.steps[name].any_of
        grouped = {option for group in groups for option in group}
        for dep in self.plan.deps[name]:
            reason = None if dep in grouped else self._dep_blocks(dep)
            if reason:
                return reason
        for group in groups:
            # An any-of group ("a|b") needs one option that is in the run and did not block.
            options = [o for o in group if o in self.states and self.states[o].phase != "excluded"]
            reasons = [self._dep_blocks(option) for option in options]
            if options and all(reasons):
                return f"no dependency of '{'|'.join(group)}' succeeded ({reasons[0]})"
        return None

    def _dep_blocks(self, dep: str) -> str | None:
        dep_state = self.states[dep]
        if dep_state.phase == "excluded" or self.plan.steps[dep].continue_on_failure:
            return None
        if dep_state.phase == "failed":
            return f"dependency '{dep}' failed"
        if dep_state.phase == "skipped":
            never = dep_state.runs == 0 and dep in self.plan.dormant
            return f"dependency '{dep}' {'never ran' if never else 'was skipped'}"
        return None

    def recovered(self) -> set[str]:
        """Failed steps whose ``on_fail`` goto target later succeeded."""
        states = self.states
        return {
            name
            for name, state in states.items()
            if state.recovered_by and states[state.recovered_by].phase == "success"
        }
