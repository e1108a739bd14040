"""The JavaScript sandbox: memory API, snippet forms, limits, escapes, errors."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from visor_mem.errors import (
    Location,
    ScriptError,
    ScriptMemoryExceeded,
    ScriptTimeout,
    VisorError,
)
from visor_mem.expr import EvalContext, Expressions
from visor_mem.store.base import Dump
from visor_mem.store.memory import DictStore
from visor_mem.store.scoped import Memory, NamespaceLimits

WHERE = Location("x.yaml", 12, 5, "steps.calc.value_js")


class Clock:
    """A clock the test moves by hand (for TTL)."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ctx() -> EvalContext:
    return EvalContext(memory=Memory(DictStore()), session=Memory(DictStore()))


@pytest.fixture
def logs() -> list[str]:
    return []


@pytest.fixture
def ex(ctx: EvalContext, logs: list[str]) -> Iterator[Expressions]:
    expressions = Expressions(
        ctx, js_timeout=1.0, js_memory_mb=32, log=logs.append
    )  # wall clock: room for load
    yield expressions
    expressions.close()


def load(memory: Memory, dump: Dump) -> None:
    for namespace, entries in dump.items():
        for key, value in entries.items():
            memory.set(key, value, namespace)


# -- the memory API, in memory and session ------------------------------------------


@dataclass(frozen=True)
class ApiCase:
    id: str
    code: str
    result: Any
    after: Dump
    before: Dump = field(default_factory=dict)


API_CASES = [
    ApiCase("get", "memory.get('a')", 1, {"default": {"a": 1}}, {"default": {"a": 1}}),
    ApiCase("get-missing-is-undefined", "memory.get('zz') === undefined", True, {}),
    ApiCase("get-null-is-null", "memory.get('n')", None, {"default": {"n": None}}, {"default": {"n": None}}),
    ApiCase("get-ns", "memory.get('a', 'other')", 2, {"other": {"a": 2}}, {"other": {"a": 2}}),
    ApiCase("getItem-alias", "memory.getItem('a')", 1, {"default": {"a": 1}}, {"default": {"a": 1}}),
    ApiCase(
        "get-copies",
        "const v = memory.get('o'); v.x = 9; memory.get('o').x",
        1,
        {"default": {"o": {"x": 1}}},
        {"default": {"o": {"x": 1}}},
    ),
    ApiCase(
        "set-returns-value", "memory.set('a', {b: [1, 2]})", {"b": [1, 2]}, {"default": {"a": {"b": [1, 2]}}}
    ),
    ApiCase(
        "set-copies",
        "const v = {x: 1}; memory.set('a', v); v.x = 2; memory.get('a').x",
        1,
        {"default": {"a": {"x": 1}}},
    ),
    ApiCase("setItem-alias-ns", "memory.setItem('a', 'v', 'ns2')", "v", {"ns2": {"a": "v"}}),
    ApiCase("set-empty-ns-is-default", "memory.set('a', 1, '')", 1, {"default": {"a": 1}}),
    ApiCase("set-then-read", "memory.set('a', 5); memory.get('a') + 1", 6, {"default": {"a": 5}}),
    ApiCase("append-missing", "memory.append('l', 1)", [1], {"default": {"l": [1]}}),
    ApiCase(
        "append-list",
        "memory.append('l', 3)",
        [1, 2, 3],
        {"default": {"l": [1, 2, 3]}},
        {"default": {"l": [1, 2]}},
    ),
    ApiCase(
        "append-scalar",
        "memory.append('l', 'b')",
        ["a", "b"],
        {"default": {"l": ["a", "b"]}},
        {"default": {"l": "a"}},
    ),
    ApiCase(
        "append-null",
        "memory.append('l', 1)",
        [None, 1],
        {"default": {"l": [None, 1]}},
        {"default": {"l": None}},
    ),
    ApiCase("increment-missing", "memory.increment('c')", 1, {"default": {"c": 1}}),
    ApiCase("increment-null", "memory.increment('c', 2)", 2, {"default": {"c": 2}}, {"default": {"c": None}}),
    ApiCase(
        "increment-amount-ns", "memory.increment('c', 2.5, 'n')", 3.5, {"n": {"c": 3.5}}, {"n": {"c": 1}}
    ),
    ApiCase("delete-existing", "memory.delete('a')", True, {"default": {}}, {"default": {"a": 1}}),
    ApiCase("deleteItem-alias", "memory.deleteItem('a')", True, {"default": {}}, {"default": {"a": 1}}),
    ApiCase(
        "delete-missing-ns-creates-nothing",
        "[memory.delete('a', 'ghost'), memory.listNamespaces()]",
        [False, []],
        {},
    ),
    ApiCase(
        "clear-default-only",
        "memory.clear(); memory.listNamespaces()",
        ["other"],
        {"other": {"b": 2}},
        {"default": {"a": 1}, "other": {"b": 2}},
    ),
    ApiCase(
        "clear-ns",
        "memory.clear('other')",
        None,
        {"default": {"a": 1}},
        {"default": {"a": 1}, "other": {"b": 2}},
    ),
    ApiCase(
        "list", "memory.list()", ["b", "a"], {"default": {"b": 1, "a": 2}}, {"default": {"b": 1, "a": 2}}
    ),
    ApiCase("list-missing-ns", "memory.list('nope')", [], {}),
    ApiCase(
        "has",
        "[memory.has('a'), memory.has('zz'), memory.has('a', 'other')]",
        [True, False, False],
        {"default": {"a": 1}},
        {"default": {"a": 1}},
    ),
    ApiCase(
        "getAll",
        "memory.getAll()",
        {"a": 1, "b": [2]},
        {"default": {"a": 1, "b": [2]}},
        {"default": {"a": 1, "b": [2]}},
    ),
    ApiCase(
        "getAll-proto-key",
        "Object.keys(memory.getAll())",
        ["__proto__"],
        {"default": {"__proto__": 1}},
        {"default": {"__proto__": 1}},
    ),
    ApiCase(
        "listNamespaces",
        "memory.listNamespaces()",
        ["default", "x"],
        {"default": {"a": 1}, "x": {"b": 1}},
        {"default": {"a": 1}, "x": {"b": 1}},
    ),
]


@pytest.mark.parametrize("case", API_CASES, ids=lambda c: c.id)
@pytest.mark.parametrize("scope", ["memory", "session"])
def test_memory_api(case: ApiCase, scope: str, ctx: EvalContext, ex: Expressions) -> None:
    target = ctx.memory if scope == "memory" else ctx.session
    load(target, case.before)
    code = case.code.replace("memory.", f"{scope}.")
    assert ex.js(code, where=WHERE) == case.result
    assert target.dump() == case.after


@dataclass(frozen=True)
class FailCase:
    id: str
    code: str
    message: str
    before: Dump = field(default_factory=dict)


FAIL_CASES = [
    FailCase(
        "increment-string",
        "memory.increment('s')",
        "TypeError: Cannot increment non-numeric value at key 's' (type: string) (line 2)",
        {"default": {"s": "x"}},
    ),
    FailCase(
        "increment-object",
        "memory.increment('o')",
        "Cannot increment non-numeric value at key 'o' (type: object)",
        {"default": {"o": [1]}},
    ),
    FailCase(
        "increment-bool",
        "memory.increment('b')",
        "Cannot increment non-numeric value at key 'b' (type: boolean)",
        {"default": {"b": True}},
    ),
    FailCase(
        "increment-amount-string",
        "memory.increment('c', '2')",
        "Increment amount must be a number, got string",
    ),
    FailCase("increment-amount-nan", "memory.increment('c', NaN)", "Increment amount must be a number"),
    FailCase("set-undefined", "memory.set('a', undefined)", "value of 'a' is undefined"),
    FailCase(
        "set-function", "memory.set('a', {f: () => 1})", "value of 'a' is not a JSON value: a function at 'f'"
    ),
    FailCase("set-nan", "memory.set('a', [NaN])", "value of 'a' is not a JSON value: NaN"),
    FailCase("set-bigint", "memory.set('a', 1n)", "not a JSON value: a bigint"),
    FailCase("set-cycle", "const o = {}; o.o = o; memory.set('a', o)", "value of 'a' is not a JSON value"),
    FailCase("key-not-string", "memory.set(1, 2)", "memory.set: key must be a string, got number"),
    FailCase("namespace-not-string", "memory.get('a', 5)", "namespace must be a string"),
]


@pytest.mark.parametrize("case", FAIL_CASES, ids=lambda c: c.id)
def test_memory_api_errors_write_nothing(case: FailCase, ctx: EvalContext, ex: Expressions) -> None:
    load(ctx.memory, case.before)
    with pytest.raises(ScriptError) as err:
        ex.js(f"memory.set('first', 1);\n{case.code}", where=WHERE)
    assert case.message in str(err.value)
    assert ctx.memory.dump() == case.before
    assert ex.js("memory.getAll()", where=WHERE) == case.before.get("default", {})


def test_throw_after_writes_rolls_everything_back(ctx: EvalContext, ex: Expressions) -> None:
    load(ctx.memory, {"default": {"a": 1, "l": [1]}, "x": {"k": 1}})
    ctx.session.set("s", 1)
    code = """
      memory.set('a', 2); memory.append('l', 2); memory.increment('n'); memory.clear('x');
      memory.delete('a'); session.set('s', 2); session.set('t', 3);
      throw new Error('late failure');
    """
    with pytest.raises(ScriptError, match="Error: late failure"):
        ex.js(code, where=WHERE)
    assert ctx.memory.dump() == {"default": {"a": 1, "l": [1]}, "x": {"k": 1}}
    assert ctx.session.dump() == {"default": {"s": 1}}
    state = "[memory.getAll(), memory.getAll('x'), memory.listNamespaces(), session.getAll()]"
    assert ex.js(state, where=WHERE) == [{"a": 1, "l": [1]}, {"k": 1}, ["default", "x"], {"s": 1}]


def test_refused_write_keeps_nothing(ex: Expressions) -> None:
    limited = Memory(DictStore(), limits={"default": NamespaceLimits(max_keys=2)})
    ctx = EvalContext(memory=limited, session=Memory(DictStore()))
    expressions = Expressions(ctx)
    with pytest.raises(
        ScriptError, match=r"TypeError: namespace 'default' already holds 2 keys \(max_keys 2\); 'c'"
    ):
        expressions.js("memory.set('a', 1); memory.set('b', 2); memory.set('c', 3)", where=WHERE)
    assert limited.dump() == {}
    assert expressions.js("memory.list()", where=WHERE) == []


@pytest.mark.parametrize("order", ["session-first", "session-last"])
def test_refused_write_keeps_nothing_in_either_scope(order: str) -> None:
    limited = Memory(DictStore(), limits={"default": NamespaceLimits(max_keys=1)})
    ctx = EvalContext(memory=limited, session=Memory(DictStore()))
    expressions = Expressions(ctx)
    writes = ["memory.set('a', 1)", "memory.set('b', 2)"]
    writes.insert(0 if order == "session-first" else 2, "session.set('s', 1)")
    with pytest.raises(ScriptError, match=r"max_keys 1\); 'b' was not stored"):
        expressions.js("; ".join(writes), where=WHERE)
    assert (limited.dump(), ctx.session.dump()) == ({}, {})
    assert expressions.js("[memory.list(), session.list()]", where=WHERE) == [[], []]


def test_mirror_sees_writes_made_outside(ctx: EvalContext, ex: Expressions) -> None:
    assert ex.js("memory.get('k') === undefined", where=WHERE) is True
    ctx.memory.set("k", 1)
    ctx.memory.set("j", 1, "other")
    assert ex.js("[memory.get('k'), memory.get('j', 'other')]", where=WHERE) == [1, 1]
    ctx.memory.clear("other")
    ctx.memory.delete("k")
    assert ex.js("[memory.has('k'), memory.listNamespaces()]", where=WHERE) == [False, ["default"]]


ORDER_STATE = "[memory.listNamespaces(), memory.list(), memory.list('n2')]"


@pytest.mark.parametrize("first_call", ["before-the-writes", "after-the-writes"])
def test_mirror_keeps_the_store_order(first_call: str, ctx: EvalContext, ex: Expressions) -> None:
    """Integer-like names included: a JS object would list them first."""
    if first_call == "before-the-writes":
        ex.js("1", where=WHERE)  # the writes then travel as changes, not as a full load
    for key in ["z", "10", "2", *"qwertyuiop"]:
        ctx.memory.set(key, 1)
    ctx.memory.set("a", 1, "n2")
    ctx.memory.set("1", 1, "n2")
    ctx.memory.set("0", 1, "1")
    expected = [ctx.memory.namespaces(), ctx.memory.list(), ctx.memory.list("n2")]
    assert ex.js(ORDER_STATE, where=WHERE) == expected


def test_mirror_reloads_after_a_long_change_log(ctx: EvalContext, ex: Expressions) -> None:
    ex.js("1", where=WHERE)
    for i in range(5000):
        ctx.memory.set(f"k{i}", i)
    assert ex.js("memory.list().length + memory.get('k4999')", where=WHERE) == 5000 + 4999


def test_expired_keys_disappear_from_the_mirror() -> None:
    clock = Clock()
    memory = Memory(DictStore(clock=clock))
    expressions = Expressions(EvalContext(memory=memory, session=Memory(DictStore())))
    memory.set("t", 1, ttl=-1.0)  # already expired: invisible from the start
    memory.set("u", 1, ttl=0.0)
    assert expressions.js("[memory.has('t'), memory.has('u'), memory.list()]", where=WHERE) == [
        False,
        False,
        [],
    ]


def test_session_default_namespace(ctx: EvalContext, ex: Expressions) -> None:
    ex.js("session.set('a', 1)", where=WHERE)
    assert ctx.session.dump() == {"default": {"a": 1}}
    assert ctx.memory.dump() == {}


def test_configured_default_namespace() -> None:
    ctx = EvalContext(memory=Memory(DictStore(), "production"), session=Memory(DictStore()))
    Expressions(ctx).js("memory.set('c', 1)", where=WHERE)
    assert ctx.memory.dump() == {"production": {"c": 1}}


# -- snippet forms ------------------------------------------------------------------------


@dataclass(frozen=True)
class FormCase:
    id: str
    code: str
    result: Any


FORM_CASES = [
    FormCase("expression", "memory.get('counter') + 1", 6),
    FormCase("ternary", "memory.get('counter') > 3 ? 'big' : 'small'", "big"),
    FormCase("object-literal", "({a: 1})", {"a": 1}),
    FormCase("trailing-comment", "1 + 1 // two", 2),
    FormCase("trailing-semicolon", "memory.get('counter');", 5),
    FormCase("body-return", "const e = 2;\nconst w = 1;\nreturn Math.max(0, 100 - e * 10 - w * 5);", 75),
    FormCase("body-last-expression", "const a = memory.get('counter')\nconst b = 2\na * b", 10),
    FormCase("body-no-value", "const a = 1;", None),
    FormCase("undefined-is-null", "undefined", None),
    FormCase("function-declaration-body", "function f(x) { return x * 2 }\nreturn f(21)", 42),
    FormCase("date-becomes-string", "new Date(0)", "1970-01-01T00:00:00.000Z"),
    FormCase("nested-undefined-dropped", "({a: undefined, b: 1})", {"b": 1}),
    FormCase("integral-float", "1.5 + 1.5", 3),
]


@pytest.mark.parametrize("case", FORM_CASES, ids=lambda c: c.id)
def test_snippet_forms(case: FormCase, ctx: EvalContext, ex: Expressions) -> None:
    ctx.memory.set("counter", 5)
    assert ex.js(case.code, where=WHERE) == case.result


def test_same_snippet_twice_has_no_leftover_state(ex: Expressions) -> None:
    code = "var n = (typeof n === 'number' ? n : 0) + 1; memory.increment('runs'); n"
    assert [ex.js(code, where=WHERE) for _ in range(3)] == [1, 1, 1]
    assert ex.js("memory.get('runs')", where=WHERE) == 3


@dataclass(frozen=True)
class TruthCase:
    id: str
    code: str
    truth: bool


TRUTH_CASES = [
    TruthCase("true", "1 < 2", True),
    TruthCase("zero", "0", False),
    TruthCase("empty-string", "''", False),
    TruthCase("null", "null", False),
    TruthCase("undefined", "undefined", False),
    TruthCase("empty-list", "[]", True),
    TruthCase("empty-object", "({})", True),
    TruthCase("string", "'no'", True),
]


@pytest.mark.parametrize("case", TRUTH_CASES, ids=lambda c: c.id)
def test_truthy(case: TruthCase, ex: Expressions) -> None:
    assert ex.truthy(case.code, where=WHERE) is case.truth


# -- globals ----------------------------------------------------------------------------


def test_outputs_and_history(ctx: EvalContext, ex: Expressions) -> None:
    ctx.outputs.record("a-b", {"x": 1})
    assert ex.js("outputs['a-b'].x", where=WHERE) == 1
    ctx.outputs.record("a-b", {"x": 2})
    ctx.outputs.record("n", 7)
    code = "[outputs['a-b'].x, outputs.history['a-b'], outputs_history.n, Object.keys(outputs)]"
    assert ex.js(code, where=WHERE) == [2, [{"x": 1}, {"x": 2}], [7], ["history", "a-b", "n"]]


def test_outputs_cannot_be_changed_for_the_next_snippet(ctx: EvalContext, ex: Expressions) -> None:
    ctx.outputs.record("a", {"items": [3, 1, 2]})
    sorted_items = "outputs.a.items.sort(); outputs.a.extra = 1; outputs.b = 2; outputs.a.items"
    assert ex.js(sorted_items, where=WHERE) == [1, 2, 3]
    assert ex.js("[outputs.a, outputs.b]", where=WHERE) == [{"items": [3, 1, 2]}, None]


def test_pr_env_vars_args_and_extra(ctx: EvalContext, logs: list[str]) -> None:
    ctx.pr = {"number": 7}
    ctx.env = {"HOME": "/h"}
    ctx.vars = {"mode": "fast"}
    ex = Expressions(ctx, log=logs.append)
    assert ex.js("[pr.number, env.HOME, vars.mode, args]", where=WHERE) == [7, "/h", "fast", {}]
    with_extra = ex.js(
        "[args.a, value, output]", where=WHERE, extra={"args": {"a": 1}, "value": 2, "output": 3}
    )
    assert with_extra == [1, 2, 3]
    assert ex.js("[args, typeof value, typeof output]", where=WHERE) == [{}, "undefined", "undefined"]


@pytest.mark.parametrize(
    "extra",
    [None, {"args": {}}, {"args": {}, "value": 1}],
    ids=["no-extra", "empty-args", "empty-args-and-value"],
)
def test_args_is_fresh_and_the_same_whether_passed_empty_or_not(
    extra: dict[str, Any] | None, ex: Expressions
) -> None:
    """The host drops ``args: {}`` from the extras; JS must not see the difference."""
    code = "args.n = (args.n ?? 0) + 1; [args.n, Object.isFrozen(args)]"
    assert [ex.js(code, where=WHERE, extra=extra) for _ in range(2)] == [[1, False]] * 2


def test_log_goes_to_the_callback_even_on_failure(ex: Expressions, logs: list[str]) -> None:
    assert ex.js("log('count', 2, {a: [1]}, null); console.log('c'); 1", where=WHERE) == 1
    with pytest.raises(ScriptTimeout):
        ex.js("log('before'); while (true) {}", where=WHERE)
    assert logs == ['count 2 {"a":[1]} null', "c", "before"]


def test_extra_cannot_replace_a_builtin_global(ex: Expressions) -> None:
    with pytest.raises(ScriptError, match="'memory' is a built-in global"):
        ex.js("1", where=WHERE, extra={"memory": 1})


# -- the sandbox ----------------------------------------------------------------------------


@dataclass(frozen=True)
class EscapeCase:
    id: str
    code: str
    result: Any


ESCAPE_CASES = [
    EscapeCase("require", "typeof require", "undefined"),
    EscapeCase("process", "typeof process", "undefined"),
    EscapeCase("std-os", "[typeof std, typeof os, typeof scriptArgs]", ["undefined"] * 3),
    EscapeCase("timers", "[typeof setTimeout, typeof setInterval, typeof queueMicrotask]", ["undefined"] * 3),
    EscapeCase("fetch", "[typeof fetch, typeof XMLHttpRequest, typeof import_meta]", ["undefined"] * 3),
    EscapeCase("function-constructor", "({}).constructor.constructor('return this')() === globalThis", True),
    EscapeCase(
        "global-names",
        "Object.getOwnPropertyNames(globalThis).filter(n => /^(py|python|host|_quickjs|require|process)/i.test(n))",
        [],
    ),
    EscapeCase("dynamic-import", "typeof import('os')", "object"),
]


@pytest.mark.parametrize("case", ESCAPE_CASES, ids=lambda c: c.id)
def test_nothing_of_the_host_is_reachable(case: EscapeCase, ex: Expressions) -> None:
    assert ex.js(case.code, where=WHERE) == case.result


def test_dynamic_import_does_not_load_modules(ex: Expressions) -> None:
    code = "let r = 'pending'; import('os').then(() => { r = 'loaded' }, () => { r = 'refused' }); r"
    assert ex.js(code, where=WHERE) == "pending"


@dataclass(frozen=True)
class PollutionCase:
    id: str
    attack: str
    probe: str
    clean: Any


POLLUTION_CASES = [
    PollutionCase("object-prototype", "Object.prototype.evil = 1", "({}).evil", None),
    PollutionCase("proto-accessor", "({}).__proto__.evil = 1", "({}).evil", None),
    PollutionCase("array-prototype", "Array.prototype.map = () => 'hacked'", "[1].map(x => x + 1)", [2]),
    PollutionCase("json", "JSON.stringify = () => 'x'", "JSON.stringify([1])", "[1]"),
    PollutionCase(
        "new-global",
        "globalThis.leak = 1; implicitLeak = 2",
        "[typeof leak, typeof implicitLeak]",
        ["undefined", "undefined"],
    ),
    PollutionCase(
        "replace-memory", "memory = null; globalThis.memory = null", "typeof memory.get", "function"
    ),
    PollutionCase("memory-methods", "memory.get = () => 'hacked'", "memory.get('zz') === undefined", True),
    PollutionCase("args", "args.x = 1; args = {y: 2}", "args", {}),
    PollutionCase("delete-args", "delete globalThis.args; globalThis.args = 5", "args", {}),
    PollutionCase(
        "hidden-global",
        "Object.defineProperty(globalThis, 'hidden', {value: 1, configurable: true})",
        "typeof hidden",
        "undefined",
    ),
    PollutionCase(
        "hidden-globals",
        "Object.defineProperties(globalThis, {h1: {value: 1, configurable: true}})",
        "typeof h1",
        "undefined",
    ),
    PollutionCase(
        "reflect-hidden-global",
        "Reflect.defineProperty(globalThis, 'hidden', {value: 1, configurable: true})",
        "typeof hidden",
        "undefined",
    ),
    PollutionCase(
        "hidden-global-through-proxy",
        "const p = new Proxy(globalThis, {}); Object.defineProperty(p, 'hidden', {value: 1, configurable: true})",
        "typeof hidden",
        "undefined",
    ),
    PollutionCase("stack-global", "Error.captureStackTrace(globalThis)", "typeof stack", "undefined"),
    PollutionCase("global-prototype", "Object.setPrototypeOf(globalThis, {zz: 1})", "typeof zz", "undefined"),
    PollutionCase("proto-setter", "globalThis.__proto__ = {zz: 1}", "typeof zz", "undefined"),
    PollutionCase("replace-globalThis", "globalThis = 5", "typeof globalThis", "object"),
    PollutionCase(
        "declarations", "var v = 1; function f() {}; return v", "[typeof v, typeof f]", ["undefined"] * 2
    ),
    PollutionCase(
        "indirect-eval",
        "(0, eval)('var ev = 1; function ef() {}')",
        "typeof ev + typeof ef",
        "undefinedundefined",
    ),
]


@pytest.mark.parametrize("case", POLLUTION_CASES, ids=lambda c: c.id)
def test_pollution_does_not_reach_the_next_snippet(case: PollutionCase, ex: Expressions) -> None:
    try:
        ex.js(case.attack + "; 1", where=WHERE)
    except ScriptError:
        pass  # refusing the attack outright is fine too
    assert ex.js(case.probe, where=WHERE) == case.clean


@pytest.mark.parametrize("freeze", ["preventExtensions", "seal", "freeze"])
def test_a_frozen_global_object_does_not_reach_the_next_snippet(freeze: str, ex: Expressions) -> None:
    # The snippet itself is fine; its context cannot be cleaned, so the next evaluation gets a new one.
    assert ex.js(f"Object.{freeze}(globalThis); globalThis.zz = 1; 1", where=WHERE) == 1
    assert ex.js("typeof zz", where=WHERE) == "undefined"
    assert ex.js("[args, value]", where=WHERE, extra={"args": {"a": 1}, "value": 2}) == [{"a": 1}, 2]


@dataclass(frozen=True)
class LimitCase:
    id: str
    code: str
    error: type[VisorError]
    js_timeout: float = 60.0
    """Time cases get 1 s; the others so much that only their own limit can trip, however loaded."""


LIMIT_CASES = [
    LimitCase("infinite-loop", "while (true) {}", ScriptTimeout, 1.0),
    LimitCase("busy-body", "let i = 0;\nfor (;;) { i++ }\nreturn i", ScriptTimeout, 1.0),
    LimitCase("array-bomb", "const a = []; while (true) a.push('x'.repeat(1000))", ScriptMemoryExceeded),
    LimitCase("object-bomb", "const a = []; for (;;) a.push({b: [1, 2, 3]})", ScriptMemoryExceeded),
    LimitCase("string-bomb", "let s = 'ab'; for (;;) s = s + s", ScriptMemoryExceeded),
    LimitCase("huge-array", "new Array(1e9).fill(0)", ScriptMemoryExceeded),
    LimitCase("deep-recursion", "function f() { return f() } f()", ScriptError),
]


@pytest.mark.parametrize("case", LIMIT_CASES, ids=lambda c: c.id)
def test_limits_fail_only_that_call(case: LimitCase, ctx: EvalContext) -> None:
    ctx.memory.set("before", 1)
    ctx.outputs.record("a", 1)
    ex = Expressions(ctx, js_timeout=case.js_timeout, js_memory_mb=32, log=lambda text: None)
    try:
        with pytest.raises(case.error):
            ex.js(f"memory.set('during', 1);\n{case.code}", where=WHERE)
        assert ctx.memory.dump() == {"default": {"before": 1}}
        assert ex.js("[memory.getAll(), outputs.a]", where=WHERE) == [{"before": 1}, 1]
    finally:
        ex.close()


def test_time_limit_is_per_evaluation(ex: Expressions) -> None:
    code = "const end = Date.now() + 300; while (Date.now() < end) {} 1"
    assert [ex.js(code, where=WHERE) for _ in range(3)] == [1, 1, 1]


def test_calls_from_another_thread_get_their_own_context(ctx: EvalContext, ex: Expressions) -> None:
    ex.js("memory.set('main', 1)", where=WHERE)
    results: list[Any] = []

    def work() -> None:
        code = "function depth(n) { return n ? depth(n - 1) + 1 : 0 }\nmemory.set('t', depth(200)); memory.get('main')"
        results.append(ex.js(code, where=WHERE))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert results == [1]
    assert ex.js("memory.get('t')", where=WHERE) == 200


# -- errors -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ErrorCase:
    id: str
    code: str
    message: str


ERROR_CASES = [
    ErrorCase("reference", "const a = 1;\nfoo", "ReferenceError: foo is not defined (line 2)"),
    ErrorCase(
        "reference-return", "const a = 1;\nreturn foo + a", "ReferenceError: foo is not defined (line 2)"
    ),
    ErrorCase(
        "syntax",
        "const a = 1\nlet = = 2\nreturn 1",
        "SyntaxError: unexpected token in expression: '=' (line 2)",
    ),
    ErrorCase("thrown-error", "const a = 1\n\nthrow new Error('boom')", "Error: boom (line 3)"),
    ErrorCase(
        "inner-function",
        "function f() {\n  throw new RangeError('inner')\n}\nreturn f()",
        "RangeError: inner (line 2)",
    ),
    ErrorCase(
        "memory-api-line",
        "const a = 1\nmemory.increment('k', 'x')",
        "TypeError: Increment amount must be a number, got string (line 2)",
    ),
    ErrorCase("thrown-string", "throw 'plain text'", "Uncaught: plain text"),
    ErrorCase("multi-line-message", "throw new Error('a\\nb')", "Error: a b (line 1)"),
    ErrorCase("function-result", "() => 1", "TypeError: the result is not a JSON value: a function"),
    ErrorCase("symbol-result", "Symbol('s')", "TypeError: the result is not a JSON value: a symbol"),
    ErrorCase("bigint-result", "10n", "TypeError: the result is not a JSON value: a bigint"),
    ErrorCase("nan-result", "0 / 0", "TypeError: the result is not a JSON value: NaN"),
    ErrorCase(
        "infinity-nested", "({a: [1 / 0]})", "TypeError: the result is not a JSON value: Infinity at '0'"
    ),
    ErrorCase(
        "promise-result",
        "Promise.resolve(1)",
        "TypeError: the result is not a JSON value: a Promise (async code is not supported)",
    ),
]


@pytest.mark.parametrize("case", ERROR_CASES, ids=lambda c: c.id)
def test_error_messages(case: ErrorCase, ex: Expressions) -> None:
    with pytest.raises(ScriptError) as err:
        ex.js(case.code, where=WHERE)
    assert str(err.value) == f"x.yaml:12:5: steps.calc.value_js: {case.message}"
    assert "\n" not in str(err.value)


def test_limit_errors_name_the_limit(ex: Expressions) -> None:
    with pytest.raises(ScriptTimeout) as timeout:
        ex.js("while (true) {}", where=WHERE)
    assert (
        str(timeout.value)
        == "x.yaml:12:5: steps.calc.value_js: JavaScript ran longer than the 1 s time limit"
    )
    roomy = Expressions(ex.ctx, js_timeout=60.0, js_memory_mb=32, log=lambda text: None)
    with pytest.raises(ScriptMemoryExceeded, match="more than the 32 MiB memory limit"):
        roomy.js("const a = []; while (true) a.push('x'.repeat(1000))", where=WHERE)
    roomy.close()


def test_thrown_null_reads_as_out_of_memory(ex: Expressions) -> None:
    """QuickJS throws null when memory runs out; a user's own `throw null` looks the same."""
    with pytest.raises(ScriptMemoryExceeded):
        ex.js("throw null", where=WHERE)


def test_importing_expr_does_not_import_quickjs_or_liquid() -> None:
    import subprocess
    import sys

    code = "import sys, visor_mem.expr; print('quickjs' in sys.modules, 'liquid' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_context_globals_and_helpers_are_defined_once_and_frozen(ctx: EvalContext) -> None:
    ctx.js_globals["event"] = {"name": "pr_opened", "labels": ["a"]}
    ctx.js_helpers["always"] = "() => true"
    ctx.js_helpers["hasLabel"] = "(name) => event.labels.includes(name) && memory.get('seen') === undefined"
    expressions = Expressions(ctx)
    assert expressions.js("[always(), hasLabel('a'), hasLabel('b'), event.name]", where=WHERE) == [
        True,
        True,
        False,
        "pr_opened",
    ]
    attack = "try { event.labels.push('b') } catch {}; event.name = 'x'; always.evil = 1; globalThis.always = null; 1"
    expressions.js(attack, where=WHERE)
    assert expressions.js("[always(), event.labels, event.name, always.evil]", where=WHERE) == [
        True,
        ["a"],
        "pr_opened",
        None,
    ]


def test_earlier_outputs_do_not_count_against_the_memory_limit(ctx: EvalContext) -> None:
    """A 24 MB output used to fill the context (the mirror) and fail later snippets."""
    ctx.outputs.record("big", "x" * 24_000_000)
    expressions = Expressions(ctx, js_memory_mb=16)
    try:
        assert expressions.js("outputs.small === undefined", where=WHERE) is True
        with pytest.raises(ScriptMemoryExceeded):  # reading it is the snippet's own allocation
            expressions.js("outputs.big.length", where=WHERE)
    finally:
        expressions.close()


def test_wrap_turns_an_extra_into_what_a_hidden_helper_makes(ctx: EvalContext) -> None:
    ctx.js_helpers["__wrapped"] = (
        "(raw) => new Proxy(new String(raw), "
        "{get: (t, k) => k === 'n' ? 42 : typeof t[k] === 'function' ? t[k].bind(t) : t[k]})"
    )
    expressions = Expressions(ctx)
    try:
        code = "[output.n, output.trim(), typeof __wrapped]"
        got = expressions.js(code, where=WHERE, extra={"output": " hi "}, wrap={"output": "__wrapped"})
        assert got == [42, "hi", "undefined"]
        with pytest.raises(ScriptError, match="no helper 'nope'"):
            expressions.js("1", where=WHERE, extra={"output": 1}, wrap={"output": "nope"})
        assert expressions.js("typeof output", where=WHERE) == "undefined"
    finally:
        expressions.close()
