"""Render ``docs/compatibility.md`` from the key table (:mod:`keys`).

``python -m visor_mem.config.keydocs > docs/compatibility.md``; a test checks
that the committed page is what this prints.
"""

from __future__ import annotations

from visor_mem.config.keys import LEVELS, VALUE_INERT, Fate

_INTRO = """\
# Visor keys in visor_mem

Generated from `visor_mem/config/keys.py` by `make schema`; do not edit by hand.

Every key Visor's `.visor.yaml` knows has one fate here:

- **implemented**: same meaning as in Visor;
- **inert**: cannot change a supported step's result; visor_mem prints one
  `file:line:col: warning: ...` line per key and ignores it;
- **refused**: would change results and is not implemented; the config is
  rejected (exit 2) naming the key and why (never a silent run on the host).

A key in none of these tables is a typo: exit 2 with a did-you-mean hint.
Keys starting with `x-` are user extensions (YAML anchors) and ignored everywhere.
"""


def render_compatibility() -> str:
    """The whole page."""
    parts = [_INTRO]
    for name, level in LEVELS.items():
        parts.append(f"\n## {level.title}\n\n| key | fate | notes |\n|---|---|---|\n")
        for key, fate in level.keys.items():
            parts.append(f"| `{key}` | {_fate_text(fate)} | {_note(name, key, fate)} |\n")
    return "".join(parts)


def _fate_text(fate: Fate) -> str:
    return f"{fate.kind} (planned)" if fate.owner else fate.kind


def _note(level: str, key: str, fate: Fate) -> str:
    notes = [fate.note] if fate.note else []
    value_rule = VALUE_INERT.get((level, key))
    if value_rule:
        notes.append(f"inert when {value_rule[1]}")
    return "; ".join(notes).replace("|", "\\|")


if __name__ == "__main__":  # pragma: no cover - exercised through make schema
    print(render_compatibility(), end="")  # noqa: T201 - a generator script prints its page
