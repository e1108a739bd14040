"""``Memory.exclusive()`` on every backend: a lock, not a transaction.

A batch applied inside a section is atomic on its own and stays applied when
the section ends with an exception, on every backend alike (SQLite's section
is one transaction, so it keeps each batch with a savepoint).  This is what
a memory step relies on when its ``value_js`` wrote memory and its own write
is then refused.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.store.test_conformance import BACKEND_LIST, Backend, Harness
from visor_mem.config.models import MemoryConfig
from visor_mem.errors import MemoryOperationError
from visor_mem.store.ops import Op
from visor_mem.store.scoped import Memory


@pytest.fixture(params=BACKEND_LIST, ids=lambda b: b.name)
def memory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Memory]:
    backend: Backend = request.param
    url = request.getfixturevalue("redis_url") if backend.storage == "redis" else ""
    config = MemoryConfig.model_validate({"storage": backend.storage, **backend.fields(url)})
    harness = Harness(backend, config, tmp_path)
    yield Memory(harness.open())
    harness.close_all()


def test_a_batch_applied_in_a_section_stays_when_the_section_raises(memory: Memory) -> None:
    def write_then_fail() -> None:
        with memory.exclusive():
            memory.set("kept", 1)
            raise RuntimeError("the caller failed after writing")

    with pytest.raises(RuntimeError):
        write_then_fail()
    assert memory.get("kept") == 1


def test_a_refused_batch_in_a_section_writes_nothing_and_keeps_the_earlier_ones(memory: Memory) -> None:
    with memory.exclusive():
        memory.set("text", "not a number")
        with pytest.raises(MemoryOperationError):
            memory.apply([Op("set", "", "new", 1), Op("increment", "", "text", 1)])
        memory.append("list", 2)
    assert memory.dump() == {"default": {"text": "not a number", "list": [2]}}


def test_a_plain_write_from_another_thread_waits_for_the_section(memory: Memory) -> None:
    """A parallel worker's memory step (a plain apply) must not land between a section's read
    and its write: that is a lost update on the in-process stores, where the section is a lock."""
    memory.set("n", 1)
    reading, wrote = threading.Event(), threading.Event()

    def other_worker() -> None:
        reading.wait(timeout=30)
        memory.increment("n")
        wrote.set()

    worker = threading.Thread(target=other_worker)
    worker.start()
    with memory.exclusive():
        seen = memory.get("n")
        reading.set()
        assert not wrote.wait(timeout=0.3)  # room for the other write, if it could land now
        memory.set("n", seen * 10)
    worker.join(timeout=30)
    assert memory.get("n") == 11  # 1 * 10, then + 1; a lost update would leave 10 or 2 * 10
