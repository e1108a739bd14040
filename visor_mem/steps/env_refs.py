"""Environment references in a step's ``env`` values, expanded as Visor's ``EnvironmentResolver``.

Three forms, replaced in this order (``src/utils/env-resolver.ts``): ``${{ env.NAME }}``,
``${NAME}`` and ``$NAME``, where NAME is upper-case letters, digits and ``_`` not
starting with a digit.  A name that is unset or empty is left as written, as in Visor.
The environment looked up is the run's (the process environment plus the config's
top-level ``env:``), never another step's ``env``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_NAME = r"([A-Z_][A-Z0-9_]*)"
PATTERNS = (
    re.compile(r"\$\{\{\s*env\." + _NAME + r"\s*\}\}"),
    re.compile(r"\$\{" + _NAME + r"\}"),
    re.compile(r"\$" + _NAME),
)
"""Visor's three reference forms, applied one after the other."""


def expand_env_refs(value: str, environ: Mapping[str, str]) -> str:
    """``value`` with every reference to a set, non-empty variable replaced by its value."""
    if "$" not in value:
        return value
    for pattern in PATTERNS:
        value = pattern.sub(lambda match: environ.get(match.group(1)) or match.group(0), value)
    return value
