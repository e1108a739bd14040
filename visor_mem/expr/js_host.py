"""The host side of JavaScript's ``memory``, ``session`` and ``outputs``.

JavaScript reaches the host through one function (``HostBridge.__call__``)
that the prelude captures and removes from the global object.  It takes two
flat JSON texts -- the call ``[scope, kind, namespace, key]`` and the value
(``""`` when none) -- and answers a JSON text, ``""`` for undefined, or
``"!"`` followed by ``[error name, message]``.  It never raises: an exception
escaping into the binding would leave it in an error state.

The memory rules are not restated anywhere in JavaScript or here.  Each call
becomes an :class:`~visor_mem.store.ops.Op`, answered at once by
``ops.KINDS[kind].rule`` over an ``ops.Overlay`` of the store's live state,
so a snippet reads its own writes and the results are the store's own.  When
an evaluation succeeds, its writes are applied as one batch (``Memory.apply``);
when it fails, nothing is.

Optimistic reads.  Reading takes no lock: each answer the store gave is noted
(``ReadLog``: entries, absent ones included, key lists, counts, the namespace
list).  At its first *write* an evaluation enters ``Memory.exclusive()`` of
both scopes (always memory, then session: one order, no deadlock; on sqlite
BEGIN IMMEDIATE, on redis the token lock) and asks every noted read again
there.  Unchanged: the evaluation is serializable at that point and stays in
the section to its end, as if it had taken it at its first call.  Changed:
the evaluation is *void* -- every later host call fails at once, and its
result, writes and log lines are discarded -- and it runs once more, inside
the sections it holds (so it does not queue for them again), which cannot be
void.  The void state lives here, so a snippet that catches the error cannot
commit anything.  (A snippet whose write lost such a race takes the section
at its first memory call for its next few evaluations: ``js.CONTENDED_RUNS``.)

A read-only evaluation never enters the section, but it still gets one
consistent view: when it ends (with a value or a thrown error) and read more
than one thing, its reads are asked again at one moment
(``Memory.read_again``: one read transaction on sqlite, one MULTI on redis,
holding up no writer) and, if any changed, it is void and runs again,
taking the sections at its first memory call.  Without that check,
``memory.get('a') == memory.get('b')`` could see ``a`` before and ``b``
after another process's batch that sets both: a state that never existed,
which the exclusive section used to rule out.  A single read is one moment
already and is not asked again.  So reads at the start of an evaluation see
the store as it is now (other processes' writes included), parallel
read-only snippets never wait for each other or for writers, and a
read-modify-write is serializable.  The cost: a snippet whose reads race a
writer runs twice (its first attempt's logs are never printed).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from visor_mem.errors import VisorError
from visor_mem.expr.context import OutputLedger
from visor_mem.expr.js_reads import ReadLog
from visor_mem.jsonvalue import DECODER, MAX_DEPTH
from visor_mem.store.base import JSON
from visor_mem.store.ops import KINDS, Op, Overlay
from visor_mem.store.scoped import Memory

_LONE_SURROGATE = re.compile(r"(?<!\\)(?:\\\\)*\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
"""An escaped surrogate in JSON.stringify's output: it escapes only lone ones."""

# Nesting beyond the one JSON value policy's depth is refused at the bridge, before
# Python's recursion limit (the store would refuse it anyway).


def loads_js(text: str, what: str) -> JSON:
    """Decode a JSON text made by JSON.stringify; ValueError names ``what`` when it is not storable.

    Numbers are read as the one JSON value policy reads them: JavaScript prints
    the double 5.902955615798177e16 as ``59029556157981770``, which is that
    double, not the Python int of those digits (whose sums would differ).
    """
    if "\\u" in text and (found := _LONE_SURROGATE.search(text)) is not None:
        code = found.group(0)[found.group(0).rindex("\\u") + 2 :].upper()
        raise ValueError(f"{what} contains a lone surrogate (U+{code}), which is not valid Unicode")
    try:
        value = DECODER.decode(text)
    except RecursionError:
        raise ValueError(f"{what} is nested more than {MAX_DEPTH} levels deep") from None
    if text.count("[") + text.count("{") > MAX_DEPTH and _depth(value) > MAX_DEPTH:
        raise ValueError(f"{what} is nested more than {MAX_DEPTH} levels deep")
    return value


def _depth(value: object) -> int:
    """Nesting depth, iteratively (deep values must not exhaust Python's stack)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in item)
    return deepest


def dumps_js(value: object) -> str:
    """JSON for QuickJS: ASCII only (the binding's string conversion stops at NUL bytes)."""
    return json.dumps(value, ensure_ascii=True, separators=(",", ":"), allow_nan=False)


def _error(name: str, message: str) -> str:
    return "!" + dumps_js([name, message])


# -- one evaluation's memory operations -------------------------------------------------


class ScopeBatch:
    """The operations of one evaluation on one ``Memory``, answered over an overlay.

    ``log``: what it read of the store, while it reads optimistically (None
    once inside the exclusive section, where nothing changes under it).
    """

    def __init__(self, memory: Memory, optimistic: bool) -> None:
        self.memory = memory
        self.ops: list[Op] = []
        reader = memory.reader()
        self.log = ReadLog(reader) if optimistic else None
        self._overlay = Overlay(self.log or reader, memory.now(), memory.quotas)

    def run(self, op: Op) -> JSON:
        kind = KINDS[op.kind]
        result = kind.rule(op, self._overlay)  # raises MemoryOperationError: nothing recorded
        if kind.writes:
            self.ops.append(op)
        return result

    def get(self, namespace: str, key: str) -> JSON:
        """The value, or ``_NONE`` when missing (a stored null stays null)."""
        value = self.run(Op("get", namespace, key))
        return value if self._overlay.entry(namespace, key) is not None else _NONE

    def has(self, namespace: str, key: str) -> bool:
        """Answered by the overlay, checked as a ``get``."""
        return self.get(namespace, key) is not _NONE

    def namespaces(self) -> list[str]:
        """The store's namespaces as this batch's resolved writes leave them.

        (Not an operation kind, so not part of the conditional apply.)
        """
        stored = self.memory.namespaces()
        if self.log is not None:
            self.log.noted_namespaces(stored)
        names = dict.fromkeys(stored)
        for write in self._overlay.writes:
            if write.kind == "clear":
                names.pop(write.namespace, None)
            else:
                names.setdefault(write.namespace)
        return list(names)

    def unchanged(self) -> bool:
        """Whether what it read optimistically is still so; reads stop being noted."""
        log, self.log = self.log, None
        return log is None or log.unchanged(self.memory)


def _namespace(memory: Memory, namespace: object) -> str:
    return memory.ns(namespace if isinstance(namespace, str) else None)


def _keyed(kind: str) -> Callable[[ScopeBatch, str, Any, JSON], JSON]:
    def call(batch: ScopeBatch, namespace: str, key: Any, value: JSON) -> JSON:
        return batch.run(Op(kind, namespace, key, value))

    return call


def _increment(batch: ScopeBatch, namespace: str, key: Any, value: JSON) -> JSON:
    return batch.run(Op("increment", namespace, key, 1 if value is _NONE else value))


def _get_all(batch: ScopeBatch, namespace: str, key: Any, value: JSON) -> JSON:
    keys = batch.run(Op("list", namespace))
    assert isinstance(keys, list)
    return {str(name): batch.run(Op("get", namespace, str(name))) for name in keys}


_NONE: Any = object()  # "no value" on the wire ("" in both directions)

MEMORY_CALLS: dict[str, Callable[[ScopeBatch, str, Any, JSON], JSON]] = {
    "get": lambda batch, namespace, key, value: batch.get(namespace, key),
    "has": lambda batch, namespace, key, value: batch.has(namespace, key),
    "list": lambda batch, namespace, key, value: batch.run(Op("list", namespace)),
    "getAll": _get_all,
    "listNamespaces": lambda batch, namespace, key, value: batch.namespaces(),
    "set": _keyed("set"),
    "append": _keyed("append"),
    "increment": _increment,
    "delete": _keyed("delete"),
    "clear": lambda batch, namespace, key, value: batch.run(Op("clear", namespace)),
}
"""The JS memory API's methods → how each becomes operations."""

WRITES = frozenset(name for name in MEMORY_CALLS if name in KINDS and KINDS[name].writes)
"""The methods that change memory: the first of them enters the exclusive section."""


# -- the bridge ---------------------------------------------------------------------------


VOID = "memory changed while this evaluation ran: it is discarded and runs again"
"""What every host call of a void evaluation answers (no snippet ever shows it)."""


class HostBridge:
    """The one function JavaScript calls, and the evaluation's batches."""

    def __init__(self, memories: dict[str, Memory], outputs: OutputLedger) -> None:
        self._memories = memories
        self._outputs = outputs
        self.batches: dict[str, ScopeBatch] = {}
        self.crash: BaseException | None = None
        self.void = False
        self.raced = False  # void at its first write (not at the end of a read-only evaluation)
        self._sections = ExitStack()
        self._inside = False  # the exclusive sections are held
        self._at_once = False  # take them at the first memory call (a void evaluation's rerun)

    @property
    def inside(self) -> bool:
        """Whether the exclusive sections are held (by an evaluation, or kept for its rerun)."""
        return self._inside

    def reset(self, exclusive: bool = False) -> None:
        """Forget the last evaluation's operations (before the next one).

        ``exclusive``: enter the sections at the first memory call instead
        of the first write (the rerun of a void evaluation: it cannot be
        void).  Sections still held -- a void evaluation's, kept for its
        rerun -- stay held.
        """
        self.batches = {}
        self.crash = None
        self.void = self.raced = False
        self._at_once = exclusive

    def settle(self) -> bool:
        """After an evaluation that ran to its end: whether it stands (False: it is void).

        One that wrote was checked when it entered the section; one that only
        read more than one thing is checked now, at one moment.
        """
        if not self.void and not self._inside:
            logs = [batch.log for batch in self.batches.values() if batch.log is not None]
            if sum(log.size for log in logs) > 1 or any(log.torn for log in logs):
                self.void = True  # until shown otherwise (the check may raise)
                self.void = not all([batch.unchanged() for batch in self.batches.values()])
        return not self.void

    def finish(self, commit: bool) -> None:
        """End the evaluation: apply its writes if ``commit`` (and it is not void), then
        leave the sections.

        Raises MemoryOperationError when the store refuses the batch (nothing written).
        """
        sections, self._sections, self._inside = self._sections, ExitStack(), False
        with sections:
            if commit and not self.void:
                _apply(self.batches)

    def _batch(self, scope: str, writes: bool) -> ScopeBatch:
        if (writes or self._at_once) and not self._inside:
            self._enter()
        batch = self.batches.get(scope)
        if batch is None:
            batch = self.batches[scope] = ScopeBatch(self._memories[scope], optimistic=not self._inside)
        return batch

    def _enter(self) -> None:
        """Enter both sections, then check what was read before: void if any of it changed."""
        self.void = True  # until the check says otherwise: a failure below leaves it void
        try:
            for name in SCOPES:  # one order for every evaluation: no deadlock
                self._sections.enter_context(self._memories[name].exclusive())
            self._inside = True
            self.void = self.raced = not all([batch.unchanged() for batch in self.batches.values()])
        except BaseException as err:  # the store failed: the evaluation ends with its error
            self.crash = err
            raise

    def __call__(self, head_text: str, value_text: str) -> str:
        try:
            return self._answer(head_text, value_text)
        except VisorError as err:  # a memory rule: a TypeError, as Visor's JS memory throws
            return _error("TypeError", err.message)
        except ValueError as err:  # a value that is not storable JSON
            return _error("TypeError", str(err))
        except RecursionError:
            return _error("RangeError", f"a value is nested more than {MAX_DEPTH} levels deep")
        except BaseException as err:  # a bug or an interrupt: re-raised by the runtime after the call
            self.crash = err
            return _error("InternalError", "the host failed; the evaluation is abandoned")

    def _answer(self, head_text: str, value_text: str) -> str:
        if self.void or self.crash is not None:
            return _error("Error", VOID)
        scope, kind, namespace, key = json.loads(head_text)
        if scope == "outputs":
            return self._output(kind, key)
        memory = self._memories[scope]
        what = f"value of '{key}'" if kind != "increment" else "the amount"
        value = loads_js(value_text, what) if value_text else _NONE
        batch = self._batch(scope, kind in WRITES)
        if self.void:
            return _error("Error", VOID)
        result = MEMORY_CALLS[kind](batch, _namespace(memory, namespace), key, value)
        return "" if result is _NONE else dumps_js(result)

    def _output(self, kind: str, step: str) -> str:
        ledger = self._outputs
        if kind in _NAMES:
            return dumps_js(_NAMES[kind](ledger))
        found = _OUTPUT_KINDS[kind](ledger, step)
        return "" if found is _NONE else dumps_js(found)


def _visible(ledger: OutputLedger, step: str) -> JSON:
    """``outputs[step]``: a forEach item or aggregate shown in its place, else the latest."""
    try:
        return ledger.visible(step)
    except KeyError:
        return _NONE


def _raw(ledger: OutputLedger, step: str) -> JSON:
    """``outputs_raw[step]``: a forEach producer's whole list, else the latest output."""
    return ledger.raw[step] if step in ledger.raw else ledger.latest.get(step, _NONE)


_OUTPUT_KINDS: dict[str, Callable[[OutputLedger, str], JSON]] = {
    "latest": _visible,
    "history": lambda ledger, step: ledger.history.get(step, _NONE),
    "raw": _raw,
}
"""Which view of the ledger each JS object reads: outputs, outputs.history, outputs_raw."""

_NAMES: dict[str, Callable[[OutputLedger], list[str]]] = {
    "latest-names": lambda ledger: list(dict.fromkeys([*ledger.latest, *ledger.overlay])),
    "history-names": lambda ledger: list(ledger.history),
    "raw-names": lambda ledger: list(dict.fromkeys([*ledger.latest, *ledger.raw])),
}


SCOPES = ("memory", "session")
"""The memories a snippet sees, in the order their sections are entered."""


def _apply(batches: dict[str, ScopeBatch]) -> None:
    """Apply both scopes' writes, all or none: the session's undo transaction wraps the store's."""
    memory, session = batches.get("memory"), batches.get("session")
    if session is None or not session.ops:
        if memory is not None and memory.ops:
            memory.memory.apply(memory.ops)
        return
    with session.memory.transaction():
        session.memory.apply(session.ops)
        if memory is not None and memory.ops:
            memory.memory.apply(memory.ops)
