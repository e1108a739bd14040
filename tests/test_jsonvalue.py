"""The one JSON value policy: finite numbers, bounded depth, valid Unicode, big ints."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from visor_mem.jsonvalue import (
    MAX_DEPTH,
    JsonValueError,
    copy_json,
    dump_compact,
    parse_json,
    parse_json_bytes,
)


@dataclass(frozen=True)
class Refused:
    id: str
    text: str
    message: str
    line: int | None = 1
    column: int | None = None


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


REFUSED = [
    Refused("nan", '{"a": NaN}', "NaN is not a JSON value", 1, 7),
    Refused("infinity on line 2", '{"a":\n  -Infinity}', "Infinity is not a JSON value", 2),
    Refused("1e999", "[1, 1e999]", "1e999 is out of range", 1, 5),
    Refused("-1e999", "-1e999", "-1e999 is out of range", 1, 1),
    Refused("huge int literal", "9" * 5000, "an integer of 5000 digits is out of range", 1, 1),
    Refused("int past a double", "1" + "0" * 320, "out of range", 1, 1),
    Refused(
        "one level too deep",
        _nested(MAX_DEPTH + 1),
        f"nested deeper than {MAX_DEPTH} levels",
        1,
        MAX_DEPTH + 1,
    ),
    Refused("deeper than the stack", _nested(100_000), f"nested deeper than {MAX_DEPTH}", 1, MAX_DEPTH + 1),
    Refused("deep objects", '{"a":' * 300 + "1" + "}" * 300, "nested deeper", 1),
    Refused("lone high surrogate", '["\\ud800"]', "lone surrogate \\ud800", 1, 3),
    Refused("lone low surrogate key", '{"x\\uDC00": 1}', "lone surrogate \\udc00", 1),
    Refused("byte order mark", '\ufeff{"a": 1}', "byte order mark", 1, 1),
    Refused("torn", '{"a": 1', "Expecting ',' delimiter", 1, 8),
    Refused("single quotes", "{'a': 1}", "Expecting property name", 1, 2),
]


@pytest.mark.parametrize("case", REFUSED, ids=lambda c: c.id)
def test_parse_refuses_with_a_position(case: Refused) -> None:
    with pytest.raises(JsonValueError) as caught:
        parse_json(case.text)
    assert case.message in caught.value.message
    assert caught.value.line == case.line
    if case.column is not None:
        assert caught.value.column == case.column


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (_nested(MAX_DEPTH), None),
        ('"\\ud83d\\ude00"', "\U0001f600"),  # a surrogate pair is one character
        ("3.0", 3),
        ("18446744073709551616", 2**64),
        ("1e308", 1e308),
        ("1e-999", 0),
        ('"NaN"', "NaN"),
        ('["\\\\ud800"]', ["\\ud800"]),  # an escaped backslash: no surrogate at all
    ],
)
def test_parse_accepts_values_at_the_edges(text: str, value: object) -> None:
    parsed = parse_json(text)
    if value is not None:
        assert parsed == value
        assert type(parsed) is type(value)


def test_bytes_that_are_not_utf8_name_line_and_column() -> None:
    with pytest.raises(JsonValueError) as caught:
        parse_json_bytes(b'{\n  "a": "caf\xe9"}')
    assert (caught.value.line, caught.value.column) == (2, 12)
    assert "not UTF-8 (byte 0xe9)" in str(caught.value)


def _deep_list(depth: int) -> list[object]:
    value: list[object] = []
    for _ in range(depth - 1):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (math.nan, "nan is not a JSON number"),
        (-math.inf, "-inf is not a JSON number"),
        (10**400, "an integer of about 401 digits is out of range"),
        ({1: 2}, "non-string object key: int"),
        ({"a\udc80": 1}, "lone surrogate \\udc80"),
        (["ok", "a\ud800"], "lone surrogate \\ud800"),
        (_deep_list(MAX_DEPTH + 1), f"nested deeper than {MAX_DEPTH} levels"),
        ({1, 2}, "not a JSON value (got set)"),
        (b"bytes", "not a JSON value (got bytes)"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_copy_refuses_what_is_no_json_value(value: object, message: str) -> None:
    with pytest.raises(JsonValueError, match="value of 'k'") as caught:
        copy_json(value, "value of 'k'")
    assert message in caught.value.message


def test_copy_counts_the_depth_it_will_sit_at() -> None:
    copy_json(_deep_list(MAX_DEPTH))
    with pytest.raises(JsonValueError, match="nested deeper"):
        copy_json(_deep_list(MAX_DEPTH), depth=1)


def test_copy_makes_integral_floats_ints_and_copies() -> None:
    original = {"a": [1.0, 2.5, (3, 4)]}
    copied = copy_json(original)
    assert copied == {"a": [1, 2.5, [3, 4]]}
    assert type(copied["a"][0]) is int
    assert copied["a"] is not original["a"]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
def test_any_text_parses_or_is_refused_cleanly(text: str) -> None:
    try:
        value = parse_json(text)
    except JsonValueError:
        return
    assert parse_json(dump_compact(value)) == value


_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(_VALUES)
def test_compact_text_is_what_the_standard_encoder_writes(value: object) -> None:
    """dump_compact reuses one C encoder: the text must not differ from json.dumps'."""
    assert dump_compact(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def test_compact_text_refuses_what_json_cannot_hold() -> None:
    with pytest.raises(ValueError, match="not JSON compliant"):
        dump_compact([float("nan")])
    with pytest.raises(TypeError, match="not JSON serializable"):
        dump_compact({"a": object()})


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=60))
def test_any_bytes_parse_or_are_refused_cleanly(data: bytes) -> None:
    try:
        parse_json_bytes(data)
    except JsonValueError as err:
        line = err.line
    else:
        return
    assert line is None or line >= 1
