"""What the quickjs-ng binding does on its own: the facts the sandbox's design rests on.

If one of these starts failing after an upgrade of quickjs-ng, the reason for a
piece of expr/js*.py may be gone (or a new hole may have opened): read the
docstring of the module named in the test.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from visor_mem.expr.js_interrupt import Interrupter, binding_version

quickjs: Any = pytest.importorskip("quickjs")


def test_a_long_concatenation_is_a_rope_the_binding_cannot_convert() -> None:
    """js.py, js_prelude.js: why every answer is a JSON.stringify result."""
    context = quickjs.Context()
    concat = "(() => { const a = 'a'.repeat(600); return '!' + a + 'b'.repeat(600); })()"
    with pytest.raises(TypeError, match="Unknown quickjs tag: -6"):  # JS_TAG_STRING_ROPE
        context.eval(concat)
    assert len(context.eval(f"JSON.stringify({concat})")) == 1203  # a stringify result is flat


def test_short_concatenations_are_flat() -> None:
    assert (
        quickjs.Context().eval("(() => { const a = 'a'.repeat(100); return '!' + a; })()") == "!" + "a" * 100
    )


def test_a_time_limit_forbids_calls_into_python() -> None:
    """js_interrupt.py: why the binding's own time limit is not used."""
    context = quickjs.Context()
    context.add_callable("host", lambda: 1)
    context.set_time_limit(10)
    with pytest.raises(quickjs.JSException, match="Can not call into Python with a time limit set"):
        context.eval("host()")


def test_our_deadline_allows_calls_into_python_and_stops_loops() -> None:
    context = quickjs.Context()
    context.add_callable("host", lambda: 41)
    deadline = Interrupter(quickjs, context)
    deadline.arm(5.0)
    assert context.eval("host() + 1") == 42
    deadline.arm(0.0)
    with pytest.raises(quickjs.JSException, match="interrupted"):
        context.eval("while (true) {}")
    assert deadline.expired


def test_stop_from_another_thread_ends_a_loop_whatever_the_deadline() -> None:
    """js_signals.py relies on it: a signal stops JS that has an hour left."""
    context = quickjs.Context()
    deadline = Interrupter(quickjs, context)
    deadline.arm(3600.0)
    started = threading.Event()
    context.add_callable("started", started.set)
    threading.Thread(target=lambda: (started.wait(), deadline.stop()), daemon=True).start()
    with pytest.raises(quickjs.JSException, match="interrupted"):
        context.eval("started(); while (true) {}")
    assert deadline.stopped
    assert not deadline.expired


def test_the_function_constructor_runs_a_body_that_closes_it() -> None:
    """js_compile.py: why ``new Function`` is no parse-only check."""
    context = quickjs.Context()
    context.eval("globalThis.hit = 0; try { new Function('}); globalThis.hit = 1; (function(){') } catch {}")
    assert context.eval("hit") == 1


def test_the_installed_version_is_one_whose_layout_was_checked() -> None:
    assert binding_version(quickjs).startswith("0.17.")
