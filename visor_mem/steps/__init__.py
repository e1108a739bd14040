"""Step kinds: one module per ``type``, gathered in one registry."""

from __future__ import annotations

from visor_mem.steps.base import ParallelKind, SequentialKind, StepCall, StepKind
from visor_mem.steps.command import CommandStep
from visor_mem.steps.log import LogStep
from visor_mem.steps.memory import MemoryStep
from visor_mem.steps.noop import NoopStep
from visor_mem.steps.script import ScriptStep

STEP_KINDS: dict[str, type[SequentialKind] | type[ParallelKind]] = {
    "memory": MemoryStep,
    "script": ScriptStep,
    "command": CommandStep,
    "log": LogStep,
    "noop": NoopStep,
}
"""Step ``type`` → implementation class; the engine makes one instance per run."""


def new_kinds() -> dict[str, StepKind]:
    """Fresh instances of every kind, for one run."""
    return {name: kind() for name, kind in STEP_KINDS.items()}


__all__ = ["STEP_KINDS", "ParallelKind", "SequentialKind", "StepCall", "StepKind", "new_kinds"]
