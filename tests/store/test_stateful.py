"""Random batches of operations on every backend against a pure reference model.

The model below is written from the rules as DESIGN.md states them (not from
``store/ops.py``): values copied, insertion order kept (an overwrite keeps its
place, a re-created key or namespace goes last), append wraps a scalar,
increment of a non-number or by a non-number refuses the whole batch, delete
never creates a namespace, clear removes it.  Persistent backends are also
closed and reopened between batches.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from tests.store.test_conformance import BACKEND_LIST, Backend, Harness
from visor_mem.config.models import MemoryConfig
from visor_mem.errors import MemoryOperationError
from visor_mem.store.ops import Op

NAMESPACES = ["a", "ünï"]
KEYS = ["k", "ключ", "🔑"]

_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)
_long = st.builds(lambda s, n: (s or "x") * n, _text, st.integers(10_000 // 20 + 1, 600))
_scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | _text | _long
_numbers = st.integers(-1000, 1000) | st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
_values = st.recursive(
    _scalars | st.just([]) | st.just({}),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=6,
)
_ops = st.one_of(
    st.builds(
        lambda ns, k, v: Op("set", ns, k, v), st.sampled_from(NAMESPACES), st.sampled_from(KEYS), _values
    ),
    st.builds(
        lambda ns, k, v: Op("append", ns, k, v), st.sampled_from(NAMESPACES), st.sampled_from(KEYS), _values
    ),
    st.builds(
        lambda ns, k, v: Op("increment", ns, k, v),
        st.sampled_from(NAMESPACES),
        st.sampled_from(KEYS),
        _numbers | st.just("1"),
    ),
    st.builds(lambda ns, k: Op("delete", ns, k), st.sampled_from(NAMESPACES), st.sampled_from(KEYS)),
    st.builds(lambda ns: Op("clear", ns), st.sampled_from(NAMESPACES)),
    st.builds(lambda ns, k: Op("get", ns, k), st.sampled_from(NAMESPACES), st.sampled_from(KEYS)),
    st.builds(lambda ns: Op("list", ns), st.sampled_from(NAMESPACES)),
)


def norm(value: Any) -> Any:
    """JavaScript has one number type: an integral float compares as its int."""
    if isinstance(value, float) and value.is_integer() and abs(value) <= 2**53:
        return int(value)
    if isinstance(value, list):
        return [norm(v) for v in value]
    if isinstance(value, dict):
        return {k: norm(v) for k, v in value.items()}
    return value


class Refused(Exception):
    pass


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def model_apply(state: dict[str, dict[str, Any]], op: Op) -> Any:  # noqa: C901 - the rules, one branch each
    entries = state.get(op.namespace)
    key = op.key or ""
    if op.kind == "get":
        return json.loads(json.dumps(entries[key])) if entries and key in entries else None
    if op.kind == "list":
        return list(entries or {})
    if op.kind == "delete":
        return entries is not None and entries.pop(key, Refused) is not Refused
    if op.kind == "clear":
        state.pop(op.namespace, None)
        return None
    old = entries.get(key, Refused) if entries is not None else Refused
    if op.kind == "set":
        new = op.value
    elif op.kind == "append":
        new = [op.value] if old is Refused else [*old, op.value] if isinstance(old, list) else [old, op.value]
    else:
        if not _is_number(op.value) or not (old is Refused or old is None or _is_number(old)):
            raise Refused
        new = op.value + (0 if old is Refused or old is None else old)
    state.setdefault(op.namespace, {})[key] = json.loads(json.dumps(new))
    return new


def model_batch(state: dict[str, dict[str, Any]], batch: list[Op]) -> list[Any] | None:
    """The results, or None (and ``state`` untouched) when the batch is refused."""
    trial = json.loads(json.dumps(state))
    try:
        results = [model_apply(trial, op) for op in batch]
    except Refused:
        return None
    state.clear()
    state.update(trial)
    return results


def _machine(backend: Backend, folder: Path, redis_url: str) -> type[RuleBasedStateMachine]:
    class Batches(RuleBasedStateMachine):
        @initialize()
        def open_store(self) -> None:
            config = MemoryConfig.model_validate({"storage": backend.storage, **backend.fields(redis_url)})
            self.harness = Harness(backend, config, folder)
            self.store = self.harness.open()
            for namespace in self.store.namespaces():  # a clean store for each example
                self.store.clear(namespace)
            self.model: dict[str, dict[str, Any]] = {}

        @rule(batch=st.lists(_ops, min_size=1, max_size=200) | st.lists(_ops, min_size=20, max_size=200))
        def apply(self, batch: list[Op]) -> None:
            expected = model_batch(self.model, batch)
            if expected is None:
                with pytest.raises(MemoryOperationError):
                    self.store.apply(batch)
            else:
                assert norm(self.store.apply(batch)) == norm(expected)

        @rule()
        def reopen(self) -> None:
            if backend.persistent:
                self.store = self.harness.reopen(self.store)

        @invariant()
        def same_content(self) -> None:
            if hasattr(self, "store"):
                assert norm(self.store.dump()) == norm(self.model)

        def teardown(self) -> None:
            if hasattr(self, "harness"):
                self.harness.close_all()

    return Batches


@pytest.mark.parametrize("backend", BACKEND_LIST, ids=lambda b: b.name)
def test_random_batches_match_the_reference_model(
    backend: Backend, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("redis_url") if backend.storage == "redis" else ""
    machine = _machine(backend, tmp_path, url)
    machine.TestCase.settings = settings(
        max_examples=25,
        stateful_step_count=8,
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )
    machine.TestCase().runTest()


def test_the_model_can_refuse() -> None:
    """The reference refuses what the rules refuse, and keeps its state then."""
    state: dict[str, dict[str, Any]] = {"a": {"k": "text"}}
    assert model_batch(state, [Op("set", "a", "x", 1), Op("increment", "a", "k", 1)]) is None
    assert state == {"a": {"k": "text"}}
    assert model_batch(state, [Op("increment", "b", "n", 1.5), Op("append", "a", "k", [])]) == [
        1.5,
        ["text", []],
    ]
    assert not math.isnan(state["b"]["n"])
