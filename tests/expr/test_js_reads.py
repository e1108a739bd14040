"""``js_reads``: an answer is "unchanged" only if it is the same JSON as stored."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from visor_mem.expr.js_reads import same_as_stored
from visor_mem.store.ops import Entry


@dataclass(frozen=True)
class Case:
    id: str
    one: object
    other: object
    same: bool


CASES = [
    Case("equal-entries", Entry({"a": [1, "x"]}), Entry({"a": [1, "x"]}), True),
    Case("absent-both", None, None, True),
    Case("absent-then-null", None, Entry(None), False),
    Case("int-then-true", Entry(1), Entry(True), False),  # Python: 1 == True
    Case("int-then-float", Entry(1), Entry(1.0), False),  # Python: 1 == 1.0
    Case("nested-int-then-float", Entry([{"n": 0}]), Entry([{"n": 0.0}]), False),
    Case("expiry-changed", Entry("v", 10.0), Entry("v", 20.0), False),
    Case("expiry-gone", Entry("v", 10.0), Entry("v"), False),
    Case("key-order", Entry({"a": 1, "b": 2}), Entry({"b": 2, "a": 1}), False),
    Case("key-lists", ["a", "b"], ["a", "b"], True),
    Case("key-lists-reordered", ["a", "b"], ["b", "a"], False),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_same_as_stored(case: Case) -> None:
    assert same_as_stored(case.one, case.other) is case.same
