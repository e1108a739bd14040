"""The conformance battery: every backend of the registry passes every case.

Adding a backend is one line in ``BACKEND_LIST``.  A backend whose storage is
not registered in ``BACKENDS`` yet is skipped with that reason; nothing else
is ever skipped.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from visor_mem.config.models import MemoryConfig
from visor_mem.errors import MemoryOperationError
from visor_mem.store import BACKENDS
from visor_mem.store.base import Store, Transactional
from visor_mem.store.ops import Op
from visor_mem.store.scoped import Memory
from visor_mem.store.semantics import NamespaceLimits, copy_json

ConfigFields = Callable[[str], dict[str, Any]]
"""redis URL → the memory config fields of a backend (paths relative to tmp_path)."""


@dataclass(frozen=True)
class Backend:
    """A backend under test and what it claims."""

    name: str
    storage: str
    fields: ConfigFields
    persistent: bool = True
    concurrent: bool = False  # separate processes may write at once (no run-long lock)
    keeps_empty_namespaces: bool = True  # across close/reopen
    transactional: bool = False  # groups batches (base.Transactional): the stores of this process


BACKEND_LIST = [
    Backend("memory", "memory", lambda _: {}, persistent=False, transactional=True),
    Backend("file-json", "file", lambda _: {"file": "m.json", "format": "json"}, transactional=True),
    Backend("file-csv", "file", lambda _: {"file": "m.csv", "format": "csv"}, transactional=True),
    Backend("sqlite", "sqlite", lambda _: {"file": "m.db"}, concurrent=True),
    Backend("redis", "redis", lambda url: {"url": url}, concurrent=True),
]


@dataclass
class Harness:
    """Opens (and reopens) one backend on a fake clock."""

    backend: Backend
    config: MemoryConfig
    base_dir: Path
    now: float = 1_000_000.0
    opened: list[Store] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def open(self) -> Store:
        # A lock timeout turns a store left open by mistake into an error, not a hang.
        store = BACKENDS[self.config.storage](
            config=self.config, base_dir=self.base_dir, clock=self.clock, lock_timeout=5
        )
        assert isinstance(store, Store)
        self.opened.append(store)
        return store

    def close_all(self) -> None:
        """Close every store still open (a file store releases its lock)."""
        while self.opened:
            self.opened.pop().close()

    def reopen(self, store: Store) -> Store:
        """Close and open again: what a persistent backend kept."""
        store.commit()
        if not self.backend.persistent:
            return store
        store.close()
        self.opened.remove(store)
        return self.open()


def test_every_storage_of_the_config_schema_is_under_test() -> None:
    storages = set(get_args(MemoryConfig.model_fields["storage"].annotation))
    assert set(BACKENDS) <= storages
    assert {b.storage for b in BACKEND_LIST} == storages


def _harness(request: pytest.FixtureRequest, backend: Backend, tmp_path: Path) -> Iterator[Harness]:
    if backend.storage not in BACKENDS:
        pytest.skip(f"storage '{backend.storage}' is not registered in BACKENDS yet")
    url = request.getfixturevalue("redis_url") if backend.storage == "redis" else ""
    config = MemoryConfig(storage=backend.storage, **backend.fields(url))  # type: ignore[arg-type]
    harness = Harness(backend, config, tmp_path)
    yield harness
    for store in harness.opened:
        store.close()


@pytest.fixture(params=BACKEND_LIST, ids=lambda b: b.name)
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    yield from _harness(request, request.param, tmp_path)


@pytest.fixture(params=[b for b in BACKEND_LIST if b.concurrent], ids=lambda b: b.name)
def concurrent_harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    yield from _harness(request, request.param, tmp_path)


@pytest.fixture(params=[b for b in BACKEND_LIST if b.transactional], ids=lambda b: b.name)
def transactional_harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    yield from _harness(request, request.param, tmp_path)


@pytest.fixture
def store(harness: Harness) -> Store:
    return harness.open()


@pytest.fixture
def transactional(transactional_harness: Harness) -> Transactional:
    store = transactional_harness.open()
    assert isinstance(store, Transactional)
    return store


def as_json(value: Any) -> str:
    """Exact JSON text: tells 1 from 1.0 and True from 1, and keeps key order."""
    return json.dumps(value)


# -- every value type round-trips --------------------------------------------------


@dataclass(frozen=True)
class Value:
    id: str
    value: Any


VALUES = [
    Value("null", None),
    Value("true", True),
    Value("false", False),
    Value("zero", 0),
    Value("int", 42),
    Value("negative", -7),
    Value("big-int", 2**63 + 1),
    Value("float", 1.5),
    Value("tiny-float", 5e-324),
    Value("huge-float", 1.7976931348623157e308),
    Value("empty-string", ""),
    Value("string", "hello"),
    Value("number-like-string", "42"),
    Value("bool-like-string", "true"),
    Value("null-like-string", "null"),
    Value("unicode", "héllo → 世界 🎉"),
    Value("control-chars", 'a,b\n"c"\r\n\td\x00'),
    Value("empty-list", []),
    Value("one-item-list", [1]),
    Value("list", [1, "two", None, True, 2.5]),
    Value("nested-list", [[1, 2], [], [[3]]]),
    Value("empty-object", {}),
    Value("object", {"b": 1, "a": [1, {"c": None}], "": "empty key"}),
]


@pytest.mark.parametrize("case", VALUES, ids=[v.id for v in VALUES])
def test_every_value_type_round_trips_and_survives_reopen(harness: Harness, case: Value) -> None:
    store = harness.open()
    assert as_json(store.set("k", case.value, "ns")) == as_json(case.value)
    assert as_json(store.get("k", "ns")) == as_json(case.value)
    store = harness.reopen(store)
    assert as_json(store.get("k", "ns")) == as_json(case.value)
    assert as_json(store.get_all("ns")) == as_json({"k": case.value})


json_values = st.recursive(
    st.none()
    | st.booleans()
    # Numbers are JavaScript's: past 2**53 an int is the double JavaScript prints (json_codec).
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=10,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.dictionaries(st.text(min_size=1, max_size=8), json_values, min_size=1, max_size=5))
def test_generated_json_values_round_trip_across_reopen(harness: Harness, entries: dict[str, Any]) -> None:
    store = harness.open()
    try:
        expected = {key: copy_json(value) for key, value in entries.items()}
        for key, value in entries.items():
            store.set(key, value, "gen")
        assert as_json(store.get_all("gen")) == as_json(expected)
        store = harness.reopen(store)
        assert as_json(store.get_all("gen")) == as_json(expected)
        store.clear("gen")
        harness.reopen(store)
    finally:
        harness.close_all()  # the next example opens the store again


# -- operations ------------------------------------------------------------------------


@dataclass(frozen=True)
class OpCase:
    id: str
    before: dict[str, Any]  # keys of namespace "ns" set first, in order
    call: Callable[[Store], Any]
    result: Any
    after: dict[str, dict[str, Any]]  # the whole dump afterwards


OPS = [
    OpCase("get-missing", {}, lambda s: s.get("k", "ns"), None, {}),
    OpCase("get-null", {"k": None}, lambda s: s.get("k", "ns"), None, {"ns": {"k": None}}),
    OpCase("has-missing", {}, lambda s: s.has("k", "ns"), False, {}),
    OpCase("has-null", {"k": None}, lambda s: s.has("k", "ns"), True, {"ns": {"k": None}}),
    OpCase("set-returns-value", {}, lambda s: s.set("k", {"a": 1}, "ns"), {"a": 1}, {"ns": {"k": {"a": 1}}}),
    OpCase("append-missing", {}, lambda s: s.append("k", 1, "ns"), [1], {"ns": {"k": [1]}}),
    OpCase("append-list", {"k": [1]}, lambda s: s.append("k", [2], "ns"), [1, [2]], {"ns": {"k": [1, [2]]}}),
    OpCase(
        "append-scalar", {"k": "a"}, lambda s: s.append("k", "b", "ns"), ["a", "b"], {"ns": {"k": ["a", "b"]}}
    ),
    OpCase("append-null", {"k": None}, lambda s: s.append("k", 1, "ns"), [None, 1], {"ns": {"k": [None, 1]}}),
    OpCase(
        "append-object",
        {"k": {"a": 1}},
        lambda s: s.append("k", 2, "ns"),
        [{"a": 1}, 2],
        {"ns": {"k": [{"a": 1}, 2]}},
    ),
    OpCase("increment-missing", {}, lambda s: s.increment("k", 1, "ns"), 1, {"ns": {"k": 1}}),
    OpCase("increment-null", {"k": None}, lambda s: s.increment("k", 5, "ns"), 5, {"ns": {"k": 5}}),
    OpCase("increment-int", {"k": 2}, lambda s: s.increment("k", 3, "ns"), 5, {"ns": {"k": 5}}),
    OpCase("increment-float", {"k": 1.5}, lambda s: s.increment("k", 1.5, "ns"), 3, {"ns": {"k": 3}}),
    OpCase("increment-negative", {"k": 1}, lambda s: s.increment("k", -2.5, "ns"), -1.5, {"ns": {"k": -1.5}}),
    OpCase("delete-present", {"k": 1}, lambda s: s.delete("k", "ns"), True, {"ns": {}}),
    OpCase("delete-missing-key", {"j": 1}, lambda s: s.delete("k", "ns"), False, {"ns": {"j": 1}}),
    OpCase("delete-missing-namespace", {}, lambda s: s.delete("k", "ns"), False, {}),
    OpCase("clear-present", {"k": 1}, lambda s: s.clear("ns"), None, {}),
    OpCase("clear-missing", {}, lambda s: s.clear("ns"), None, {}),
    OpCase("keys-missing-namespace", {}, lambda s: s.keys("ns"), [], {}),
    OpCase("get-all-missing-namespace", {}, lambda s: s.get_all("ns"), {}, {}),
    OpCase("namespaces-empty", {}, lambda s: s.namespaces(), [], {}),
]


@pytest.mark.parametrize("case", OPS, ids=[op.id for op in OPS])
def test_operation(store: Store, case: OpCase) -> None:
    for key, value in case.before.items():
        store.set(key, value, "ns")
    assert as_json(case.call(store)) == as_json(case.result)
    assert as_json(store.dump()) == as_json(case.after)


def test_operations_persist_across_reopen(harness: Harness) -> None:
    store = harness.open()
    store.set("s", "x", "a")
    store.append("l", 1, "a")
    store.append("l", 2, "a")
    store.increment("n", 2, "b")
    store.increment("n", 3, "b")
    store.set("gone", 1, "b")
    store.delete("gone", "b")
    store.set("tmp", 1, "c")
    store.clear("c")
    store = harness.reopen(store)
    assert as_json(store.dump()) == as_json({"a": {"s": "x", "l": [1, 2]}, "b": {"n": 5}})


# -- namespaces and insertion order ---------------------------------------------------


def test_keys_and_namespaces_keep_insertion_order(store: Store) -> None:
    for ns in ("zeta", "alpha", "mid"):
        for key in ("k3", "k1", "k2"):
            store.set(key, key, ns)
    assert store.namespaces() == ["zeta", "alpha", "mid"]
    assert store.keys("alpha") == ["k3", "k1", "k2"]
    assert list(store.get_all("alpha")) == ["k3", "k1", "k2"]
    assert list(store.dump()) == ["zeta", "alpha", "mid"]


def test_overwrite_keeps_position_and_order_survives_reopen(harness: Harness) -> None:
    store = harness.open()
    for key in ("a", "b", "c"):
        store.set(key, 0, "ns")
    store.set("a", 1, "ns")
    store.increment("b", 1, "ns")
    store.append("c", 1, "ns")
    store.delete("b", "ns")
    store.set("b", 2, "ns")  # a deleted key comes back at the end
    assert store.keys("ns") == ["a", "c", "b"]
    store = harness.reopen(store)
    assert store.keys("ns") == ["a", "c", "b"]


def test_deleting_last_key_leaves_namespace_listed_empty(harness: Harness) -> None:
    store = harness.open()
    store.set("k", 1, "first")
    store.set("k", 1, "second")
    assert store.delete("k", "first") is True
    assert store.namespaces() == ["first", "second"]
    assert store.dump() == {"first": {}, "second": {"k": 1}}
    if harness.backend.keeps_empty_namespaces:
        store = harness.reopen(store)
        assert store.namespaces() == ["first", "second"]


def test_clear_removes_namespace_and_recreation_goes_last(harness: Harness) -> None:
    store = harness.open()
    for ns in ("a", "b", "c"):
        store.set("k", ns, ns)
    store.clear("a")
    assert store.namespaces() == ["b", "c"]
    assert store.get("k", "a") is None
    store.set("k", "again", "a")
    assert store.namespaces() == ["b", "c", "a"]
    store = harness.reopen(store)
    assert store.namespaces() == ["b", "c", "a"]


def test_delete_and_reads_never_create_a_namespace(store: Store) -> None:
    store.delete("k", "ghost")
    store.get("k", "ghost")
    store.has("k", "ghost")
    store.keys("ghost")
    store.get_all("ghost")
    assert store.namespaces() == []


# -- copies ---------------------------------------------------------------------------


def test_values_are_copied_on_write_and_read(store: Store) -> None:
    value = {"list": [1, 2], "obj": {"a": 1}}
    returned = store.set("k", value, "ns")
    value["list"].append(3)
    returned["obj"]["a"] = 99
    fetched = store.get("k", "ns")
    fetched["list"].clear()
    store.get_all("ns")["k"]["obj"]["b"] = 2
    store.dump()["ns"]["k"]["list"].append(4)
    assert store.get("k", "ns") == {"list": [1, 2], "obj": {"a": 1}}


def test_appended_item_and_returned_list_are_copies(store: Store) -> None:
    item = {"a": 1}
    result = store.append("k", item, "ns")
    item["a"] = 2
    result.append("extra")
    result[0]["a"] = 3
    assert store.get("k", "ns") == [{"a": 1}]


# -- error policy ---------------------------------------------------------------------


@dataclass(frozen=True)
class Bad:
    id: str
    value: Any
    amount: Any = 1


BAD_INCREMENTS = [
    Bad("string", "5"),
    Bad("boolean", True),
    Bad("list", [1]),
    Bad("object", {"n": 1}),
    Bad("string-amount", 1, "2"),
    Bad("boolean-amount", 1, True),
]


@pytest.mark.parametrize("case", BAD_INCREMENTS, ids=[c.id for c in BAD_INCREMENTS])
def test_bad_increment_raises_and_changes_nothing(harness: Harness, case: Bad) -> None:
    store = harness.open()
    store.set("k", case.value, "ns")
    before = as_json(store.dump())
    with pytest.raises(MemoryOperationError, match="(Cannot increment non-numeric|amount must be a number)"):
        store.increment("k", case.amount, "ns")
    assert as_json(store.dump()) == before
    store = harness.reopen(store)
    assert as_json(store.dump()) == before


# -- TTL ------------------------------------------------------------------------------


def test_expired_keys_are_invisible_everywhere(harness: Harness) -> None:
    store = harness.open()
    store.set("keep", 1, "ns")
    store.set("k", "v", "ns", ttl=10)
    assert store.get("k", "ns") == "v"
    harness.now += 9.5
    assert store.has("k", "ns") is True
    harness.now += 1
    assert store.get("k", "ns") is None
    assert store.has("k", "ns") is False
    assert store.keys("ns") == ["keep"]
    assert store.get_all("ns") == {"keep": 1}
    assert store.dump() == {"ns": {"keep": 1}}
    assert store.delete("k", "ns") is False
    assert store.increment("k", 2, "ns") == 2  # starts afresh, without the old expiry
    harness.now += 100
    assert store.get("k", "ns") == 2


def test_update_keeps_expiry_and_new_ttl_replaces_it(store: Store, harness: Harness) -> None:
    store.set("a", [1], "ns", ttl=10)
    store.set("b", 1, "ns", ttl=10)
    harness.now += 5
    store.append("a", 2, "ns")  # no ttl: keeps the expiry at +10
    store.increment("b", 1, "ns", ttl=10)  # new ttl: now expires at +15
    harness.now += 6
    assert store.get("a", "ns") is None
    assert store.get("b", "ns") == 2
    store.set("b", 5, "ns")  # set without ttl: never expires
    harness.now += 1000
    assert store.get("b", "ns") == 5


# -- batches (Store.apply) ---------------------------------------------------------------


def test_a_batch_applies_in_order_and_returns_each_result(harness: Harness) -> None:
    store = harness.open()
    store.set("gone", 1, "old")
    batch = [
        Op("set", "ns", "a", {"x": [1]}),
        Op("increment", "ns", "n", 2),
        Op("increment", "ns", "n", 0.5),
        Op("append", "ns", "a", "item"),
        Op("get", "ns", "a"),
        Op("delete", "ns", "missing"),
        Op("clear", "old"),
        Op("set", "old", "back", None),
        Op("set", "ns", "b", ""),
        Op("delete", "ns", "a"),
        Op("set", "ns", "a", []),
        Op("list", "ns"),
        Op("get", "ns", "nothing"),
    ]
    assert store.apply(batch) == [
        {"x": [1]},
        2,
        2.5,
        [{"x": [1]}, "item"],
        [{"x": [1]}, "item"],
        False,
        None,
        None,
        "",
        True,
        [],
        ["n", "b", "a"],
        None,
    ]
    expected = {"ns": {"n": 2.5, "b": "", "a": []}, "old": {"back": None}}  # "old" came back last
    assert as_json(store.dump()) == as_json(expected)
    assert store.namespaces() == ["ns", "old"]
    store = harness.reopen(store)
    assert as_json(store.dump()) == as_json(expected)


def test_a_list_in_a_batch_sees_the_stored_order_and_the_batch_s_writes(store: Store) -> None:
    for key in ("a", "b", "c"):
        store.set(key, 1, "ns")
    batch = [Op("delete", "ns", "a"), Op("set", "ns", "a", 2), Op("set", "ns", "b", 3), Op("list", "ns")]
    assert store.apply(batch)[-1] == ["b", "c", "a"]
    assert store.keys("ns") == ["b", "c", "a"]
    assert store.apply([Op("list", "ns"), Op("clear", "ns"), Op("list", "ns")]) == [["b", "c", "a"], None, []]


@pytest.mark.parametrize("failing", ["increment-string", "bad-amount", "not-json", "max-keys", "value-bytes"])
def test_a_refused_batch_writes_nothing(harness: Harness, failing: str) -> None:
    store = harness.open()
    for key in ("x", "y", "z"):
        store.set(key, key, "ns")
    store.set("k", 1, "other")
    before = as_json(store.dump())
    last = {
        "increment-string": Op("increment", "ns", "z", 1),
        "bad-amount": Op("increment", "ns", "n", "1"),
        "not-json": Op("set", "ns", "v", float("nan")),
        "max-keys": Op("set", "limited", "third", 1),
        "value-bytes": Op("append", "limited", "a", "x" * 40),
    }[failing]
    batch = [
        Op("set", "ns", "x", "changed"),
        Op("delete", "ns", "y"),
        Op("clear", "other"),
        Op("append", "fresh", "l", 1),
        Op("set", "limited", "a", 1),
        Op("set", "limited", "b", 1),
        last,
    ]
    quotas = {"limited": NamespaceLimits(max_keys=2, max_value_bytes=30)}
    with pytest.raises(MemoryOperationError):
        store.apply(batch, quotas)
    assert as_json(store.dump()) == before
    assert store.namespaces() == ["ns", "other"]
    store = harness.reopen(store)
    assert as_json(store.dump()) == before


def test_quotas_count_the_batch_s_own_keys(store: Store) -> None:
    quotas = {"*": NamespaceLimits(max_keys=2)}
    store.set("a", 1, "ns")
    assert store.apply([Op("delete", "ns", "a"), Op("set", "ns", "b", 1), Op("set", "ns", "c", 1)], quotas)
    with pytest.raises(MemoryOperationError, match="already holds 2 keys"):
        store.apply([Op("set", "ns", "b", 2), Op("increment", "ns", "d", 1)], quotas)
    assert store.apply([Op("clear", "ns"), *[Op("set", "ns", k, 1) for k in "xy"]], quotas)[-1] == 1
    assert store.dump() == {"ns": {"x": 1, "y": 1}}


def test_an_empty_batch_and_a_read_only_batch_change_nothing(store: Store) -> None:
    assert store.apply([]) == []
    assert store.apply([Op("get", "ns", "k"), Op("list", "ns")]) == [None, []]
    assert store.namespaces() == []


# -- transactions ---------------------------------------------------------------------


def test_only_the_stores_of_this_process_group_batches(harness: Harness) -> None:
    """Shared stores have no transaction(): a group of writes there is one batch, never a
    namespace snapshot restored over other clients' writes."""
    store = harness.open()
    assert isinstance(store, Transactional) == harness.backend.transactional
    memory = Memory(store)
    if not harness.backend.transactional:
        with pytest.raises(TypeError, match="cannot group batches"), memory.transaction():
            pass


def test_transaction_commits_all(transactional: Transactional) -> None:
    store: Any = transactional
    with store.transaction():
        store.set("a", 1, "ns")
        store.increment("a", 1, "ns")
        assert store.get("a", "ns") == 2  # reads see the transaction's writes
        store.append("b", 1, "other")
    assert store.dump() == {"ns": {"a": 2}, "other": {"b": [1]}}


def _changes_then_failure(store: Any) -> None:
    with store.transaction():
        store.set("x", "changed", "ns")
        store.delete("y", "ns")
        store.set("new", 1, "ns")
        store.clear("other")
        store.append("l", 1, "fresh")
        store.increment("z", 1, "ns")  # "z" is a string: fails


def test_transaction_rolls_back_everything_on_error(transactional_harness: Harness) -> None:
    harness = transactional_harness
    store = harness.open()
    for key in ("x", "y", "z"):
        store.set(key, key, "ns")
    store.set("k", 1, "other")
    before = as_json(store.dump())
    with pytest.raises(MemoryOperationError):
        _changes_then_failure(store)
    assert as_json(store.dump()) == before
    assert store.namespaces() == ["ns", "other"]
    store = harness.reopen(store)
    assert as_json(store.dump()) == before


def _nested(store: Any, fail_inner: bool, fail_outer: bool) -> None:
    with store.transaction():
        store.set("a", 1, "ns")
        try:
            with store.transaction():
                store.set("b", 1, "ns")
                if fail_inner:
                    raise RuntimeError("inner fails; the outer one decides")
        except RuntimeError:
            pass
        store.set("c", 1, "ns")
        if fail_outer:
            raise RuntimeError("outer fails")


def test_nested_transaction_joins_the_outer_one(transactional: Transactional) -> None:
    store: Any = transactional
    with pytest.raises(RuntimeError, match="outer fails"):
        _nested(store, fail_inner=False, fail_outer=True)
    assert store.dump() == {}
    _nested(store, fail_inner=True, fail_outer=False)
    assert store.dump() == {"ns": {"a": 1, "b": 1, "c": 1}}


# -- concurrency ----------------------------------------------------------------------

WORKER = """
import json, sys
from pathlib import Path
from visor_mem.config.models import MemoryConfig
from visor_mem.store import open_store
config = MemoryConfig.model_validate(json.loads(sys.argv[1]))
store = open_store(config, Path(sys.argv[2]))
for _ in range(int(sys.argv[3])):
    store.increment("counter", 1, "ns")
    store.append("log", sys.argv[4], "ns")
store.close()
"""


def test_concurrent_processes_lose_no_update(concurrent_harness: Harness) -> None:
    processes, increments = 4, 100
    config = concurrent_harness.config.model_dump_json()
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, config, str(concurrent_harness.base_dir), str(increments), str(n)]
        )
        for n in range(processes)
    ]
    assert [w.wait(timeout=120) for w in workers] == [0] * processes
    store = concurrent_harness.open()
    assert store.get("counter", "ns") == processes * increments
    log = store.get("log", "ns")
    assert sorted(log) == sorted(str(n) for n in range(processes) for _ in range(increments))
