"""What a JSON value is, decided once for every reader and writer.

A JSON value here is None, a bool, a str, a finite number, or a list / dict
(string keys) of JSON values, such that:

* numbers are finite (no NaN, no Infinity, no ``1e999`` read as inf) and
  integers fit a double's range (|n| < 2**1024): they print, parse and reach
  JavaScript without surprises (Python would otherwise refuse to print an int
  of more than 4,300 digits);
* containers nest at most :data:`MAX_DEPTH` levels, so no reader, writer or
  copier of a value can exhaust the stack;
* strings and keys are valid Unicode: a lone surrogate (``"\\ud800"``) cannot
  be written as UTF-8 and is refused.

:func:`parse_json` / :func:`parse_json_bytes` read text under this policy
(strictly: no NaN/Infinity literals, no byte order mark) and :func:`copy_json`
checks and copies a value built in Python.  Both raise :class:`JsonValueError`,
which callers wrap with their own context (a file and line, a step, a key).
Numbers follow JavaScript: an integral float within 2**53 is an int
(``3.0`` → ``3``), as Visor writes it.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

JSON = Any
"""A JSON value (see the module docstring)."""

MAX_DEPTH = 256
"""How deeply lists and objects may nest (``[[1]]`` is 2)."""

MAX_INT_DIGITS = 400
"""Longer integer literals are refused before being converted (a double holds 309 digits)."""

_SURROGATE = re.compile("[\ud800-\udfff]")
_LONE_ESCAPE = re.compile(
    r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    r"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)
_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_BOM = "\ufeff"
_NOT_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"|[^\[\]{}"]+', re.DOTALL)
"""Strings and whatever is not a bracket: what the depth check removes from JSON text."""
_PARENS = str.maketrans("[{]}", "(())")


class JsonValueError(ValueError):
    """Not a JSON value under the policy; ``line``/``column`` (1-based) when read from text."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return f"line {self.line} column {self.column}: {self.message}"


# -- numbers ----------------------------------------------------------------------


def js_number(number: int | float) -> int | float:
    """JavaScript has one number type: an integral float within 2**53 is an int.

    So ``1.5 + 1.5`` stores ``3`` (as Visor writes it), not ``3.0``.  Beyond
    2**53 floats stay floats, as JavaScript would print them.
    """
    if isinstance(number, float) and number.is_integer() and abs(number) <= 2**53:
        return int(number)
    return number


def js_number_text(number: int | float) -> str:
    """``String(number)`` in JavaScript (ints exactly, however large)."""
    if isinstance(number, int):
        return str(number)
    if number == 0:
        return "0"
    sign = "-" if number < 0 else ""
    return sign + _js_float_text(abs(number))


def _js_float_text(number: float) -> str:
    """Number::toString for a positive finite float, from Python's shortest repr.

    Both languages pick the same shortest digits; only the layout differs
    (JavaScript switches to exponent form below 1e-6 and from 1e21).
    """
    mantissa, _, exponent = repr(number).partition("e")
    whole, _, fraction = mantissa.partition(".")
    raw = whole + fraction
    stripped = raw.lstrip("0")
    point = len(whole) + int(exponent or 0) - (len(raw) - len(stripped))  # value = 0.DIGITS x 10**point
    digits = stripped.rstrip("0")
    size = len(digits)
    if size <= point <= 21:
        return digits + "0" * (point - size)
    if 0 < point <= 21:
        return f"{digits[:point]}.{digits[point:]}"
    if -6 < point <= 0:
        return "0." + "0" * -point + digits
    power = point - 1
    head = digits if size == 1 else f"{digits[0]}.{digits[1:]}"
    return f"{head}e{'+' if power >= 0 else '-'}{abs(power)}"


def _int_problem(number: int) -> str | None:
    if -(2**53) <= number <= 2**53:
        return None
    if number.bit_length() <= 1023:
        return None
    digits = int(number.bit_length() * math.log10(2)) + 1
    return f"an integer of about {digits} digits is out of range (JSON numbers end near 1.8e308)"


def _float_problem(number: float) -> str | None:
    return None if math.isfinite(number) else f"{number!r} is not a JSON number"


# -- checking values built in Python -------------------------------------------------


def copy_json(value: object, where: str = "value", depth: int = 0) -> JSON:
    """A deep copy of ``value`` if it is a JSON value under the policy, else JsonValueError.

    Tuples count as lists (YAML and Python callers produce them).  ``where``
    names the value in the message (``value of 'k'``); ``depth`` is how deeply
    it will sit inside other containers (an appended item: 1).
    """
    return _copy(value, where, depth)


def _copy(value: object, where: str, depth: int) -> JSON:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _checked_text(value, where)
    if isinstance(value, int):
        return _checked(value, _int_problem(value), where)
    if isinstance(value, float):
        return js_number(_checked(value, _float_problem(value), where))
    if isinstance(value, list | tuple | dict) and depth >= MAX_DEPTH:
        raise JsonValueError(f"{where} is nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, list | tuple):
        return [_copy(item, where, depth + 1) for item in value]
    if isinstance(value, dict):
        return {_key(key, where): _copy(item, where, depth + 1) for key, item in value.items()}
    raise JsonValueError(f"{where} is not a JSON value (got {type(value).__name__})")


def _checked(value: Any, problem: str | None, where: str) -> Any:
    if problem is not None:
        raise JsonValueError(f"{where}: {problem}")
    return value


def _checked_text(text: str, where: str) -> str:
    found = _SURROGATE.search(text)
    if found is not None:
        raise JsonValueError(
            f"{where} holds a lone surrogate \\u{ord(found.group()):04x} (not valid Unicode)"
        )
    return text


def _key(key: object, where: str) -> str:
    if not isinstance(key, str):
        raise JsonValueError(f"{where} has a non-string object key: {type(key).__name__}")
    return _checked_text(key, f"{where} (a key)")


# -- reading text ------------------------------------------------------------------------


def _parse_float(text: str) -> int | float:
    number = float(text)
    if not math.isfinite(number):
        raise _TokenError(text, f"{text} is out of range of a JSON number")
    return js_number(number)


def _parse_int(text: str) -> int | float:
    """An integer literal; past 2**53 it is the float JavaScript printed when the text is exactly that.

    ``String(2.112366034866441e16)`` is ``"21123660348664410"``, which as a
    Python int would be a different number; ``18446744073709551616`` (2**64
    written by Python) is not how any double prints, so it stays an exact int.
    """
    if len(text) > MAX_INT_DIGITS:
        raise _TokenError(text, f"an integer of {len(text.lstrip('-'))} digits is out of range")
    number = int(text)
    if abs(number) <= 2**53:
        return number
    problem = _int_problem(number)
    if problem is not None:
        raise _TokenError(text, problem)
    as_float = float(number)
    return as_float if js_number_text(as_float) == text.lstrip("+") else number


def _reject_constant(name: str) -> None:
    raise _TokenError(name, f"{name} is not a JSON value")


class _TokenError(ValueError):
    """Raised inside the decoder's hooks; located in the text afterwards."""

    def __init__(self, token: str, message: str) -> None:
        super().__init__(message)
        self.token = token
        self.message = message


DECODER = json.JSONDecoder(parse_float=_parse_float, parse_int=_parse_int, parse_constant=_reject_constant)
"""The policy's numbers as a decoder (for readers with their own checks, like the JS bridge).

Built once: ``json.loads`` with hooks would build a decoder per call (per CSV cell)."""


def parse_json(text: str, max_depth: int = MAX_DEPTH) -> JSON:
    """The JSON value ``text`` holds, strictly (see the module docstring), or JsonValueError.

    ``max_depth`` is larger only for records that wrap values (a journal line).
    """
    if text.startswith(_BOM):
        raise JsonValueError("starts with a byte order mark (BOM); save the file as UTF-8 without one", 1, 1)
    try:
        value = DECODER.decode(text)
    except json.JSONDecodeError as err:
        raise JsonValueError(err.msg, err.lineno, err.colno) from err
    except _TokenError as err:
        raise JsonValueError(err.message, *_locate_token(text, err.token)) from err
    except RecursionError as err:
        raise _too_deep(text, max_depth) from err
    if text.count("[") + text.count("{") > max_depth and _deeper_than(text, max_depth):
        raise _too_deep(text, max_depth)
    if ("\\ud" in text or "\\uD" in text) and _LONE_ESCAPE.search(text):
        _check_strings(value, text)
    return value


def parse_json_bytes(data: bytes, max_depth: int = MAX_DEPTH) -> JSON:
    """:func:`parse_json` of UTF-8 bytes; a byte that is not UTF-8 is a JsonValueError at its line."""
    return parse_json(utf8_text(data), max_depth)


def utf8_text(data: bytes) -> str:
    """``data`` as UTF-8 text, or a JsonValueError naming the line and column of the bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line_start = data.rfind(b"\n", 0, err.start) + 1
        line = data.count(b"\n", 0, err.start) + 1
        raise JsonValueError(
            f"not UTF-8 (byte 0x{data[err.start]:02x})", line, err.start - line_start + 1
        ) from err


def _deeper_than(text: str, max_depth: int) -> bool:
    """Whether JSON ``text`` (already parsed, so balanced) nests deeper than ``max_depth``.

    On the text, with C-speed string operations rather than a walk over the
    value (which would cost more than the parse): drop strings and everything
    but brackets, then peel off the innermost pairs one level per pass.
    """
    nest = _NOT_BRACKET.sub("", text).translate(_PARENS)
    for _ in range(max_depth):
        if not nest:
            return False
        nest = nest.replace("()", "")
    return bool(nest)


def _check_strings(value: JSON, text: str) -> None:
    stack: list[JSON] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            _located(item, text)
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            for key, child in item.items():
                _located(key, text)
                stack.append(child)


def _located(item: str, text: str) -> None:
    try:
        _checked_text(item, "a string")
    except JsonValueError as err:
        found = _LONE_ESCAPE.search(text)
        position = _line_column(text, found.start() if found else 0)
        raise JsonValueError(err.message, *position) from None


def _too_deep(text: str, max_depth: int) -> JsonValueError:
    message = f"nested deeper than {MAX_DEPTH} levels"  # as the user counts: in the value
    depth = 0
    for match in _BRACKET.finditer(text):
        bracket = match.group()
        if bracket in "[{":
            depth += 1
            if depth > max_depth:
                return JsonValueError(message, *_line_column(text, match.start()))
        elif bracket in "]}":
            depth -= 1
    return JsonValueError(message)


def _locate_token(text: str, token: str) -> tuple[int | None, int | None]:
    pattern = re.compile(r'"(?:[^"\\]|\\.)*"|(?<![\w.+-])(' + re.escape(token) + r")(?![\w.])", re.DOTALL)
    for match in pattern.finditer(text):
        if match.group(1) is not None:
            return _line_column(text, match.start(1))
    return None, None


def _line_column(text: str, offset: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


# -- writing -----------------------------------------------------------------------------

_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
_MAKE_ENCODER = getattr(json.encoder, "c_make_encoder", None)
# The C encoder, built once (JSONEncoder.encode builds one per call: about 1 us of a store
# write).  No circular check: a value that passed the policy is a tree.
_C_COMPACT = (
    None
    if _MAKE_ENCODER is None
    else _MAKE_ENCODER(
        None, _COMPACT.default, json.encoder.encode_basestring, None, ":", ",", False, False, False
    )
)


def dump_compact(value: JSON) -> str:
    """Compact JSON text of a value that passed the policy (sqlite, redis, the journal)."""
    if _C_COMPACT is None:  # pragma: no cover - CPython always has the C encoder
        return _COMPACT.encode(value)
    return "".join(_C_COMPACT(value, 0))
