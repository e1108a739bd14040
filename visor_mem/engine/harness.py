"""The one seam through which ``visor test`` holds a run.

A test case must not touch the configured store, must start from its own
memory and session, and must decide what each step execution does (a mock,
or the real step).  ``RunOptions.harness`` carries those three things; the
engine uses them in place of opening the store, of an empty session and of
the plain step kinds.  Nothing else in the engine knows about tests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from visor_mem.steps.base import StepKind
from visor_mem.store.base import Store


@dataclass(frozen=True)
class Harness:
    """A test's hold on one run."""

    store: Store
    """The run's memory store (already seeded; the run closes it as usual)."""
    session: Store
    """The run's session store (already seeded)."""
    wrap_kinds: Callable[[Mapping[str, StepKind]], Mapping[str, StepKind]]
    """Given the run's fresh step kinds, the kinds the run uses instead (mocks wrap them)."""
