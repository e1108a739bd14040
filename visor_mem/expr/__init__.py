"""Expressions: the JavaScript sandbox and the Liquid environment of a run.

``Expressions`` is what the engine and the steps call.  It builds the QuickJS
context and the Liquid environment lazily, the first time a snippet or a
template needs them, so a workflow without JavaScript or Liquid never imports
``quickjs`` or ``liquid`` (start-up time matters for pre-commit hooks).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from visor_mem.errors import Location
from visor_mem.expr import quick_liquid
from visor_mem.expr.context import EvalContext, OutputLedger
from visor_mem.expr.deadline import Deadline
from visor_mem.expr.js_signals import SignalRelay
from visor_mem.expr.template_vars import OutputsView, template_variables
from visor_mem.store.base import JSON

if TYPE_CHECKING:
    from visor_mem.expr.js import JsSandbox
    from visor_mem.expr.liquid import LiquidTemplates

__all__ = ["EvalContext", "Expressions", "OutputLedger"]


def _ignore(text: str) -> None:
    """The default ``log`` callback: JS ``log(...)`` lines go nowhere."""


class Expressions:
    """Per-run expression services; builds the QuickJS context and Liquid environment lazily."""

    def __init__(
        self,
        ctx: EvalContext,
        *,
        js_timeout: float = 1.0,
        js_memory_mb: int = 64,
        log: Callable[[str], None] = _ignore,
    ) -> None:
        self.ctx = ctx
        self._js_timeout = js_timeout
        self._js_memory_mb = js_memory_mb
        self._log = log
        self._js: JsSandbox | None = None
        self._liquid: LiquidTemplates | None = None
        # Installed now, in the thread that builds the run (usually the main
        # one): JavaScript may first run in a worker thread, where it cannot be.
        self._relay = SignalRelay()
        self._relay.install()
        self._outputs: OutputsView | None = None
        self._visor: dict[str, Any] | None = None

    def js(
        self,
        code: str,
        *,
        where: Location,
        extra: Mapping[str, JSON] | None = None,
        deadline: Deadline | None = None,
        wrap: Mapping[str, str] | None = None,
    ) -> JSON:
        """Evaluate an expression or a body (with or without ``return``); its JSON result.

        JS ``undefined`` is None.  ``extra`` adds globals for this call only
        (``output``, ``value``, ``args``).  Every context gets the same
        memory API (DESIGN.md section 9).
        ``deadline`` is the calling step's (its ``timeout``): the snippet stops
        at whichever comes first, it or the JS time limit (both by wall clock).
        Raises ScriptError, ScriptTimeout, StepTimeout, ScriptMemoryExceeded, or
        MemoryOperationError when the snippet's writes are refused.
        ``wrap`` maps an extra's name to a ``ctx.js_helpers`` function (a name
        starting with ``__`` is a helper but no global) that makes the value the
        snippet sees, e.g. ``wrap={"output": "__jsonSmart"}``.
        """
        return self._sandbox().evaluate(code, where, extra, deadline, wrap)

    def truthy(
        self,
        code: str,
        *,
        where: Location,
        extra: Mapping[str, JSON] | None = None,
        deadline: Deadline | None = None,
        wrap: Mapping[str, str] | None = None,
    ) -> bool:
        """JavaScript truthiness of the result (for ``if`` and ``fail_if``)."""
        return _js_truthy(self.js(code, where=where, extra=extra, deadline=deadline, wrap=wrap))

    def render(
        self,
        template: str,
        *,
        where: Location,
        extra: Mapping[str, Any] | None = None,
        deadline: Deadline | None = None,
    ) -> str:
        """Render a Liquid template; raises TemplateError naming both locations.

        Rendering is bounded (time, output size, loop iterations; ``liquid.py``)
        and stops at the calling step's ``deadline`` (StepTimeout).
        """
        if self._visor is None:
            self._visor = self.ctx.visor.globals()
        variables = template_variables(self.ctx, self._outputs_view(), self._visor, extra)
        quick = quick_liquid.render(template, variables)
        if quick is not None:
            return quick  # plain {{ a.b }} of strings and integers: python-liquid not needed (nor imported)
        return self._templates().render(template, where, extra, deadline)

    def _outputs_view(self) -> OutputsView:
        if self._outputs is None:
            self._outputs = OutputsView(self.ctx.outputs)
        return self._outputs

    def close(self) -> None:
        """Release the QuickJS context and the template cache."""
        if self._js is not None:
            self._js.close()
        self._js = None
        self._liquid = None
        self._relay.uninstall()

    def _sandbox(self) -> JsSandbox:
        if self._js is None:
            from visor_mem.expr.js import JsLimits, JsSandbox

            limits = JsLimits(self._js_timeout, self._js_memory_mb)
            self._js = JsSandbox(self.ctx, limits, self._log, self._relay)
        return self._js

    def _templates(self) -> LiquidTemplates:
        if self._liquid is None:
            from visor_mem.expr.liquid import LiquidTemplates

            self._liquid = LiquidTemplates(self.ctx)
        return self._liquid


def _js_truthy(value: JSON) -> bool:
    """JavaScript's ToBoolean on a JSON value: "", 0 and null are false; [] and {} are true."""
    if isinstance(value, list | dict):
        return True
    return bool(value)
