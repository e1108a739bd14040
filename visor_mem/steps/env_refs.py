"""Environment references in a step's ``env`` values, expanded as Visor's ``EnvironmentResolver``.

Three forms, replaced in this order (``src/utils/env-resolver.ts``): ``${{ env.NAME }}``,
``${NAME}`` and ``$NAME``, where NAME is upper-case letters, digits and ``_`` not
starting with a digit.  An unset variable becomes the empty string, as Visor's docs say
("Missing variables resolve to empty strings", docs/configuration.md) and as a shell
does; Visor's code leaves the reference as written, which then reaches the command.
A step's ``env`` looks names up in the run's environment (the process environment
plus the config's top-level ``env:``, whose own values look up the process
environment), never in another step's ``env``.
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
    """``value`` with every reference replaced by the variable's value ("" when unset)."""
    if "$" not in value:
        return value
    for pattern in PATTERNS:
        value = pattern.sub(lambda match: environ.get(match.group(1), ""), value)
    return value
