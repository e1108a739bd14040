"""Config: YAML loading with positions, pydantic models, validation."""

from visor_mem.config.loaded import LoadedConfig
from visor_mem.config.loader import load_config

__all__ = ["LoadedConfig", "load_config"]
