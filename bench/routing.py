"""Time of a goto loop, and whether its cost per iteration grows.

One step increments a counter and jumps back to itself with ``goto_js``
until the counter reaches N (no backoff).  Prints, for each N, the run time
and the time per iteration; the target is a 1,000-iteration loop in under
1 s, with a flat cost per iteration (the last ratio near 1).

Usage: .venv/bin/python bench/routing.py [N ...]   (default 250 500 1000 2000)
"""

from __future__ import annotations

import sys
import time
from typing import Any

from visor_mem.config import load_config
from visor_mem.engine import RunOptions, run_config


def loop_config(iterations: int) -> dict[str, Any]:
    """A self-goto loop of ``iterations`` executions."""
    return {
        "version": "1.0",
        "routing": {"max_loops": iterations},
        "limits": {"max_runs_per_step": iterations + 1},
        "steps": {
            "loop": {
                "type": "memory",
                "operation": "increment",
                "key": "n",
                "on_success": {"goto_js": f"memory.get('n') < {iterations} ? 'loop' : null"},
            },
            "after": {"type": "noop", "depends_on": "loop"},
        },
    }


def measure(iterations: int) -> float:
    """Seconds of one run of the loop (config loading excluded)."""
    loaded = load_config(loop_config(iterations))
    started = time.perf_counter()
    result = run_config(loaded, RunOptions())
    elapsed = time.perf_counter() - started
    runs = result.steps["loop"].runs
    if not result.ok or runs != iterations:
        raise SystemExit(f"loop of {iterations} ended wrong: ok={result.ok}, runs={runs}")
    return elapsed


def main(argv: list[str]) -> int:
    sizes = [int(arg) for arg in argv] or [250, 500, 1000, 2000]
    measure(10)  # warm up: imports, QuickJS context
    per_iteration: list[float] = []
    for n in sizes:
        seconds = measure(n)
        per_iteration.append(seconds / n)
        target = "  (target < 1 s)" if n == 1000 else ""
        print(f"{n:6d} iterations: {seconds * 1000:8.1f} ms, {seconds / n * 1e6:7.1f} us/iteration{target}")
    growth = per_iteration[-1] / per_iteration[0]
    print(f"cost per iteration x{growth:.2f} from {sizes[0]} to {sizes[-1]} iterations (flat: x1.00)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
