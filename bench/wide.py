"""Time of N independent steps (one wave), run in-process by the engine.

The same steps as ``bench/chain.py`` (alternating ``set`` of one of ten keys
and ``increment`` of one counter) but with no dependencies, so the whole run
is a single wave of N ready steps: what the wave planner and the scheduler
cost per step when nothing orders them.  Prints, for each N, the load and run
times; with two or more N, how the run time grew against N.

Targets: 10,000 steps run in under 1 s; 20,000 in at most 2.2 x the 10,000 time.

Usage: .venv/bin/python bench/wide.py 10000 20000
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))  # a sibling script, also when loaded by file path
from chain import time_load_and_run  # noqa: E402


def wide(steps: int) -> dict[str, Any]:
    """The config mapping of N independent steps."""
    config: dict[str, Any] = {"version": "1.0", "steps": {}}
    for i in range(steps):
        config["steps"][f"s{i}"] = (
            {"type": "memory", "operation": "set", "key": f"k{i % 10}", "value": i}
            if i % 2 == 0
            else {"type": "memory", "operation": "increment", "key": "counter"}
        )
    return config


def measure(steps: int) -> tuple[float, float]:
    """(load seconds, run seconds) of N independent steps."""
    return time_load_and_run(wide(steps), steps)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("steps", type=int, nargs="+", help="numbers of independent steps to time")
    args = parser.parse_args()
    runs: list[tuple[int, float]] = []
    for steps in args.steps:
        load, run = measure(steps)
        runs.append((steps, run))
        target = " (target < 1 s)" if steps == 10_000 else ""
        print(
            f"{steps:>7} independent steps: load {load * 1000:7.1f} ms, run {run * 1000:7.1f} ms{target}, "
            f"{run / steps * 1e6:5.1f} us/step"
        )
    if len(runs) > 1:
        (n0, t0), (n1, t1) = runs[0], runs[-1]
        print(f"run time x{t1 / t0:.2f} for steps x{n1 / n0:.2f} (target < x{1.1 * n1 / n0:.2f})")


if __name__ == "__main__":
    main()
