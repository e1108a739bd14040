"""Real parsers for the pictures: Mermaid's own grammar (run in QuickJS) and pydot for DOT.

Mermaid's flowchart grammar comes from the ``mermaid-syntax-parser`` wheel (a
self-contained JS bundle of mermaid's jison parsers), installed by the
Makefile; it is evaluated here with the QuickJS visor_mem already depends on.
"""

from __future__ import annotations

import functools
import importlib.util
import warnings
from pathlib import Path

import pydot
import quickjs


@functools.cache
def _mermaid() -> quickjs.Context:
    spec = importlib.util.find_spec("mermaid_parser")
    missing = "mermaid-syntax-parser is not installed: make .venv/.installed installs it"
    assert spec is not None, missing
    assert spec.submodule_search_locations, missing
    bundle = Path(next(iter(spec.submodule_search_locations)), "lib", "mermaid_syntax_parser.cjs")
    context = quickjs.Context()
    context.eval("var exports = {};")
    context.eval(bundle.read_text(encoding="utf-8"))
    return context


def mermaid_accepts(text: str) -> bool:
    """Whether mermaid's parser accepts the diagram."""
    context = _mermaid()
    context.set("diagram", text)
    return bool(context.eval("exports.ValidateMermaid(diagram) === true"))


def dot_graph(text: str) -> pydot.Dot:
    """The one graph a DOT text holds; AssertionError when pydot cannot parse it."""
    with warnings.catch_warnings():  # pydot 4.0.1 calls pyparsing names pyparsing 3.2 deprecates
        warnings.simplefilter("ignore", DeprecationWarning)
        graphs = pydot.graph_from_dot_data(text)
    assert graphs is not None, f"pydot does not parse:\n{text}"
    assert len(graphs) == 1
    return graphs[0]
