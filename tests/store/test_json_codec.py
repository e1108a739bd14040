"""The JSON layout: byte-exact with Visor's ``JSON.stringify(store, null, 2)``, lossless, strict."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given

from tests.store.json_values import dumps, json_values, same_json
from visor_mem.store.codec import DecodeError
from visor_mem.store.json_codec import JsonCodec, js_number_text, parse_json, pretty_json

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass(frozen=True)
class NumberCase:
    id: str
    number: int | float
    text: str


NUMBER_CASES = [
    NumberCase("int", 5, "5"),
    NumberCase("negative-int", -42, "-42"),
    NumberCase("huge-int-exact", 2**64, "18446744073709551616"),
    NumberCase("fraction", 0.25, "0.25"),
    NumberCase("negative-fraction", -12.5, "-12.5"),
    NumberCase("zero-float", 0.0, "0"),
    NumberCase("negative-zero", -0.0, "0"),
    NumberCase("1e16-plain", 1e16, "10000000000000000"),
    NumberCase("1e20-plain", 1e20, "100000000000000000000"),
    NumberCase("1e21-exponent", 1e21, "1e+21"),
    NumberCase("1.5e300", 1.5e300, "1.5e+300"),
    NumberCase("1e-6-plain", 1e-6, "0.000001"),
    NumberCase("1e-7-exponent", 1e-7, "1e-7"),
    NumberCase("1.234e-7", 1.234e-7, "1.234e-7"),
    NumberCase("denormal", 5e-324, "5e-324"),
    NumberCase("max", 1.7976931348623157e308, "1.7976931348623157e+308"),
    NumberCase("shortest-digits", 0.1 + 0.2, "0.30000000000000004"),
]


@pytest.mark.parametrize("case", NUMBER_CASES, ids=lambda c: c.id)
def test_numbers_print_as_javascript_does(case: NumberCase) -> None:
    assert js_number_text(case.number) == case.text


def test_visor_sample_is_byte_identical() -> None:
    sample = parse_json((FIXTURES / "sample.json").read_text())
    assert JsonCodec().encode(sample) == (FIXTURES / "visor_sample.json").read_bytes()


def test_empty_store_and_empty_containers() -> None:
    assert JsonCodec().encode({}) == b"{}"
    assert JsonCodec().encode({"a": {}, "b": {"l": [], "o": {}}}) == (
        b'{\n  "a": {},\n  "b": {\n    "l": [],\n    "o": {}\n  }\n}'
    )


def test_a_lone_surrogate_is_escaped_when_printed_and_refused_when_read() -> None:
    assert pretty_json({"k": "a\ud800b"}) == '{\n  "k": "a\\ud800b"\n}'
    with pytest.raises(DecodeError, match=r"line 1: .*lone surrogate \\ud800"):
        JsonCodec().decode(b'{"n": {"k": "a\\ud800b"}}')


def _random_value(rng: random.Random, depth: int = 0) -> object:
    kind = rng.randrange(8 if depth < 3 else 6)
    if kind == 0:
        return rng.choice([None, True, False])
    if kind == 1:
        return rng.randrange(-(2**53), 2**53)  # JavaScript holds no larger int exactly
    if kind in (2, 3):
        return rng.choice([-1, 1]) * rng.random() * 10 ** rng.randrange(-30, 30)
    if kind in (4, 5):
        return "".join(
            chr(rng.choice([rng.randrange(0, 128), rng.randrange(128, 0xD7FF)]))
            for _ in range(rng.randrange(6))
        )
    if kind == 6:
        return [_random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {str(_random_value(rng, 3)): _random_value(rng, depth + 1) for _ in range(rng.randrange(4))}


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_matches_javascript_on_random_values() -> None:
    """Node's own JSON.stringify(v, null, 2) is the oracle."""
    rng = random.Random(20240601)
    store = {"ns": {f"k{i}": _random_value(rng) for i in range(400)}}
    script = "const s=JSON.parse(require('fs').readFileSync(0,'utf8'));process.stdout.write(JSON.stringify(s,null,2))"
    expected = subprocess.run(
        ["node", "-e", script], input=json.dumps(store).encode(), capture_output=True, check=True
    ).stdout
    assert JsonCodec().encode(parse_json(json.dumps(store))) == expected


@given(dumps)
def test_every_store_round_trips(dump: dict[str, dict[str, object]]) -> None:
    codec = JsonCodec()
    assert same_json(codec.decode(codec.encode(dump)), dump)  # order of namespaces and keys too


@given(json_values)
def test_every_value_round_trips_with_its_type(value: object) -> None:
    decoded = JsonCodec().decode(JsonCodec().encode({"n": {"k": value}}))["n"]["k"]
    assert same_json(decoded, value)


def test_huge_integral_floats_and_exact_big_ints() -> None:
    dump = {"n": {"float": 2.112366034866441e16, "int": 2**64, "neg": -(2**63) - 1}}
    decoded = JsonCodec().decode(JsonCodec().encode(dump))
    assert decoded == dump
    assert [type(v) for v in decoded["n"].values()] == [float, int, int]


@dataclass(frozen=True)
class DecodeCase:
    id: str
    data: bytes
    expected: dict[str, dict[str, object]]


DECODE_CASES = [
    DecodeCase("empty-file", b"", {}),
    DecodeCase("whitespace-only", b"  \n", {}),
    DecodeCase("empty-object", b"{}", {}),
    DecodeCase("integral-float-is-int", b'{"n": {"k": 3.0}}', {"n": {"k": 3}}),
    DecodeCase("trailing-newline", b'{"n": {"k": 1}}\n', {"n": {"k": 1}}),
    DecodeCase("crlf", b'{\r\n  "n": {\r\n    "k": "v"\r\n  }\r\n}', {"n": {"k": "v"}}),
]


@pytest.mark.parametrize("case", DECODE_CASES, ids=lambda c: c.id)
def test_decode(case: DecodeCase) -> None:
    assert JsonCodec().decode(case.data) == case.expected


@dataclass(frozen=True)
class ErrorCase:
    id: str
    data: bytes
    line: int | None
    message: str


ERROR_CASES = [
    ErrorCase("truncated", b'{\n  "n": {\n    "k": 1,\n', 4, "Expecting property name"),
    ErrorCase("missing-comma", b'{\n  "n": {"a": 1 "b": 2}\n}', 2, "Expecting ','"),
    ErrorCase("top-level-array", b"[1, 2]", None, "top level is a array"),
    ErrorCase("top-level-string", b'"x"', None, "top level is a string"),
    ErrorCase("namespace-not-object", b'{"n": [1]}', None, "namespace 'n' is a array"),
    ErrorCase("namespace-null", b'{"n": null}', None, "namespace 'n' is a null"),
    ErrorCase("nan", b'{"n": {"k": NaN}}', 1, "NaN is not a JSON value"),
    ErrorCase("not-utf8", b'{"n":\n {"k": "\xff"}}', 2, "not UTF-8"),
]


@pytest.mark.parametrize("case", ERROR_CASES, ids=lambda c: c.id)
def test_decode_errors_name_the_line(case: ErrorCase) -> None:
    with pytest.raises(DecodeError) as caught:
        JsonCodec().decode(case.data)
    assert case.message in caught.value.message
    assert caught.value.line == case.line
