"""forEach: a producer's list fans its dependents out per item (map) or not (reduce).

As Visor defines it (``docs/foreach-dependency-propagation.md``,
``level-dispatch.ts``):

* A step with ``forEach: true`` produces a list: a list stays one, a JSON
  text of a list is parsed, null is no item, anything else is one item.
  ``outputs_raw[producer]`` is the whole list.
* A dependent of a producer (or of a map step, which propagates the items)
  runs once per item in ``map`` mode, once in ``reduce`` mode.  The mode is
  ``fanout`` (or the ``reduce`` alias), else the type's default: command maps;
  memory, script, log, noop (and Visor's workflow) reduce.
* During item *i*, ``outputs[dep]`` is item *i* of every fanned dependency;
  each item's output goes to ``outputs.history``; afterwards the step's output
  is ``{"forEachItems": [...]}``.  An item whose upstream item failed or was
  skipped is skipped.  Zero items skip the step with reason ``forEach_empty``.
* A failing item is retried on its own (``on_fail.retry``, within the loop
  budget); the hooks then run once for the whole step, failed when an item
  failed.  The producer's ``on_finish`` runs after its map dependents have
  finished every item (not at all for zero items); its ``run`` targets with
  an explicit ``fanout: map`` run once per item of the producer (Visor's
  ``routing.ts``), others once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from visor_mem import jsonvalue
from visor_mem.engine.events import StepStarted
from visor_mem.errors import VisorError
from visor_mem.expr.context import CLEARED, Cleared
from visor_mem.store.base import JSON

if TYPE_CHECKING:
    from visor_mem.config.specs import StepSpec
    from visor_mem.engine.execute import Executor
    from visor_mem.engine.routing import Router

REDUCE_TYPES = frozenset({"log", "memory", "script", "workflow", "noop"})
"""Step types that run once under a forEach parent unless ``fanout: map`` says otherwise."""

EMPTY = "forEach_empty"

Retry = Callable[[str], "float | None"]
"""The router's retry decision: seconds to wait before the next attempt, None: no retry left."""


def fanout_of(spec: StepSpec) -> str:
    """``map`` or ``reduce``: the step's own setting, else its type's default."""
    return spec.fanout_mode or ("reduce" if spec.type in REDUCE_TYPES else "map")


def as_items(output: JSON) -> list[JSON]:
    """A producer's output as its list of items (Visor's normalisation)."""
    if isinstance(output, list):
        return output
    if output is None:
        return []
    if isinstance(output, str):
        try:
            parsed = jsonvalue.parse_json(output)
        except ValueError:
            return [output]
        return parsed if isinstance(parsed, list) else [output]
    return [output]


@dataclass
class Fan:
    """The items a step hands to its dependents, and which of them they may use."""

    items: list[JSON]
    usable: list[bool]
    shown: JSON | Cleared = CLEARED
    """What ``outputs[step]`` shows outside an item (a map step's aggregate)."""


@dataclass
class ItemRun:
    """The outcome of the items of one map activation."""

    outputs: list[JSON] = field(default_factory=list)
    usable: list[bool] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    skipped: int = 0
    attempts: int = 0


class ForEach:
    """The fans of a run, and the per-item activation of map steps."""

    def __init__(self, executor: Executor, router: Router) -> None:
        self.executor = executor
        self.router = router
        self.plan = executor.services.plan
        self.fans: dict[str, Fan] = {}
        self.waiting: set[str] = set()
        self.routed: dict[str, dict[str, Fan]] = {}
        """on_finish ``run`` targets with ``fanout: map``: the producer whose items they run over."""
        """Producers whose on_finish waits for their map dependents."""

    # -- producers ------------------------------------------------------------------

    def produced(self, name: str, succeeded: bool) -> bool:
        """A step executed: keep its items if it is a producer. False: defer its on_finish."""
        if not self.plan.steps[name].for_each:
            return True
        if not succeeded:
            self.fans.pop(name, None)
            return True
        items = as_items(self.executor.states[name].output)
        self.fans[name] = Fan(items, [True] * len(items))
        self.executor.services.outputs.set_raw(name, items)
        if not items:
            self.waiting.discard(name)
            return False  # Visor: no on_finish for zero items
        if self._map_dependents(name):
            self.waiting.add(name)
            return False
        return True

    def finished_producers(self) -> list[str]:
        """Waiting producers whose map dependents have all settled (their on_finish may run)."""
        if not self.waiting:
            return []  # called after every wave: walking the whole plan here made chains quadratic
        states = self.executor.states
        ready = [
            name
            for name in sorted(self.waiting, key=self.plan.index.__getitem__)
            if all(states[d].phase not in ("pending", "dormant") for d in self._map_dependents(name))
        ]
        self.waiting.difference_update(ready)
        return ready

    def context(self, name: str) -> dict[str, JSON]:
        """The ``forEach`` object routing JS of a producer sees."""
        fan = self.fans.get(name)
        if fan is None or not self.plan.steps[name].for_each:
            return {}
        n = len(fan.items)
        return {"forEach": {"items": n, "is_parent": True, "last_wave_size": n, "last_items": fan.items}}

    def _map_dependents(self, name: str) -> list[str]:
        return [
            d
            for d in self.plan.dependents.get(name, ())
            if d not in self.plan.excluded and fanout_of(self.plan.steps[d]) == "map"
        ]

    # -- map steps ------------------------------------------------------------------

    def route_from(self, origin: str, target: str) -> None:
        """A producer's on_finish runs ``target``: with ``fanout: map`` it runs once per item."""
        fan = self.fans.get(origin)
        if (
            fan is not None
            and self.plan.steps[origin].for_each
            and self.plan.steps[target].fanout_mode == "map"
        ):
            self.routed[target] = {origin: fan}

    def parent_fans(self, name: str) -> dict[str, Fan] | None:
        """The fanned dependencies of ``name`` when it runs per item, else None."""
        if name in self.routed:
            return self.routed.pop(name)
        if fanout_of(self.plan.steps[name]) != "map":
            return None
        fans = {dep: self.fans[dep] for dep in self.plan.deps[name] if dep in self.fans}
        return fans or None

    def run_items(self, name: str, fans: dict[str, Fan], retry: Retry) -> ItemRun:
        """Execute ``name`` once per item (retrying failed items on their own)."""
        count = min(len(fan.items) for fan in fans.values())
        svc = self.executor.services
        svc.sink(StepStarted(name, self.executor.states[name].runs + 1))
        run = ItemRun()
        try:
            for index in range(count):
                if self.executor.resolver.halted is not None:
                    break  # halt_execution: the remaining items never run
                self._one_item(name, index, fans, run, retry)
        finally:
            for dep, fan in fans.items():
                svc.outputs.show(dep, fan.shown)
        return run

    def settle(self, name: str, run: ItemRun) -> tuple[JSON, str | None]:
        """Record the aggregate of a map activation; its output and error."""
        aggregate: JSON = {"forEachItems": run.outputs}
        self.fans[name] = Fan(run.outputs, run.usable, aggregate)
        self.executor.services.outputs.show(name, aggregate)
        state = self.executor.states[name]
        state.items = {
            "items": len(run.outputs),
            "success": sum(run.usable),
            "failed": len(run.errors),
            "skipped": run.skipped,
        }
        if not run.errors:
            return aggregate, None
        index, first = run.errors[0]
        return aggregate, f"{len(run.errors)} of {len(run.outputs)} items failed; item {index}: {first}"

    def _one_item(self, name: str, index: int, fans: dict[str, Fan], run: ItemRun, retry: Retry) -> None:
        if not all(fan.usable[index] for fan in fans.values()):
            run.outputs.append(None)
            run.usable.append(False)
            run.skipped += 1
            return
        outputs = self.executor.services.outputs
        for dep, fan in fans.items():
            outputs.show(dep, fan.items[index])
        output, error = self._attempts(name, run, retry)
        run.outputs.append(output)
        run.usable.append(error is None)
        if error is not None:
            run.errors.append((index, error))

    def _attempts(self, name: str, run: ItemRun, retry: Retry) -> tuple[JSON, str | None]:
        state = self.executor.states[name]
        spent_before, state.retries = state.retries, 0
        try:
            return self._until_done(name, run, retry)
        finally:
            state.retries += spent_before

    def _until_done(self, name: str, run: ItemRun, retry: Retry) -> tuple[JSON, str | None]:
        tries = 0
        while True:
            too_many = self.executor.over_max_runs(name, tries)
            if too_many is not None:
                return None, str(too_many)
            tries += 1
            run.attempts += 1
            output, error = self.executor.execute_item(name)
            if error is None:
                return output, None
            try:
                delay = retry(name)
            except VisorError as err:
                return output, str(err)
            if delay is None:
                return output, error
            time.sleep(delay)
