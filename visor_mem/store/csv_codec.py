"""The CSV file layout: Visor's, made lossless for every JSON value.

Visor writes a header ``namespace,key,value,type`` and one row per value,
rows joined by ``\\n`` with a trailing ``\\n``; a field is quoted (inner quotes
doubled) only when it holds ``,``, ``"`` or a newline.  A list of two or more
items is written as one row per item, each with its own type.

Where Visor loses data we write something Visor still reads and we read back
exactly:

* a list of zero or one item is ONE row of type ``array`` holding its JSON text
  (Visor would write no row, or a scalar row);
* ``null`` is type ``null`` with an empty value (Visor writes type ``string``);
* a field holding a carriage return is quoted too, so a real CSV parser keeps it.

Reading (with the csv module: quoted newlines and CRLF files work) uses the one
rule that inverts the writer: a key with ONE row has that row's value (so a
single ``array`` row is the whole list); a key with SEVERAL rows is the list of
the rows' values in file order, an ``array`` row being a nested list item.
That is also how Visor reads its own multi-row lists.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator

from visor_mem.jsonvalue import JsonValueError, copy_json, js_number_text, parse_json
from visor_mem.store.base import JSON, Dump, iter_items
from visor_mem.store.codec import DecodeError, decode_text
from visor_mem.store.json_codec import compact_json

HEADER = ("namespace", "key", "value", "type")
FIELD_LIMIT = 2**31 - 1
"""The largest CSV field read (the csv module's default, 131,072 characters, would
make a store we wrote unreadable)."""
_NEEDS_QUOTES = re.compile('[,"\n\r]')
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")

_CELLS: dict[type, Callable[[JSON], tuple[str, str]]] = {
    str: lambda v: ("string", v),
    bool: lambda v: ("boolean", "true" if v else "false"),
    int: lambda v: ("number", js_number_text(v)),
    float: lambda v: ("number", js_number_text(v)),
    type(None): lambda v: ("null", ""),
    list: lambda v: ("array", compact_json(v)),
    dict: lambda v: ("object", compact_json(v)),
}
"""JSON type → (type column, value column) of one row."""


def _field(text: str) -> str:
    if _NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def _cells(value: JSON) -> list[tuple[str, str]]:
    if isinstance(value, list) and len(value) >= 2:
        return [_CELLS[type(item)](item) for item in value]
    return [_CELLS[type(value)](value)]


def _rows(dump: Dump) -> Iterator[str]:
    yield ",".join(HEADER)
    for namespace, key, value in iter_items(dump):
        prefix = f"{_field(namespace)},{_field(key)},"
        for kind, text in _cells(value):
            yield f"{prefix}{_field(text)},{kind}"


def _parse_number(text: str) -> JSON:
    if not _NUMBER.fullmatch(text):
        raise ValueError(f"'{text}' is not a number")
    return parse_json(text)


def _parse_boolean(text: str) -> JSON:
    if text not in ("true", "false"):
        raise ValueError(f"'{text}' is not true or false")
    return text == "true"


def _parse_null(text: str) -> JSON:
    if text:
        raise ValueError(f"a null row must have an empty value, not '{text}'")
    return None


def _parser_of(kind: type) -> Callable[[str], JSON]:
    def parse(text: str) -> JSON:
        value = parse_json(text)
        if not isinstance(value, kind):
            raise ValueError(f"'{text}' is not a JSON {'array' if kind is list else 'object'}")
        return value

    return parse


_PARSERS: dict[str, Callable[[str], JSON]] = {
    "string": str,
    "number": _parse_number,
    "boolean": _parse_boolean,
    "null": _parse_null,
    "array": _parser_of(list),
    "object": _parser_of(dict),
}
"""type column → parser of the value column."""


def _parse_row(row: list[str]) -> tuple[str, str, JSON]:
    if len(row) not in (3, 4):
        raise ValueError(f"expected 4 fields (namespace,key,value,type), got {len(row)}")
    kind = row[3] if len(row) == 4 else "string"  # Visor: a missing type means string
    parser = _PARSERS.get(kind)
    if parser is None:
        raise ValueError(f"unknown type '{kind}' (expected one of {', '.join(_PARSERS)})")
    return row[0], row[1], parser(row[2])


def _collect(text: str) -> dict[str, dict[str, list[JSON]]]:
    """Rows grouped by namespace and key, in file order."""
    if csv.field_size_limit() < FIELD_LIMIT:
        csv.field_size_limit(FIELD_LIMIT)  # the csv module's limit is global; we only ever raise it
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    grouped: dict[str, dict[str, list[JSON]]] = {}
    try:
        for row in reader:
            if not row or (reader.line_num == 1 and tuple(row[:3]) == HEADER[:3]):
                continue
            namespace, key, value = _parse_row(row)
            grouped.setdefault(namespace, {}).setdefault(key, []).append(value)
    except JsonValueError as err:
        raise DecodeError(f"value: {err.message}", reader.line_num) from err
    except (csv.Error, ValueError) as err:
        raise DecodeError(str(err), reader.line_num) from err
    return grouped


class CsvCodec:
    """``namespace,key,value,type`` rows, as Visor writes them."""

    def encode(self, dump: Dump) -> bytes:
        return ("\n".join(_rows(dump)) + "\n").encode("utf-8")

    def decode(self, data: bytes) -> Dump:
        grouped = _collect(decode_text(data))
        return {
            namespace: {key: _value(namespace, key, values) for key, values in keys.items()}
            for namespace, keys in grouped.items()
        }


def _value(namespace: str, key: str, rows: list[JSON]) -> JSON:
    """One row is the value; several are a list, one level deeper than each row (so checked again)."""
    if len(rows) == 1:
        return rows[0]
    try:
        return copy_json(rows, f"the rows of {namespace}.{key}")
    except JsonValueError as err:
        raise DecodeError(err.message) from err
