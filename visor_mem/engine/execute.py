"""One execution of one step: ``if``, the step kind, ``fail_if``, bookkeeping.

Routing is not done here (see ``routing.py``); this module only answers
"what did this execution produce, and did it fail?".
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from visor_mem.config.bounds import MIB
from visor_mem.config.loaded import LoadedConfig
from visor_mem.engine.contracts import Contracts
from visor_mem.engine.events import EventSink, LogMessage, StepStarted
from visor_mem.engine.foreach import as_items
from visor_mem.engine.plan import Plan
from visor_mem.engine.resolve import Resolver
from visor_mem.errors import LoopBudgetExceeded, StepFailed, VisorError
from visor_mem.expr.context import OutputLedger
from visor_mem.expr.deadline import Deadline
from visor_mem.jsonvalue import JsonValueError, copy_json
from visor_mem.steps import ParallelKind, StepCall, StepKind
from visor_mem.steps.base import Evaluator
from visor_mem.store.base import JSON, Store
from visor_mem.store.scoped import Memory

if TYPE_CHECKING:  # the thread pool is imported only by runs that launch commands
    from concurrent.futures import Future


@dataclass(frozen=True)
class Services:
    """What every execution of a run shares."""

    loaded: LoadedConfig
    plan: Plan
    kinds: Mapping[str, StepKind]
    exprs: Evaluator
    memory: Memory
    session: Memory
    store: Store
    outputs: OutputLedger
    env: Mapping[str, str]
    sink: EventSink
    max_runs: int


@dataclass
class Span:
    """When a launched command ran in its worker thread, and when its result was collected."""

    start: float = 0.0
    end: float = 0.0
    collected: float = 0.0


@dataclass(frozen=True)
class Launched:
    """A command started ahead of its turn (its ``if`` already held)."""

    future: Future[Any]
    span: Span = field(default_factory=Span)


def timed(work: Callable[[], Any], span: Span, on_start: Callable[[], None]) -> Callable[[], Any]:
    """``work`` that records in ``span`` when it really ran (a worker may start it late)."""

    def run() -> Any:
        span.start = time.perf_counter()
        on_start()
        try:
            return work()
        finally:
            span.end = time.perf_counter()

    return run


class Executor:
    """Runs single executions and records their outcome in the step's state."""

    def __init__(self, services: Services, resolver: Resolver) -> None:
        self.services = services
        self.resolver = resolver
        self.states = resolver.states
        # Checked once: isinstance against a runtime Protocol is slow in a hot loop.
        self.parallel_types = frozenset(
            t for t, kind in services.kinds.items() if isinstance(kind, ParallelKind)
        )
        self._base_dir = services.loaded.base_dir
        # Step types with a timeout even when the step sets none (as Visor: commands, 60 s).
        self._default_timeouts = {"command": services.loaded.spec.limits.command_timeout}
        self._max_output = services.loaded.spec.limits.command_output_mb * MIB
        self.contracts = Contracts(services.loaded.spec, services.exprs, services.loaded.locate)

    def call(self, name: str, args: Mapping[str, JSON] | None = None) -> StepCall:
        """The StepCall for one execution of ``name``."""
        svc = self.services
        spec = svc.plan.steps[name]
        timeout = spec.timeout if spec.timeout is not None else self._default_timeouts.get(spec.type)
        return StepCall(
            name=name,
            spec=spec,
            exprs=svc.exprs,
            memory=svc.memory,
            session=svc.session,
            locate=lambda f: svc.loaded.locate(f"steps.{name}.{f}"),
            base_dir=self._base_dir,
            env=svc.env,
            args=args or {},
            timeout=timeout,
            deadline=Deadline.after(timeout),
            max_output=self._max_output,
            log=lambda level, text: svc.sink(LogMessage(name, level, text)),
        )

    def condition_holds(self, name: str) -> bool:
        """Evaluate ``if`` (the caller records the skip)."""
        spec = self.services.plan.steps[name]
        if spec.if_ is None:
            return True
        where = self.services.loaded.locate(f"steps.{name}.if")
        return self.services.exprs.truthy(spec.if_, where=where, extra=self.contracts.extras(name, None))

    def over_max_runs(self, name: str, runs: int | None = None) -> LoopBudgetExceeded | None:
        """The error to fail with if another execution would pass max_runs (``runs``: of one item)."""
        spec = self.services.plan.steps[name]
        limit = spec.max_runs or self.services.max_runs
        if (self.states[name].runs if runs is None else runs) < limit:
            return None
        field = "max_runs" if spec.max_runs else "limits.max_runs_per_step"
        return LoopBudgetExceeded(f"step '{name}' reached {field} = {limit}; not run again")

    def execute(
        self, name: str, args: Mapping[str, JSON] | None = None, launched: Launched | None = None
    ) -> bool:
        """Run one execution (``if`` already checked); True when it succeeded."""
        state = self.states[name]
        state.runs += 1
        state.logical = False
        if launched is None:  # a launched command said so when its worker started it
            self.services.sink(StepStarted(name, state.runs))
        started = time.perf_counter()
        call = self.call(name, args)
        output, error = self._produce(call, launched)
        if error is None:
            error = self._judge(name, output)
        if error is None and self.services.plan.steps[name].for_each:
            output = as_items(output)
        state.duration_ms += _elapsed_ms(started, launched)
        self.services.outputs.record(name, output)
        self.services.store.commit()
        self.resolver.finish(name, output, error)
        return error is None

    def execute_item(self, name: str) -> tuple[JSON, str | None]:
        """One execution for one forEach item: its output and error (no events)."""
        state = self.states[name]
        state.runs += 1
        state.logical = False
        started = time.perf_counter()
        output, error = self._produce(self.call(name), None)
        if error is None:
            error = self._judge(name, output)
        state.duration_ms += (time.perf_counter() - started) * 1000
        self.services.outputs.record(name, output)
        self.services.store.commit()
        return output, error

    def invoke(self, name: str, args: Mapping[str, JSON]) -> tuple[JSON, str | None]:
        """Execute ``name``'s kind once, outside the schedule (an ``on_init`` item)."""
        output, error = self._produce(self.call(name, args), None)
        self.services.store.commit()
        return output, error

    def _produce(self, call: StepCall, launched: Launched | None) -> tuple[JSON, str | None]:
        step_type: str = call.spec.type
        kind: Any = self.services.kinds[step_type]
        try:
            if step_type in self.parallel_types:
                raw = _collect(launched) if launched else kind.launch(call)()
                return _json_output(call, kind.finish(call, raw)), None
            return _json_output(call, kind.run(call)), None
        except StepFailed as failure:
            return failure.output, str(failure)
        except VisorError as err:
            return None, str(err)

    def _judge(self, name: str, output: JSON) -> str | None:
        """Contracts and failure conditions on a produced output; the error, if any."""
        verdict = self.contracts.judge(name, output)
        state = self.states[name]
        state.issues.extend(verdict.issues)
        state.logical = verdict.logical
        if verdict.halt is not None:
            self.resolver.halt(f"{verdict.halt} of step '{name}'")
        return verdict.error


def _json_output(call: StepCall, output: JSON) -> JSON:
    """An output is a JSON value (finite, bounded depth): reports and ``-o json`` stay strict."""
    try:
        return copy_json(output, f"the output of step '{call.name}'")
    except JsonValueError as err:
        raise StepFailed(err.message) from err


def _collect(launched: Launched) -> Any:
    try:
        return launched.future.result()
    finally:
        launched.span.collected = time.perf_counter()


def _elapsed_ms(started: float, launched: Launched | None) -> float:
    """From launch to finish: a launched command's time in its worker plus what followed here.

    Not from ``started``: a parallel command finished while earlier steps of
    its wave were being committed, and waiting for them is not its time.
    """
    now = time.perf_counter()
    if launched is None:
        return (now - started) * 1000
    span = launched.span
    return (span.end - span.start + now - span.collected) * 1000
