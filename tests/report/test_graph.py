"""Pictures of workflows: the edges drawn, and Mermaid and DOT that real parsers accept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import run_yaml, write_config
from tests.report.diagrams import dot_graph, mermaid_accepts
from visor_mem.config import load_config
from visor_mem.config.graph import Edge, build_graph
from visor_mem.config.specs import ConfigSpec, StepSpec
from visor_mem.report.graph import to_dot, to_mermaid
from visor_mem.report.markdown import MAX_DIAGRAM_STEPS, render_markdown

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = sorted(p for p in (ROOT / "examples").glob("*.yaml") if not p.name.endswith(".tests.yaml"))
CONFIGS.append(ROOT / ".visor.yaml.example")

ROUTED = """
    steps:
      setup: {type: noop}
      lint: {type: noop}
      build:
        type: command
        exec: "true"
        depends_on: [setup]
        on_fail:
          run: [fix, {step: notify, with: {n: 1}}]
          goto: setup
        on_success:
          transitions:
            - {when: "true", to: notify}
            - {when: "false", to: null}
      fix: {type: noop}
      notify: {type: noop}
"""


def test_edges_cover_dependencies_and_static_routing(tmp_path: Path) -> None:
    graph = build_graph(load_config(write_config(tmp_path, ROUTED)).spec)
    assert graph.steps == {
        "setup": "noop",
        "lint": "noop",
        "build": "command",
        "fix": "noop",
        "notify": "noop",
    }
    assert graph.edges == (
        Edge("setup", "build"),
        Edge("build", "notify", "on_success: transition", routed=True),
        Edge("build", "fix", "on_fail: run", routed=True),
        Edge("build", "notify", "on_fail: run", routed=True),
        Edge("build", "setup", "on_fail: goto", routed=True),
    )


def test_any_of_dependencies_draw_one_edge_per_choice() -> None:
    steps = {
        "a": StepSpec(type="noop"),
        "b": StepSpec(type="noop"),
        "c": StepSpec(type="noop", depends_on=("a|b",)),
    }
    assert build_graph(ConfigSpec(steps=steps)).edges == (Edge("a", "c", "any of"), Edge("b", "c", "any of"))


def test_routed_edges_are_dashed_in_both_formats(tmp_path: Path) -> None:
    graph = build_graph(load_config(write_config(tmp_path, ROUTED)).spec)
    mermaid = to_mermaid(graph)
    assert '    s2 -.->|"on_fail: goto"| s0' in mermaid.splitlines()
    assert "    s0 --> s2" in mermaid.splitlines()
    dot = dot_graph(to_dot(graph))
    styles = {(e.get_source(), e.get_destination(), e.get("label")): e.get("style") for e in dot.get_edges()}
    assert styles[('"build"', '"setup"', '"on_fail: goto"')] == "dashed"
    assert styles[('"setup"', '"build"', None)] is None


@pytest.mark.parametrize("config", CONFIGS, ids=lambda p: p.name)
def test_every_example_draws_as_valid_mermaid_and_dot(config: Path) -> None:
    graph = build_graph(load_config(config).spec)
    mermaid = to_mermaid(graph)
    assert mermaid_accepts(mermaid), mermaid
    dot = dot_graph(to_dot(graph))
    names = {node.get_name().strip('"') for node in dot.get_nodes()} - {"node"}
    assert names == set(graph.steps)
    assert len(dot.get_edges()) == len(graph.edges)


HOSTILE_NAMES = ['say "hi"', "back\\slash\\", "a#b;c", "<b>bold</b>", "`code`", "ünï cödé 🚀", "x-->y", "end"]


def test_hostile_step_names_stay_labels(tmp_path: Path) -> None:
    """Quotes, backslashes, markup and Mermaid keywords in names: still one node each, still parsed."""
    steps = {
        name: {"type": "noop", "depends_on": [HOSTILE_NAMES[i - 1]] if i else []}
        for i, name in enumerate(HOSTILE_NAMES)
    }
    result = run_yaml(tmp_path, json.dumps({"steps": steps}, ensure_ascii=False))
    assert result.graph is not None
    for mermaid in (to_mermaid(result.graph), to_mermaid(result.graph, result)):
        assert mermaid_accepts(mermaid), mermaid
    dot = dot_graph(to_dot(result.graph))
    assert len(dot.get_edges()) == len(HOSTILE_NAMES) - 1
    assert not mermaid_accepts("flowchart TD\n    s0 -->\n")  # the checker itself can say no


def test_the_run_picture_colours_steps_by_final_status_with_runs(tmp_path: Path) -> None:
    result = run_yaml(
        tmp_path,
        """
        steps:
          flaky:
            type: command
            exec: "n=$(cat n 2>/dev/null || echo 0); echo $((n+1)) > n; [ $n -ge 1 ]"
            on_fail: {retry: {max: 2}}
          broken: {type: command, exec: "exit 3"}
          after: {type: noop, depends_on: broken}
    """,
    )
    assert result.graph is not None
    mermaid = to_mermaid(result.graph, result)
    assert mermaid_accepts(mermaid)
    lines = mermaid.splitlines()
    assert '    s0["flaky: success, 2 runs"]' in lines
    assert '    s1["broken: failed, 1 run"]' in lines
    assert '    s2["after: skipped, 0 runs"]' in lines
    assert "    class s0 success" in lines
    assert "    class s1 failed" in lines
    assert "    class s2 skipped" in lines


def test_markdown_report_embeds_the_run_picture(tmp_path: Path) -> None:
    result = run_yaml(tmp_path, "steps:\n  a: {type: noop}\n  b: {type: noop, depends_on: a}\n")
    markdown = render_markdown(result)
    block = markdown.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert mermaid_accepts(block)
    assert "    s0 --> s1" in block.splitlines()


def test_a_huge_run_gets_a_note_instead_of_a_picture(tmp_path: Path) -> None:
    count = MAX_DIAGRAM_STEPS + 1
    result = run_yaml(tmp_path, "steps:\n" + "".join(f"  s{i}: {{type: noop}}\n" for i in range(count)))
    markdown = render_markdown(result)
    assert "```mermaid" not in markdown
    assert f"_No diagram: {count} steps (at most {MAX_DIAGRAM_STEPS} are drawn)._" in markdown
