"""Load-time checks across steps: names that must exist, and dependency cycles.

pydantic validates each step alone; these checks need the whole ``steps``
mapping.  Visor finds these problems only at run time, or never (a ``goto``
to a missing step); visor_mem rejects them before anything runs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from visor_mem.config.models import VisorConfig
from visor_mem.config.source import Source, did_you_mean
from visor_mem.config.specs import split_any_of
from visor_mem.config.step_models import Hook
from visor_mem.errors import ConfigError

_LISTED_NAMES = 8
"""Step names listed when no close match exists (more would not fit a line)."""


def check_references(model: VisorConfig, source: Source, raw: Any) -> None:
    """Raise :class:`ConfigError` for the first name that names no step, or a cycle."""
    if not model.steps:
        raise ConfigError("expected at least one step", source.location("steps"))
    names = list(model.steps)
    for path, target in _named_targets(model, raw):
        if target not in model.steps:
            raise ConfigError(f"unknown step '{target}'{_hint(target, names)}", source.location(path))
    graph = {name: step.needs for name, step in model.steps.items()}
    cycle = find_cycle(graph)
    if cycle:
        tokens = model.steps[cycle[0]].depends_on
        index = next(i for i, token in enumerate(tokens) if cycle[1] in split_any_of(token))
        path = _item_path(raw, f"steps.{cycle[0]}.depends_on", index)
        raise ConfigError("dependency cycle: " + " -> ".join(cycle), source.location(path))


def find_cycle(graph: Mapping[str, Sequence[str]]) -> list[str] | None:
    """The first cycle of ``graph`` (``[a, b, a]``), searching in key order; ``None`` if acyclic."""
    done: set[str] = set()
    for start in graph:
        if start not in done:
            cycle = _cycle_from(start, graph, done)
            if cycle:
                return cycle
    return None


def _cycle_from(start: str, graph: Mapping[str, Sequence[str]], done: set[str]) -> list[str] | None:
    # Iterative depth-first search: a 10,000-step chain must not hit the recursion limit.
    path = [start]
    on_path = {start}
    stack = [iter(graph[start])]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            finished = path.pop()
            on_path.discard(finished)
            done.add(finished)
            stack.pop()
            continue
        if child in on_path:
            return path[path.index(child) :] + [child]
        if child in graph and child not in done:
            path.append(child)
            on_path.add(child)
            stack.append(iter(graph[child]))
    return None


def _named_targets(model: VisorConfig, raw: Any) -> Iterator[tuple[str, str]]:
    """``(field path, step name)`` of every static reference, in step order."""
    for name, step in model.steps.items():
        base = f"steps.{name}"
        for index, token in enumerate(step.depends_on):
            for dependency in split_any_of(token):
                yield _item_path(raw, f"{base}.depends_on", index), dependency
        for hook_name, hook in step.hooks().items():
            yield from _hook_targets(hook, f"{base}.{hook_name}", raw)
        if step.on_init is not None:
            for index, target in enumerate(step.on_init.run_names()):
                yield f"{_item_path(raw, f'{base}.on_init.run', index)}", target
    defaults = model.routing.defaults
    if defaults and defaults.on_fail:
        yield from _hook_targets(defaults.on_fail, "routing.defaults.on_fail", raw)


def _hook_targets(hook: Hook, base: str, raw: Any) -> Iterator[tuple[str, str]]:
    for field, target in hook.targets():
        if field.startswith("run."):
            field = _item_path(raw, f"{base}.run", int(field.partition(".")[2])).removeprefix(f"{base}.")
        yield f"{base}.{field}", target


def _item_path(raw: Any, path: str, index: int) -> str:
    """``path.index``, or ``path`` itself when the list was written as one bare string."""
    return path if isinstance(_raw_at(raw, path), str) else f"{path}.{index}"


def _raw_at(raw: Any, path: str) -> Any:
    node = raw
    if isinstance(node, Mapping) and "steps" not in node:
        node = {**node, "steps": node.get("checks")}
    for part in path.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


def _hint(target: str, names: list[str]) -> str:
    hint = did_you_mean(target, names)
    if hint or len(names) > _LISTED_NAMES:
        return hint
    return "; steps are: " + ", ".join(names)
