"""What expressions and templates can see during one run.

The engine owns one :class:`EvalContext` per run and feeds it; the JavaScript
sandbox and the Liquid environment read it.  ``OutputLedger`` is append-only
so the sandbox can copy only the entries it has not seen yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from visor_mem.store.base import JSON
from visor_mem.store.scoped import Memory


class OutputLedger:
    """Outputs of the steps that ran: latest per step, and every execution in order."""

    def __init__(self) -> None:
        self.latest: dict[str, JSON] = {}
        self.history: dict[str, list[JSON]] = {}
        self.entries: list[tuple[str, JSON]] = []

    def record(self, step: str, output: JSON) -> None:
        """Add one execution's output (oldest first)."""
        self.latest[step] = output
        self.history.setdefault(step, []).append(output)
        self.entries.append((step, output))


@dataclass
class EvalContext:
    """The objects every JS snippet and Liquid template of a run sees."""

    memory: Memory
    session: Memory
    outputs: OutputLedger = field(default_factory=OutputLedger)
    pr: dict[str, JSON] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    vars: dict[str, str] = field(default_factory=dict)
