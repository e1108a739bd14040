"""Time of forEach over N items, run end to end by ``visor run``.

A script step produces ``[0, 1, ..., N-1]`` with ``forEach: true``; a memory
step in map mode (``fanout: map``) increments one counter per item by
``value_js: outputs.list % 7 + 1``.  Prints, for each N, the wall time of the
whole ``visor run -o json`` (process start-up included): the first run of
each config fills visor's config cache, the second is the figure; with two N
it prints how the time grew.

Targets: 10,000 items in under 2 s; 20,000 in at most 2.2 x the 10,000 time.

Usage: .venv/bin/python bench/foreach.py 10000 20000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONFIG = """\
version: "1.0"
steps:
  list:
    type: script
    forEach: true
    content: "return Array.from({{ length: {items} }}, (_, i) => i)"
  count:
    type: memory
    depends_on: list
    fanout: map
    operation: increment
    key: total
    value_js: outputs.list % 7 + 1
"""


def expected_total(items: int) -> int:
    """The counter after every item has been added."""
    return sum(i % 7 + 1 for i in range(items))


def measure(items: int, folder: Path) -> float:
    """Seconds of one ``visor run -o json`` over ``items`` items."""
    config = folder / f"foreach{items}.yaml"
    config.write_text(CONFIG.format(items=items), encoding="utf-8")
    visor = Path(sys.executable).with_name("visor")
    env = {**os.environ, "VISOR_CACHE_DIR": str(folder / "cache")}
    started = time.perf_counter()
    done = subprocess.run(
        [str(visor), "run", str(config), "-o", "json"], capture_output=True, text=True, env=env, check=False
    )
    elapsed = time.perf_counter() - started
    result = json.loads(done.stdout)
    assert result["ok"], done.stderr[-2000:]
    assert result["memory"]["default"]["total"] == expected_total(items)
    assert result["steps"]["count"]["forEach"]["success"] == items
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("items", type=int, nargs="+", help="item counts to time")
    args = parser.parse_args()
    runs: list[tuple[int, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for items in args.items:
            cold = measure(items, Path(tmp))
            seconds = measure(items, Path(tmp))
            runs.append((items, seconds))
            target = " (target < 2 s)" if items == 10_000 else ""
            print(
                f"{items:>7} items: visor run {seconds * 1000:7.1f} ms{target}, "
                f"{seconds / items * 1e6:5.1f} us/item"
                f" (first run, config cache cold: {cold * 1000:.1f} ms)"
            )
    if len(runs) > 1:
        (n0, t0), (n1, t1) = runs[0], runs[-1]
        print(f"time x{t1 / t0:.2f} for items x{n1 / n0:.2f} (target <= x2.2)")


if __name__ == "__main__":
    main()
