"""Comparators and paths: JSON equality, "contains", dot/bracket paths."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from visor_mem.testing.compare import MISSING, compact, follow, json_contains, json_equal, mismatches
from visor_mem.testing.models import Comparison


@dataclass(frozen=True)
class Case:
    id: str
    actual: Any
    comparison: dict[str, Any]
    failing: tuple[str, ...]


CASES = [
    Case("bool-is-not-1", True, {"equals": 1}, ("equals",)),
    Case("int-is-float", 1, {"equals": 1.0}, ()),
    Case("deep-equal", {"a": [1, {"b": None}]}, {"equalsDeep": {"a": [1, {"b": None}]}}, ()),
    Case("key-order-free", {"a": 1, "b": 2}, {"equals": {"b": 2, "a": 1}}, ()),
    Case("null-equals-null", None, {"equals": None}, ()),
    Case("substring", "lint failed: E501", {"contains": "E501", "not_contains": "E999"}, ()),
    Case("list-items", [1, 2, 3], {"contains": [3, 1]}, ()),
    Case("list-item", [1, 2, 3], {"contains": 4}, ("contains",)),
    Case("sub-mapping", {"a": {"b": 1, "c": 2}, "d": 3}, {"contains": {"a": {"b": 1}}}, ()),
    Case("not-a-sub-mapping", {"a": {"b": 1}}, {"contains": {"a": {"b": 2}}}, ("contains",)),
    Case("unordered", ["x", "y"], {"contains_unordered": ["y", "x"]}, ()),
    Case("unordered-on-text", "xy", {"contains_unordered": ["x"]}, ("contains_unordered",)),
    Case("regex", "build 42 ok", {"matches": r"build \d+"}, ()),
    Case("regex-on-json", {"n": 42}, {"matches": '"n":42'}, ()),
    Case("bounds", 5, {"gt": 4, "gte": 5, "lt": 6, "lte": 5}, ()),
    Case("bounds-on-bool", True, {"gt": 0}, ("gt",)),
    Case("path", {"items": [{"name": "a"}]}, {"path": "items[0].name", "equals": "a"}, ()),
    Case("quoted-path", {"tags": {"review-effort": 2}}, {"path": "tags['review-effort']", "equals": 2}, ()),
    Case("jsonpath-root", {"a": {"b": 1}}, {"path": "$.a.b", "equals": 1}, ()),
    Case("missing-path", {"a": 1}, {"path": "b", "exists": False}, ()),
    Case("missing-path-equals", {"a": 1}, {"path": "b", "equals": None}, ("equals",)),
    Case("exists", {"a": None}, {"path": "a", "exists": True, "equals": None}, ()),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_comparisons(case: Case) -> None:
    comparison = Comparison.model_validate(case.comparison)
    assert tuple(name for name, _ in mismatches(case.actual, comparison)) == case.failing


DOC = {"a": [1, 3], "x": {}}


@pytest.mark.parametrize(
    ("path", "value"),
    [("a[5]", MISSING), ("a[-1]", 3), ("a.b", MISSING), ("x[0]", MISSING), ("a[0", MISSING), ("", DOC)],
)
def test_follow(path: str, value: Any) -> None:
    assert follow(DOC, path) is value or follow(DOC, path) == value


def test_compact() -> None:
    assert compact(MISSING) == "<missing>"
    assert compact({"é": [1, None]}) == '{"é":[1,null]}'


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=10,
)


@settings(max_examples=200, deadline=None)
@given(JSON)
def test_every_value_equals_and_contains_itself(value: Any) -> None:
    assert json_equal(value, value)
    assert json_contains(value, value)
