"""Shared helpers for tests: run a YAML text as a workflow, in-process."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path
from types import ModuleType
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


def load_bench(name: str) -> ModuleType:
    """Import ``bench/<name>.py`` (not a package) so a test can drive its harness."""
    path = Path(__file__).resolve().parents[1] / "bench" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module
