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
so a snippet reads its own writes and the results are the store's own.  At
its first memory call an evaluation enters ``Memory.exclusive()`` of both
scopes (always memory, then session: one order, no deadlock): no other
thread, and on sqlite / redis no other process, writes until it ends.  When
it succeeds, its writes are applied as one batch (``Memory.apply``) inside
that section; when it fails, nothing is.  So reads at its start see every
process's writes and a read-modify-write is serializable, with no retry.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from visor_mem.errors import VisorError
from visor_mem.expr.context import OutputLedger
from visor_mem.jsonvalue import MAX_DEPTH
from visor_mem.store.base import JSON
from visor_mem.store.ops import KINDS, Op, Overlay
from visor_mem.store.scoped import Memory

_LONE_SURROGATE = re.compile(r"(?<!\\)(?:\\\\)*\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
"""An escaped surrogate in JSON.stringify's output: it escapes only lone ones."""

# Nesting beyond the one JSON value policy's depth is refused at the bridge, before
# Python's recursion limit (the store would refuse it anyway).


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def loads_js(text: str, what: str) -> JSON:
    """Decode a JSON text made by JSON.stringify; ValueError names ``what`` when it is not storable."""
    if "\\u" in text and (found := _LONE_SURROGATE.search(text)) is not None:
        code = found.group(0)[found.group(0).rindex("\\u") + 2 :].upper()
        raise ValueError(f"{what} contains a lone surrogate (U+{code}), which is not valid Unicode")
    try:
        value = _DECODER.decode(text)
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
    """The operations of one evaluation on one ``Memory``, answered over an overlay."""

    def __init__(self, memory: Memory) -> None:
        self.memory = memory
        self.ops: list[Op] = []
        self._overlay = Overlay(memory.reader(), memory.now(), memory.quotas)

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
        names = dict.fromkeys(self.memory.namespaces())
        for write in self._overlay.writes:
            if write.kind == "clear":
                names.pop(write.namespace, None)
            else:
                names.setdefault(write.namespace)
        return list(names)


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


# -- the bridge ---------------------------------------------------------------------------


class HostBridge:
    """The one function JavaScript calls, and the evaluation's batches."""

    def __init__(self, memories: dict[str, Memory], outputs: OutputLedger) -> None:
        self._memories = memories
        self._outputs = outputs
        self.batches: dict[str, ScopeBatch] = {}
        self.crash: BaseException | None = None
        self._sections = ExitStack()

    def reset(self) -> None:
        """Forget the operations of the last evaluation (before the next one)."""
        self.batches = {}
        self.crash = None

    def finish(self, commit: bool) -> None:
        """End the evaluation: apply its writes if ``commit``, then leave the sections.

        Raises MemoryOperationError when the store refuses the batch (nothing written).
        """
        sections, self._sections = self._sections, ExitStack()
        with sections:
            if commit:
                _apply(self.batches)

    def _batch(self, scope: str) -> ScopeBatch:
        batch = self.batches.get(scope)
        if batch is None:
            if not self.batches:
                for name in SCOPES:  # one order for every evaluation: no deadlock
                    self._sections.enter_context(self._memories[name].exclusive())
            batch = self.batches[scope] = ScopeBatch(self._memories[scope])
        return batch

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
        scope, kind, namespace, key = json.loads(head_text)
        if scope == "outputs":
            return self._output(kind, key)
        memory = self._memories[scope]
        what = f"value of '{key}'" if kind != "increment" else "the amount"
        value = loads_js(value_text, what) if value_text else _NONE
        batch = self._batch(scope)
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
