"""Hypothesis strategies for the values a store holds (shared by the store tests)."""

from __future__ import annotations

from hypothesis import strategies as st

from visor_mem.store.semantics import copy_json

names = st.text(max_size=12)
"""Namespaces and keys: any text, commas, quotes and newlines included."""

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)

json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(names, inner, max_size=4),
    max_leaves=12,
).map(copy_json)
"""JSON values as the store holds them (integral floats already ints, as in JavaScript)."""

dumps = st.dictionaries(names, st.dictionaries(names, json_values, max_size=4), max_size=3)


def same_json(a: object, b: object) -> bool:
    """Equal as JSON values: booleans are not numbers; 10**20 and 1e20 are one JavaScript number."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same_json(a[k], b[k]) for k in a)
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, numbers):
        return a == b
    return type(a) is type(b) and a == b
