"""Fixtures: the world one case runs in, built fresh for every case.

A case gets its own in-memory store seeded with ``memory``, its own session
seeded with ``session``, a scratch folder holding ``files`` (its commands'
working folder), and run options carrying ``env``, ``pr``, ``vars``,
``event`` and ``inputs``.  The configured file/sqlite/redis store is opened
only when the case says ``store: config``.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from visor_mem.config.loaded import LoadedConfig
from visor_mem.errors import VisorError
from visor_mem.store import open_store
from visor_mem.store.base import Store
from visor_mem.store.memory import DictStore
from visor_mem.store.scoped import Memory
from visor_mem.testing.suite import CasePlan, Suite


class FixtureError(Exception):
    """A case's fixtures cannot be set up; the case errors with this message."""


@dataclass
class World:
    """Where one case runs."""

    loaded: LoadedConfig
    """The config under test, with the case's ``inputs`` as the inputs' values."""
    folder: Path
    store: Store
    session: Store
    options: Mapping[str, Any]
    """RunOptions fields (without the harness)."""
    made: bool = False

    def scratch(self) -> Path:
        """The case's scratch folder, created on first use (a fully mocked case needs none)."""
        if not self.made:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.made = True
        return self.folder


def build_world(suite: Suite, case: CasePlan, root: Path) -> World:
    """Create the scratch folder, stores and options of ``case`` under ``root``."""
    options = _options(case)
    store = _store(suite, case)
    _seed(store, suite.loaded.spec.memory.namespace, case.model.memory, "memory")
    session = DictStore()
    _seed(session, "default", case.model.session, "session")
    loaded = _with_inputs(suite.loaded, {**case.model.workflow_input, **case.model.inputs})
    world = World(loaded, root / f"{case.index:04d}-{_slug(case.name)}", store, session, options)
    if case.model.files:
        _write_files(world.scratch(), case.model.files)
    return world


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name)[:40].strip("-") or "case"


def _write_files(scratch: Path, files: Mapping[str, str]) -> None:
    for name, text in files.items():
        target = scratch / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def _store(suite: Suite, case: CasePlan) -> Store:
    if case.model.store == "memory":
        return DictStore()
    try:
        return open_store(suite.loaded.spec.memory, suite.loaded.base_dir)
    except VisorError as err:
        raise FixtureError(f"store: config: {err}") from err


def _seed(store: Store, default: str, data: Mapping[str, Mapping[str, Any]], label: str) -> None:
    memory = Memory(store, default)
    for namespace, values in data.items():
        for key, value in values.items():
            try:
                memory.set(key, value, namespace)
            except VisorError as err:
                raise FixtureError(f"{label}.{namespace}.{key}: {err.message}") from err
    store.commit()


def _options(case: CasePlan) -> dict[str, Any]:
    model = case.model
    options: dict[str, Any] = {
        "environ": {**os.environ, **case.env},
        "pr": dict(model.pr),
        "vars": {k: _text(v) for k, v in model.vars.items()},
        "tags": case.step_tags,
        "exclude_tags": case.exclude_step_tags,
        "max_parallel": 1,
    }
    if model.event is not None:
        options["event"] = model.event
    return options


def _with_inputs(loaded: LoadedConfig, values: Mapping[str, Any]) -> LoadedConfig:
    """The config with ``values`` as its declared inputs' values (``inputs`` in JS and Liquid)."""
    if not values:
        return loaded
    declared = {item.name: item for item in loaded.spec.inputs}
    for name in values:
        if name not in declared:
            listed = ", ".join(declared) or "none"
            raise FixtureError(f"inputs.{name}: the workflow declares no such input (inputs: {listed})")
    inputs = tuple(
        dataclasses.replace(item, default=values[item.name]) if item.name in values else item
        for item in loaded.spec.inputs
    )
    return dataclasses.replace(loaded, spec=dataclasses.replace(loaded.spec, inputs=inputs))


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
