"""The memory store: one protocol, several backends, chosen by a registry."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from visor_mem.config.models import MemoryConfig
from visor_mem.store.base import Store
from visor_mem.store.file import new_file_store
from visor_mem.store.memory import new_memory_store
from visor_mem.store.redis import new_redis_store
from visor_mem.store.sqlite import new_sqlite_store

BackendFactory = Callable[..., Store]

BACKENDS: dict[str, BackendFactory] = {
    "memory": new_memory_store,
    "file": new_file_store,
    "sqlite": new_sqlite_store,
    "redis": new_redis_store,
}
"""``memory.storage`` value → factory(config=MemoryConfig, base_dir=Path, **options)."""


def open_store(config: MemoryConfig, base_dir: Path, **options: Any) -> Store:
    """Open the store a config asks for."""
    return BACKENDS[config.storage](config=config, base_dir=base_dir, **options)
