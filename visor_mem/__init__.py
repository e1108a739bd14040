"""visor_mem: run YAML workflows whose steps share a namespaced key-value memory.

The public API::

    import visor_mem

    result = visor_mem.run(".visor.yaml", only="build", store="sqlite:///state.db")
    result.ok, result.steps["build"].output, result.store.get("count", "default")

``run`` takes a path or an already-parsed mapping and the options of
``visor run`` as keyword arguments, under the same names and parsed the same
way (the table in :mod:`visor_mem.options`).

This module is imported by every ``visor`` command, ``visor --help``
included, so it stays cheap: pydantic, the engine and the store are imported
on first use (``__getattr__`` below), only the error family is eager.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from visor_mem.errors import (
    ConfigError,
    Interrupted,
    LimitError,
    Location,
    LoopBudgetExceeded,
    MemoryOperationError,
    RoutingError,
    ScriptError,
    ScriptMemoryExceeded,
    ScriptTimeout,
    StepFailed,
    StepTimeout,
    StoreError,
    StoreLocked,
    TemplateError,
    UsageError,
    VisorError,
)

if TYPE_CHECKING:
    from visor_mem.config import LoadedConfig, load_config
    from visor_mem.engine.options import RunOptions
    from visor_mem.engine.results import RunResult, StepResult
    from visor_mem.store import open_store

__version__ = "0.1.0"

_LAZY = {
    "load_config": "visor_mem.config",
    "LoadedConfig": "visor_mem.config",
    "open_store": "visor_mem.store",
    "RunOptions": "visor_mem.engine.options",
    "RunResult": "visor_mem.engine.results",
    "StepResult": "visor_mem.engine.results",
}
"""Public names imported on first access: attribute → module that defines it."""

__all__ = [
    "ConfigError",
    "Interrupted",
    "LimitError",
    "LoadedConfig",
    "Location",
    "LoopBudgetExceeded",
    "MemoryOperationError",
    "RoutingError",
    "RunOptions",
    "RunResult",
    "ScriptError",
    "ScriptMemoryExceeded",
    "ScriptTimeout",
    "StepTimeout",
    "StepFailed",
    "StepResult",
    "StoreError",
    "StoreLocked",
    "TemplateError",
    "UsageError",
    "VisorError",
    "__version__",
    "load_config",
    "open_store",
    "run",
]


def __getattr__(name: str) -> Any:
    """Import the heavy public names on first access."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'visor_mem' has no attribute {name!r}")
    return getattr(import_module(module), name)


def run(config: str | Path | Mapping[str, Any], **options: Any) -> RunResult:
    """Load ``config`` (a path or a mapping) and run it with ``visor run``'s options.

    ``only``, ``tags``, ``exclude_tags``: a string or a list of strings (tags
    may be comma-separated); ``pr``: a JSON file path or a mapping; ``var``:
    ``KEY=VALUE`` strings or a mapping; ``store``: a store URL;
    ``max_parallel``, ``js_timeout``, ``lock_timeout``: numbers; ``fail_fast``,
    ``debug``: booleans.  Also ``environ`` (the environment, default
    ``os.environ``) and ``on_event`` (a callback receiving progress events).

    Raises ``UsageError`` for an unknown or bad option, ``ConfigError`` for an
    invalid config and ``StoreError`` for a store that cannot be opened; a
    failing step does not raise, it shows in ``result.ok`` and
    ``result.steps``.  ``result.store`` stays readable after the run (a
    snapshot of the final memory, whatever the backend).
    """
    from visor_mem.config import load_config
    from visor_mem.engine import run_config
    from visor_mem.engine.options import RunOptions
    from visor_mem.options import run_fields

    run_options = RunOptions(**run_fields(options))
    result: RunResult = run_config(load_config(config), run_options)
    return result
