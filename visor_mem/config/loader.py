"""Load a ``.visor.yaml`` into a :class:`LoadedConfig` (minimal first version)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from visor_mem.config.loaded import LoadedConfig
from visor_mem.config.models import VISOR_ONLY_TOP_LEVEL_KEYS, VisorConfig
from visor_mem.errors import ConfigError, Location


def load_config(source: str | Path | Mapping[str, Any]) -> LoadedConfig:
    """Read, parse and validate a config file (or an already-parsed mapping)."""
    if isinstance(source, Mapping):
        return _validate(dict(source), None)
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"cannot read config: {err.strerror}", Location(str(path))) from err
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ConfigError(f"invalid YAML: {err}", Location(str(path))) from err
    if not isinstance(data, dict):
        raise ConfigError("the config must be a YAML mapping", Location(str(path)))
    return _validate(data, path)


def _validate(data: dict[str, Any], path: Path | None) -> LoadedConfig:
    ignored = [key for key in data if key in VISOR_ONLY_TOP_LEVEL_KEYS or str(key).startswith("x-")]
    for key in ignored:
        del data[key]
    try:
        model = VisorConfig.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise ConfigError(first["msg"], Location(str(path) if path else None, field=field)) from err
    warnings = tuple(f"top-level key '{key}' is not used by visor_mem; ignored" for key in ignored)
    return LoadedConfig(model=model, path=path, warnings=warnings)
