"""What Liquid templates see: the variables of a render, without importing python-liquid.

``liquid.py`` renders with these; ``quick_liquid.py`` answers the simplest
templates from the same variables before python-liquid is ever imported.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from visor_mem.expr.context import EvalContext, OutputLedger


class OutputsView(Mapping[str, Any]):
    """``outputs`` for templates: latest output per step, plus ``history``, without copying."""

    def __init__(self, ledger: OutputLedger) -> None:
        self._ledger = ledger

    def __getitem__(self, step: str) -> Any:
        if step == "history":
            return self._ledger.history
        return self._ledger.visible(step)

    def __iter__(self) -> Iterator[str]:
        yield from (step for step in self._steps() if step != "history")
        yield "history"

    def __len__(self) -> int:
        steps = self._steps()
        return len(steps) + ("history" not in steps)

    def _steps(self) -> dict[str, object]:
        ledger = self._ledger
        return {**ledger.latest, **ledger.overlay} if ledger.overlay else ledger.latest


class RawView(Mapping[str, Any]):
    """``outputs_raw``: a forEach producer's whole list, else the latest output."""

    def __init__(self, ledger: OutputLedger) -> None:
        self._ledger = ledger

    def __getitem__(self, step: str) -> Any:
        if step in self._ledger.raw:
            return self._ledger.raw[step]
        return self._ledger.latest[step]

    def __iter__(self) -> Iterator[str]:
        return iter(self._ledger.latest)

    def __len__(self) -> int:
        return len(self._ledger.latest)


def template_variables(
    ctx: EvalContext, outputs: OutputsView, visor: Mapping[str, Any], extra: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The variables of one render: the run's, Visor's run-wide names (``visor``: event,
    branch, files...) and ``extra`` (``output``, ``value``, ``args``... of this call)."""
    variables: dict[str, Any] = {
        "outputs": outputs,
        "outputs_history": ctx.outputs.history,
        "outputs_raw": RawView(ctx.outputs),
        "pr": ctx.pr,
        "env": ctx.env,
        "vars": ctx.vars,
        "args": {},
        **visor,
    }
    if extra:
        variables.update(extra)
    return variables
