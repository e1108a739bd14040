"""Time 10,000 value_js evaluations and 10,000 Liquid renders (targets: < 1 s each).

Run: ``python bench/js.py [N]``.  The value_js loop mimics a counter step: the
snippet reads memory (a call into the host), the step writes the result back
through ``Memory`` and records an output (so ``outputs`` grows with the
chain).  A chain of 2N shows whether the cost stays linear; a
third chain passes ``extra={"args": {}}`` as every step does.
Figures are CPU seconds of this process (``time.process_time``), so a busy
machine inflates them less than wall-clock time would.
"""

from __future__ import annotations

import sys
import time

from visor_mem.errors import Location
from visor_mem.expr import EvalContext, Expressions
from visor_mem.store.base import JSON
from visor_mem.store.memory import DictStore
from visor_mem.store.scoped import Memory

WHERE = Location("bench.yaml", 1, 1, "steps.calc.value_js")


def fresh() -> tuple[EvalContext, Expressions]:
    ctx = EvalContext(memory=Memory(DictStore()), session=Memory(DictStore()))
    ctx.memory.set("counter", 0)
    return ctx, Expressions(ctx)


def value_js_chain(n: int, args: bool = False) -> float:
    """A memory step per iteration: value_js, then the step's set and its output.

    ``args``: pass the extras the way steps do (``{"args": {}}``, always).
    """
    ctx, ex = fresh()
    ex.js("0", where=WHERE)  # build the context outside the timing
    extra: dict[str, JSON] | None = {"args": {}} if args else None
    start = time.process_time()
    for i in range(n):
        value = ex.js("memory.get('counter') + 1", where=WHERE, extra=extra)
        ctx.memory.set("counter", value)
        ctx.outputs.record(f"step-{i}", value)
    elapsed = time.process_time() - start
    assert ctx.memory.get("counter") == n
    return elapsed


def js_writes(n: int) -> float:
    """value_js that writes itself: every evaluation applies a batch of one increment."""
    ctx, ex = fresh()
    ex.js("0", where=WHERE)
    start = time.process_time()
    for _ in range(n):
        ex.js("memory.increment('counter')", where=WHERE)
    elapsed = time.process_time() - start
    assert ctx.memory.get("counter") == n
    return elapsed


def liquid_renders(n: int) -> float:
    ctx, ex = fresh()
    ctx.memory.set("errors", ["a", "b"])
    template = '{% assign errs = "errors" | memory_get %}Found {{ errs | size }}: {{ errs | join: "; " }}'
    ex.render(template, where=WHERE)
    start = time.process_time()
    for i in range(n):
        ex.render(template, where=WHERE)
        ctx.outputs.record(f"step-{i}", i)
    return time.process_time() - start


def calibration(n: int) -> float:
    """A fixed pure-Python workload, to tell a slow machine from a slow sandbox."""
    import json

    start = time.process_time()
    for _ in range(n):
        json.loads('{"ok":true,"value":1,"ops":[],"logs":[]}')
    return time.process_time() - start


def main(argv: list[str]) -> int:
    n = int(argv[1]) if len(argv) > 1 else 10_000
    rows = [
        (n, "value_js (read; the step writes back)", value_js_chain(n)),
        (2 * n, "value_js (same, linearity check)", value_js_chain(2 * n)),
        (n, "value_js (same, with a step's args extra)", value_js_chain(n, args=True)),
        (n, "value_js writing (a batch of one increment)", js_writes(n)),
        (n, "Liquid renders", liquid_renders(n)),
        (n, "calibration: json.loads of a tiny document", calibration(n)),
    ]
    for count, label, seconds in rows:
        print(f"{count:6} {label:42} {seconds:7.3f} s  {seconds / count * 1e6:6.1f} us each")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
