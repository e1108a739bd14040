"""Time 10,000 value_js evaluations and 10,000 Liquid renders (targets: < 1 s each).

Run: ``python bench/js.py [N]``.  The value_js loop mimics a counter step: the
snippet reads memory (a call into the host), the step writes the result back
through ``Memory`` and records an output (so ``outputs`` grows with the
chain).  A chain of 2N shows whether the cost stays linear; a
third chain passes ``extra={"args": {}}`` as every step does.
Figures are CPU seconds of this process (``time.process_time``), so a busy
machine inflates them less than wall-clock time would.  Then, with real
``visor run`` processes: how long 4 parallel runs whose snippet spins take
with a 1 s limit (wall clock, not CPU time), and how soon SIGINT / SIGTERM
end a run spinning in JavaScript (target: 0.5 s, exit 130).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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
    walls = parallel_time_limits(4)
    spread = f"{min(walls):.2f}-{max(walls):.2f} s"
    print(f"{len(walls):6} parallel runs spinning, js_timeout 1 s: the step lasts {spread} (wall clock)")
    for signum in (signal.SIGINT, signal.SIGTERM):
        code, seconds = stop_spinning_run(signum)
        label = f"1 run spinning (js_timeout 60 s), {signum.name}"
        print(f"     {label}: exit {code}, {seconds * 1000:.0f} ms later")
    return 0


SPIN = """\
version: "1"
limits: {{js_timeout: {limit}}}
steps:
  started: {{type: command, exec: "touch {marker}"}}
  s: {{type: script, depends_on: started, content: "while (true) {{}}"}}
"""


def _spin(folder: Path, limit: float, name: str) -> tuple[list[str], Path]:
    """The command of a run that spins in JS after touching its marker file."""
    marker = folder / f"{name}.started"
    config = folder / f"{name}.yaml"
    config.write_text(SPIN.format(limit=limit, marker=marker))
    return [str(Path(sys.executable).parent / "visor"), "run", "-o", "json", str(config)], marker


def parallel_time_limits(count: int) -> list[float]:
    """The spinning step's duration in each of ``count`` simultaneous runs (1 s limit).

    The limit is wall clock: each lasts ~1 s however many runs share the cores
    (with the binding's CPU-time limit, 4 runs on 2 cores took ~2 s).
    """
    with tempfile.TemporaryDirectory() as folder:
        commands = [_spin(Path(folder), 1.0, f"run{n}")[0] for n in range(count)]
        children = [
            subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            for c in commands
        ]
        reports = [json.loads(child.communicate(timeout=120)[0]) for child in children]
        return [report["steps"]["s"]["duration_ms"] / 1000 for report in reports]


def stop_spinning_run(signum: signal.Signals) -> tuple[int, float]:
    """Exit code and seconds from the signal to the exit, for a run spinning in JavaScript."""
    with tempfile.TemporaryDirectory() as folder:
        command, marker = _spin(Path(folder), 60.0, "spin")
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while not marker.exists() and child.poll() is None:
            time.sleep(0.01)
        time.sleep(0.3)  # into the loop
        sent = time.monotonic()
        child.send_signal(signum)
        code = child.wait(timeout=60)
        return code, time.monotonic() - sent


if __name__ == "__main__":
    sys.exit(main(sys.argv))
