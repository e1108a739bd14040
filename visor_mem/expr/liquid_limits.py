"""Bounds on rendering a Liquid template: time, output size, loop iterations, locals.

python-liquid has the counting limits as ``Environment`` settings (loop
iterations, output stream, local namespace, context depth); time it has not.
:class:`BoundedContext` and :class:`BoundedOutput` add a wall-clock deadline,
checked at every write to the output and every ``assign``: together with the
iteration limit nothing renders for long.  The deadline is the earlier of
:data:`RENDER_SECONDS` and the calling step's ``timeout``.

A failure of any kind inside a render (a limit, or a filter that raises a
plain Python error on odd input, such as ``'abc' | base64_decode``) becomes
one line: :func:`render_failure`.
"""

from __future__ import annotations

import binascii
import decimal
import re
import time
from io import StringIO
from typing import Any, TextIO

from liquid import Environment, RenderContext
from liquid.exceptions import (
    ContextDepthError,
    LiquidError,
    LocalNamespaceLimitError,
    LoopIterationLimitError,
    OutputStreamLimitError,
    ResourceLimitError,
)
from liquid.output import LimitedStringIO

from visor_mem.errors import LimitError, Location, TemplateError, VisorError
from visor_mem.expr.deadline import Deadline

RENDER_SECONDS = 5.0
"""Longest render of one template (a step's shorter ``timeout`` wins)."""
OUTPUT_BYTES = 16 << 20
"""Largest rendered text, in bytes of UTF-8."""
LOOP_ITERATIONS = 200_000
"""Most iterations of a loop (nested loops: the product of their lengths)."""
LOCALS_SCORE = 64 << 20
"""Bound on ``assign``/``capture`` data (python-liquid's ``sys.getsizeof`` score)."""


class BoundedEnvironment(Environment):
    """python-liquid's environment with every counting limit set."""

    loop_iteration_limit = LOOP_ITERATIONS
    output_stream_limit = OUTPUT_BYTES
    local_namespace_limit = LOCALS_SCORE


class RenderTimeout(ResourceLimitError):
    """The render passed its deadline (a LiquidError, so python-liquid lets it through)."""


class _Clock:
    """When the render must stop, and which deadline that is."""

    def __init__(self, step: Deadline | None) -> None:
        own = Deadline.after(RENDER_SECONDS)
        assert own is not None
        self.step = step
        self.deadline = step if step is not None and step.at < own.at else own

    def check(self) -> None:
        if time.monotonic() >= self.deadline.at:
            raise RenderTimeout("render deadline passed", token=None)


class BoundedOutput(LimitedStringIO):
    """The output buffer: the size limit, plus the deadline at each write."""

    def __init__(self, clock: _Clock, limit: int = OUTPUT_BYTES) -> None:
        super().__init__(limit=limit)
        self.clock = clock

    def write(self, text: str) -> int:
        self.clock.check()
        return super().write(text)


class BoundedContext(RenderContext):
    """A render context that checks the deadline at each ``assign`` and keeps it in copies."""

    clock: _Clock

    def assign(self, key: str, val: Any) -> None:
        self.clock.check()
        super().assign(key, val)

    def copy(self, *args: Any, **kwargs: Any) -> RenderContext:
        copied = super().copy(*args, **kwargs)
        copied.clock = self.clock  # type: ignore[attr-defined]
        return copied

    def get_buffer(self, buf: TextIO | None = None) -> StringIO:
        carry = buf.size if isinstance(buf, LimitedStringIO) else 0
        return BoundedOutput(self.clock, OUTPUT_BYTES - carry)


def start(
    template: Any, variables: dict[str, Any], deadline: Deadline | None
) -> tuple[BoundedContext, BoundedOutput]:
    """A context and buffer for one render of ``template``."""
    clock = _Clock(deadline)
    context = BoundedContext(template, globals=variables)
    context.clock = clock
    return context, BoundedOutput(clock)


_LIMIT_MESSAGES: dict[type[LiquidError], str] = {
    OutputStreamLimitError: f"template output is larger than {OUTPUT_BYTES >> 20} MiB",
    LoopIterationLimitError: f"template loops more than {LOOP_ITERATIONS:,} times",
    LocalNamespaceLimitError: "template assigns more data than its limit allows",
    ContextDepthError: "template includes itself too deeply",
}


def render_failure(err: Exception, where: Location, deadline: Deadline | None) -> VisorError:
    """The one-line error for anything that stopped a render."""
    if isinstance(err, RenderTimeout):
        if deadline is not None and deadline.remaining() <= 0:
            return deadline.error(where)
        return LimitError(f"template rendered longer than {RENDER_SECONDS:g} s", where)
    if isinstance(err, ResourceLimitError):
        return LimitError(_LIMIT_MESSAGES.get(type(err), str(err)), where)
    if isinstance(err, LiquidError):
        return TemplateError(_describe(err), where)
    return TemplateError(f"a filter failed: {_python_error(err)}", where)


_ARITY = re.compile(
    r"^[\w.<>]+\(\) takes (?:from )?(\d+) (?:to (\d+) )?positional arguments? but (\d+) (?:was|were) given"
)
"""Python's "f() takes from 1 to 2 positional arguments but 3 were given", as python-liquid passes it on."""


def _describe(err: LiquidError) -> str:
    """``LiquidTypeError: message (template line N)``, with Python signatures in Liquid words."""
    position = err.context()
    line = f" (template line {position[0]})" if position else ""
    message = str(err.message or "")
    filter_name, _, rest = message.partition(": ")
    arity = _ARITY.match(rest)
    if arity:
        most = int(arity.group(2) or arity.group(1)) - 1  # Python counts the filtered value too
        given = int(arity.group(3)) - 1
        message = f"{filter_name}: takes at most {most} argument{'s' * (most != 1)}, got {given}"
    return f"{type(err).__name__}: {message}{line}"


_PYTHON_ERRORS: dict[type[Exception], str] = {
    RecursionError: "a value is nested too deeply",
    decimal.InvalidOperation: "a value is not a number",
    binascii.Error: "the text is not valid base64",
}
"""Errors whose own text says nothing to a template author, in plain words."""


def _python_error(err: Exception) -> str:
    for kind, words in _PYTHON_ERRORS.items():
        if isinstance(err, kind):
            return words
    text = str(err).split("\n", 1)[0][:200]
    return f"{type(err).__name__}: {text}" if text else type(err).__name__
