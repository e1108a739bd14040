"""Quotas (``memory.limits``) enforced by ``Memory`` over real backends."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from visor_mem.config.models import MemoryConfig
from visor_mem.errors import MemoryOperationError
from visor_mem.store import BACKENDS
from visor_mem.store.ops import Op, plan
from visor_mem.store.scoped import Memory, NamespaceLimits

STORAGES: dict[str, Callable[[str], dict[str, Any]]] = {
    "memory": lambda _: {"storage": "memory"},
    "file-json": lambda _: {"storage": "file", "file": "m.json"},
    "sqlite": lambda _: {"storage": "sqlite", "file": "m.db"},
    "redis": lambda url: {"storage": "redis", "url": url},
}


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Scope:
    memory: Memory
    clock: Clock


LIMITS = {
    "small": NamespaceLimits(max_keys=2, max_value_bytes=10),
    "*": NamespaceLimits(max_keys=3),
}


@pytest.fixture(params=list(STORAGES), ids=list(STORAGES))
def scope(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Scope]:
    fields = STORAGES[request.param]("")
    if fields["storage"] not in BACKENDS:
        pytest.skip(f"storage '{fields['storage']}' is not registered in BACKENDS yet")
    if fields["storage"] == "redis":
        fields = STORAGES["redis"](request.getfixturevalue("redis_url"))
    clock = Clock()
    config = MemoryConfig.model_validate(fields)
    store = BACKENDS[config.storage](config=config, base_dir=tmp_path, clock=clock)
    yield Scope(Memory(store, "default", LIMITS), clock)
    store.close()


@dataclass(frozen=True)
class Case:
    id: str
    write: Callable[[Memory], Any]
    message: str


REFUSED = [
    Case("set-third-key", lambda m: m.set("c", 1, "small"), "namespace 'small' already holds 2 keys"),
    Case("append-third-key", lambda m: m.append("c", 1, "small"), "already holds 2 keys"),
    Case("increment-third-key", lambda m: m.increment("c", 1, "small"), "already holds 2 keys"),
    Case("set-too-big", lambda m: m.set("a", "x" * 9, "small"), "11 bytes, over the 10-byte limit"),
    Case("append-grows-too-big", lambda m: m.append("b", 12345, "small"), "over the 10-byte limit"),
    Case("wildcard-fourth-key", lambda m: m.set("d", 1, "other"), "namespace 'other' already holds 3 keys"),
]


@pytest.mark.parametrize("case", REFUSED, ids=[c.id for c in REFUSED])
def test_exceeding_a_quota_fails_and_stores_nothing(scope: Scope, case: Case) -> None:
    memory = scope.memory
    memory.set("a", 1, "small")
    memory.set("b", [1234], "small")  # 6 bytes
    for key in "abc":
        memory.set(key, 1, "other")
    before = memory.dump()
    with pytest.raises(MemoryOperationError, match=case.message) as caught:
        case.write(memory)
    assert "\n" not in str(caught.value)
    assert memory.dump() == before


ALLOWED = [
    Case("overwrite-existing-key", lambda m: m.set("a", 2, "small"), ""),
    Case("value-at-the-limit", lambda m: m.set("a", "x" * 8, "small"), ""),
    Case("increment-existing", lambda m: m.increment("a", 1, "small"), ""),
    Case("append-within-limit", lambda m: m.append("b", 1, "small"), ""),
    Case("unlimited-namespace-under-wildcard", lambda m: m.set("c", "x" * 100, "other"), ""),
]


@pytest.mark.parametrize("case", ALLOWED, ids=[c.id for c in ALLOWED])
def test_writes_within_quota_succeed(scope: Scope, case: Case) -> None:
    scope.memory.set("a", 1, "small")
    scope.memory.set("b", [1234], "small")
    case.write(scope.memory)


def test_deleting_or_expiring_a_key_frees_its_slot(scope: Scope) -> None:
    memory = scope.memory
    memory.set("a", 1, "small")
    memory.set("b", 1, "small", ttl=5)
    memory.delete("a", "small")
    memory.set("c", 1, "small")
    scope.clock.now += 6
    memory.set("d", 1, "small")
    assert memory.list("small") == ["c", "d"]


def test_a_batch_uses_the_default_namespace(scope: Scope) -> None:
    memory = scope.memory
    batch = [Op("set", "", "a", 1), Op("increment", "", "a", 2), Op("get", "other", "a"), Op("clear", "gone")]
    assert memory.apply(batch) == [1, 3, None, None]
    assert memory.dump() == {"default": {"a": 3}}


def test_a_batch_over_quota_stores_nothing(scope: Scope) -> None:
    memory = scope.memory
    memory.set("a", 1, "small")
    with pytest.raises(MemoryOperationError, match="already holds 2 keys"):
        memory.apply([Op("set", "small", "b", 1), Op("delete", "", "x"), Op("set", "small", "c", 1)])
    assert memory.dump() == {"small": {"a": 1}}


def test_a_caller_can_plan_over_the_store_s_reader_as_apply_does(scope: Scope) -> None:
    """What the JS bridge does: answer calls from a plan over ``reader()``, then apply the batch."""
    memory = scope.memory
    memory.set("a", 1, "small")
    batch = [Op("increment", "small", "a", 2), Op("list", "small"), Op("set", "small", "b", 1)]
    planned, _ = plan(batch, memory.reader(), memory.now(), memory.quotas)
    assert planned == [3, ["a"], 1]
    with pytest.raises(MemoryOperationError, match="already holds 2 keys"):
        plan([*batch, Op("set", "small", "c", 1)], memory.reader(), memory.now(), memory.quotas)
    assert memory.apply(batch) == planned
