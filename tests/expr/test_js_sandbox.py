"""The sandbox escape table (DESIGN.md section 11, "JS isolation").

Each row is an attack.  It may succeed as a snippet or fail its own
evaluation, but: the store is exactly what it was before (plus what the
attack legitimately wrote, if it succeeded), nothing of the bridge is
reachable, and the *next* evaluation sees a clean sandbox (the probe gives
its clean answer).  Every row runs twice in one context, so a leftover from
the first run would show in the second.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from visor_mem.errors import Location, VisorError
from visor_mem.expr import EvalContext, Expressions
from visor_mem.store.base import JSON
from visor_mem.store.memory import DictStore
from visor_mem.store.scoped import Memory

WHERE = Location("x.yaml", 3, 5, "steps.s.content")
BASELINE = {"default": {"n": 1, "text": "kept"}}
PROBE = (
    "[memory.get('n'), memory.get('text'), outputs.a, typeof __visor_host, typeof zz, "
    "Error.prepareStackTrace, Error.stackTraceLimit, typeof globalThis[Symbol.for('zz')], "
    "Object.getPrototypeOf(globalThis) === Object.prototype || Object.getPrototypeOf(globalThis) !== null, "
    "[1, 2].map((x) => x * 2), JSON.stringify({a: 1}), typeof (new Error('e').stack)]"
)
FORGED = ("forged", 666, 99, 7, 5, 6)
"""What an attack would return if it worked."""
CLEAN: JSON = [
    1,
    "kept",
    {"x": 1},
    "undefined",
    "undefined",
    None,
    10,
    "undefined",
    True,
    [2, 4],
    '{"a":1}',
    "string",
]


@dataclass(frozen=True)
class Escape:
    id: str
    code: str
    why: str


ESCAPES = [
    Escape(
        "prepare-stack-trace-get-function",
        "Error.prepareStackTrace = (e, sites) => sites.map((s) => s.getFunction && s.getFunction());\n"
        "const fns = new Error('x').stack;\n"
        "return Array.isArray(fns) ? fns.filter((f) => typeof f === 'function').map((f) => f('run', 0, '')) : 0",
        "CallSite.getFunction() handed out the bridge's dispatcher",
    ),
    Escape(
        "prepare-stack-trace-strict",
        "'use strict'; Error.prepareStackTrace = () => 'forged'; return new Error('x').stack",
        "a strict snippet gets a TypeError instead of the silent no-op",
    ),
    Escape("stack-trace-limit", "Error.stackTraceLimit = 0; 1", "persisted into the next evaluation"),
    Escape(
        "define-prepare", "Object.defineProperty(Error, 'prepareStackTrace', {value: () => 1}); 1", "frozen"
    ),
    Escape("symbol-global", "globalThis[Symbol.for('zz')] = 1; 1", "symbol keys escaped the sweep"),
    Escape("string-global", "globalThis.zz = 1; 1", "assignment"),
    Escape("sloppy-global", "zz = 1; 1", "implicit global"),
    Escape(
        "non-configurable-global", "Reflect.defineProperty(globalThis, 'zz', {value: 1}); 1", "undeletable"
    ),
    Escape(
        "non-configurable-symbol", "Object.defineProperty(globalThis, Symbol.for('zz'), {value: 1}); 1", ""
    ),
    Escape("freeze-global", "Object.freeze(globalThis); globalThis.zz = 1; 1", "the sweep cannot delete"),
    Escape("prevent-extensions", "Object.preventExtensions(globalThis); 1", "args can no longer be reset"),
    Escape("global-prototype", "Object.setPrototypeOf(globalThis, {zz: 1}); 1", ""),
    Escape(
        "redefine-memory", "Reflect.defineProperty(globalThis, 'memory', {value: {get: () => 99}}); 1", ""
    ),
    Escape("assign-memory", "memory = {get: () => 99}; memory.get('n')", ""),
    Escape("memory-method", "memory.get = () => 99; memory.get('n')", ""),
    Escape("array-prototype", "Array.prototype.map = () => 'hacked'; 1", ""),
    Escape("json-stringify", "JSON.stringify = () => 'x'; 1", ""),
    Escape(
        "object-prototype-tojson", "Object.prototype.toJSON = () => 'forged'; 1", "would forge every result"
    ),
    Escape("function-prototype-call", "Function.prototype.call = () => 'forged'; 1", ""),
    Escape("outputs-write", "outputs.a = 5; Object.defineProperty(outputs, 'a', {value: 6}); outputs.a", ""),
    Escape("outputs-history-write", "outputs.history.a.push(9); outputs_history.a = []; 1", ""),
    Escape(
        "callee-caller",
        "const c = arguments.callee.caller; typeof c === 'function' ? c('run', 0, '') : 0",
        "",
    ),
    Escape(
        "function-caller", "(function f() { return typeof f.caller })()", "the caller of a sloppy function"
    ),
    Escape("host-lookup", "Object.getOwnPropertyNames(globalThis).filter((n) => /visor|host/i.test(n))", ""),
    Escape(
        "close-the-wrapper",
        "1)}); memory.set('n', 666); globalThis.zz = 1; (function(){return (1",
        "code ran at compile time, outside the limit, writing the mirror",
    ),
    Escape("loop-at-compile-time", "1)}); while (true) {}; (function(){return (1", "exited 70"),
    Escape("promise-job", "Promise.resolve().then(() => { globalThis.zz = 1; memory.set('n', 7) }); 1", ""),
    Escape("throw-getter-loop", "throw {get message() { while (true) {} }}", "describe() ran forever"),
    Escape("throw-getter-throws", "throw {get name() { throw new Error('no') }}", ""),
    Escape("log-tostring-loop", "log({toString() { while (true) {} }}); 1", ""),
    Escape("write-then-throw", "memory.set('n', 2); memory.set('text', 'lost'); throw new Error('late')", ""),
    Escape("write-then-timeout", "memory.set('n', 2); while (true) {}", ""),
    Escape("write-then-bad-result", "memory.set('n', 2); return () => 1", ""),
    Escape("write-then-lone-surrogate", "memory.set('n', 2); return '\\ud800'", ""),
    Escape("lone-surrogate-write", "memory.set('text', 'a\\udc00b'); 1", ""),
    Escape("deep-write", "let v = 1; for (let i = 0; i < 100000; i++) v = [v]; memory.set('text', v); 1", ""),
    Escape("memory-bomb", "memory.set('n', 3); const a = []; for (;;) a.push('x'.repeat(1000))", ""),
]


@pytest.fixture
def ctx() -> EvalContext:
    context = EvalContext(memory=Memory(DictStore()), session=Memory(DictStore()))
    for namespace, entries in BASELINE.items():
        for key, value in entries.items():
            context.memory.set(key, value, namespace)
    context.outputs.record("a", {"x": 1})
    return context


@pytest.fixture
def ex(ctx: EvalContext) -> Iterator[Expressions]:
    expressions = Expressions(ctx, js_timeout=1.0, js_memory_mb=16)  # wall clock: room for a loaded machine
    yield expressions
    expressions.close()


def _attempt(ex: Expressions, code: str) -> JSON | VisorError:
    try:
        return ex.js(code, where=WHERE)
    except VisorError as err:
        return err


@pytest.mark.parametrize("case", ESCAPES, ids=lambda c: c.id)
def test_escape_is_gone_by_the_next_evaluation(case: Escape, ctx: EvalContext, ex: Expressions) -> None:
    for _ in range(2):
        outcome = _attempt(ex, case.code)
        assert outcome not in FORGED
        if isinstance(outcome, VisorError):
            assert "\n" not in str(outcome)  # one line
            assert ctx.memory.dump() == BASELINE  # a failed evaluation writes nothing
        assert ex.js(PROBE, where=WHERE) == CLEAN


def test_bridge_functions_are_not_reachable(ex: Expressions) -> None:
    assert _attempt(ex, ESCAPES[0].code) == 0  # the assignment did nothing: the stack stayed a string
    with pytest.raises(VisorError, match="TypeError"):
        ex.js(ESCAPES[1].code, where=WHERE)


def test_close_the_wrapper_is_a_one_line_error_and_runs_nothing(ctx: EvalContext, ex: Expressions) -> None:
    for code in (
        "1)}); memory.set('n', 666); (function(){return (1",
        "1)}); while (true) {}; (function(){return (1",
    ):
        with pytest.raises(VisorError, match="closes the function it is wrapped in"):
            ex.js(code, where=WHERE)
    assert ctx.memory.dump() == BASELINE
