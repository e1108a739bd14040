"""``type: noop``: does nothing; a join point or a place for fail_if and routing."""

from __future__ import annotations

from visor_mem.steps.base import StepCall
from visor_mem.store.base import JSON


class NoopStep:
    """Outputs null."""

    def run(self, call: StepCall) -> JSON:
        return None
