"""The simplest Liquid templates, answered without importing python-liquid.

python-liquid takes ~100 ms to import (babel, dateutil, asyncio come with it),
more than the rest of a run's start-up; most templates in workflows are a
message such as ``"Run {{ outputs.count }} of {{ vars.branch }}"``.  When every
tag of a template is ``{{ name.name... }}`` and every value found is a string
or an integer, the output is those values' text: that is what python-liquid
prints.  Anything else (filters, ``{%``, whitespace control, a missing key,
``size``/``first``/``last``, any other type, a long result) returns None, and
the caller renders with python-liquid.  A differential test keeps the two
equal (tests/expr/test_quick_liquid.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_KEY = r"[A-Za-z0-9_ -]*"
OUTPUT_TAG = re.compile(rf"\{{\{{\s*({_NAME}(?:\.{_NAME}|\['{_KEY}'\]|\[\"{_KEY}\"\])*)\s*\}}\}}")
"""``{{ a.b }}``, ``{{ outputs['count-run'] }}``: a variable path, no filters, no whitespace control."""
SEGMENT = re.compile(rf"({_NAME})|\['({_KEY})'\]|\[\"({_KEY})\"\]")
MARKUP = ("{{", "{%", "{#")
LIQUID_PROPERTIES = frozenset({"size", "first", "last"})
"""Names python-liquid resolves specially on sequences and mappings."""
MAX_OUTPUT = 1 << 20
"""Longer results go through python-liquid, which enforces the output limit."""


def render(source: str, variables: Mapping[str, Any]) -> str | None:
    """The rendered text, or None when python-liquid must decide."""
    parts: list[str] = []
    position = 0
    for match in OUTPUT_TAG.finditer(source):
        text = source[position : match.start()]
        value = _lookup(match.group(1), variables)
        if value is None or any(mark in text for mark in MARKUP) or text.endswith("{"):
            return None  # "{{{a}}": python-liquid reads the tag from the first "{{" (a syntax error)
        parts += [text, value]
        position = match.end()
    tail = source[position:]
    if any(mark in tail for mark in MARKUP):
        return None
    parts.append(tail)
    rendered = "".join(parts)
    return rendered if len(rendered) <= MAX_OUTPUT else None


def _lookup(path: str, variables: Mapping[str, Any]) -> str | None:
    """The text of a string or integer at ``path``; None for anything else."""
    value: Any = variables
    for match in SEGMENT.finditer(path):
        name = next(group for group in match.groups() if group is not None)
        if name in LIQUID_PROPERTIES or not isinstance(value, Mapping):
            return None
        try:
            value = value[name]
        except (KeyError, IndexError, TypeError):
            return None
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return str(value)
        except ValueError:  # more digits than int -> str allows: python-liquid's problem to report
            return None
    return None
