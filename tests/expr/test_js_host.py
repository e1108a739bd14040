"""The host side of the JS bridge: decoding what JavaScript sends, and answering calls."""

from __future__ import annotations

import json
import os
import re
import signal
import threading
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from visor_mem.errors import Location
from visor_mem.expr import EvalContext, Expressions
from visor_mem.expr.js_host import MAX_DEPTH, HostBridge, dumps_js, loads_js
from visor_mem.store.base import JSON
from visor_mem.store.memory import DictStore
from visor_mem.store.scoped import Memory

WHERE = Location("h.yaml", 2, 3, "steps.s.content")


@dataclass(frozen=True)
class TextCase:
    id: str
    text: str
    value: JSON | None = None
    error: str | None = None


TEXTS = [
    TextCase("plain", '{"a":[1,"x"]}', {"a": [1, "x"]}),
    TextCase("pair-as-characters", '"\U0001f600"', "\U0001f600"),
    TextCase("lone-high", '"a\\ud800b"', error="lone surrogate (U+D800)"),
    TextCase("lone-low", '"\\udfff"', error="lone surrogate (U+DFFF)"),
    TextCase("escaped-backslash-then-text", '"\\\\ud800"', "\\ud800"),
    TextCase("odd-backslashes", '"\\\\\\ud800"', error="lone surrogate"),
    TextCase("nan-constant", "[NaN]", error="NaN is not a JSON value"),
    TextCase("deep-ok", "[" * MAX_DEPTH + "]" * MAX_DEPTH, error=None),
    TextCase(
        "too-deep", "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), error=f"nested more than {MAX_DEPTH}"
    ),
    TextCase("far-too-deep", "[" * 100_000 + "]" * 100_000, error=f"nested more than {MAX_DEPTH}"),
    TextCase("brackets-in-strings", json.dumps(["[" * 2000]), ["[" * 2000]),
    # JavaScript prints the double 5.902955615798177e16 as these digits: it is that double.
    TextCase("big-double-as-digits", "59029556157981770", 5.902955615798177e16),
    TextCase("safe-integer-stays-int", "9007199254740992", 2**53),
]


@pytest.mark.parametrize("case", TEXTS, ids=lambda c: c.id)
def test_loads_js(case: TextCase) -> None:
    if case.error is not None:
        with pytest.raises(ValueError, match=re.escape(case.error)):
            loads_js(case.text, "the result")
    elif case.value is not None:
        value = loads_js(case.text, "the result")
        assert value == case.value
        assert type(value) is type(case.value)
    else:
        loads_js(case.text, "the result")


def test_answers_are_ascii_whatever_the_value() -> None:
    assert dumps_js({"k": "é\x00\U0001f600"}) == '{"k":"\\u00e9\\u0000\\ud83d\\ude00"}'


def _bridge() -> HostBridge:
    memories = {"memory": Memory(DictStore()), "session": Memory(DictStore())}
    return HostBridge(memories, EvalContext(memories["memory"], memories["session"]).outputs)


def test_a_host_failure_is_an_answer_and_is_kept_for_the_runtime() -> None:
    bridge = _bridge()
    answer = bridge('["memory", "no-such-call", null, "k"]', "")
    assert answer.startswith("!")
    assert json.loads(answer[1:])[0] == "InternalError"
    assert isinstance(bridge.crash, KeyError)


def test_a_memory_rule_is_a_type_error_answer() -> None:
    bridge = _bridge()
    assert bridge('["memory", "set", null, "k"]', '"text"') == '"text"'
    answer = bridge('["memory", "increment", null, "k"]', "")
    assert json.loads(answer[1:]) == [
        "TypeError",
        "Cannot increment non-numeric value at key 'k' (type: string)",
    ]
    bridge.finish(commit=False)


@settings(max_examples=60, deadline=None)
@given(
    value=st.recursive(
        st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=300),
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_any_json_value_round_trips_through_memory_and_results(value: JSON) -> None:
    ctx = EvalContext(memory=Memory(DictStore()), session=Memory(DictStore()))
    expressions = Expressions(ctx)
    try:
        got = expressions.js(
            "memory.set('v', value); return [memory.get('v'), value]", where=WHERE, extra={"value": value}
        )
        assert got == [value, value]
        assert ctx.memory.get("v") == value
    finally:
        expressions.close()


def test_sigint_in_this_process_stops_javascript_then_interrupts() -> None:
    """The relay: the snippet is stopped at its next poll, then KeyboardInterrupt is raised."""
    ctx = EvalContext(memory=Memory(DictStore()), session=Memory(DictStore()))
    expressions = Expressions(ctx, js_timeout=60)
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            expressions.js("memory.set('k', 1); while (true) {}", where=WHERE)
    finally:
        timer.cancel()
        expressions.close()
    assert ctx.memory.dump() == {}
    assert expressions.js("2", where=WHERE) == 2  # a caller that goes on gets a fresh context
