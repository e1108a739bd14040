"""Store backends under the engine's pattern: one operation, then ``commit()``.

    python bench/store.py [--ops 10000] [--sizes 1000,100000]

Prints, for memory, file-json, file-csv (and sqlite when registered):
* the time of N set + N increment operations through ``Memory``, each followed
  by ``commit()`` as the engine does per step, and the ratio to memory
  (target: file backends within 3x);
* the cost of one set+commit in a store already holding 1,000 and 100,000 keys
  (target: flat), plus the once-per-run open and close at that size;
* sqlite's ratio to memory, from runs that alternate the two, in wall and in CPU
  time (target: within 3x);
* on redis (its own redis-server on a free port, or ``--redis-url``), the cost of
  an append / increment / set in a namespace of 10 and of 20,000 keys (target:
  flat, within 1.5x).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from visor_mem.config.models import MemoryConfig
from visor_mem.store import BACKENDS, open_store
from visor_mem.store.base import Store
from visor_mem.store.scoped import Memory

CONFIGS: dict[str, tuple[MemoryConfig, dict[str, Any]]] = {
    "memory": (MemoryConfig(), {}),
    "file-json": (MemoryConfig(storage="file", format="json", file="bench.json"), {}),
    "file-csv": (MemoryConfig(storage="file", format="csv", file="bench.csv"), {}),
    "file-json fsync/commit": (  # strict: the journal synced at every commit
        MemoryConfig(storage="file", format="json", file="bench.json"),
        {"sync_interval": 0},
    ),
    "sqlite": (MemoryConfig(storage="sqlite", file="bench.db"), {}),
}
"""Row name → (config, store options); rows whose storage is not registered are skipped."""


def _open(name: str, folder: Path) -> Store:
    config, options = CONFIGS[name]
    return open_store(config, folder, **options)


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def ops_time(name: str, folder: Path, ops: int) -> float:
    """N sets then N increments, each committed; close included (it is part of the run)."""
    store = _open(name, folder)
    memory = Memory(store)

    def work() -> None:
        for i in range(ops):
            memory.set(f"key{i}", {"i": i, "name": f"value {i}"})
            store.commit()
        for _ in range(ops):
            memory.increment("counter")
            store.commit()
        store.close()

    return _timed(work)


def sqlite_ratio(ops: int, repeat: int) -> tuple[float, float]:
    """sqlite's ``ops_time`` over memory's, wall and CPU: runs alternate, so a busy moment of a
    shared machine weighs on both rather than on one, and the best of each is kept."""
    best: dict[str, tuple[float, float]] = {}
    for _ in range(repeat):
        for name in ("memory", "sqlite"):
            with tempfile.TemporaryDirectory() as folder:
                cpu = time.process_time()
                wall = ops_time(name, Path(folder), ops)
                cpu = time.process_time() - cpu
            old = best.get(name, (wall, cpu))
            best[name] = (min(old[0], wall), min(old[1], cpu))
    return best["sqlite"][0] / best["memory"][0], best["sqlite"][1] / best["memory"][1]


def cost_at_size(name: str, folder: Path, size: int, ops: int) -> tuple[float, float, float]:
    """(µs per set+commit, open s, close s) in a store already holding ``size`` keys."""
    store = _open(name, folder)
    for i in range(size):
        store.set(f"fill{i}", {"i": i, "name": f"value {i}"}, "default")
    store.commit()
    store.close()
    holder: list[Store] = []
    opened = _timed(lambda: holder.append(_open(name, folder)))
    store = holder[0]
    memory = Memory(store)

    def work() -> None:
        for i in range(ops):
            memory.set(f"new{i % 100}", i)
            store.commit()

    per_op = _timed(work) / ops * 1e6
    return per_op, opened, _timed(store.close)


REDIS_SIZES = (10, 20_000)


def redis_cost(url: str, size: int, ops: int) -> float:
    """µs per operation (append, increment, set in turn) in a namespace of ``size`` keys."""
    from visor_mem.store.ops import Op

    _flush(url)
    store = open_store(MemoryConfig(storage="redis", url=url), Path("."))
    store.apply([Op("set", "default", f"fill{i}", {"i": i}) for i in range(size)])
    memory = Memory(store)

    def work() -> None:
        for i in range(ops):
            memory.append("log", i)
            memory.increment("n")
            memory.set(f"k{i % 10}", i)

    try:
        return _timed(work) / (3 * ops) * 1e6
    finally:
        store.close()


def _flush(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()


def redis_rows(url: str | None, ops: int) -> None:
    from concurrency import redis_server  # bench/concurrency.py, beside this file

    with redis_server() if url is None else nullcontext(url) as server:
        costs = [min(redis_cost(server, size, ops) for _ in range(2)) for size in REDIS_SIZES]
    small, large = REDIS_SIZES
    print(
        f"redis: {costs[0]:.1f} us/op with {small:,} keys, {costs[1]:.1f} us/op with {large:,} keys: "
        f"{costs[1] / costs[0]:.2f}x (target <= 1.5)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ops", type=int, default=10_000)
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--repeat", type=int, default=3, help="best of N (the machine may be shared)")
    parser.add_argument("--redis-url", help="a redis to use (emptied!); default: start one")
    parser.add_argument("--redis-ops", type=int, default=300)
    args = parser.parse_args()
    small, large = (int(s) for s in args.sizes.split(","))
    names = [n for n, (config, _) in CONFIGS.items() if config.storage in BACKENDS]
    print(
        f"{args.ops:,} set + {args.ops:,} increment, commit() after each; "
        f"per-op cost at {small:,} vs {large:,} keys"
    )
    print(
        f"{'backend':24} {'time s':>8} {'x memory':>9} "
        f"{'us/op@' + str(small):>12} {'us/op@' + str(large):>14} "
        f"{'growth':>7} {'open s':>7} {'close s':>8}"
    )
    base = None
    ratios: dict[str, float] = {}
    for name in names:
        with (
            tempfile.TemporaryDirectory() as a,
            tempfile.TemporaryDirectory() as b,
            tempfile.TemporaryDirectory() as c,
        ):
            seconds = min(ops_time(name, Path(a) / str(r), args.ops) for r in range(args.repeat))
            base = base or seconds
            cost_small = min(cost_at_size(name, Path(b) / str(r), small, 2000)[0] for r in range(args.repeat))
            cost_large, opened, closed = min(
                cost_at_size(name, Path(c) / str(r), large, 2000) for r in range(args.repeat)
            )
        ratios[name] = seconds / base
        print(
            f"{name:24} {seconds:8.3f} {seconds / base:9.2f} {cost_small:12.1f} {cost_large:14.1f} "
            f"{cost_large / cost_small:7.2f} {opened:7.3f} {closed:8.3f}"
        )
    if "sqlite" in ratios:
        wall, cpu = sqlite_ratio(args.ops, 2 * args.repeat)
        print(
            f"sqlite: {wall:.2f}x the in-memory time, {cpu:.2f}x its CPU time "
            f"(best of {2 * args.repeat} interleaved runs each; target <= 3)"
        )
    redis_rows(args.redis_url, args.redis_ops)


if __name__ == "__main__":
    main()
