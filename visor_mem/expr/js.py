"""The JavaScript sandbox: QuickJS (``quickjs-ng``) with a mirror of the stores.

Design.  ``quickjs-ng`` refuses calls into Python while a time limit is set,
and a time limit is what stops ``while (true) {}``.  So JavaScript never calls
the host during an evaluation:

* ``memory`` and ``session`` are JS objects over a *mirror* of the stores kept
  inside the QuickJS context (``js_prelude.js``: namespace → key → JSON text,
  so reads and writes copy with JSON semantics).  Every mutating call updates
  the mirror (later reads in the same snippet see it) and is recorded.
* After an evaluation that succeeded, the host replays the recorded
  operations into ``ctx.memory`` / ``ctx.session`` inside
  ``Memory.transaction()``: all or nothing.  If the snippet throws, times out
  or runs out of memory, or a replayed operation is refused (a quota), nothing
  is written and the keys the snippet touched are refetched into the mirror.
* Before each evaluation the mirror catches up with what others wrote, using
  ``Memory.revision`` / ``changes_since`` (only changed keys travel; a
  trimmed log means one full reload), and ``outputs`` catches up with the
  append-only ``OutputLedger.entries``.  Nothing is re-serialised per call, so
  10,000 evaluations cost about the same each (``bench/js.py`` measures it).
* One host call per evaluation: the patch goes in with the snippet, and the
  common answer (no writes, no logs) is the value's JSON text alone; only
  otherwise does an object with ops and logs come back.  An empty ``args``
  extra is not sent (every evaluation starts with a fresh ``{}``).
* A QuickJS runtime must stay on the thread that created it (its stack guard
  is relative to that thread's stack; another thread gets "Maximum call stack
  size exceeded" or worse).  So there is one context per run *and per calling
  thread*: a sequential run has exactly one; replays are serialised by a lock.
* ``log(...)`` lines are buffered in JS and handed to the host callback after
  the evaluation, even when it failed.

The limits: the time limit is per evaluation; the memory limit counts the
whole context, the mirror included, so it is raised by the mirror's size after
each full load.  An uncatchable interrupt or an out-of-memory error discards the
context; the next evaluation builds a fresh one.

Quirk: QuickJS reports some out-of-memory conditions as a thrown ``null``, so
a thrown ``null`` is reported as ScriptMemoryExceeded -- user code's own
``throw null`` cannot be told apart and gets the same error.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
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
from visor_mem.expr.context import Cleared, EvalContext
from visor_mem.expr.deadline import Deadline
from visor_mem.expr.js_mirror import MirrorSync, describe_op, dumps, loads, quote, replay_op, touched
from visor_mem.store.base import JSON
from visor_mem.store.scoped import Memory

PRELUDE_LINE = 100_000
"""The prelude starts on this line, so its stack frames are told apart from snippets'."""

_MIB = 1024 * 1024


class JsLimits:
    """Time (seconds) and memory (MiB) limits of one evaluation."""

    def __init__(self, timeout: float = 1.0, memory_mb: int = 64) -> None:
        self.timeout = timeout
        self.memory_mb = memory_mb


class JsRuntime:
    """One QuickJS context, its mirrors and compiled snippets (one thread only)."""

    def __init__(
        self,
        ctx: EvalContext,
        limits: JsLimits,
        log: Callable[[str], None],
        replay_lock: threading.Lock,
    ) -> None:
        import quickjs  # imported here: workflows without JS never pay for it

        self._quickjs: Any = quickjs
        self._ctx = ctx
        self._limits = limits
        self._log = log
        self._replay_lock = replay_lock
        self._syncs = {
            "memory": MirrorSync("memory", ctx.memory),
            "session": MirrorSync("session", ctx.session),
        }
        self._seen_outputs = 0
        self._seen_changes = 0
        self._compiled: dict[str, int | dict[str, Any]] = {}
        self.broken = False
        self._context: Any = quickjs.Context()
        prelude = resources.files("visor_mem.expr").joinpath("js_prelude.js").read_text("utf-8")
        self._dispatch: Any = self._context.eval("\n" * (PRELUDE_LINE - 1) + prelude)(PRELUDE_LINE)
        self._dispatch("init", dumps(self._init_globals()))
        self._sync_full()

    # -- the evaluation --------------------------------------------------------

    def evaluate(
        self, code: str, where: Location, extra: Mapping[str, JSON] | None, deadline: Deadline | None = None
    ) -> JSON:
        """Run a snippet, replay its writes, and return its JSON result."""
        snippet = self._compile(code, where)
        extra_text = _extra_text(extra, where)
        patch = self._patch()
        with self._step_deadline(deadline, where):
            text = self._run(snippet, extra_text, patch, where)
        if text[0] != "!":  # the fast path: no writes, no logs, just the value's JSON
            return loads(text)
        result = loads(text[1:])
        self._emit(result["logs"])
        if not result["ok"]:
            self._resync(result["ops"])
            raise _script_error(result["error"], where, self._limits)
        self._replay(result["ops"], where)
        return result["value"]

    @contextmanager
    def _step_deadline(self, deadline: Deadline | None, where: Location) -> Iterator[None]:
        """Run under min(JS time limit, time left before the step's deadline)."""
        remaining = deadline.remaining() if deadline else self._limits.timeout
        if deadline is None or remaining >= self._limits.timeout:
            yield
            return
        if remaining <= 0:
            raise deadline.error(where)
        self._context.set_time_limit(remaining)
        try:
            yield
        except ScriptTimeout:
            raise deadline.error(where) from None
        finally:
            self._context.set_time_limit(self._limits.timeout)

    def _run(self, snippet: int, extra: str, patch: str | None, where: Location) -> str:
        try:
            return self._dispatch("run", snippet, extra, patch)  # type: ignore[no-any-return]
        except self._quickjs.JSException as err:
            raise self._interrupted(str(err), where) from None

    def _compile(self, code: str, where: Location) -> int:
        known = self._compiled.get(code)
        if known is None:
            known = loads(self._dispatch("compile", code))
            known = known["id"] if known["ok"] else known["error"]
            self._compiled[code] = known
        if isinstance(known, dict):
            raise _script_error(known, where, self._limits)
        return known

    # -- keeping the mirror in step ------------------------------------------------

    def _init_globals(self) -> dict[str, Any]:
        ctx = self._ctx
        return {
            "memory_namespace": ctx.memory.default_namespace,
            "session_namespace": ctx.session.default_namespace,
            "pr": dumps(ctx.pr),
            "env": dumps(ctx.env),
            "vars": dumps(ctx.vars),
        }

    def _patch(self) -> str | None:
        """The records the mirror must apply before the run (JSON); None when nothing changed.

        A patch that replaces a whole scope is big: it is loaded right here by
        ``_load``, outside the snippet's time limit, and None is returned.
        """
        now = time.time()
        parts: list[str] = []
        full = False
        for sync in self._syncs.values():
            scope_patch = sync.patch(now)
            if scope_patch is not None:
                parts.append(scope_patch.text)
                full = full or scope_patch.full
        entries = self._ctx.outputs.entries
        if len(entries) > self._seen_outputs:
            parts += _output_records(entries[self._seen_outputs :])
            self._seen_outputs = len(entries)
        changes = self._ctx.outputs.changes
        if len(changes) > self._seen_changes:
            parts += _overlay_records(changes[self._seen_changes :])
            self._seen_changes = len(changes)
        if not parts:
            return None
        text = "[" + ",".join(parts) + "]"
        if not full:
            return text
        self._load(text)
        return None

    def _sync_full(self) -> None:
        entries = self._ctx.outputs.entries
        parts = [sync.full() for sync in self._syncs.values()] + _output_records(entries)
        parts += _overlay_records(self._ctx.outputs.changes)
        self._seen_outputs = len(entries)
        self._seen_changes = len(self._ctx.outputs.changes)
        self._load("[" + ",".join(parts) + "]")

    def _load(self, patch: str) -> None:
        """Load a big patch without the time limit, then re-arm both limits."""
        self._context.set_time_limit(-1)
        self._context.set_memory_limit(-1)
        self._dispatch("sync", patch)
        used = int(self._context.memory()["malloc_size"])
        self._context.set_memory_limit(used + self._limits.memory_mb * _MIB)
        self._context.set_time_limit(self._limits.timeout)

    def _resync(self, ops: list[list[JSON]]) -> None:
        for scope, namespace, key in touched(ops):
            self._syncs[scope].invalidate([(namespace, key)])

    def _replay(self, ops: list[list[JSON]], where: Location) -> None:
        if not ops:
            return
        memories = {"memory": self._ctx.memory, "session": self._ctx.session}
        # A transaction only for the scopes written to: each costs ~6 us.
        scopes = [memories[str(scope)] for scope in dict.fromkeys(op[0] for op in ops)]
        current: list[JSON] = []

        def apply() -> None:
            nonlocal current
            for current in ops:
                replay_op(memories, current)

        try:
            with self._replay_lock:
                _in_transactions(scopes, apply)
        except VisorError as err:
            self._resync(ops)
            raise MemoryOperationError(
                f"{describe_op(current)} was refused: {err.message}; no write of this snippet was kept",
                where,
            ) from err

    # -- failures -------------------------------------------------------------------

    def _interrupted(self, text: str, where: Location) -> VisorError:
        """After an uncatchable error: keep the logs, then discard this context."""
        self.broken = True
        try:
            aborted = loads(self._dispatch("abort"))
            self._emit(aborted["logs"])
        except self._quickjs.JSException:
            pass
        first = text.strip().split("\n", 1)[0]
        if first.startswith("InternalError: interrupted"):
            return ScriptTimeout(
                f"JavaScript ran longer than the {self._limits.timeout:g} s time limit", where
            )
        if first in ("null", "InternalError: out of memory"):
            return _memory_error(where, self._limits)
        return ScriptError(first, where)

    def _emit(self, lines: list[str]) -> None:
        for line in lines:
            self._log(line)


class JsSandbox:
    """The per-run JavaScript service: one ``JsRuntime`` per calling thread."""

    def __init__(self, ctx: EvalContext, limits: JsLimits, log: Callable[[str], None]) -> None:
        self._ctx = ctx
        self._limits = limits
        self._log = log
        self._local = threading.local()
        self._replay_lock = threading.Lock()

    def evaluate(
        self,
        code: str,
        where: Location,
        extra: Mapping[str, JSON] | None = None,
        deadline: Deadline | None = None,
    ) -> JSON:
        """Evaluate ``code`` (an expression, or a body with or without ``return``).

        ``deadline`` (the calling step's timeout) cuts the JS time limit short.
        """
        return self._runtime().evaluate(code, where, extra, deadline)

    def close(self) -> None:
        """Drop this thread's context (others go with their threads)."""
        self._local = threading.local()

    def _runtime(self) -> JsRuntime:
        runtime: JsRuntime | None = getattr(self._local, "runtime", None)
        if runtime is None or runtime.broken:
            runtime = JsRuntime(self._ctx, self._limits, self._log, self._replay_lock)
            self._local.runtime = runtime
        return runtime


# -- helpers ------------------------------------------------------------------------


def _extra_text(extra: Mapping[str, JSON] | None, where: Location) -> str:
    if extra and extra.get("args", None) == {}:  # steps always pass args, mostly {}
        extra = {name: value for name, value in extra.items() if name != "args"}
    if not extra:
        return ""  # every evaluation starts with a fresh empty `args` anyway
    try:
        return dumps(dict(extra))
    except (TypeError, ValueError) as err:
        raise ScriptError(f"the values given to the snippet are not JSON: {err}", where) from None


def _output_records(entries: list[tuple[str, JSON]]) -> list[str]:
    """``["output", step, text]`` patch records (the mirror keeps outputs as texts too)."""
    return [f'["output",{quote(step)},{quote(_output_text(step, output))}]' for step, output in entries]


def _overlay_records(changes: list[tuple[str, str, Any]]) -> list[str]:
    """forEach scopes for the mirror: ``["overlay", step, text]``, ``["unshow", step]``, ``["raw", ...]``."""
    records = []
    for kind, step, value in changes:
        if isinstance(value, Cleared):
            records.append(f'["unshow",{quote(step)}]')
        else:
            records.append(f'["{kind}",{quote(step)},{quote(_output_text(step, value))}]')
    return records


def _output_text(step: str, output: JSON) -> str:
    try:
        return dumps(output)
    except (TypeError, ValueError) as err:
        raise ScriptError(f"the output of step '{step}' is not JSON: {err}") from None


def _in_transactions(memories: list[Memory], body: Callable[[], None]) -> None:
    """Run ``body`` inside a transaction of every memory: all of its writes are kept, or none."""
    if not memories:
        body()
        return
    with memories[0].transaction():
        _in_transactions(memories[1:], body)


def _memory_error(where: Location, limits: JsLimits) -> ScriptMemoryExceeded:
    return ScriptMemoryExceeded(f"JavaScript used more than the {limits.memory_mb} MiB memory limit", where)


def _script_error(error: dict[str, Any], where: Location, limits: JsLimits) -> VisorError:
    """The one-line error for a thrown exception or a syntax error."""
    if error["kind"] == "memory":
        return _memory_error(where, limits)
    message = " ".join(str(error["message"]).split())
    line = f" (line {error['line']})" if error.get("line") else ""
    return ScriptError(f"{error['name']}: {message}{line}", where)
