"""Shared helpers for tests: run a YAML text as a workflow, in-process."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from visor_mem.config import load_config
from visor_mem.engine import RunOptions, run_config
from visor_mem.engine.events import Event
from visor_mem.engine.results import RunResult


def write_config(folder: Path, text: str, name: str = ".visor.yaml") -> Path:
    """Write a dedented config file and return its path."""
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def run_yaml(folder: Path, text: str, events: list[Event] | None = None, **options: Any) -> RunResult:
    """Write ``text`` as a config in ``folder`` and run it."""
    sink = events.append if events is not None else (lambda event: None)
    return run_config(load_config(write_config(folder, text)), RunOptions(on_event=sink, **options))


def statuses(result: RunResult) -> dict[str, str]:
    """Step name → final status."""
    return {name: step.status for name, step in result.steps.items()}
