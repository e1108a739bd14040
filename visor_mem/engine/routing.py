"""Routing after a step: retry, ``run``, ``run_js``, transitions, ``goto``.

Order (Visor's): ``fail_if`` has decided success or failure; then exactly one
of on_success / on_fail; then on_finish.  Within a hook: ``run`` items run
right away (before any later step of the plan), then ``run_js`` items, then
the jump is decided (transitions, else goto_js, else goto) so it sees what
the ``run`` steps wrote.  Jumps are queued and applied by the runner when the
current wave is committed.  Every transition spends the loop budget.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from visor_mem.config.specs import HookSpec, StepSpec
from visor_mem.engine.contracts import NO_RETRY_CRITICALITY
from visor_mem.engine.events import RoutingDecision
from visor_mem.engine.execute import Executor
from visor_mem.errors import LoopBudgetExceeded, RoutingError, VisorError
from visor_mem.store.base import JSON

ActivateFn = Callable[[str, "dict[str, JSON] | None", str], None]


@dataclass(frozen=True)
class Jump:
    """A queued goto: re-run ``target`` and its dependents."""

    origin: str
    hook: str
    target: str


class Router:
    """Applies a step's hooks; owns the loop budget."""

    def __init__(self, executor: Executor, max_loops: int) -> None:
        self.executor = executor
        self.max_loops = max_loops
        self.spent = 0
        self.jumps: list[Jump] = []
        self._activate: ActivateFn | None = None
        self.context: Callable[[str], dict[str, JSON]] = lambda name: {}
        """Extra globals of a step's routing JS (the forEach context)."""
        self.on_finish_target: Callable[[str, str], None] = lambda origin, target: None
        """Called before an on_finish ``run`` target starts (forEach: a map target runs per item)."""

    def bind(self, activate: ActivateFn) -> None:
        """Give the router the runner's way to execute ``run`` targets."""
        self._activate = activate

    # -- retry ------------------------------------------------------------

    def retry_delay(self, name: str) -> float | None:
        """Seconds to wait before retrying a failed step, or None: no retry left."""
        hook = self.hook(name, "on_fail")
        retry = hook.retry if hook is not None else None
        state = self.executor.states[name]
        if retry is None or state.retries >= retry.max:
            return None
        if state.logical and self.executor.services.plan.steps[name].criticality in NO_RETRY_CRITICALITY:
            return None  # Visor: no automatic retry of a logical failure of external/internal steps
        self.spend(name, "on_fail", "retry", f"{name} -> {name} (retry)")
        state.retries += 1
        state.route.append("retry")
        self._decide(name, "on_fail", "retry", f"attempt {state.retries + 1} of {retry.max + 1}")
        backoff = retry.backoff
        if backoff is None or backoff.delay_ms == 0:
            return 0.0
        factor = 2 ** (state.retries - 1) if backoff.mode == "exponential" else 1
        return backoff.delay_ms * factor / 1000

    # -- hooks -------------------------------------------------------------

    def after(self, name: str, succeeded: bool, finish: bool = True) -> None:
        """Run the hooks of an execution that ended (not a skip); ``finish``: on_finish too."""
        try:
            self._run_hook(name, "on_success" if succeeded else "on_fail")
            if finish:
                self._run_hook(name, "on_finish")
        except VisorError as err:
            self.executor.resolver.finish(name, self.executor.states[name].output, str(err))

    def finish_later(self, name: str) -> None:
        """A forEach producer's on_finish, once its map dependents are done."""
        try:
            self._run_hook(name, "on_finish")
        except VisorError as err:
            self.executor.resolver.finish(name, self.executor.states[name].output, str(err))

    def hook(self, name: str, which: str) -> HookSpec | None:
        """A step's hook (routing.defaults are already merged into on_fail)."""
        hook: HookSpec | None = getattr(self.executor.services.plan.steps[name], which)
        return hook

    def _run_hook(self, name: str, which: str) -> None:
        hook = self.hook(name, which)
        if hook is None:
            return
        for item in hook.run:
            target = item if isinstance(item, str) else item.step
            args = None if isinstance(item, str) else dict(item.with_)
            self._run_target(name, which, target, args, "run")
        if hook.run_js:
            for target in self._run_js(name, which, hook.run_js):
                self._run_target(name, which, target, None, "run_js")
        jump = self._jump_target(name, which, hook)
        if jump is not None:
            self._queue_jump(name, which, jump)

    def _run_target(
        self, name: str, which: str, target: str, args: dict[str, JSON] | None, action: str
    ) -> None:
        self.spend(name, which, action, f"{name} -> {target} ({action})")
        self._decide(name, which, action, target)
        assert self._activate is not None
        if which == "on_finish":
            self.on_finish_target(name, target)
        self._activate(target, args, f"{action} from {name}")

    def _run_js(self, name: str, which: str, code: str) -> list[str]:
        value = self._js(name, which, "run_js", code)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise RoutingError("run_js must return a list of step names", self._where(name, which, "run_js"))
        return [self._known(name, which, "run_js", target) for target in value]

    def _jump_target(self, name: str, which: str, hook: HookSpec) -> str | None:
        for i, rule in enumerate(hook.transitions):
            if self._truthy(name, which, f"transitions.{i}.when", rule.when):
                return rule.to
        if hook.goto_js:
            value = self._js(name, which, "goto_js", hook.goto_js)
            if isinstance(value, str) and value:
                return self._known(name, which, "goto_js", value)
            if value in (None, False, ""):
                return None
            raise RoutingError(
                f"goto_js must return a step name or null, got {value!r}", self._where(name, which, "goto_js")
            )
        return hook.goto

    def _queue_jump(self, name: str, which: str, target: str) -> None:
        self.spend(name, which, "goto", self._loop_text(name, target))
        self._decide(name, which, "goto", target)
        self.jumps.append(Jump(name, which, target))

    # -- budget --------------------------------------------------------------

    def spend(self, name: str, which: str, action: str, loop: str) -> None:
        """Count one routing transition; past the budget, fail the step."""
        if self.spent >= self.max_loops:
            raise LoopBudgetExceeded(
                f"routing loop budget exceeded (routing.max_loops = {self.max_loops}) on {loop}",
                self._where(name, which, action),
            )
        self.spent += 1

    def _loop_text(self, name: str, target: str) -> str:
        if name == target:
            return f"{name} -> {name}"
        path = self.executor.services.plan.dependency_path(target, name)
        return " -> ".join([name, *path]) if path else f"{name} -> {target}"

    # -- helpers -------------------------------------------------------------

    def _extra(self, name: str) -> dict[str, JSON]:
        spec: StepSpec = self.executor.services.plan.steps[name]
        step = {"id": name, "tags": list(spec.tags), "group": spec.group or name}
        return {"output": self.executor.states[name].output, "step": step, **self.context(name)}

    def _js(self, name: str, which: str, field: str, code: str) -> JSON:
        where = self._where(name, which, field)
        return self.executor.services.exprs.js(code, where=where, extra=self._extra(name))

    def _truthy(self, name: str, which: str, field: str, code: str) -> bool:
        where = self._where(name, which, field)
        return self.executor.services.exprs.truthy(code, where=where, extra=self._extra(name))

    def _known(self, name: str, which: str, field: str, target: str) -> str:
        if target not in self.executor.services.plan.steps:
            raise RoutingError(f"'{target}' is not a step", self._where(name, which, field))
        return target

    def _where(self, name: str, which: str, field: str):  # type: ignore[no-untyped-def]
        return self.executor.services.loaded.locate(f"steps.{name}.{which}.{field}")

    def _decide(self, name: str, which: str, action: str, detail: str) -> None:
        self.executor.services.sink(RoutingDecision(name, which, action, detail))


def backoff_sleep(seconds: float) -> None:
    """Really wait (Visor ignores backoff; we do not)."""
    if seconds > 0:
        time.sleep(seconds)
