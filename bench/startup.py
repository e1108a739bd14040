"""Start-up cost of ``visor run`` against the floor our dependencies set.

Prints the median wall time, over 20 runs each, of

* ``visor run`` (the console script next to this interpreter) on a 5-step
  memory workflow, stdout captured as in a pre-commit hook or CI log,
* the same workflow whose last step is a log step with a Liquid message
  (``"Run {{ outputs.count }}: {{ outputs.start }}"``), and
* ``python -c 'import yaml, pydantic, click'`` with the same interpreter,

and their ratios.  Target: ratio <= 1.5 for both (Visor itself takes about
2.8 s).  ``python -X importtime .venv/bin/visor run CONFIG`` shows where the
time goes; python-liquid alone (babel, dateutil, asyncio) takes about 100 ms,
so plain ``{{ a.b }}`` messages are rendered without it (expr/quick_liquid.py).

Usage: .venv/bin/python bench/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 1.5
WORKFLOW = """\
version: "1.0"
steps:
  start:
    type: memory
    operation: set
    key: status
    value: started
  count:
    type: memory
    operation: increment
    key: runs
    depends_on: start
  note:
    type: memory
    operation: append
    key: notes
    value: ran
    depends_on: count
  read:
    type: memory
    operation: get
    key: runs
    depends_on: note
  done:
    type: memory
    operation: set
    key: status
    value: done
    depends_on: read
"""
LIQUID_WORKFLOW = WORKFLOW.replace(
    """  done:
    type: memory
    operation: set
    key: status
    value: done
""",
    """  done:
    type: log
    message: "Run {{ outputs.count }}: {{ outputs.start }}"
""",
)


def median_seconds(argv: list[str], runs: int) -> float:
    """Median wall time of ``argv`` over ``runs`` runs, after one warm-up run."""
    subprocess.run(argv, capture_output=True, check=True)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    visor = Path(sys.executable).with_name("visor")
    with tempfile.TemporaryDirectory() as folder:
        times = {}
        for label, text in (("5 memory steps", WORKFLOW), ("with a Liquid message", LIQUID_WORKFLOW)):
            config = Path(folder) / f"{len(times)}.yaml"
            config.write_text(text, encoding="utf-8")
            times[label] = median_seconds([str(visor), "run", str(config)], args.runs)
    floor = median_seconds([sys.executable, "-c", "import yaml, pydantic, click"], args.runs)
    print(f"import yaml, pydantic, click:        {floor * 1000:7.1f} ms (median of {args.runs})")
    for label, seconds in times.items():
        ratio = seconds / floor
        verdict = "met" if ratio <= TARGET else "MISSED"
        print(
            f"visor run, {label + ':':26}{seconds * 1000:7.1f} ms  "
            f"ratio {ratio:5.2f} (target <= {TARGET}: {verdict})"
        )


if __name__ == "__main__":
    main()
