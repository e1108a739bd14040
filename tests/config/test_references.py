"""Cycle search over depends_on graphs."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from visor_mem.config.references import find_cycle


@dataclass(frozen=True)
class Case:
    id: str
    graph: dict[str, list[str]]
    cycle: list[str] | None


CASES = [
    Case("empty", {}, None),
    Case("chain", {"a": [], "b": ["a"], "c": ["b"]}, None),
    Case("diamond", {"a": [], "b": ["a"], "c": ["a"], "d": ["b", "c"]}, None),
    Case("self", {"a": ["a"]}, ["a", "a"]),
    Case("two", {"a": ["b"], "b": ["a"]}, ["a", "b", "a"]),
    Case("behind-a-tail", {"t": ["a"], "a": ["b"], "b": ["c"], "c": ["a"]}, ["a", "b", "c", "a"]),
    Case("after-a-finished-branch", {"a": ["x", "b"], "x": [], "b": ["a"]}, ["a", "b", "a"]),
    Case("unknown-names-ignored", {"a": ["missing"]}, None),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_find_cycle(case: Case) -> None:
    assert find_cycle(case.graph) == case.cycle


def test_deep_chain_does_not_recurse() -> None:
    graph = {f"s{i}": [f"s{i + 1}"] for i in range(20_000)}
    graph["s20000"] = ["s0"]
    cycle = find_cycle(graph)
    assert cycle is not None
    assert (cycle[0], cycle[-1], len(cycle)) == ("s0", "s0", 20_002)
