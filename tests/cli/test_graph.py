"""``visor graph``: the config's picture on stdout, errors as every command reports them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import Visor
from tests.helpers import write_config
from tests.report.diagrams import dot_graph, mermaid_accepts

CONFIG = """\
    steps:
      build: {type: command, exec: "true", on_fail: {goto: setup}}
      setup: {type: noop}
      test: {type: noop, depends_on: build}
"""


def test_mermaid_of_the_default_config(visor: Visor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(tmp_path, CONFIG)
    monkeypatch.chdir(tmp_path)
    outcome = visor("graph")
    assert outcome.code == 0, outcome.err
    assert outcome.err == ""
    assert outcome.out.startswith("flowchart TD\n")
    assert '    s0 -.->|"on_fail: goto"| s1' in outcome.out.splitlines()
    assert mermaid_accepts(outcome.out)


def test_dot_of_a_named_config(visor: Visor, tmp_path: Path) -> None:
    config = write_config(tmp_path, CONFIG, "flow.yaml")
    outcome = visor("graph", str(config), "--format", "dot")
    assert outcome.code == 0, outcome.err
    graph = dot_graph(outcome.out)
    assert {(e.get_source(), e.get_destination()) for e in graph.get_edges()} == {
        ('"build"', '"setup"'),
        ('"build"', '"test"'),
    }


def test_an_invalid_config_is_exit_2_and_one_line(visor: Visor, tmp_path: Path) -> None:
    config = write_config(tmp_path, "steps:\n  a: {type: nope}\n")
    outcome = visor("graph", str(config))
    assert outcome.code == 2
    assert outcome.out == ""
    assert outcome.err.count("\n") == 1
    assert str(config) in outcome.err


def test_an_unknown_format_is_a_usage_error(visor: Visor, tmp_path: Path) -> None:
    outcome = visor("graph", str(write_config(tmp_path, CONFIG)), "--format", "svg")
    assert outcome.code == 2
    assert "'svg' is not one of 'mermaid', 'dot'" in outcome.err
