"""What a file codec is: bytes of a whole store in, a ``Dump`` out, and back.

The JSON and CSV codecs write exactly what Visor writes, so Visor can read a
file visor_mem wrote (and the reverse).  A codec never touches the disk; the
file backend wraps its :class:`DecodeError` into a ``StoreError`` that names
the file.
"""

from __future__ import annotations

from typing import Protocol

from visor_mem.jsonvalue import JsonValueError, utf8_text
from visor_mem.store.base import Dump


class DecodeError(ValueError):
    """The bytes are not a store in this format; ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


class Codec(Protocol):
    """Turns a whole store into a file's bytes and back."""

    def encode(self, dump: Dump) -> bytes:
        """The file's bytes for ``dump`` (namespaces and keys in order)."""

    def decode(self, data: bytes) -> Dump:
        """The store held in ``data``; raise DecodeError when it does not parse."""


def decode_text(data: bytes) -> str:
    """UTF-8 text of a file, or a DecodeError naming the line of a bad byte or a byte order mark."""
    try:
        text = utf8_text(data)
    except JsonValueError as err:
        raise DecodeError(f"{err.message} (column {err.column})", err.line) from err
    if text.startswith("\ufeff"):
        raise DecodeError("starts with a byte order mark (BOM); save the file as UTF-8 without one", 1)
    return text
