"""The scheduler: waves of ready steps, activations, jumps.

A *wave* is every ready step of the newest goto generation.  Commands of a
wave are launched together (their ``if`` and ``exec`` are evaluated when the
wave starts) and run in worker threads; everything is then committed in
config order, so results never depend on timing or ``--max-parallel``.
An *activation* is one turn of a step: executions (retries included) then
its hooks.  ``run`` targets activate inline; gotos are applied after the wave.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from visor_mem.engine.events import StepStarted
from visor_mem.engine.execute import Executor, Launched, Services, Span, timed
from visor_mem.engine.foreach import EMPTY, Fan, ForEach
from visor_mem.engine.on_init import hide, run_on_init
from visor_mem.engine.resolve import Resolver
from visor_mem.engine.routing import Jump, Router, backoff_sleep
from visor_mem.engine.state import StepState
from visor_mem.errors import VisorError
from visor_mem.store.base import JSON

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor


class Runner:
    """Runs a plan to the end."""

    def __init__(self, services: Services, max_loops: int, max_parallel: int, fail_fast: bool) -> None:
        self.services = services
        plan = services.plan
        self.resolver = Resolver(plan, services.sink)
        self.states = self.resolver.states
        self.executor = Executor(services, self.resolver)
        self.router = Router(self.executor, max_loops)
        self.router.bind(self._activate_target)
        self.foreach = ForEach(self.executor, self.router)
        self._preconditions = (
            (self.executor.condition_holds, "if condition is false"),
            (self.executor.contracts.assume_holds, "assume"),
        )
        self.router.context = self.foreach.context
        self.router.on_finish_target = self.foreach.route_from
        self._max_parallel = max(1, max_parallel)
        self._fail_fast = fail_fast
        self._pool: ThreadPoolExecutor | None = None
        self._generation = 0

    def run(self) -> dict[str, StepState]:
        """Execute until nothing is left; return the final states."""
        self.resolver.start()
        try:
            while self._step_wave():
                pass
        except KeyboardInterrupt:
            self.terminate()  # before the shutdown below waits for the commands to end by themselves
            raise
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
        return self.states

    def terminate(self) -> None:
        """Kill running commands (Ctrl-C)."""
        for kind in self.services.kinds.values():
            stop = getattr(kind, "terminate_all", None)
            if stop is not None:
                stop()

    # -- waves ---------------------------------------------------------------

    def _step_wave(self) -> bool:
        wave = self.resolver.pop_wave()
        if not wave:
            return self.resolver.give_up_on_dormant()
        launched = self._launch_commands(wave)
        for name in wave:
            if self.resolver.is_pending(name):
                self._activate(name, None, launched.get(name))
        for producer in self.foreach.finished_producers():
            self.router.finish_later(producer)
        self._apply_jumps()
        if self.resolver.halted is not None:
            return False
        if self._fail_fast and self.resolver.any_failed():
            self.resolver.skip_pending("skipped by --fail-fast after a failure")
            return False
        return True

    def _launch_commands(self, wave: list[str]) -> dict[str, Launched]:
        launched: dict[str, Launched] = {}
        for name in wave:
            kind = self._kind(name)
            spec = self.services.plan.steps[name]
            if spec.type not in self.executor.parallel_types or spec.on_init is not None:
                continue
            if not self._gate(name) or not self._may_start(name):
                continue
            try:
                work = kind.launch(self.executor.call(name))
            except VisorError as err:
                self._fail_before_start(name, str(err))
                continue
            span = Span()
            started = StepStarted(name, self.states[name].runs + 1)
            job = timed(work, span, partial(self.services.sink, started))
            launched[name] = Launched(self._workers().submit(job), span)
        return launched

    # -- activations -----------------------------------------------------------

    def _activate(
        self, name: str, args: dict[str, JSON] | None, launched: Launched | None, routed: bool = False
    ) -> None:
        """One turn of a step (launched: started with its wave; routed: a ``run`` target)."""
        if launched is None and not ((routed or self._gate(name)) and self._may_start(name)):
            return
        try:
            shown = run_on_init(self.executor, name)
        except VisorError as err:
            self._fail_before_start(name, str(err))
            return
        try:
            self._turn(name, args, launched)
        finally:
            hide(self.executor, shown)

    def _turn(self, name: str, args: dict[str, JSON] | None, launched: Launched | None) -> None:
        """Executions (retries included), then the hooks."""
        fans = self.foreach.parent_fans(name)
        if fans is not None:
            self._activate_items(name, fans)
            return
        succeeded = self.executor.execute(name, args, launched)
        if self.resolver.halted is not None:
            self.resolver.release(name)
            return
        while not succeeded:
            delay = self._retry_delay(name)
            if delay is None:
                break
            backoff_sleep(delay)
            if not self._may_start(name):
                break
            succeeded = self.executor.execute(name, args)
        if self.states[name].runs:
            succeeded = self.resolver.succeeded(name)
            self.router.after(name, succeeded, self.foreach.produced(name, succeeded))
        self.resolver.release(name)

    def _activate_items(self, name: str, fans: dict[str, Fan]) -> None:
        """A map step under forEach: every item, then the hooks once."""
        if not any(fan.items for fan in fans.values()):
            self.resolver.skip(name, EMPTY)
            return
        started = self.states[name].runs
        run = self.foreach.run_items(name, fans, self.router.retry_delay)
        output, error = self.foreach.settle(name, run)
        self.resolver.finish(name, output, error)
        if self.states[name].runs > started:
            self.router.after(name, error is None)
        self.resolver.release(name)

    def _activate_target(self, name: str, args: dict[str, JSON] | None, route: str) -> None:
        """A ``run`` target: executes now, whatever its dependencies did."""
        self.states[name].route.append(route)
        self._activate(name, args, None, routed=True)

    def _retry_delay(self, name: str) -> float | None:
        try:
            return self.router.retry_delay(name)
        except VisorError as err:
            self.resolver.finish(name, self.states[name].output, str(err))
            return None

    def _may_start(self, name: str) -> bool:
        """Check max_runs, ``if`` and ``assume``; record a skip or failure when it may not."""
        too_many = self.executor.over_max_runs(name)
        if too_many is not None:
            self._fail_before_start(name, str(too_many))
            return False
        for holds, reason in self._preconditions:
            try:
                if not holds(name):  # skipped: dependents decide what that means for them
                    self.resolver.skip(name, reason)
                    return False
            except VisorError as err:
                self._fail_before_start(name, str(err))
                return False
        return True

    def _fail_before_start(self, name: str, error: str) -> None:
        self.resolver.finish(name, self.states[name].output, error)
        self.resolver.release(name)

    def _gate(self, name: str) -> bool:
        """Skip a step whose dependency failed or was skipped (unless it continues on failure)."""
        reason = self.resolver.blocked_by(name)
        if reason is None:
            return True
        self.resolver.skip(name, reason)
        return False

    # -- jumps -------------------------------------------------------------------

    def _apply_jumps(self) -> None:
        jumps, self.router.jumps = self.router.jumps, []
        for jump in jumps:
            self._apply_jump(jump)

    def _apply_jump(self, jump: Jump) -> None:
        self._generation += 1
        again = [jump.target, *self.services.plan.descendants(jump.target)]
        self.resolver.reset(again, self._generation)
        self.states[jump.target].route.append(f"goto from {jump.origin}")
        if jump.hook == "on_fail" and jump.origin not in again:
            self.states[jump.origin].recovered_by = jump.target

    def _kind(self, name: str) -> Any:
        return self.services.kinds[self.services.plan.steps[name].type]

    def _workers(self) -> ThreadPoolExecutor:
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor  # only runs with commands pay for it

            self._pool = ThreadPoolExecutor(self._max_parallel, thread_name_prefix="visor-command")
        return self._pool
