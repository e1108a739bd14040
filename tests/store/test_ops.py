"""The one operation type: records, checks, and planning over a reader."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from visor_mem.errors import MemoryOperationError
from visor_mem.store.memory import DictStore
from visor_mem.store.ops import KINDS, Op, check, plan


@dataclass(frozen=True)
class RecordCase:
    id: str
    op: Op
    record: list[object]


RECORDS = [
    RecordCase("clear", Op("clear", "ns"), ["clear", "ns"]),
    RecordCase("delete", Op("delete", "ns", "k"), ["delete", "ns", "k"]),
    RecordCase("set-null", Op("set", "ns", "k", None), ["set", "ns", "k"]),
    RecordCase("set-ttl", Op("set", "ns", "k", [], 5), ["set", "ns", "k", [], 5]),
    RecordCase("resolved", Op("set", "ns", "k", 1, expires_at=9.5), ["set", "ns", "k", 1, None, 9.5]),
]


@pytest.mark.parametrize("case", RECORDS, ids=lambda c: c.id)
def test_records_round_trip(case: RecordCase) -> None:
    assert case.op.record() == case.record
    assert Op.from_record(case.record) == case.op


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ("set", "not an operation record"),
        (["set"], "not an operation record"),
        (["set", "ns", "k", 1, None, None, "extra"], "not an operation record"),
        ([1, "ns"], "not an operation record"),
        (["set", 2, "k"], "not an operation record"),
        (["set", "ns", 3], "key must be a string"),
        (["drop", "ns"], "unknown memory operation 'drop'"),
        (["append", "ns"], "'append' needs a key"),
    ],
)
def test_malformed_records_are_refused(record: object, message: str) -> None:
    with pytest.raises(MemoryOperationError, match=message):
        Op.from_record(record)


def test_every_kind_is_checked_and_a_plan_refuses_unknown_ones() -> None:
    for kind, spec in KINDS.items():
        check(Op(kind, "ns", "k" if spec.keyed else None))
    with pytest.raises(MemoryOperationError, match="unknown memory operation"):
        plan([Op("get", "ns", "k"), Op("pop", "ns", "k")], DictStore(), 0.0)


def test_a_plan_returns_writes_as_resolved_operations_and_writes_nothing_itself() -> None:
    store = DictStore(clock=lambda: 100.0)
    store.set("n", 1, "ns", ttl=10)
    results, writes = plan(
        [
            Op("increment", "ns", "n", 1),
            Op("set", "ns", "k", "v", 5),
            Op("delete", "ns", "n"),
            Op("clear", "x"),
        ],
        store,
        100.0,
    )
    assert results == [2, "v", True, None]
    assert writes == [
        Op("set", "ns", "n", 2, expires_at=110.0),
        Op("set", "ns", "k", "v", expires_at=105.0),
        Op("delete", "ns", "n"),
        Op("clear", "x"),
    ]
    assert store.dump() == {"ns": {"n": 1}}
