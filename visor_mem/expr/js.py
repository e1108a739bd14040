"""The JavaScript sandbox: QuickJS (``quickjs-ng``) calling the host for memory.

Design.

* **Time limit by wall clock, and calls into Python.**  ``js_interrupt``
  installs our own interrupt handler instead of the binding's CPU-time one,
  which also lifts the binding's ban on calls into Python while a limit is
  set.  Signals stop JavaScript within a poll (``js_signals``).
* **No mirror.**  ``memory``, ``session`` and ``outputs`` call the host
  (``js_host.HostBridge``): the memory rules exist only in Python
  (``store/ops.py`` + ``store/semantics.py``); JavaScript marshals arguments.
  An evaluation's writes are one batch, applied at the end.  Reads take no
  lock; the first write enters the exclusive section and checks them, and a
  read-only evaluation's reads are checked when it ends.  If another writer
  changed what it read, the evaluation is void and runs once more, inside
  the section from its first memory call (``JsSandbox.evaluate``; its log
  lines are printed once, for the attempt that counted, and each attempt
  has the full time limit).  Reads see the store as it is, other
  processes' writes included.
* **One flat result.**  The dispatcher returns the value's JSON text (the
  common case) or 0, and then one JSON text with ``[ok, value or error,
  logs, clean]``.  Every string crossing the boundary is a ``JSON.stringify``
  result or built by the host, because the binding cannot convert QuickJS's
  rope strings (tag -6, "Unknown quickjs tag: -6", which concatenations over
  ~1 kB produce).  Lone surrogates, ``toJSON`` giving undefined, BigInts,
  cycles and nesting past ``js_host.MAX_DEPTH`` fail the step with one line.
* **Isolation.**  The prelude freezes every built-in, turns
  ``Error.prepareStackTrace`` / ``stackTraceLimit`` into read-only values,
  sweeps globals (symbol-keyed ones included) after each evaluation, and
  reports when it cannot (a non-configurable global, a frozen global
  object): this context is then discarded after the evaluation and the next
  one starts from a fresh context.  The bridge's functions are closures
  reachable from no global.  ``js_compile`` accepts a snippet only after
  checking, in a throw-away context, that creating its function runs none of
  it.
* A QuickJS runtime must stay on the thread that created it (its stack guard
  is relative to that thread's stack), so there is one context per run *and
  per calling thread*.

Quirk: QuickJS reports some out-of-memory conditions as a thrown ``null``, so
a thrown ``null`` is reported as ScriptMemoryExceeded -- user code's own
``throw null`` cannot be told apart and gets the same error.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any

from visor_mem.errors import (
    Location,
    MemoryOperationError,
    ScriptError,
    ScriptMemoryExceeded,
    ScriptTimeout,
    VisorError,
)
from visor_mem.expr.context import EvalContext
from visor_mem.expr.deadline import Deadline
from visor_mem.expr.js_compile import Rejected, check
from visor_mem.expr.js_host import HostBridge, dumps_js, loads_js
from visor_mem.expr.js_interrupt import Interrupter
from visor_mem.expr.js_signals import SignalRelay
from visor_mem.store.base import JSON

PRELUDE_LINE = 100_000
"""The prelude starts on this line, so its stack frames are told apart from snippets'."""

_MIB = 1024 * 1024


class JsLimits:
    """Time (seconds) and memory (MiB) limits of one evaluation."""

    def __init__(self, timeout: float = 1.0, memory_mb: int = 64) -> None:
        self.timeout = timeout
        self.memory_mb = memory_mb


CONTENDED_RUNS = 16
"""After a snippet's write found its reads changed, its next evaluations (in this run) take the
exclusive section at their first memory call, as its rerun does; then it tries optimism again.
A read-modify-write of one hot key would otherwise lose the race again and again, each time
paying a wasted attempt and a check on top of the section (redis: 1.5x the time)."""


class Void(Exception):  # noqa: N818 - a state, not a failure: the evaluation runs again
    """An evaluation whose reads another writer changed: discarded, to run again.

    ``at_write``: found at its first write (not when a read-only evaluation ended).
    """

    def __init__(self, at_write: bool) -> None:
        super().__init__("void")
        self.at_write = at_write


class _Interrupted(Exception):  # noqa: N818
    """An uncatchable stop (limit or signal): the error to report and the logs so far."""

    def __init__(self, error: VisorError, logs: list[str]) -> None:
        super().__init__(error.message)
        self.error = error
        self.logs = logs


class JsRuntime:
    """One QuickJS context, its interrupt handler and compiled snippets (one thread only)."""

    def __init__(
        self, ctx: EvalContext, limits: JsLimits, log: Callable[[str], None], relay: SignalRelay
    ) -> None:
        import quickjs  # imported here: workflows without JS never pay for it

        self._quickjs: Any = quickjs
        self._limits = limits
        self._log = log
        self._relay = relay
        self._compiled: dict[str, int | Rejected] = {}
        self.broken = False
        self._context: Any = quickjs.Context()
        self.interrupter = Interrupter(quickjs, self._context)
        relay.add_stop(self.interrupter.stop)
        self._host = HostBridge({"memory": ctx.memory, "session": ctx.session}, ctx.outputs)
        self._context.add_callable("__visor_host", self._host)
        prelude = resources.files("visor_mem.expr").joinpath("js_prelude.js").read_text("utf-8")
        self._dispatch: Any = self._context.eval("\n" * (PRELUDE_LINE - 1) + prelude)(PRELUDE_LINE)
        self._dispatch("init", dumps_js(_init_globals(ctx)))
        used = int(self._context.memory()["malloc_size"])
        self._context.set_memory_limit(used + limits.memory_mb * _MIB)

    # -- the evaluation --------------------------------------------------------

    def evaluate(
        self,
        code: str,
        where: Location,
        extra: Mapping[str, JSON] | None,
        deadline: Deadline | None,
        wrap: Mapping[str, str] | None = None,
        exclusive: bool = False,
    ) -> JSON:
        """Run a snippet, apply its writes, print its log lines; return its JSON result.

        Raises ``Void`` (nothing applied, nothing printed) when another writer
        changed what it read: run it again with ``exclusive``, which cannot be
        void, then ``release()`` in any case.
        """
        snippet = self._compile(code, where)
        extra_text = _extra_text(extra, where)
        wrap_text = dumps_js(dict(wrap)) if wrap else ""
        self._host.reset(exclusive)
        try:
            value, error, logs = self._run(snippet, extra_text, wrap_text, where, deadline)
        except BaseException:
            self._host.finish(commit=False)
            raise
        if self._host.void and not self.interrupter.stopped:  # (a stopped run is not rerun)
            if self.broken:  # the rerun gets a new context, and enters the sections itself
                self._host.finish(commit=False)
            raise Void(self._host.raced)  # else the sections stay held: the rerun starts inside them
        try:
            self._host.finish(commit=error is None)
        except MemoryOperationError as err:
            error = MemoryOperationError(f"{err.message}; no write of this snippet was kept", where)
        self._emit(logs)
        if error is not None:
            raise error
        return value

    def release(self) -> None:
        """Leave the exclusive sections if an evaluation still holds them (after ``Void``)."""
        if self._host.inside:
            self._host.finish(commit=False)

    def _run(
        self, snippet: int, extra: str, wrap: str, where: Location, deadline: Deadline | None
    ) -> tuple[JSON, VisorError | None, list[str]]:
        """The value or the error, and the log lines (printed by the caller unless void)."""
        step_limited = self._arm(deadline, where)
        try:
            answer = self._call("run", where, step_limited, snippet, extra, wrap)
            ok, text, logs, clean = (
                (True, answer, [], True) if isinstance(answer, str) else self._details(where)
            )
        except _Interrupted as stopped:  # the time or memory limit, or a signal: no check
            return None, stopped.error, stopped.logs
        if self._host.crash is not None:
            self.broken = True
            raise self._host.crash
        self.broken = self.broken or not clean
        if not self._host.settle():  # what it read changed under it: it is void
            return None, None, []
        if not ok:
            return None, _script_error(text, where, self._limits), logs  # type: ignore[arg-type]
        try:
            return loads_js(text, "the result"), None, logs
        except ValueError as err:
            return None, ScriptError(str(err), where), logs

    def _arm(self, deadline: Deadline | None, where: Location) -> Deadline | None:
        """Arm the interrupt handler; the step's deadline when it comes first."""
        seconds = self._limits.timeout
        remaining = seconds if deadline is None else deadline.remaining()
        if deadline is not None and remaining <= 0:
            raise deadline.error(where)
        self.interrupter.arm(min(seconds, remaining))
        return deadline if remaining < seconds else None

    def _call(self, command: str, where: Location, step_limited: Deadline | None, *args: Any) -> Any:
        relayed = self._relay.enter()
        try:
            return self._dispatch(command, *args)
        except self._quickjs.JSException as err:
            raise self._interrupted(str(err), where, step_limited) from None
        finally:
            if relayed:
                self._relay.leave()

    def _details(self, where: Location) -> tuple[bool, Any, list[str], bool]:
        ok, text, logs, clean = json.loads(self._call("details", where, None))
        return ok, text, logs, clean

    def _compile(self, code: str, where: Location) -> int:
        known = self._compiled.get(code)
        if known is None:
            checked = check(self._quickjs, code, self._limits.timeout, self._limits.memory_mb)
            if isinstance(checked, Rejected):
                known = checked
            else:
                self.interrupter.arm(self._limits.timeout)
                request = dumps_js([checked.form, checked.source, code])
                try:
                    known = int(self._call("compile", where, None, request))
                except _Interrupted as stopped:
                    raise stopped.error from None
            self._compiled[code] = known
        if isinstance(known, Rejected):
            line = f" (line {known.line})" if known.line else ""
            raise ScriptError(f"{known.message}{line}", where)
        return known

    # -- failures -------------------------------------------------------------------

    def _interrupted(self, text: str, where: Location, step_limited: Deadline | None) -> _Interrupted:
        """After an uncatchable error: fetch the logs, then discard this context."""
        self.broken = True
        stopped, expired = self.interrupter.stopped, self.interrupter.expired
        logs: list[str] = []
        if not stopped:
            self.interrupter.arm(1.0)
            try:
                logs = json.loads(self._dispatch("abort"))
            except self._quickjs.JSException:
                pass
        first = text.strip().split("\n", 1)[0]
        if stopped:
            return _Interrupted(ScriptError("JavaScript was interrupted", where), logs)
        if expired and first.startswith("InternalError: interrupted"):
            return _Interrupted(_timeout(where, self._limits, step_limited), logs)
        if first in ("null", "InternalError: out of memory"):
            return _Interrupted(_memory_error(where, self._limits), logs)
        return _Interrupted(ScriptError(_printable(first), where), logs)

    def _emit(self, lines: list[str]) -> None:
        for line in lines:
            self._log(_printable(line))


class JsSandbox:
    """The per-run JavaScript service: one ``JsRuntime`` per calling thread."""

    def __init__(
        self, ctx: EvalContext, limits: JsLimits, log: Callable[[str], None], relay: SignalRelay | None = None
    ) -> None:
        self._ctx = ctx
        self._limits = limits
        self._log = log
        self._relay = relay or SignalRelay()
        self._local = threading.local()
        self._contended: dict[str, int] = {}  # snippet -> evaluations left to run in the section

    def evaluate(
        self,
        code: str,
        where: Location,
        extra: Mapping[str, JSON] | None = None,
        deadline: Deadline | None = None,
        wrap: Mapping[str, str] | None = None,
    ) -> JSON:
        """Evaluate ``code`` (an expression, or a body with or without ``return``).

        ``deadline``: the calling step's (its ``timeout``), when it comes
        before the JS time limit.  ``wrap``: extra name → the name of a
        ``js_helpers`` function that turns the extra's value into what the
        snippet sees.
        """
        contended = self._contended.pop(code, 0)
        if contended > 1:
            self._contended[code] = contended - 1
        runtime = self._runtime()
        try:
            return runtime.evaluate(code, where, extra, deadline, wrap, exclusive=contended > 0)
        except Void as void:  # once, in the section from the first memory call (a new context if it broke)
            if void.at_write:
                self._contended[code] = CONTENDED_RUNS
            return self._runtime().evaluate(code, where, extra, deadline, wrap, exclusive=True)
        finally:
            runtime.release()  # the sections a void evaluation kept for its rerun (whatever happened)

    def close(self) -> None:
        """Drop this thread's context (others go with their threads)."""
        self._local = threading.local()

    def _runtime(self) -> JsRuntime:
        runtime: JsRuntime | None = getattr(self._local, "runtime", None)
        if runtime is None or runtime.broken:
            runtime = JsRuntime(self._ctx, self._limits, self._log, self._relay)
            self._local.runtime = runtime
        return runtime


# -- helpers ------------------------------------------------------------------------


def _init_globals(ctx: EvalContext) -> dict[str, Any]:
    """What the prelude's ``init`` defines: the run's data and the context's extra globals."""
    return {
        "pr": dumps_js(ctx.pr),
        "env": dumps_js(ctx.env),
        "vars": dumps_js(ctx.vars),
        "values": [[name, dumps_js(value)] for name, value in ctx.js_globals.items()],
        "helpers": list(ctx.js_helpers.items()),
    }


def _extra_text(extra: Mapping[str, JSON] | None, where: Location) -> str:
    if extra and extra.get("args", None) == {}:  # steps always pass args, mostly {}
        extra = {name: value for name, value in extra.items() if name != "args"}
    if not extra:
        return ""  # every evaluation starts with a fresh empty `args` anyway
    try:
        return dumps_js(dict(extra))
    except (TypeError, ValueError, RecursionError) as err:
        raise ScriptError(f"the values given to the snippet are not JSON: {err}", where) from None


def _printable(text: str) -> str:
    """Lone surrogates (from JavaScript strings) become U+FFFD so the line can be printed."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return text


def _timeout(where: Location, limits: JsLimits, step_limited: Deadline | None) -> VisorError:
    if step_limited is not None:
        return step_limited.error(where)
    return ScriptTimeout(f"JavaScript ran longer than the {limits.timeout:g} s time limit", where)


def _memory_error(where: Location, limits: JsLimits) -> ScriptMemoryExceeded:
    return ScriptMemoryExceeded(f"JavaScript used more than the {limits.memory_mb} MiB memory limit", where)


def _script_error(error: dict[str, Any], where: Location, limits: JsLimits) -> VisorError:
    """The one-line error for a thrown exception."""
    if error["kind"] == "memory":
        return _memory_error(where, limits)
    message = _printable(" ".join(str(error["message"]).split()))
    line = f" (line {error['line']})" if error.get("line") else ""
    return ScriptError(f"{error['name']}: {message}{line}", where)
