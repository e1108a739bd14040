"""Reported step times of parallel commands against what they really took.

    python bench/durations.py

Three commands of one wave sleep 0.9, 0.3 and 0.6 s (listed slowest first, so
the faster ones are collected late); each reported ``duration_ms`` should be
its own sleep (target: within 10 %), not the time until it was collected.
Each line also shows the same command timed as a bare ``subprocess.run`` in
this process: on a loaded machine starting ``sh`` alone costs tens of ms.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import visor_mem

SLEEPS = {"a": 0.9, "b": 0.3, "c": 0.6}
TOLERANCE = 0.10


def main() -> int:
    steps = {name: {"type": "command", "exec": f"sleep {seconds}"} for name, seconds in SLEEPS.items()}
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "durations.yaml").write_text(visor_json(steps))
        result = visor_mem.run(str(Path(folder) / "durations.yaml"), max_parallel=3)
    worst = 0.0
    for name, seconds in SLEEPS.items():
        reported = result.steps[name].duration_ms / 1000
        error = reported / seconds - 1
        worst = max(worst, abs(error))
        bare = bare_seconds(f"sleep {seconds}")
        print(
            f"{name}: sleep {seconds:.1f} s  reported {reported:.3f} s  ({error:+.1%})  "
            f"bare subprocess {bare:.3f} s"
        )
    verdict = "ok" if worst <= TOLERANCE else "OVER"
    print(f"worst error {worst:.1%} (target within {TOLERANCE:.0%}): {verdict}")
    return 0 if worst <= TOLERANCE else 1


def bare_seconds(command: str) -> float:
    started = time.perf_counter()
    subprocess.run(["/bin/sh", "-c", command], check=True)
    return time.perf_counter() - started


def visor_json(steps: dict[str, dict[str, str]]) -> str:
    """JSON is YAML: the config as one line."""
    import json

    return json.dumps({"steps": steps})


if __name__ == "__main__":
    sys.exit(main())
