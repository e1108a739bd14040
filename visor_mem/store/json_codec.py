"""The JSON file layout, byte for byte as Visor writes it.

Visor saves ``JSON.stringify(store, null, 2)``: two-space indentation, no
trailing newline, non-ASCII kept as is, empty containers as ``{}`` / ``[]``.
Python's ``json.dumps(indent=2, ensure_ascii=False)`` agrees except on two
points, handled here: numbers are printed the JavaScript way (``1e+21``,
``100000000000000000000``, never ``1e20`` or ``3.0``), and lone surrogates
are escaped (``\\udc80``) instead of being written raw (which is not UTF-8).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from json.encoder import encode_basestring
from typing import Any

from visor_mem.jsonvalue import MAX_DEPTH, JsonValueError, js_number_text, parse_json
from visor_mem.store.base import JSON, Dump
from visor_mem.store.codec import DecodeError, decode_text

__all__ = ["JsonCodec", "compact_json", "js_number_text", "parse_json", "pretty_json"]

_SURROGATE = re.compile("[\ud800-\udfff]")
_INDENT = "  "


def _escape_surrogates(text: str) -> str:
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


Emit = Callable[[Any, str, list[str]], None]


def _emit_list(value: list[JSON], pad: str, out: list[str]) -> None:
    if not value:
        out.append("[]")
        return
    inner = pad + _INDENT
    out.append("[")
    for index, item in enumerate(value):
        out.append(",\n" + inner if index else "\n" + inner)
        _EMITTERS[type(item)](item, inner, out)
    out.append("\n" + pad + "]")


def _emit_dict(value: dict[str, JSON], pad: str, out: list[str]) -> None:
    if not value:
        out.append("{}")
        return
    inner = pad + _INDENT
    out.append("{")
    for index, (key, item) in enumerate(value.items()):
        out.append((",\n" if index else "\n") + inner + encode_basestring(key) + ": ")
        _EMITTERS[type(item)](item, inner, out)
    out.append("\n" + pad + "}")


_EMITTERS: dict[type, Emit] = {
    str: lambda v, _, out: out.append(encode_basestring(v)),
    bool: lambda v, _, out: out.append("true" if v else "false"),
    int: lambda v, _, out: out.append(str(v)),
    float: lambda v, _, out: out.append(js_number_text(v)),
    type(None): lambda v, _, out: out.append("null"),
    list: _emit_list,
    dict: _emit_dict,
}


def pretty_json(value: JSON) -> str:
    """``JSON.stringify(value, null, 2)``."""
    out: list[str] = []
    _EMITTERS[type(value)](value, "", out)
    return _escape_surrogates("".join(out))


def compact_json(value: JSON) -> str:
    """``JSON.stringify(value)`` (what a CSV cell holds for objects and arrays)."""
    return _escape_surrogates(_compact(value))


def _compact(value: JSON) -> str:
    if isinstance(value, list):
        return "[" + ",".join(_compact(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{encode_basestring(k)}:{_compact(v)}" for k, v in value.items()) + "}"
    out: list[str] = []
    _EMITTERS[type(value)](value, "", out)
    return out[0]


class JsonCodec:
    """``{namespace: {key: value}}``, pretty-printed as Visor writes it."""

    def encode(self, dump: Dump) -> bytes:
        return pretty_json(dump).encode("utf-8")

    def decode(self, data: bytes) -> Dump:
        text = decode_text(data)
        if not text.strip():
            return {}  # an empty file (e.g. `touch memory.json`) is an empty store
        try:
            document = parse_json(text, MAX_DEPTH + 2)  # a value sits inside {namespace: {key: ...}}
        except JsonValueError as err:
            raise DecodeError(f"{err.message} (column {err.column})", err.line) from err
        return _check_layout(document)


def _check_layout(document: JSON) -> Dump:
    """Refuse (rather than drop, as Visor does) anything that is not ``{ns: {key: value}}``."""
    if not isinstance(document, dict):
        raise DecodeError(f"the top level is a {_kind(document)}, not an object of namespaces")
    for namespace, entries in document.items():
        if not isinstance(entries, dict):
            raise DecodeError(f"namespace '{namespace}' is a {_kind(entries)}, not an object")
    return document


def _kind(value: JSON) -> str:
    return {list: "array", dict: "object", str: "string", bool: "boolean"}.get(
        type(value), "null" if value is None else "number"
    )
