"""The plan of a run: which steps exist, what they depend on, which start.

A ``Plan`` is frozen: the scheduler keeps the changing state elsewhere.
Steps named only as a routing ``run`` target are *dormant*: not started by
the plan, started when routed to.  Steps left out by ``--only`` or the tag
filters are *excluded* and never run.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from visor_mem.config.specs import ConfigSpec, StepSpec
from visor_mem.engine.options import RunOptions
from visor_mem.engine.select import excluded_steps


@dataclass(frozen=True)
class Plan:
    """Steps, their dependency graph, and what the initial plan starts."""

    steps: Mapping[str, StepSpec]
    order: tuple[str, ...]
    deps: Mapping[str, tuple[str, ...]]
    dependents: Mapping[str, tuple[str, ...]]
    dormant: frozenset[str]
    excluded: Mapping[str, str] = field(default_factory=dict)

    @cached_property
    def index(self) -> dict[str, int]:
        """Position of each step in the config (the tie-breaker everywhere)."""
        return {name: i for i, name in enumerate(self.order)}

    def descendants(self, name: str) -> list[str]:
        """Steps that depend on ``name`` transitively, excluded and dormant ones left out."""
        seen: set[str] = set()
        queue = deque(self.dependents.get(name, ()))
        while queue:
            current = queue.popleft()
            if current in seen or current in self.excluded or current in self.dormant:
                continue
            seen.add(current)
            queue.extend(self.dependents.get(current, ()))
        return sorted(seen, key=self.index.__getitem__)

    def dependency_path(self, ancestor: str, descendant: str) -> list[str] | None:
        """Shortest chain ``ancestor -> ... -> descendant`` along dependents, if any."""
        previous: dict[str, str | None] = {ancestor: None}
        queue = deque([ancestor])
        while queue:
            current = queue.popleft()
            if current == descendant:
                return _unwind(previous, current)
            for nxt in self.dependents.get(current, ()):
                if nxt not in previous:
                    previous[nxt] = current
                    queue.append(nxt)
        return None


def _unwind(previous: Mapping[str, str | None], last: str) -> list[str]:
    chain = [last]
    while (before := previous[chain[-1]]) is not None:
        chain.append(before)
    return chain[::-1]


def build_plan(config: ConfigSpec, options: RunOptions) -> Plan:
    """Plan a run of ``config`` under the ``--only`` and tag options."""
    steps = config.steps
    order = tuple(steps)
    deps = {name: tuple(d for d in step.needs if d in steps) for name, step in steps.items()}
    dependents: dict[str, list[str]] = {name: [] for name in order}
    for name in order:
        for dep in deps[name]:
            dependents[dep].append(name)
    environ = os.environ if options.environ is None else options.environ
    excluded = excluded_steps(config, deps, options, environ)
    routed = _run_targets(steps.values()) - set(options.only)
    return Plan(
        steps=steps,
        order=order,
        deps=deps,
        dependents={k: tuple(v) for k, v in dependents.items()},
        dormant=frozenset(routed - set(excluded)),
        excluded=excluded,
    )


def _run_targets(steps: Iterable[StepSpec]) -> set[str]:
    """Every step named in some hook's static ``run`` list."""
    return {target for step in steps for hook in step.hooks().values() for target in hook.run_names()}
