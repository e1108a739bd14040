"""Comparing a value with what a ``Comparison`` asks (shared by outputs and memory).

Equality is JSON equality: ``true`` is not ``1``, ``1`` is ``1.0``, mappings
compare by keys whatever their order.  ``contains`` means "a part of": a
substring, list items, or a sub-mapping (recursively).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from visor_mem.testing.models import Comparison

MISSING: Any = object()
"""A path that leads nowhere (distinct from a JSON null)."""
_PATH_TOKEN = re.compile(r"""\.?([A-Za-z_$][\w$-]*)|\[(-?\d+)\]|\[(['"])(.*?)\3\]""")


def json_equal(left: Any, right: Any) -> bool:
    """Equal as JSON values (booleans are not numbers)."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(json_equal(left[k], right[k]) for k in left)
    if isinstance(left, list | tuple) and isinstance(right, list | tuple):
        return len(left) == len(right) and all(json_equal(a, b) for a, b in zip(left, right, strict=True))
    return type(left) is type(right) and left == right


def json_contains(whole: Any, part: Any) -> bool:
    """``part`` is in ``whole``: a substring, list items, or a sub-mapping."""
    if isinstance(whole, str):
        return isinstance(part, str) and part in whole
    if isinstance(whole, list):
        items = part if isinstance(part, list) else [part]
        return all(any(json_equal(have, want) for have in whole) for want in items)
    if isinstance(whole, dict) and isinstance(part, dict):
        return all(
            k in whole and (json_equal(whole[k], v) or _contains_nested(whole[k], v)) for k, v in part.items()
        )
    return json_equal(whole, part)


def _contains_nested(have: Any, want: Any) -> bool:
    return isinstance(have, dict) and isinstance(want, dict) and json_contains(have, want)


def follow(value: Any, path: str | None) -> Any:
    """The value at a dot/bracket path (``items[0].name``, ``tags['x-y']``, ``$.a``), or MISSING."""
    if not path:
        return value
    text = path[1:] if path.startswith("$") else path
    position = 0
    while position < len(text):
        match = _PATH_TOKEN.match(text, position)
        if match is None:
            return MISSING
        value = _step_into(value, match)
        if value is MISSING:
            return MISSING
        position = match.end()
    return value


def _step_into(value: Any, match: re.Match[str]) -> Any:
    name, index, _, quoted = match.groups()
    if index is not None:
        if not isinstance(value, list):
            return MISSING
        i = int(index)
        return value[i] if -len(value) <= i < len(value) else MISSING
    key = name if name is not None else quoted
    return value.get(key, MISSING) if isinstance(value, dict) else MISSING


def compact(value: Any) -> str:
    """A value as one line of JSON (MISSING as <missing>)."""
    if value is MISSING:
        return "<missing>"
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def mismatches(value: Any, comparison: Comparison) -> Iterator[tuple[str, Any]]:
    """``(comparator, expected)`` for every comparator that does not hold."""
    actual = follow(value, comparison.path)
    for name, expected in comparison.given().items():
        if not CHECKS[name](actual, expected):
            yield name, expected


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _matches(actual: Any, pattern: str) -> bool:
    if actual is MISSING:
        return False
    return re.search(pattern, actual if isinstance(actual, str) else compact(actual)) is not None


def _unordered(actual: Any, expected: list[Any]) -> bool:
    return isinstance(actual, list) and json_contains(actual, list(expected))


def _bound(test: Callable[[float, float], bool]) -> Callable[[Any, Any], bool]:
    return lambda actual, limit: _is_number(actual) and test(actual, limit)


CHECKS: dict[str, Callable[[Any, Any], bool]] = {
    "equals": lambda actual, expected: actual is not MISSING and json_equal(actual, expected),
    "equalsDeep": lambda actual, expected: actual is not MISSING and json_equal(actual, expected),
    "contains": lambda actual, part: actual is not MISSING and json_contains(actual, part),
    "not_contains": lambda actual, part: actual is not MISSING and not json_contains(actual, part),
    "contains_unordered": _unordered,
    "matches": _matches,
    "gt": _bound(lambda a, b: a > b),
    "gte": _bound(lambda a, b: a >= b),
    "lt": _bound(lambda a, b: a < b),
    "lte": _bound(lambda a, b: a <= b),
    "exists": lambda actual, wanted: (actual is not MISSING) is wanted,
}
"""Comparator name → test(actual, expected); the names are ``models.COMPARATORS``."""
