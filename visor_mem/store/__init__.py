"""The memory store: one protocol, several backends, chosen by a registry.

Backends are imported when first opened: a run on the in-memory store does
not pay for sqlite3 or the journal code, and redis-py is optional.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import Any

from visor_mem.store.base import Store, StoreSettings

BackendFactory = Callable[..., Store]


def _lazy(module: str, factory: str) -> BackendFactory:
    """A factory that imports its backend module on first call."""

    def open_backend(**kwargs: Any) -> Store:
        made: Store = getattr(import_module(module), factory)(**kwargs)
        return made

    open_backend.__qualname__ = open_backend.__name__ = factory
    return open_backend


BACKENDS: dict[str, BackendFactory] = {
    "memory": _lazy("visor_mem.store.memory", "new_memory_store"),
    "file": _lazy("visor_mem.store.file", "new_file_store"),
    "sqlite": _lazy("visor_mem.store.sqlite", "new_sqlite_store"),
    "redis": _lazy("visor_mem.store.redis", "new_redis_store"),
}
"""``memory.storage`` value → factory(config=StoreSettings, base_dir=Path, **options)."""


def open_store(config: StoreSettings, base_dir: Path, **options: Any) -> Store:
    """Open the store a config asks for."""
    return BACKENDS[config.storage](config=config, base_dir=base_dir, **options)
