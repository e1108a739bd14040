"""The graph of a workflow: its steps, ``depends_on`` edges and static routing edges.

Edges: ``a -> b`` when b depends on a (``depends_on: "a|c"`` gives two edges
labelled ``any of``); routed edges (drawn dashed) for the static routing of a
hook (``on_fail: run``, ``on_success: goto``, a ``transitions`` target).
``run_js`` and ``goto_js`` pick targets at run time and cannot be drawn.
``report/graph.py`` renders it; a run's result carries it for the reports.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from visor_mem.config.specs import ConfigSpec, HookSpec, StepSpec

HOOKS = ("on_success", "on_fail", "on_finish")


@dataclass(frozen=True)
class Edge:
    """``source`` → ``target``; ``routed`` edges (run, goto, transitions) are drawn dashed."""

    source: str
    target: str
    label: str = ""
    routed: bool = False


@dataclass(frozen=True)
class Graph:
    """The steps in config order (name → type) and the edges between them."""

    steps: Mapping[str, str]
    edges: tuple[Edge, ...]


def build_graph(spec: ConfigSpec) -> Graph:
    """The graph of a config: dependency edges, then routing edges, each in config order."""
    edges = [edge for name, step in spec.steps.items() for edge in _edges(name, step)]
    known = [edge for edge in edges if edge.source in spec.steps and edge.target in spec.steps]
    return Graph({name: step.type for name, step in spec.steps.items()}, tuple(dict.fromkeys(known)))


def _edges(name: str, step: StepSpec) -> Iterator[Edge]:
    for dependency in step.depends_on:
        choices = [choice.strip() for choice in dependency.split("|") if choice.strip()]
        for choice in choices:
            yield Edge(choice, name, "any of" if len(choices) > 1 else "")
    for hook_name in HOOKS:
        hook: HookSpec | None = getattr(step, hook_name)
        if hook is not None:
            yield from _routing(name, hook_name, hook)


def _routing(name: str, hook_name: str, hook: HookSpec) -> Iterator[Edge]:
    for target in hook.run_names():
        yield Edge(name, target, f"{hook_name}: run", routed=True)
    if hook.goto:
        yield Edge(name, hook.goto, f"{hook_name}: goto", routed=True)
    for rule in hook.transitions:
        if rule.to:
            yield Edge(name, rule.to, f"{hook_name}: transition", routed=True)
