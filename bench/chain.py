"""Time of an N-step memory chain, run in-process by the engine.

Each step depends on the one before; steps alternate between ``set`` (of one
of ten keys) and ``increment`` (of one counter), so every step reads and
writes the store.  Prints, for each N, the time to load and validate the
config, the time of the run itself, and their sum; with two or more N it also
prints how the run time grew against N.

Targets: 10,000 steps run in under 1 s; 20,000 in under 2.2 x the 10,000 time
(linear); a file store within 3 x the in-memory time.

Usage: .venv/bin/python bench/chain.py 10000 20000 [--storage memory|file|sqlite]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from visor_mem.config import load_config
from visor_mem.engine import RunOptions, run_config


def chain(steps: int, storage: str, folder: Path) -> dict[str, Any]:
    """The config mapping of an N-step chain."""
    config: dict[str, Any] = {"version": "1.0", "steps": {}}
    if storage != "memory":
        config["memory"] = {"storage": storage, "file": str(folder / f"chain.{storage}")}
    for i in range(steps):
        step: dict[str, Any] = (
            {"type": "memory", "operation": "set", "key": f"k{i % 10}", "value": i}
            if i % 2 == 0
            else {"type": "memory", "operation": "increment", "key": "counter"}
        )
        if i:
            step["depends_on"] = f"s{i - 1}"
        config["steps"][f"s{i}"] = step
    return config


def measure(steps: int, storage: str) -> tuple[float, float]:
    """(load seconds, run seconds) of one chain."""
    with tempfile.TemporaryDirectory() as folder:
        return time_load_and_run(chain(steps, storage, Path(folder)), steps)


def time_load_and_run(mapping: dict[str, Any], steps: int) -> tuple[float, float]:
    """(load seconds, run seconds) of a config of N alternating set/increment steps, checked."""
    started = time.perf_counter()
    loaded = load_config(mapping)
    loaded_at = time.perf_counter()
    result = run_config(loaded, RunOptions(max_parallel=1))
    finished = time.perf_counter()
    assert result.ok, [s.error for s in result.steps.values() if s.status == "failed"][:3]
    assert result.memory["default"]["counter"] == steps // 2
    return loaded_at - started, finished - loaded_at


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("steps", type=int, nargs="+", help="chain lengths to time")
    parser.add_argument("--storage", choices=("memory", "file", "sqlite"), default="memory")
    args = parser.parse_args()
    runs: list[tuple[int, float]] = []
    for steps in args.steps:
        load, run = measure(steps, args.storage)
        runs.append((steps, run))
        target = " (target < 1 s)" if steps == 10_000 else ""
        print(
            f"{steps:>7} steps, {args.storage}: load {load * 1000:7.1f} ms, "
            f"run {run * 1000:7.1f} ms{target}, total {(load + run) * 1000:7.1f} ms, "
            f"{run / steps * 1e6:5.1f} us/step"
        )
    if len(runs) > 1:
        (n0, t0), (n1, t1) = runs[0], runs[-1]
        print(
            f"run time x{t1 / t0:.2f} for steps x{n1 / n0:.2f} "
            f"(linear: x{n1 / n0:.2f}; target < x{1.1 * n1 / n0:.2f})"
        )


if __name__ == "__main__":
    main()
