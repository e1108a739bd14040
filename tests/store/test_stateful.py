"""Random batches of operations on every backend against the pure reference model.

The model (``tests/memory_model.py``) is written from the rules as DESIGN.md
states them, not from ``store/ops.py``.  Batches carry TTLs (on the harness's
clock, which a rule moves) and meet a quota'd namespace; persistent backends
are also closed and reopened between batches; the whole store, order
included, is compared after every step.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from tests.memory_model import MemoryModel, Quota, norm, ordered
from tests.store.test_conformance import BACKEND_LIST, Backend, Harness
from visor_mem.config.models import MemoryConfig
from visor_mem.errors import MemoryOperationError
from visor_mem.store.ops import Op
from visor_mem.store.semantics import NamespaceLimits

NAMESPACES = ["a", "ünï", "q"]
KEYS = ["k", "ключ", "🔑"]
MODEL_QUOTAS = {"q": Quota(max_keys=2, max_value_bytes=12_000)}
STORE_QUOTAS = {"q": NamespaceLimits(max_keys=2, max_value_bytes=12_000)}
TTLS = [None, None, 1000.0, 5000.0]
CLOCK_STEP = 3000.0

_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)
_long = st.builds(lambda s, n: (s or "x") * n, _text, st.integers(10_000 // 20 + 1, 600))
_scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | _text | _long
_numbers = st.integers(-1000, 1000) | st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
_values = st.recursive(
    _scalars | st.just([]) | st.just({}),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=6,
)
_ns = st.sampled_from(NAMESPACES)
_key = st.sampled_from(KEYS)
_ttl = st.sampled_from(TTLS)
_ops = st.one_of(
    st.builds(lambda ns, k, v, t: Op("set", ns, k, v, t), _ns, _key, _values, _ttl),
    st.builds(lambda ns, k, v, t: Op("append", ns, k, v, t), _ns, _key, _values, _ttl),
    st.builds(lambda ns, k, v, t: Op("increment", ns, k, v, t), _ns, _key, _numbers | st.just("1"), _ttl),
    st.builds(lambda ns, k: Op("delete", ns, k), _ns, _key),
    st.builds(lambda ns: Op("clear", ns), _ns),
    st.builds(lambda ns, k: Op("get", ns, k), _ns, _key),
    st.builds(lambda ns: Op("list", ns), _ns),
)


def as_model(batch: list[Op]) -> list[tuple[str, str, str | None, object, float | None]]:
    return [(op.kind, op.namespace, op.key, op.value, op.ttl) for op in batch]


def _machine(backend: Backend, folder: Path, redis_url: str) -> type[RuleBasedStateMachine]:
    class Batches(RuleBasedStateMachine):
        @initialize()
        def open_store(self) -> None:
            config = MemoryConfig.model_validate({"storage": backend.storage, **backend.fields(redis_url)})
            self.harness = Harness(backend, config, folder)
            self.store = self.harness.open()
            for namespace in self.store.namespaces():  # a clean store for each example
                self.store.clear(namespace)
            self.model = MemoryModel(MODEL_QUOTAS)

        @rule(batch=st.lists(_ops, min_size=1, max_size=200) | st.lists(_ops, min_size=20, max_size=200))
        def apply(self, batch: list[Op]) -> None:
            expected = self.model.batch(as_model(batch), self.harness.now)
            if expected is None:
                with pytest.raises(MemoryOperationError):
                    self.store.apply(batch, STORE_QUOTAS)
            else:
                assert norm(self.store.apply(batch, STORE_QUOTAS)) == norm(expected)

        @rule()
        def reopen(self) -> None:
            if backend.persistent:
                self.store = self.harness.reopen(self.store)

        @rule()
        def advance(self) -> None:
            self.harness.now += CLOCK_STEP

        @invariant()
        def same_content(self) -> None:
            if hasattr(self, "store"):
                assert norm(ordered(self.store.dump())) == norm(self.model.dump(self.harness.now))

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
    model = MemoryModel(MODEL_QUOTAS)
    assert model.batch([("set", "a", "k", "text", None)], 0) == ["text"]
    assert model.batch([("set", "a", "x", 1, None), ("increment", "a", "k", 1, None)], 0) is None
    assert model.dump(0) == [("a", [("k", "text")])]
    assert model.batch([("increment", "b", "n", 1.5, None), ("append", "a", "k", [], None)], 0) == [
        1.5,
        ["text", []],
    ]
    assert not math.isnan(model.data["b"]["n"].value)
    assert (
        model.batch([("set", "q", "1", 1, None), ("set", "q", "2", 2, None), ("set", "q", "3", 3, None)], 0)
        is None
    )


def test_the_model_expires_and_reorders() -> None:
    """An expired key is gone; written again, it goes last."""
    model = MemoryModel()
    model.batch([("set", "a", "x", 1, 10.0), ("set", "a", "y", 2, None), ("append", "a", "x", 3, None)], 0)
    assert model.dump(5) == [("a", [("x", [1, 3]), ("y", 2)])]
    assert model.dump(10) == [("a", [("y", 2)])]
    model.batch([("set", "a", "x", 4, None)], 10)
    assert model.dump(99) == [("a", [("y", 2), ("x", 4)])]
