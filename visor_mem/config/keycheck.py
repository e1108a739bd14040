"""Apply the key table (:mod:`keys`) to parsed config data, before validation.

One walk over the mappings the table describes: an inert key is dropped
with a warning (once per key); a refused key or a key in no row is an error
at its line.  The loader reports whichever problem, of these and of
pydantic's, comes first in the file.  What is left holds implemented keys
only, which pydantic then validates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from visor_mem.config.keys import LEVELS, VALUE_INERT, Fate, Level
from visor_mem.config.source import Source, did_you_mean, warning_line
from visor_mem.config.step_models import EXTENSION_PREFIX, STEP_MODELS, STEP_TYPE_ALIASES
from visor_mem.errors import ConfigError

_LISTED_KEYS = 24
"""Keys listed in a typo error when no close match exists."""


@dataclass
class _Seen:
    """Inert keys met so far: (level, key) → [first path, occurrences, note]."""

    inert: dict[tuple[str, str], list[Any]] = field(default_factory=dict)
    errors: list[ConfigError] = field(default_factory=list)

    def add(self, level: str, key: str, path: str, note: str) -> None:
        entry = self.inert.setdefault((level, key), [path, 0, note])
        entry[1] += 1


@dataclass(frozen=True)
class KeyCheck:
    """The data left for validation, the warnings, and the refused or unknown keys found."""

    data: dict[str, Any]
    warnings: tuple[str, ...]
    errors: tuple[ConfigError, ...]


def apply_key_table(data: dict[str, Any], source: Source) -> KeyCheck:
    """Drop inert keys (with warnings); refused and unknown keys are reported as errors."""
    seen = _Seen()
    cleaned = _walk(data, "top", "", source, seen)
    warnings = tuple(_warning(source, *entry) for entry in seen.inert.values())
    return KeyCheck(cleaned, warnings, tuple(seen.errors))


def _walk(node: dict[str, Any], level_name: str, path: str, source: Source, seen: _Seen) -> dict[str, Any]:
    level = LEVELS[level_name]
    own = _type_fields(node) if level_name == "step" else None
    result: dict[str, Any] = {}
    for key, value in node.items():
        child_path = f"{path}.{key}" if path else key
        if key.startswith(EXTENSION_PREFIX):
            result[key] = value
            continue
        fate = _fate(level, level_name, key, value, child_path, source)
        if isinstance(fate, ConfigError):
            # Kept, so pydantic rejects the key too and skips the checks its absence would trip.
            seen.errors.append(fate)
            result[key] = value
        elif fate.kind == "inert":
            seen.add(level_name, key, child_path, fate.note)
        elif own is not None and key not in own:
            seen.add(level_name, key, child_path, f"not used by {node.get('type')} steps")
        else:
            result[key] = _descend(level, key, value, child_path, source, seen)
    return result


def _fate(
    level: Level, level_name: str, key: str, value: Any, path: str, source: Source
) -> Fate | ConfigError:
    fate = level.keys.get(key)
    if fate is None:
        return ConfigError(f"unknown field '{key}'{_hint(key, level)}", source.location(path))
    if fate.kind == "refused":
        why = f" ({fate.note})" if fate.note else ""
        return ConfigError(f"Visor key '{key}' is not supported by visor_mem{why}", source.location(path))
    value_rule = VALUE_INERT.get((level_name, key))
    if value_rule and value_rule[0](value):
        return Fate("inert", value_rule[1])
    return fate


def _descend(level: Level, key: str, value: Any, path: str, source: Source, seen: _Seen) -> Any:
    shape, child = level.children.get(key, ("", ""))
    if shape == "one" and isinstance(value, dict):
        return _walk(value, child, path, source, seen)
    if shape == "map" and isinstance(value, dict):
        return {
            name: _walk(item, child, f"{path}.{name}", source, seen) if isinstance(item, dict) else item
            for name, item in value.items()
        }
    if shape == "list" and isinstance(value, list):
        return [
            _walk(item, child, f"{path}.{index}", source, seen) if isinstance(item, dict) else item
            for index, item in enumerate(value)
        ]
    return value


def _type_fields(step: dict[str, Any]) -> frozenset[str] | None:
    """Keys the step's own type implements; None when the type is not ours (pydantic reports it)."""
    kind = step.get("type")
    kind = STEP_TYPE_ALIASES.get(kind, kind) if isinstance(kind, str) else None
    return step_type_keys(kind) if kind in STEP_MODELS else None


@cache
def step_type_keys(kind: str) -> frozenset[str]:
    """The keys a step of type ``kind`` accepts, as written in YAML."""
    model = STEP_MODELS[kind]
    keys = {info.alias or name for name, info in model.model_fields.items()}
    return frozenset(keys | ({"script_js"} if kind == "script" else set()))


def _hint(key: str, level: Level) -> str:
    hint = did_you_mean(key, level.keys)
    if hint:
        return hint
    listed = [name for name, fate in level.keys.items() if fate.kind == "implemented"]
    if len(listed) > _LISTED_KEYS:
        return f" in {level.title}"
    return f" in {level.title}; expected one of: " + ", ".join(listed)


def _warning(source: Source, path: str, count: int, note: str) -> str:
    key = path.rpartition(".")[2]
    more = f" (and {count - 1} more)" if count > 1 else ""
    return warning_line(source.location(path), f"Visor key '{key}' has no effect here: {note}; ignored{more}")
