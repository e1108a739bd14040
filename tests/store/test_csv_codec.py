"""The CSV layout: Visor's rows, byte-exact where Visor is lossless, lossless everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given

from tests.store.json_values import dumps, json_values, same_json
from visor_mem.store.codec import DecodeError
from visor_mem.store.csv_codec import CsvCodec
from visor_mem.store.json_codec import parse_json

FIXTURES = Path(__file__).parent / "fixtures"
HEADER = "namespace,key,value,type\n"


def test_visor_sample_is_byte_identical() -> None:
    """visor_sample.csv was written by Visor's saveToCsv (fixtures/visor_save.js) under node."""
    sample = parse_json((FIXTURES / "sample.json").read_text())
    del sample["empty"]  # Visor writes no row for an empty namespace
    expected = (FIXTURES / "visor_sample.csv").read_bytes()
    assert CsvCodec().encode(sample) == expected
    assert CsvCodec().decode(expected) == sample


@dataclass(frozen=True)
class RowCase:
    id: str
    value: object
    rows: str


ROW_CASES = [
    RowCase("string", "hi", "n,k,hi,string\n"),
    RowCase("empty-string", "", "n,k,,string\n"),
    RowCase("int", 5, "n,k,5,number\n"),
    RowCase("float", 0.5, "n,k,0.5,number\n"),
    RowCase("true", True, "n,k,true,boolean\n"),
    RowCase("null", None, "n,k,,null\n"),
    RowCase("object", {"a": "b,c"}, 'n,k,"{""a"":""b,c""}",object\n'),
    RowCase("empty-list-one-array-row", [], "n,k,[],array\n"),
    RowCase("one-item-list-one-array-row", [7], "n,k,[7],array\n"),
    RowCase("two-items-two-rows", [1, "x"], "n,k,1,number\nn,k,x,string\n"),
    RowCase("nested-list-item", [[1, 2], None], 'n,k,"[1,2]",array\nn,k,,null\n'),
    RowCase("quoted-newline", "a\nb", 'n,k,"a\nb",string\n'),
    RowCase("carriage-return-quoted", "a\rb", 'n,k,"a\rb",string\n'),
    RowCase("quotes-doubled", 'say "x"', 'n,k,"say ""x""",string\n'),
    RowCase("spaces-kept-raw", " a ", "n,k, a ,string\n"),
]


@pytest.mark.parametrize("case", ROW_CASES, ids=lambda c: c.id)
def test_rows_of_a_value(case: RowCase) -> None:
    encoded = CsvCodec().encode({"n": {"k": case.value}}).decode()
    assert encoded == HEADER + case.rows
    assert same_json(CsvCodec().decode(encoded.encode()), {"n": {"k": case.value}})


@dataclass(frozen=True)
class ReadCase:
    id: str
    text: str
    expected: dict[str, dict[str, object]]


READ_CASES = [
    ReadCase("empty-file", "", {}),
    ReadCase("header-only", HEADER, {}),
    ReadCase("no-header", "n,k,1,number\n", {"n": {"k": 1}}),
    ReadCase(
        "crlf", "namespace,key,value,type\r\nn,k,1,number\r\nn,b,true,boolean\r\n", {"n": {"k": 1, "b": True}}
    ),
    ReadCase("crlf-inside-quotes-kept", 'n,k,"a\r\nb",string\r\n', {"n": {"k": "a\r\nb"}}),
    ReadCase(
        "quoted-newline",
        'n,k,"line 1\nline 2",string\nn,j,x,string\n',
        {"n": {"k": "line 1\nline 2", "j": "x"}},
    ),
    ReadCase("blank-lines-skipped", "n,k,1,number\n\n\nn,j,2,number\n", {"n": {"k": 1, "j": 2}}),
    ReadCase("no-trailing-newline", "n,k,1,number", {"n": {"k": 1}}),
    ReadCase("missing-type-is-string", "n,k,5\n", {"n": {"k": "5"}}),
    ReadCase("repeated-scalar-rows-are-a-list", "n,k,1,number\nn,k,2,number\n", {"n": {"k": [1, 2]}}),
    ReadCase("single-array-row-is-the-list", 'n,k,"[1,2]",array\n', {"n": {"k": [1, 2]}}),
    ReadCase(
        "array-row-among-rows-is-an-item", 'n,k,"[1,2]",array\nn,k,3,number\n', {"n": {"k": [[1, 2], 3]}}
    ),
    ReadCase(
        "non-adjacent-rows-join-in-file-order",
        "n,k,1,number\nn,j,x,string\nn,k,2,number\n",
        {"n": {"k": [1, 2], "j": "x"}},
    ),
    ReadCase("integral-float-is-int", "n,k,3.0,number\n", {"n": {"k": 3}}),
    ReadCase("exponent", "n,k,1e+21,number\n", {"n": {"k": 1e21}}),
]


@pytest.mark.parametrize("case", READ_CASES, ids=lambda c: c.id)
def test_read(case: ReadCase) -> None:
    assert same_json(CsvCodec().decode(case.text.encode()), case.expected)


@dataclass(frozen=True)
class ErrorCase:
    id: str
    text: str
    line: int
    message: str


ERROR_CASES = [
    ErrorCase("unknown-type", HEADER + "n,k,1,integer\n", 2, "unknown type 'integer'"),
    ErrorCase("not-a-number", HEADER + "n,a,1,number\nn,k,abc,number\n", 3, "'abc' is not a number"),
    ErrorCase("nan", HEADER + "n,k,NaN,number\n", 2, "'NaN' is not a number"),
    ErrorCase("bad-boolean", HEADER + "n,k,TRUE,boolean\n", 2, "'TRUE' is not true or false"),
    ErrorCase("null-with-value", HEADER + "n,k,x,null\n", 2, "null row must have an empty value"),
    ErrorCase("array-type-object-text", HEADER + 'n,k,"{""a"":1}",array\n', 2, "is not a JSON array"),
    ErrorCase("bad-json", HEADER + "n,k,{oops,object\n", 2, "Expecting property name"),
    ErrorCase("too-few-fields", HEADER + "n,k\n", 2, "got 2"),
    ErrorCase("too-many-fields", HEADER + "n,k,1,number,x\n", 2, "got 5"),
    ErrorCase("unclosed-quote", HEADER + 'n,k,"abc\n', 2, "unexpected end of data"),
    ErrorCase("text-after-closing-quote", HEADER + 'n,k,"ab"c,string\n', 2, "',' expected after '\"'"),
]


@pytest.mark.parametrize("case", ERROR_CASES, ids=lambda c: c.id)
def test_read_errors_name_the_line(case: ErrorCase) -> None:
    with pytest.raises(DecodeError) as caught:
        CsvCodec().decode(case.text.encode())
    assert case.message in caught.value.message
    assert caught.value.line == case.line


@given(dumps)
def test_every_store_round_trips(dump: dict[str, dict[str, object]]) -> None:
    """Empty namespaces have no row (the file store keeps them in its sidecar)."""
    kept = {ns: entries for ns, entries in dump.items() if entries}
    assert same_json(CsvCodec().decode(CsvCodec().encode(dump)), kept)


@given(json_values)
def test_every_value_round_trips(value: object) -> None:
    assert same_json(CsvCodec().decode(CsvCodec().encode({"n": {"k": value}})), {"n": {"k": value}})


@given(dumps)
def test_crlf_line_ends_read_the_same(dump: dict[str, dict[str, object]]) -> None:
    """A CSV saved with CRLF line ends (quoted newlines untouched) reads the same."""
    text = CsvCodec().encode(dump).decode("utf-8", "surrogatepass")
    crlf = _crlf_outside_quotes(text)
    assert same_json(
        CsvCodec().decode(crlf.encode("utf-8", "surrogatepass")),
        CsvCodec().decode(text.encode("utf-8", "surrogatepass")),
    )


def _crlf_outside_quotes(text: str) -> str:
    out, quoted = [], False
    for char in text:
        if char == '"':
            quoted = not quoted
        out.append("\r\n" if char == "\n" and not quoted else char)
    return "".join(out)
