"""Load a ``.visor.yaml`` into a :class:`LoadedConfig`.

Three stages, each reporting one-line errors that name ``file:line:col`` and
the field path: YAML parsing with node positions (:mod:`yaml_source`),
pydantic validation mapped back to those positions (:mod:`diagnose`), and the
checks that need every step at once (:mod:`references`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from visor_mem.config.bounds import WARN_TIMEOUT_AT
from visor_mem.config.compile import compile_config
from visor_mem.config.compose import compose
from visor_mem.config.keycheck import apply_key_table
from visor_mem.config.loaded import LoadedConfig, Position
from visor_mem.config.models import VisorConfig
from visor_mem.config.references import check_references
from visor_mem.config.source import Source, warning_line
from visor_mem.config.yaml_source import parse_yaml
from visor_mem.errors import ConfigError, Location


def load_config(source: str | Path | Mapping[str, Any]) -> LoadedConfig:
    """Read, parse and validate a config file (or an already-parsed mapping).

    Raises :class:`ConfigError` naming the file, line, column and field of the
    first problem.  A mapping (Python API) is checked the same way, without
    positions.
    """
    if isinstance(source, Mapping):
        return _validate(dict(source), None, {})
    path = Path(source)
    data, positions = parse_yaml(_read(path), str(path))
    return load_parsed(data, path, positions)


def _parse(raw: bytes, label: str) -> tuple[Any, dict[str, Position]]:
    return parse_yaml(decode_config(raw, label), label)


@dataclass(frozen=True)
class Origins:
    """Where a composed config's fields come from (see :mod:`compose`)."""

    files: Mapping[str, str] = field(default_factory=dict)
    sources: tuple[tuple[str, str], ...] = ()


def load_parsed(data: Any, path: Path, positions: dict[str, Position]) -> LoadedConfig:
    """Compose and validate a config file already parsed by ``parse_yaml`` (``visor test`` reads it once)."""
    composed = compose(data, positions, path, _parse)
    if composed is None:
        return _validate(data, path, positions)
    return _validate(composed.data, path, composed.positions, Origins(composed.files, composed.sources))


def _read(path: Path) -> str:
    try:
        return decode_config(path.read_bytes(), str(path))
    except FileNotFoundError as err:
        raise ConfigError("config file not found", Location(str(path))) from err
    except IsADirectoryError as err:
        raise ConfigError("expected a config file, found a folder", Location(str(path))) from err
    except OSError as err:
        raise ConfigError(f"cannot read config: {err.strerror}", Location(str(path))) from err


def decode_config(data: bytes, label: str | None) -> str:
    """The text of a config file (UTF-8, an optional BOM dropped); bad bytes named by line:col."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        start = err.start
        line = data.count(b"\n", 0, start) + 1
        line_start = data.rfind(b"\n", 0, start) + 1
        column = len(data[line_start:start].decode("utf-8", errors="replace")) + 1
        where = Location(label, line, column)
        raise ConfigError(
            f"config file is not UTF-8 text: byte {data[start]:#04x} {err.reason}", where
        ) from None


def _validate(
    data: Any, path: Path | None, positions: dict[str, Position], origins: Origins = Origins()
) -> LoadedConfig:
    label = str(path) if path else None
    if not isinstance(data, dict):
        raise ConfigError(_not_a_mapping(data), Location(label, *positions.get("", (None, None))))
    steps_key = "checks" if "checks" in data and "steps" not in data else "steps"
    source = Source(label, positions, steps_key, origins.files)
    checked = apply_key_table(data, source)
    try:
        model = VisorConfig.model_validate(checked.data)
    except ValidationError as err:
        # Imported only on failure: a valid config (every pre-commit run) never pays for it.
        from visor_mem.config.diagnose import config_error

        raise _first_in_file([*checked.errors, config_error(err, source, VisorConfig)]) from None
    if checked.errors:
        raise _first_in_file(list(checked.errors))
    warnings = checked.warnings
    check_references(model, source, data)
    warnings += _timeout_warnings(data.get(steps_key), source)
    return LoadedConfig(
        compile_config(model),
        path,
        _model_positions(positions, steps_key),
        warnings,
        origins.files,
        origins.sources,
    )


def _timeout_warnings(steps: Any, source: Source) -> tuple[str, ...]:
    """A numeric ``timeout`` of 1000 or more is probably milliseconds (what Visor's source reads)."""
    found = [
        (name, step["timeout"])
        for name, step in (steps.items() if isinstance(steps, dict) else ())
        if isinstance(step, dict) and _number(step.get("timeout")) >= WARN_TIMEOUT_AT
    ]
    return tuple(
        warning_line(
            source.location(f"steps.{name}.timeout"),
            f"timeout is in seconds here: {value:g} s is {value / 3600:.3g} hours; "
            f"write '{value:g}ms' if milliseconds were meant",
        )
        for name, value in found
    )


def _number(value: Any) -> float:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else 0


def _first_in_file(errors: list[ConfigError]) -> ConfigError:
    def where(error: ConfigError) -> tuple[int, int]:
        location = error.location or Location()
        return (location.line or 1 << 30, location.column or 0)

    return min(errors, key=where)


def _not_a_mapping(data: Any) -> str:
    if data is None:
        return "the config is empty; expected a mapping with 'version' and 'steps'"
    kind = "a list" if isinstance(data, list) else "a single value"
    return f"expected a mapping with 'version' and 'steps' at the top level, found {kind}"


def _model_positions(positions: dict[str, Position], steps_key: str) -> dict[str, Position]:
    """Positions keyed by model paths: ``checks.x`` is also reachable as ``steps.x``."""
    if steps_key == "steps":
        return positions
    aliased = {
        "steps" + key[len("checks") :]: value
        for key, value in positions.items()
        if key == "checks" or key.startswith("checks.")
    }
    return {**positions, **aliased}
