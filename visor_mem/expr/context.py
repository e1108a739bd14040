"""What expressions and templates can see during one run.

The engine owns one :class:`EvalContext` per run and feeds it; the JavaScript
sandbox and the Liquid environment read it when a snippet or a template asks
(JavaScript through its host calls, ``expr/js_host.py``: nothing is copied
ahead).

Adding to what JavaScript sees: ``js_globals`` (JSON values) and ``js_helpers``
(JS source, e.g. functions) become read-only globals of every JS context built
after they are set; per-evaluation values go through ``Expressions.js(extra=)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from visor_mem.expr.visor_info import VisorInfo
from visor_mem.store.base import JSON
from visor_mem.store.scoped import Memory


class OutputLedger:
    """Outputs of the steps that ran: latest per step, and every execution in order."""

    def __init__(self) -> None:
        self.latest: dict[str, JSON] = {}
        self.history: dict[str, list[JSON]] = {}
        self.overlay: dict[str, JSON] = {}
        """What ``outputs[step]`` shows instead of the latest output (a forEach item, an aggregate)."""
        self.raw: dict[str, JSON] = {}
        """``outputs_raw``: the whole list of each forEach producer."""

    def record(self, step: str, output: JSON) -> None:
        """Add one execution's output (oldest first)."""
        self.latest[step] = output
        self.history.setdefault(step, []).append(output)
        if step in self.overlay:
            self.show(step, CLEARED)

    def show(self, step: str, value: JSON | Cleared) -> None:
        """Make ``outputs[step]`` show ``value`` (CLEARED: the latest output again)."""
        if isinstance(value, Cleared):
            self.overlay.pop(step, None)
        else:
            self.overlay[step] = value

    def set_raw(self, step: str, items: JSON) -> None:
        """``outputs_raw[step]``: a forEach producer's whole list."""
        self.raw[step] = items

    def visible(self, step: str) -> JSON:
        """``outputs[step]`` as expressions see it (KeyError when the step has no output)."""
        if step in self.overlay:
            return self.overlay[step]
        return self.latest[step]


class Cleared:
    """The marker for "no overlay" (None is a JSON value)."""


CLEARED = Cleared()


@dataclass
class EvalContext:
    """The objects every JS snippet and Liquid template of a run sees."""

    memory: Memory
    session: Memory
    outputs: OutputLedger = field(default_factory=OutputLedger)
    pr: dict[str, JSON] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    vars: dict[str, str] = field(default_factory=dict)
    visor: VisorInfo = field(default_factory=VisorInfo)
    """The GitHub context of Visor's expressions (event, branches, files, inputs, permissions)."""
    js_globals: dict[str, JSON] = field(default_factory=dict)
    """Extra read-only JS globals (deep-frozen JSON values), defined once per context."""
    js_helpers: dict[str, str] = field(default_factory=dict)
    """Extra JS globals made by JS source (``"always": "() => true"``): evaluated once per
    context before the built-ins are frozen; they see the other globals but no bridge."""
