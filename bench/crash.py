"""SIGKILL runs that write a store at random (seeded) moments; the store must always reopen
at the state after some prefix of the run's steps, lose no committed step, and the next run
must recover it and succeed.

    python bench/crash.py [--kills 200] [--seed 1] [--backend sqlite ...] [--workload visor|store]
                          [--at time|progress]
    python bench/crash.py drive BACKEND FOLDER        (the store-level runner of --workload store)

Every run of a backend uses one folder, so each recovers what the last kill left.
Kill points are either moments (``--at time``, the default: uniform in a window counted
from the run's first stderr line; some land after the end) or progress marks (``--at progress``: the
moment the run prints a seeded one of the workload's marks, such as ``committed k``, so
every kill lands mid-run after at least k committed steps; the tests use these).
Workload ``visor`` (default): ``visor run -o json`` on a chain where step pair i
sets ``k{i}`` to the run's number and increments ``count``; a log step every 50
pairs prints ``committed i`` (after those steps were committed).  A whole run
first, then the kills, then a whole run that must exit 0 with the complete
state in its report, the store and ``visor memory dump``, and no journal or
temp file left.  Workload ``store``: a driver steps the store API forever (every
operation, transactions, compactions every 4 KiB), printing ``committed N``.
After each kill a copy of the folder is opened with the store API: it must
equal the model's state after n steps (n read off the dump), n >= committed.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from visor_mem.config.models import MemoryConfig
from visor_mem.store import open_store
from visor_mem.store.base import Dump, Transactional
from visor_mem.store.memory import DictStore
from visor_mem.store.ops import Op
from visor_mem.store.scoped import Memory

CONFIGS: dict[str, Callable[[], MemoryConfig]] = {
    "file-json": lambda: MemoryConfig(storage="file", format="json", file="crash.json"),
    "file-csv": lambda: MemoryConfig(storage="file", format="csv", file="crash.csv"),
    "sqlite": lambda: MemoryConfig(storage="sqlite", file="crash.db"),
}
"""Backend name → the store config the runs and the checker open (relative to the folder)."""

PAIRS = 2000
"""Step pairs of the visor chain (a whole run: about 0.5 s of start-up, then 0.6 s of steps)."""

LEFTOVER_SUFFIXES = (".journal", "-wal", ".tmp")
"""Files a killed run may leave (file journal, SQLite WAL, temp file); a clean close leaves none."""

VISOR = Path(sys.executable).parent / "visor"
RUN_TIMEOUT_S = 120.0  # no run may hang the harness
STORE_OPTIONS = {"compact_bytes": 4096}  # the driver folds its journal often: kills land in compactions


# -- the workloads -----------------------------------------------------------------------


class Workload(Protocol):
    """What runs, how to read its progress, and the state it must leave."""

    @property
    def window(self) -> tuple[float, float] | None:
        """Kill moments are uniform in this window (s after the run's first stderr line, when
        start-up is over); None: calibrate (run_series)."""

    @property
    def marks(self) -> tuple[str, ...]:
        """Stderr lines a progress kill may wait for (each early enough that the run goes on)."""

    def prepare(self, folder: Path, backend: str) -> None: ...
    def command(self, folder: Path, backend: str, run: int) -> list[str]: ...
    def committed(self, out: str, err: str) -> int: ...
    def steps_in(self, start: Dump, dump: Dump, run: int) -> int: ...
    def state(self, start: Dump, run: int, steps: int) -> str: ...
    def total(self) -> int | None: ...


@dataclass(frozen=True)
class VisorChain:
    """``visor run`` on a chain of ``pairs`` (set k{i} = run, increment count) step pairs."""

    pairs: int = 2000
    log_every: int = 50
    window: tuple[float, float] | None = None

    @property
    def marks(self) -> tuple[str, ...]:
        """Log points of the first quarter of the chain: three quarters still to run when it prints."""
        return tuple(f"committed {i}" for i in range(self.log_every, self.pairs // 4 + 1, self.log_every))

    def prepare(self, folder: Path, backend: str) -> None:
        (folder / "crash.yaml").write_text(chain_config(CONFIGS[backend](), self.pairs, self.log_every))

    def command(self, folder: Path, backend: str, run: int) -> list[str]:
        """Run ``run`` of the chain: its number (``--var``) is the value of every k{i}."""
        config = str(folder / "crash.yaml")  # unchanged from run to run: visor's config cache applies
        return [str(VISOR), "run", "-o", "json", "--lock-timeout", "30", "--var", f"run={run}", config]

    def committed(self, out: str, err: str) -> int:
        """Steps committed before the last ``committed i`` line (2 per pair)."""
        return 2 * max((int(m) for m in re.findall(r"committed (\d+)", err)), default=0)

    def steps_in(self, start: Dump, dump: Dump, run: int) -> int:
        default = dump.get("default", {})
        mine = sum(1 for i in range(1, self.pairs + 1) if default.get(f"k{i}") == str(run))
        return mine + _count(dump) - _count(start)

    def state(self, start: Dump, run: int, steps: int) -> str:
        memory = Memory(DictStore())
        for namespace, entries in start.items():
            for key, value in entries.items():
                memory.set(key, value, namespace)
        for n in range(steps):
            if n % 2:
                memory.increment("count")
            else:
                memory.set(f"k{n // 2 + 1}", str(run))
        return json.dumps(memory.dump())

    def total(self) -> int | None:
        return 2 * self.pairs


def _count(dump: Dump) -> int:
    value = dump.get("default", {}).get("count", 0)
    return value if isinstance(value, int) else 0


def chain_config(memory: MemoryConfig, pairs: int, log_every: int) -> str:
    """The YAML of the crash chain on the store ``memory`` describes."""
    store = f"  storage: {memory.storage}\n  file: {memory.file}\n"
    if memory.storage == "file":
        store += f"  format: {memory.format}\n"
    steps = "".join(_pair(i, log_every) for i in range(1, pairs + 1))
    return f'version: "1.0"\nmemory:\n{store}steps:\n{steps}'


def _pair(i: int, log_every: int) -> str:
    """Steps s{i} (set k{i}) and c{i} (increment count), after c{i-1}; a log step every log_every."""
    after = f"\n    depends_on: c{i - 1}" if i > 1 else ""
    text = (
        f"  s{i}:\n    type: memory\n    operation: set\n    key: k{i}\n"
        f'    value: "{{{{ vars.run }}}}"{after}\n'
        f"  c{i}:\n    type: memory\n    operation: increment\n    key: count\n    depends_on: s{i}\n"
    )
    if i % log_every == 0:
        text += f'  log{i}:\n    type: log\n    message: "committed {i}"\n    depends_on: c{i}\n'
    return text


class _Rollback(Exception):
    pass


def step(memory: Memory, i: int) -> None:
    """Driver step ``i`` (from 1): a deterministic mix of every operation, as one batch.

    One batch, so a step is all or nothing on every backend: SQLite commits
    each batch, the file stores at ``commit()``.
    """
    batch = [
        Op("set", "", "step", i),
        Op("increment", "", "total", i),
        Op("set", "", f"k{i % 7}", {"i": i, "half": i / 2, "text": 'é,"\n' * (i % 3)}),
        Op("append", "logs", f"log{i % 3}", i),
    ]
    if i % 11 == 0:
        batch.append(Op("delete", "logs", f"log{i % 3}"))
    batch.append(Op("clear", "scratch") if i % 13 == 0 else Op("set", "scratch", f"s{i % 4}", [i] * (i % 3)))
    memory.apply(batch)
    if i % 5 == 0 and isinstance(memory.store, Transactional):  # (rolled back: no trace)
        try:
            with memory.transaction():
                memory.set("rolled back", i)
                raise _Rollback
        except _Rollback:
            pass


@dataclass
class Model:
    """The driver's store after k steps (whatever the run), computed on the in-memory backend."""

    states: list[str] = field(default_factory=lambda: [json.dumps({})])
    _memory: Memory = field(default_factory=lambda: Memory(DictStore()))

    def state(self, k: int) -> str:
        while len(self.states) <= k:
            step(self._memory, len(self.states))
            self.states.append(json.dumps(self._memory.dump()))
        return self.states[k]


def drive(backend: str, folder: Path) -> None:
    """The store-level runner: steps forever, committing after each, printing what is committed."""
    store = open_store(CONFIGS[backend](), folder, **STORE_OPTIONS)
    print("open", file=sys.stderr, flush=True)  # start-up is over: kill moments count from here
    memory = Memory(store)
    done = memory.get("step") or 0
    assert isinstance(done, int)
    for this_run in itertools.count(1):
        done += 1
        step(memory, done)
        store.commit()
        print(f"committed {done}\nthis run {this_run}", file=sys.stderr, flush=True)


@dataclass
class StoreDriver:
    """The ``drive`` runner; its model is global, so a run continues the last one's steps."""

    window: tuple[float, float] | None = (0.0, 0.5)  # after it opened the store: a few hundred steps
    model: Model = field(default_factory=Model)
    marks: tuple[str, ...] = tuple(f"this run {n}" for n in range(20, 201, 20))  # it never ends

    def prepare(self, folder: Path, backend: str) -> None:
        pass

    def command(self, folder: Path, backend: str, run: int) -> list[str]:
        return [sys.executable, __file__, "drive", backend, str(folder)]

    def committed(self, out: str, err: str) -> int:
        return max((int(m) for m in re.findall(r"^committed (\d+)$", err, re.MULTILINE)), default=0)

    def steps_in(self, start: Dump, dump: Dump, run: int) -> int:
        value = dump.get("default", {}).get("step", 0)
        return value if isinstance(value, int) else -1

    def state(self, start: Dump, run: int, steps: int) -> str:
        return self.model.state(steps) if steps >= 0 else "not a step number"

    def total(self) -> int | None:
        return None


# -- one trial ------------------------------------------------------------------------


@dataclass(frozen=True)
class Trial:
    """One run: killed (or let finish) and the store it left, checked."""

    run: int
    killed: bool
    steps: int
    committed: int
    journal_left: bool
    ok: bool
    problem: str = ""
    dump: Dump = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Ran:
    """What one process did: exit code (-9 when killed), output, seconds, and when it first spoke."""

    code: int
    out: str
    err: str
    seconds: float
    first_line: float | None  # seconds from start to its first stderr line


KillAt = float | str | None
"""When to SIGKILL a run: seconds after its first stderr line, the moment it prints this line, or never."""


def run_once(command: list[str], folder: Path, kill_at: KillAt) -> Ran:
    """Run ``command``; SIGKILL it at ``kill_at`` unless it ended before.  Seconds count from
    its first stderr line rather than its start: the kills land among the steps however slow
    start-up is on a busy machine."""
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=folder, stdout=out, stderr=subprocess.PIPE, text=True)
        lines: list[tuple[float, str]] = []
        spoke = threading.Event()
        on_line = kill_at if isinstance(kill_at, str) else None
        reader = threading.Thread(
            target=_read_lines, args=(child, started, lines, spoke, on_line), daemon=True
        )
        reader.start()
        try:
            if isinstance(kill_at, float):
                spoke.wait(timeout=RUN_TIMEOUT_S)
            child.wait(timeout=kill_at if isinstance(kill_at, float) else RUN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=RUN_TIMEOUT_S)
        seconds = time.perf_counter() - started
        reader.join(timeout=RUN_TIMEOUT_S)
        out.seek(0)
        err = "".join(line for _, line in lines)
        return Ran(child.returncode, out.read(), err, seconds, lines[0][0] if lines else None)


def _read_lines(
    child: subprocess.Popen[str],
    started: float,
    lines: list[tuple[float, str]],
    spoke: threading.Event,
    kill_on: str | None,
) -> None:
    """Collect stderr lines; SIGKILL the child as soon as the line ``kill_on`` arrives."""
    assert child.stderr is not None
    try:
        for line in child.stderr:
            if kill_on is not None and line.rstrip("\n").endswith(kill_on):
                child.send_signal(signal.SIGKILL)  # before recording: the run is still mid-way
                kill_on = None
            lines.append((time.perf_counter() - started, line))
            spoke.set()
    finally:
        spoke.set()  # a run that ends silently must not keep the killer waiting


def open_dump(backend: str, folder: Path) -> Dump:
    """The store in ``folder``, opened (and so recovered) on a copy: the original stays as left."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "copy"
        shutil.copytree(folder, copy)
        store = open_store(CONFIGS[backend](), copy)
        try:
            return store.dump()
        finally:
            store.close()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(LEFTOVER_SUFFIXES))


@dataclass
class Harness:
    """Runs of one workload on one folder and backend, each checked against the model."""

    workload: Workload
    backend: str
    folder: Path
    start: Dump = field(default_factory=dict)
    runs: int = 0

    def trial(self, kill_at: KillAt) -> tuple[Trial, Ran]:
        """Start the next run, kill it at ``kill_at`` (None: let it finish), check the store."""
        run = self.runs
        self.runs += 1
        ran = run_once(self.workload.command(self.folder, self.backend, run), self.folder, kill_at)
        trial = self.check(run, ran)
        if trial.ok:
            self.start = trial.dump
        return trial, ran

    def check(self, run: int, ran: Ran) -> Trial:
        killed = ran.code == -signal.SIGKILL
        committed = self.workload.committed(ran.out, ran.err)
        journal_left = bool(leftovers(self.folder)) if killed else False
        if not killed and ran.code != 0:
            return Trial(run, killed, 0, committed, journal_left, False, f"exit {ran.code}: {ran.err[-500:]}")
        try:
            dump = open_dump(self.backend, self.folder)
        except Exception as err:  # any failure to open is the finding
            return Trial(run, killed, 0, committed, journal_left, False, f"does not open: {err}")
        steps = self.workload.steps_in(self.start, dump, run)
        problem = self._problem(run, ran, killed, dump, steps, committed)
        return Trial(run, killed, steps, committed, journal_left, not problem, problem, dump)

    def _problem(self, run: int, ran: Ran, killed: bool, dump: Dump, steps: int, committed: int) -> str:
        expected = self.workload.state(self.start, run, steps)
        if json.dumps(dump) != expected:
            return f"run {run}: the store matches no prefix (read as {steps} steps): {json.dumps(dump)[:300]}"
        if steps < committed:
            return f"run {run}: lost committed steps {steps + 1}..{committed}"
        total = self.workload.total()
        if not killed and total is not None:
            return self._finished_problem(run, ran, dump, steps, total)
        return ""

    def _finished_problem(self, run: int, ran: Ran, dump: Dump, steps: int, total: int) -> str:
        if steps != total:
            return f"run {run}: exit 0 after {steps} of {total} steps"
        report = json.loads(ran.out)
        if report.get("ok") is not True or report.get("memory") != dump:
            return f"run {run}: its JSON report does not show the stored state: {ran.out[:300]}"
        if leftovers(self.folder):
            return f"run {run}: a finished run left {leftovers(self.folder)}"
        return ""


# -- a series ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    """The kill attempts on one backend, the whole runs around them, and ``visor memory dump``."""

    backend: str
    attempts: list[Trial]
    whole_runs: list[Trial]
    seconds: float
    window: tuple[float, float]
    final_dump: str = ""

    @property
    def kills(self) -> list[Trial]:
        """The attempts that killed their run (the others ended first)."""
        return [t for t in self.attempts if t.killed]

    @property
    def problems(self) -> list[str]:
        failed = [t.problem for t in [*self.whole_runs, *self.attempts] if not t.ok]
        return failed + ([self.final_dump] if self.final_dump else [])


def run_series(
    backend: str, folder: Path, kills: int, seed: int, workload: Workload | None = None, at: str = "time"
) -> Series:
    """``kills`` kill attempts on one folder, framed by whole runs when the workload ends.

    ``at="time"``: a second whole run times the workload (the first fills visor's config
    cache): kills land uniformly from the moment a run printed its first line (start-up is
    over) to 1.05 x the time the timed run took from there to its end.  ``at="progress"``:
    each kill waits for a seeded one of the workload's mark lines.
    """
    workload = workload or VisorChain(PAIRS)
    rng = random.Random(seed)
    started = time.perf_counter()
    harness = Harness(workload, backend, folder)
    workload.prepare(folder, backend)
    whole: list[Trial] = []
    window = workload.window
    if workload.total() is not None:
        whole.append(harness.trial(None)[0])  # fills visor's config cache: the later runs start faster
    if window is None:
        second, ran = harness.trial(None)
        whole.append(second)
        window = (0.0, 1.05 * (ran.seconds - (ran.first_line or 0.0)))
    points = [_kill_point(rng, workload, window, at) for _ in range(kills)]
    attempts = [harness.trial(point)[0] for point in points]
    final_dump = ""
    if workload.total() is not None:
        whole.append(harness.trial(None)[0])
        final_dump = _cli_dump_problem(backend, folder, whole[-1].dump)
    return Series(backend, attempts, whole, time.perf_counter() - started, window, final_dump)


def _kill_point(rng: random.Random, workload: Workload, window: tuple[float, float], at: str) -> KillAt:
    if at == "progress":
        return rng.choice(workload.marks)
    return rng.uniform(*window)


def _cli_dump_problem(backend: str, folder: Path, expected: Dump) -> str:
    """`visor memory dump --store URL -o json` must print the state the store API read."""
    config = CONFIGS[backend]()
    url = f"{config.format if config.storage == 'file' else config.storage}:{folder / str(config.file)}"
    ran = run_once([str(VISOR), "memory", "dump", "--store", url, "-o", "json"], folder, None)
    if ran.code != 0:
        return f"visor memory dump exited {ran.code}: {ran.err[-300:]}"
    if json.loads(ran.out) != expected:
        return f"visor memory dump differs from the store: {ran.out[:300]}"
    return ""


def report(series: Series) -> str:
    """One line of figures (plus the first failures) for a series."""
    kills = series.kills
    consistent = sum(t.ok for t in series.attempts)
    recoveries = sum(t.journal_left and t.ok for t in kills)
    mid_run = sum(t.steps > 0 for t in kills)  # the run had stored at least one step
    whole_ok = sum(t.ok for t in series.whole_runs)
    low, high = series.window
    lines = [
        f"{series.backend:9}  kills {len(series.attempts)} ({len(kills)} killed, "
        f"{mid_run} after step 1)  consistent {consistent}  recoveries {recoveries}  "
        f"whole runs ok {whole_ok}/{len(series.whole_runs)}  failures {len(series.problems)}  "
        f"window {low:.2f}-{high:.2f}s  {series.seconds:.0f}s"
    ]
    lines += [f"  FAIL: {problem[:300]}" for problem in series.problems[:5]]
    return "\n".join(lines)


def _bench(backend: str, args: argparse.Namespace) -> bool:
    """Run and print one backend's series; True when it found nothing wrong."""
    with tempfile.TemporaryDirectory() as folder:
        workload: Workload = VisorChain(args.pairs or PAIRS)
        if args.workload == "store":
            workload = StoreDriver()
        series = run_series(backend, Path(folder), args.kills, args.seed, workload, args.at)
        print(report(series), flush=True)
        return not series.problems


def main(argv: list[str]) -> int:
    if argv[:1] == ["drive"]:
        drive(argv[1], Path(argv[2]))
        return 0
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backend", action="append", choices=sorted(CONFIGS))
    parser.add_argument("--workload", choices=("visor", "store"), default="visor")
    parser.add_argument("--pairs", type=int, help="step pairs of the visor chain (default: PAIRS)")
    parser.add_argument("--at", choices=("time", "progress"), default="time", help="kill points")
    args = parser.parse_args(argv)
    failed = False
    with tempfile.TemporaryDirectory(prefix="visor-cache-") as cache:
        os.environ["VISOR_CACHE_DIR"] = cache  # visor's config cache: private, and gone at the end
        for backend in args.backend or sorted(CONFIGS):
            failed |= not _bench(backend, args)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
