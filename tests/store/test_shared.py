"""What shared stores (sqlite, redis) add: an exclusive section that makes read-modify-write
serializable across processes."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from visor_mem.config.models import MemoryConfig
from visor_mem.store import open_store
from visor_mem.store.base import SharedStore
from visor_mem.store.scoped import Memory

Opener = Callable[[], Memory]


@pytest.fixture(params=["sqlite", "redis"])
def config(request: pytest.FixtureRequest, tmp_path: Path) -> MemoryConfig:
    if request.param == "redis":
        return MemoryConfig(storage="redis", url=request.getfixturevalue("redis_url"))
    return MemoryConfig(storage="sqlite", file=str(tmp_path / "m.db"))


@pytest.fixture
def opener(config: MemoryConfig, tmp_path: Path) -> Iterator[Opener]:
    opened: list[Memory] = []

    def open_memory() -> Memory:
        store = open_store(config, tmp_path)
        assert isinstance(store, SharedStore)
        opened.append(Memory(store))
        return opened[-1]

    yield open_memory
    for memory in opened:
        memory.store.close()


WRITER = """
import json, sys
from pathlib import Path
from visor_mem.config.models import MemoryConfig
from visor_mem.errors import MemoryOperationError
from visor_mem.store import open_store
from visor_mem.store.scoped import Memory
memory = Memory(open_store(MemoryConfig.model_validate(json.loads(sys.argv[1])), Path(sys.argv[2])))
print("ready", flush=True)
if sys.argv[3] == "increment":
    memory.increment("n")
else:  # a batch that reads nothing: on sqlite one statement, outside any BEGIN
    memory.set("n", 100)
memory.store.close()
"""


def _spawn(script: str, config: MemoryConfig, folder: Path, *args: str) -> subprocess.Popen[str]:
    argv = [sys.executable, "-c", script, config.model_dump_json(), str(folder), *args]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)


@pytest.mark.parametrize("write", ["increment", "set"])
def test_no_other_process_writes_during_an_exclusive_section(
    opener: Opener, config: MemoryConfig, tmp_path: Path, write: str
) -> None:
    memory = opener()
    memory.set("n", 10)
    with memory.exclusive():
        writer = _spawn(WRITER, config, tmp_path, write)
        assert writer.stdout is not None
        assert writer.stdout.readline() == "ready\n"
        time.sleep(0.3)  # room for the writer to write, if it could
        assert memory.get("n") == 10
        memory.set("n", memory.get("n") * 2)
    assert writer.wait(timeout=60) == 0
    assert memory.get("n") == {"increment": 21, "set": 100}[write]  # the writer waited for the section


RMW = """
import json, sys
from pathlib import Path
from visor_mem.config.models import MemoryConfig
from visor_mem.errors import MemoryOperationError
from visor_mem.store import open_store
from visor_mem.store.ops import Op
from visor_mem.store.scoped import Memory
memory = Memory(open_store(MemoryConfig.model_validate(json.loads(sys.argv[1])), Path(sys.argv[2])))
for _ in range(int(sys.argv[3])):
    with memory.exclusive():
        seen = memory.get("n") or 0
        memory.apply([Op("set", "", "n", seen + 1), Op("append", "", "log", seen)])
memory.store.close()
"""


def test_read_modify_write_in_exclusive_sections_loses_nothing(
    opener: Opener, config: MemoryConfig, tmp_path: Path
) -> None:
    processes, updates = 4, 50
    workers = [_spawn(RMW, config, tmp_path, str(updates)) for _ in range(processes)]
    assert [w.wait(timeout=120) for w in workers] == [0] * processes
    memory = opener()
    assert memory.get("n") == processes * updates
    assert memory.get("log") == list(range(processes * updates))  # each saw the one before


def test_sections_nest_and_a_failed_one_keeps_the_store_usable(opener: Opener) -> None:
    memory = opener()
    with memory.exclusive(), memory.exclusive():
        memory.set("a", 1)
    with pytest.raises(RuntimeError), memory.exclusive():
        raise RuntimeError("the snippet failed")
    other = opener()
    other.set("b", 2)  # not locked out
    assert json.dumps(memory.dump()) == json.dumps({"default": {"a": 1, "b": 2}})
