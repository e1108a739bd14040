"""SIGKILL a process writing a store at random moments; the store must always reopen
at the state after some prefix of its committed steps, and lose no committed step.

    python bench/crash.py [--kills 200] [--seed 1] [--backend file-json ...]
    python bench/crash.py drive BACKEND FOLDER        (the default runner)

Each trial starts the runner on the same folder (so it recovers what the last
kill left), waits until it prints ``ready``, sleeps a random (seeded) moment and
kills it with SIGKILL.  A copy of the folder is then opened: the store must open,
its ``default.step`` (k) names how many steps it holds, its whole dump must equal
the model's state after k steps, and k must be at least the last step the runner
reported as committed (``committed N`` lines; runners that print none skip that
check).  The runner is a command template ({backend}, {folder}, {python},
{script} are filled in), so ``visor run`` can replace the driver later; a new
backend is one line in CONFIGS.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from visor_mem.config.models import MemoryConfig
from visor_mem.store import open_store
from visor_mem.store.memory import DictStore
from visor_mem.store.scoped import Memory

CONFIGS: dict[str, Callable[[], MemoryConfig]] = {
    "file-json": lambda: MemoryConfig(storage="file", format="json", file="crash.json"),
    "file-csv": lambda: MemoryConfig(storage="file", format="csv", file="crash.csv"),
}
"""Backend name → the store config the runner and the checker open."""

DRIVER = ["{python}", "{script}", "drive", "{backend}", "{folder}"]
STORE_OPTIONS = {"compact_bytes": 4096}  # fold the journal often, so kills land in compactions too


class _Rollback(Exception):
    pass


def step(memory: Memory, i: int) -> None:
    """Step ``i`` (from 1): a deterministic mix of every operation."""
    memory.set("step", i)
    memory.increment("total", i)
    memory.set(f"k{i % 7}", {"i": i, "half": i / 2, "text": 'é,"\n' * (i % 3)})
    memory.append(f"log{i % 3}", i, namespace="logs")
    if i % 11 == 0:
        memory.delete(f"log{i % 3}", namespace="logs")
    if i % 13 == 0:
        memory.clear("scratch")
    else:
        memory.set(f"s{i % 4}", [i] * (i % 3), namespace="scratch")
    if i % 5 == 0:
        try:
            with memory.transaction():
                memory.set("rolled back", i)
                raise _Rollback
        except _Rollback:
            pass


@dataclass
class Model:
    """The expected store after k steps, computed on the in-memory backend."""

    states: list[str] = field(default_factory=lambda: [json.dumps({})])
    _memory: Memory = field(default_factory=lambda: Memory(DictStore()))

    def state(self, k: int) -> str:
        while len(self.states) <= k:
            step(self._memory, len(self.states))
            self.states.append(json.dumps(self._memory.dump()))
        return self.states[k]


def drive(backend: str, folder: Path) -> None:
    """The default runner: steps forever, committing after each, printing what is committed."""
    print("ready", flush=True)
    store = open_store(CONFIGS[backend](), folder, **STORE_OPTIONS)
    memory = Memory(store)
    done = memory.get("step") or 0
    while True:
        done += 1
        step(memory, done)
        store.commit()
        print(f"committed {done}", flush=True)


@dataclass(frozen=True)
class Trial:
    """What one kill left behind."""

    steps: int
    committed: int
    journal_left: bool
    ok: bool
    problem: str = ""


def _kill_at_random(command: list[str], delay: float) -> int:
    """Start ``command``, kill it ``delay`` s after it says ready; the last committed step it printed."""
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout is not None
    if child.stdout.readline() != "ready\n":
        child.kill()
        raise RuntimeError(f"runner did not start: {child.communicate()[1][-2000:]}")
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    out, _ = child.communicate()
    numbers = [int(line.split()[1]) for line in out.splitlines() if line.startswith("committed ")]
    return max(numbers, default=0)


def _check(backend: str, folder: Path, committed: int, model: Model) -> Trial:
    """Open a copy of the crashed folder (so the next run still recovers the original)."""
    journal_left = any(p.name.endswith(".journal") for p in folder.iterdir())
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "copy"
        shutil.copytree(folder, copy)
        try:
            store = open_store(CONFIGS[backend](), copy)
        except Exception as err:  # any failure to open is the finding
            return Trial(0, committed, journal_left, False, f"does not open: {err}")
        dump = store.dump()
        store.close()
    steps = int(dump.get("default", {}).get("step", 0))
    if json.dumps(dump) != model.state(steps):
        return Trial(steps, committed, journal_left, False, f"state after step {steps} differs: {dump}")
    if steps < committed:
        return Trial(steps, committed, journal_left, False, f"lost committed steps {steps + 1}..{committed}")
    return Trial(steps, committed, journal_left, True)


def run_trials(
    backend: str,
    folder: Path,
    kills: int,
    seed: int,
    runner: Sequence[str] = DRIVER,
    max_delay: float = 0.15,
) -> list[Trial]:
    """Kill the runner ``kills`` times on one folder; check the store after each kill."""
    rng = random.Random(seed)
    model = Model()
    fields = {"python": sys.executable, "script": __file__, "backend": backend, "folder": str(folder)}
    command = [part.format(**fields) for part in runner]
    trials = []
    for _ in range(kills):
        committed = _kill_at_random(command, rng.uniform(0, max_delay))
        trials.append(_check(backend, folder, committed, model))
    return trials


def _report(backend: str, trials: list[Trial], seconds: float) -> None:
    failures = [t for t in trials if not t.ok]
    steps = [t.steps for t in trials]
    print(
        f"{backend:10} kills {len(trials):4}  opened+consistent {len(trials) - len(failures):4}  "
        f"failures {len(failures):3}  journal recoveries {sum(t.journal_left for t in trials):4}  "
        f"steps reached {max(steps, default=0):6}  median steps/kill "
        f"{statistics.median(b - a for a, b in zip([0, *steps], steps, strict=False)) if steps else 0:5}  "
        f"{seconds:6.1f}s"
    )
    for trial in failures[:5]:
        print(f"  FAIL: {trial.problem[:300]}")


def main(argv: list[str]) -> int:
    if argv[:1] == ["drive"]:
        drive(argv[1], Path(argv[2]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backend", action="append", choices=sorted(CONFIGS))
    args = parser.parse_args(argv)
    failed = False
    for backend in args.backend or sorted(CONFIGS):
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            trials = run_trials(backend, Path(folder), args.kills, args.seed)
            _report(backend, trials, time.perf_counter() - started)
            failed |= not all(t.ok for t in trials)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
