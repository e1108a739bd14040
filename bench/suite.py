"""Time of a 100-case `visor test` suite of memory and mocked-command workflows.

The suite tests a retry/goto workflow (a command mocked "fail, fail, pass"
with a retry counter in memory) and a memory state machine, with fixtures
and expectations on calls, memory, status and outputs.  Prints the wall time
of ``visor test`` in a fresh process (start-up included; target < 2 s), and,
within the same run, in-process times with 1 job and with one job per core,
so the gain of parallel processes shows as a ratio.

Usage: .venv/bin/python bench/suite.py [CASES]   (default 100)
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

WORKFLOW = """\
version: "1.0"
steps:
  init:
    type: memory
    operation: set
    key: retry_count
    value: 0
  lint:
    type: command
    exec: "npm run lint"
    depends_on: [init]
    on_fail:
      run: [bump]
      goto_js: "memory.get('retry_count') < 5 ? 'lint' : null"
  bump:
    type: memory
    operation: increment
    key: retry_count
  state:
    type: script
    depends_on: [lint]
    content: |
      const seen = memory.get('seen') || [];
      memory.set('seen', seen.concat([outputs['lint'].ok]));
      return seen.length + 1;
  publish:
    type: log
    depends_on: [state]
    message: "published after {{ 'retry_count' | memory_get }} retries"
"""

CASE = """\
- name: case-{n}
  tags: [{tag}]
  memory:
    default: {{seen: [{n}]}}
  mocks:
    lint[]:
{mocks}
  expect:
    calls:
      - {{step: init, exactly: 1}}
      - {{step: lint, exactly: {calls}}}
      - {{step: bump, exactly: {fails}}}
      - {{step: state, exactly: 1}}
      - {{step: publish, exactly: 1}}
    memory:
      - {{key: retry_count, equals: {fails}}}
      - {{key: seen, contains: [{n}]}}
    status: {{lint: success, publish: success}}
    outputs:
      - {{step: state, equals: 2}}
"""


def suite_text(cases: int) -> str:
    """The config plus a tests block of ``cases`` cases (0 to 3 failures before the pass)."""
    items = []
    for n in range(cases):
        fails = n % 4
        mocks = "\n".join(
            ["      - {exit_code: 1, stderr: lint failed}"] * fails + ["      - '{\"ok\": true}'"]
        )
        items.append(
            CASE.format(n=n, tag="even" if n % 2 else "odd", mocks=mocks, calls=fails + 1, fails=fails)
        )
    return WORKFLOW + "tests:\n  cases:\n" + textwrap.indent("".join(items), "    ")


def engine_share(path: Path) -> float:
    """The fraction of a 1-job suite run spent inside the engine's run_config (the rest is visor test's)."""
    from visor_mem.testing import runner

    spent = [0.0]
    real = runner.run_config

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - started

    runner.run_config = timed  # type: ignore[assignment]
    try:
        total = in_process(path, 1)
    finally:
        runner.run_config = real  # type: ignore[assignment]
    return spent[0] / total


def in_process(path: Path, jobs: int) -> float:
    from visor_mem.testing.runner import run_suite
    from visor_mem.testing.suite import load_suite

    started = time.perf_counter()
    suite = load_suite(path)
    result = run_suite(suite, suite.cases, jobs)
    elapsed = time.perf_counter() - started
    if not result.ok:
        raise SystemExit(
            f"the benchmark suite failed: {result.count('failed')} failed, {result.count('error')} errors"
        )
    return elapsed


def main(argv: list[str]) -> int:
    cases = int(argv[0]) if argv else 100
    from visor_mem.testing.runner import default_jobs

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ".visor.yaml"
        path.write_text(suite_text(cases), encoding="utf-8")
        visor = Path(sys.executable).with_name("visor")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run([str(visor), "test", str(path)], capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if done.returncode != 0:
            raise SystemExit(f"visor test exited {done.returncode}:\n{done.stdout}{done.stderr}")
        in_process(path, 1)  # warm up: imports, QuickJS
        one = in_process(path, 1)
        share = engine_share(path)
        jobs = max(2, default_jobs(cases))
        many = in_process(path, jobs)
    print(f"visor test, {cases} cases, fresh process: {wall * 1000:7.1f} ms wall  (target < 2000 ms)")
    load = os.getloadavg()[0]
    print(f"  CPU time of that process and its workers: {cpu * 1000:7.1f} ms  (load average {load:.1f})")
    print(f"in-process, 1 job:  {one * 1000:7.1f} ms  ({one / cases * 1000:.2f} ms/case)")
    print(f"  share of it inside the engine's run_config: {share:.0%} (the rest: loading, fixtures, checks)")
    print(f"in-process, {jobs} jobs: {many * 1000:7.1f} ms  (speed-up x{one / many:.2f})")
    return 0 if wall < 2.0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
