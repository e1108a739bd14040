"""Shell completion helpers: names read from a config without failing the shell.

Completion runs on every TAB, so it reads the config through the compiled
config cache and answers nothing (never an error) when the config is missing
or invalid.
"""

from __future__ import annotations

from pathlib import Path

from visor_mem.errors import VisorError


def step_names(config: str | Path | None) -> list[str]:
    """The step names of ``config`` (default ./.visor.yaml) in config order; [] when unreadable."""
    from visor_mem.cli.run import default_config
    from visor_mem.config.cache import load_config_cached

    path = Path(config) if config else default_config(Path.cwd())
    try:
        loaded = load_config_cached(path)
    except VisorError:
        return []
    return list(loaded.spec.steps)
