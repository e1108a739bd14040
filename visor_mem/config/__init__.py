"""Config: YAML loading with positions, pydantic models, validation, records.

``load_config`` (and pydantic with it) is imported on first use: the engine
imports ``visor_mem.config.specs`` and ``loaded`` only, which need no pydantic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from visor_mem.config.loaded import LoadedConfig
    from visor_mem.config.loader import load_config

__all__ = ["LoadedConfig", "load_config"]


def __getattr__(name: str) -> Any:
    if name == "load_config":
        from visor_mem.config.loader import load_config

        return load_config
    if name == "LoadedConfig":
        from visor_mem.config.loaded import LoadedConfig

        return LoadedConfig
    raise AttributeError(f"module 'visor_mem.config' has no attribute {name!r}")
