"""Pictures of a workflow graph (``config/graph.py``) as Mermaid or DOT.

``visor graph`` draws the config; ``-o markdown`` and the GitHub job summary
draw the run: the same graph, each step coloured by its final status and
labelled with its run count, so a reviewer sees the path the run took.
Routing edges are dashed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from visor_mem.config.graph import Edge, Graph
from visor_mem.engine.results import RunResult, StepResult

STATUS_COLOURS: Mapping[str, str] = {
    "success": "fill:#d3f9d8,stroke:#2b8a3e,color:#000",
    "failed": "fill:#ffe3e3,stroke:#c92a2a,color:#000",
    "skipped": "fill:#f1f3f5,stroke:#868e96,color:#495057,stroke-dasharray:4 3",
}
"""Final status → Mermaid class style of the steps that ended so."""


# -- Mermaid -----------------------------------------------------------------------------


def to_mermaid(graph: Graph, result: RunResult | None = None) -> str:
    """A Mermaid flowchart; with ``result``, steps are coloured by final status with their runs."""
    ids = _ids(graph)
    lines = ["flowchart TD"]
    for name, kind in graph.steps.items():
        step = result.steps.get(name) if result else None
        lines.append(f'    {ids[name]}["{_mermaid_text(_node_label(name, kind, step))}"]')
    for edge in graph.edges:
        lines.append(_mermaid_edge(edge, ids))
    if result is not None:
        lines += _mermaid_classes(graph, result, ids)
    return "\n".join(lines) + "\n"


def _ids(graph: Graph) -> dict[str, str]:
    """Step name → ``s0``, ``s1``...: any step name is safe as a label, not as an id."""
    return {name: f"s{index}" for index, name in enumerate(graph.steps)}


def _node_label(name: str, kind: str, step: StepResult | None) -> str:
    if step is None:
        return f"{name} ({kind})"
    runs = "1 run" if step.runs == 1 else f"{step.runs} runs"
    return f"{name}: {step.status}, {runs}"


def _mermaid_edge(edge: Edge, ids: Mapping[str, str]) -> str:
    source, target = ids[edge.source], ids[edge.target]
    arrow = "-.->" if edge.routed else "-->"
    label = f'|"{_mermaid_text(edge.label)}"|' if edge.label else ""
    return f"    {source} {arrow}{label} {target}"


def _mermaid_classes(graph: Graph, result: RunResult, ids: Mapping[str, str]) -> list[str]:
    lines = [f"    classDef {status} {style}" for status, style in STATUS_COLOURS.items()]
    for status in STATUS_COLOURS:
        members = [
            ids[name] for name in graph.steps if name in result.steps and result.steps[name].status == status
        ]
        if members:
            lines.append(f"    class {','.join(members)} {status}")
    return lines


def _mermaid_text(text: str) -> str:
    """Text inside a quoted Mermaid label: quotes and markup characters as entity codes."""
    for raw, code in (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("`", "#96;")):
        text = text.replace(raw, code)
    return " ".join(text.split())


# -- DOT ---------------------------------------------------------------------------------


def to_dot(graph: Graph, result: RunResult | None = None) -> str:
    """A Graphviz digraph; routing edges dashed."""
    lines = ["digraph visor {", "    rankdir=TB;", '    node [shape=box, style="rounded"];']
    for name, kind in graph.steps.items():
        step = result.steps.get(name) if result else None
        lines.append(f"    {_dot_id(name)} [label={_dot_id(_node_label(name, kind, step))}];")
    for edge in graph.edges:
        attributes = [f"label={_dot_id(edge.label)}"] if edge.label else []
        if edge.routed:
            attributes.append("style=dashed")
        suffix = f" [{', '.join(attributes)}]" if attributes else ""
        lines.append(f"    {_dot_id(edge.source)} -> {_dot_id(edge.target)}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_id(text: str) -> str:
    """A quoted DOT ID: backslashes and quotes escaped, line breaks as spaces."""
    escaped = " ".join(text.split()).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


FORMATS: Mapping[str, Callable[[Graph, RunResult | None], str]] = {"mermaid": to_mermaid, "dot": to_dot}
"""``visor graph --format`` value → renderer."""
