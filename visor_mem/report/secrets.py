"""Secret masking at the output edge: what `visor run` prints never shows a secret.

As Visor (and GitHub Actions) do, the values of environment variables whose
names end in ``_TOKEN``, ``_SECRET``, ``_KEY`` or ``_PASSWORD`` (and
``GITHUB_TOKEN``) are replaced by ``***`` in everything a run prints: log
lines, the text / markdown / JSON reports, annotations, the step summary and
error lines.  The run itself is unchanged (a command still gets the real
token, memory still stores what was written); only what leaves through
stdout, stderr and ``$GITHUB_STEP_SUMMARY`` is masked.

Values shorter than :data:`MIN_LENGTH` are not masked: masking ``1`` or
``on`` would garble every line without hiding anything.  A value is also
masked in its JSON-escaped spelling (a secret with a quote or a backslash
appears escaped in ``-o json``).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TextIO

SECRET_SUFFIXES = ("_TOKEN", "_SECRET", "_KEY", "_PASSWORD")
SECRET_NAMES = frozenset({"GITHUB_TOKEN"})
MASK = "***"
MIN_LENGTH = 4


def is_secret_name(name: str) -> bool:
    """Whether an environment variable of this name holds a secret."""
    upper = name.upper()
    return upper in SECRET_NAMES or upper.endswith(SECRET_SUFFIXES)


class Masker:
    """Replaces every secret value in a text by ``***``."""

    def __init__(self, values: list[str]) -> None:
        spellings = {spelling for value in values for spelling in _spellings(value)}
        ordered = sorted(spellings, key=len, reverse=True)  # longest first: no partial masks
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Masker:
        """The masker for the secrets in ``environ``."""
        return cls([value for name, value in environ.items() if is_secret_name(name)])

    def __bool__(self) -> bool:
        return self._pattern is not None

    def mask(self, text: str) -> str:
        """``text`` with every secret replaced."""
        return text if self._pattern is None else self._pattern.sub(MASK, text)


def _spellings(value: str) -> set[str]:
    if len(value) < MIN_LENGTH:
        return set()
    return {value, json.dumps(value, ensure_ascii=False)[1:-1], json.dumps(value)[1:-1]}


class MaskedStream:
    """A text stream that masks secrets in everything written to it."""

    def __init__(self, inner: TextIO, masker: Masker) -> None:
        self._inner = inner
        self._masker = masker

    def write(self, text: str) -> int:
        """Write ``text`` with its secrets masked."""
        self._inner.write(self._masker.mask(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        """Write each line, masked."""
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)  # flush, isatty, fileno, encoding ...


@contextmanager
def masked_output(environ: Mapping[str, str]) -> Iterator[None]:
    """``sys.stdout`` and ``sys.stderr`` mask the secrets of ``environ`` inside the block."""
    masker = Masker.from_environ(environ)
    if not masker:
        yield
        return
    saved = sys.stdout, sys.stderr
    sys.stdout = MaskedStream(saved[0], masker)
    sys.stderr = MaskedStream(saved[1], masker)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
