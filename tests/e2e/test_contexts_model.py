"""Every context that touches memory, on every backend, against one reference model.

A hypothesis state machine drives random operations through memory steps,
``type: script``, ``value_js``, ``exec_js``, Liquid reads and ``visor memory``
(the first five through a real run of the engine), and compares each result
and, after every step, the whole store (order included) with the pure model
of ``tests/memory_model.py``.  Values include Unicode, strings over 10 kB,
nested and empty containers and keys like ``__proto__``; a snippet issues up
to 200 operations, some on the session; one namespace has quotas; TTLs run on
a clock the test moves.  Parallel steps on four workers read-modify-write one key
in JavaScript and must lose nothing.

The runs use ``RunOptions.harness`` to hand the engine a store opened on that
clock; ``visor memory`` opens the store itself from a config file, on the real
clock, so it runs only before the test clock first moves.
"""

from __future__ import annotations

import copy
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from tests.helpers import run_yaml
from tests.memory_model import MemoryModel, Quota, Refused, is_number, norm, ordered
from tests.store.test_conformance import BACKEND_LIST, Backend
from visor_mem.cli.memory import memory as memory_cli
from visor_mem.config import load_config
from visor_mem.engine import run_config
from visor_mem.engine.harness import Harness
from visor_mem.engine.options import RunOptions
from visor_mem.engine.results import RunResult
from visor_mem.store import open_store
from visor_mem.store.base import Store
from visor_mem.store.memory import DictStore

NAMESPACES = [None, "a", "ünï", "q"]
"""None: the config's default namespace; "q" has quotas."""
DEFAULT_NAMESPACE = "default"
QUOTAS = {"q": Quota(max_keys=3, max_value_bytes=12_000)}
KEYS = ["k", "ключ", "🔑"]
TTLS = [None, None, 1000.0, 5000.0]
CLOCK_STEP = 3000.0
"""How far ``advance`` moves the test clock: never within a few minutes of an expiry
(expiries are ttl + the real seconds elapsed, ttl in TTLS)."""
REFUSED = {"__refused__": True}

Op = tuple[str, str | None, str | None, Any, float | None]
"""(kind, namespace or None, key, value or amount, ttl)."""
ScopedOp = tuple[str, Op]
"""("memory" | "session", op)."""

# Text without "{" (a memory step renders "{{" in its values as Liquid, as Visor does)
# and without lone surrogates (JSON text cannot carry them).
_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="{"), max_size=16)
_long = st.builds(lambda s, n: (s or "x") * n, _text, st.integers(10_001 // 16 + 1, 800))
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False, width=64).filter(lambda f: abs(f) < 1e300)
    | _text
    | _long
)
_dict_keys = _text | st.sampled_from(["__proto__", "constructor", "toString", ""])
VALUES = st.recursive(
    _scalars | st.just([]) | st.just({}),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_dict_keys, inner, max_size=3),
    max_leaves=6,
)
_amounts = st.integers(-1000, 1000) | st.floats(-1e6, 1e6, allow_nan=False) | st.just("1") | st.just(True)
_ns = st.sampled_from(NAMESPACES)
_key = st.sampled_from(KEYS)


def ops(ttls: bool) -> st.SearchStrategy[Op]:
    """One operation; ``ttls``: writes may carry one (memory steps and ``visor memory``)."""
    ttl = st.sampled_from(TTLS) if ttls else st.none()
    return st.one_of(
        st.tuples(st.just("set"), _ns, _key, VALUES, ttl),
        st.tuples(st.just("append"), _ns, _key, VALUES, ttl),
        st.tuples(st.just("increment"), _ns, _key, _amounts, ttl),
        st.tuples(st.just("get"), _ns, _key, st.none(), st.none()),
        st.tuples(st.just("delete"), _ns, _key, st.none(), st.none()),
        st.tuples(st.just("clear"), _ns, st.none(), st.none(), st.none()),
        st.tuples(st.just("list"), _ns, st.none(), st.none(), st.none()),
    )


SCOPED = st.tuples(st.sampled_from(["memory", "memory", "memory", "session"]), ops(ttls=False))
SNIPPETS = st.lists(SCOPED, min_size=1, max_size=12) | st.lists(SCOPED, min_size=100, max_size=200)


# -- rendering operations for each context -------------------------------------------------


def _lit(value: Any) -> str:
    """A JavaScript expression for a JSON value (JSON.parse keeps "__proto__" an own key)."""
    return f"JSON.parse({json.dumps(json.dumps(value))})"


def js_call(scope: str, op: Op) -> str:
    kind, namespace, key, value, _ = op
    ns = json.dumps(namespace)
    k = json.dumps(key)
    calls = {
        "get": f"{scope}.get({k}, {ns})",
        "set": f"{scope}.set({k}, {_lit(value)}, {ns})",
        "append": f"{scope}.append({k}, {_lit(value)}, {ns})",
        "increment": f"{scope}.increment({k}, {_lit(value)}, {ns})",
        "delete": f"{scope}.delete({k}, {ns})",
        "clear": f"{scope}.clear({ns})",
        "list": f"{scope}.list({ns})",
    }
    return calls[kind]


def snippet(scoped: list[ScopedOp], caught: bool) -> str:
    """JavaScript running the operations in order and returning their results."""
    lines = ["const r = [];"]
    for scope, op in scoped:
        call = js_call(scope, op)
        if caught:
            call = f"(() => {{ try {{ return {call}; }} catch (e) {{ return {json.dumps(REFUSED)}; }} }})()"
        lines.append(f"r.push({call});")
    lines.append("return r;")
    return "\n".join(lines)


def memory_step(op: Op) -> dict[str, Any]:
    kind, namespace, key, value, ttl = op
    step: dict[str, Any] = {"type": "memory", "operation": kind}
    if namespace is not None:
        step["namespace"] = namespace
    if key is not None:
        step["key"] = key
    if kind in ("set", "append", "increment"):
        step["value"] = value
    if ttl is not None:
        step["ttl"] = ttl
    return step


LIQUID_READS = st.lists(
    st.tuples(st.sampled_from(["memory_get", "memory_has", "memory_list"]), _ns, _key), min_size=1, max_size=8
)


def liquid_read(filter_name: str, namespace: str | None, key: str) -> str:
    ns = namespace or DEFAULT_NAMESPACE
    if filter_name == "memory_list":
        return f"{{{{ '{ns}' | memory_list | json }}}}"
    return f"{{{{ '{key}' | {filter_name}: '{ns}' | json }}}}"


# -- the machine ------------------------------------------------------------------------


def _machine(backend: Backend, folder: Path, redis_url: str) -> type[RuleBasedStateMachine]:  # noqa: C901
    memory_config: dict[str, Any] = {
        "storage": backend.storage,
        **{k: str(folder / v) if k == "file" else v for k, v in backend.fields(redis_url).items()},
        "namespace": DEFAULT_NAMESPACE,
        "limits": {
            ns: {"max_keys": q.max_keys, "max_value_bytes": q.max_value_bytes} for ns, q in QUOTAS.items()
        },
    }
    config_file = folder / "memory.visor.yaml"
    config_file.write_text(
        json.dumps({"version": "1.0", "memory": memory_config, "steps": {"noop": {"type": "noop"}}})
    )

    class Contexts(RuleBasedStateMachine):
        @initialize()
        def start(self) -> None:
            self.now = float(int(time.time()))
            self.moved = False
            self.memory_store = DictStore(clock=self.clock) if not backend.persistent else None
            store = self.open()
            for namespace in store.namespaces():  # each example starts from an empty store
                store.clear(namespace)
            store.close()
            self.model = MemoryModel(QUOTAS)

        def clock(self) -> float:
            return self.now

        def open(self) -> Store:
            if self.memory_store is not None:
                return self.memory_store
            config = load_config(config_file).spec.memory
            return open_store(config, folder, clock=self.clock, lock_timeout=5)

        def run(self, steps: dict[str, dict[str, Any]], parallel: bool = False) -> RunResult:
            """One run of the engine over these steps: in order, each after the last even if it
            failed; or (``parallel``) all at once on four workers."""
            names = list(steps)
            for before, name in zip(names, names[1:], strict=False):
                if not parallel:
                    steps[name] = {**steps[name], "depends_on": [before]}
            for name in names:
                steps[name]["continue_on_failure"] = True
            loaded = load_config({"version": "1.0", "memory": memory_config, "steps": steps})
            harness = Harness(self.open(), DictStore(clock=self.clock), lambda kinds: kinds)
            options = RunOptions(harness=harness, max_parallel=4 if parallel else 1, environ={})
            return run_config(loaded, options)

        # -- model ---------------------------------------------------------------------

        def expect(self, op: Op, model: MemoryModel | None = None) -> Any:
            """The model's result of one operation (REFUSED: refused, nothing changed)."""
            kind, namespace, key, value, ttl = op
            results = (self.model if model is None else model).batch(
                [(kind, namespace or DEFAULT_NAMESPACE, key, value, ttl)], self.now
            )
            return REFUSED if results is None else results[0]

        def expect_snippet(
            self, scoped: list[ScopedOp], caught: bool
        ) -> tuple[list[Any] | None, MemoryModel]:
            """The model's results of a snippet (None: it fails and nothing changes) and the session."""
            session = MemoryModel()
            backup = copy.deepcopy(self.model.data)
            results: list[Any] = []
            for scope, op in scoped:
                target = self.model if scope == "memory" else session
                kind, namespace, key, value, ttl = op
                try:
                    results.append(
                        target.apply(kind, namespace or DEFAULT_NAMESPACE, key, value, ttl, self.now)
                    )
                except Refused:
                    if not caught:
                        self.model.data = backup
                        return None, MemoryModel()
                    results.append(REFUSED)
            return results, session

        # -- contexts -------------------------------------------------------------------

        @rule(
            batch=st.lists(
                st.tuples(st.sampled_from(["memory", "memory", "session"]), ops(ttls=True)), max_size=6
            )
        )
        def memory_steps(self, batch: list[ScopedOp]) -> None:
            """One memory step per operation (``scope: session`` on some), each its own batch."""
            steps = {f"s{i}": {**memory_step(op), "scope": scope} for i, (scope, op) in enumerate(batch)}
            result = self.run(steps or {"nothing": {"type": "noop"}})
            session = MemoryModel()
            for i, (scope, op) in enumerate(batch):
                step = result.steps[f"s{i}"]
                expected = self.expect(op, session if scope == "session" else None)
                if expected is REFUSED:
                    assert step.status == "failed", (op, step)
                else:
                    assert step.status == "success", (op, step.error)
                    assert norm(step.output) == norm(expected), op
            assert norm(ordered(result.session)) == norm(session.dump(self.now))

        @rule(scoped=SNIPPETS, caught=st.booleans(), exec_js=st.booleans())
        def script(self, scoped: list[ScopedOp], caught: bool, exec_js: bool) -> None:
            code = snippet(scoped, caught)
            step = (
                {"type": "memory", "operation": "exec_js", "memory_js": code}
                if exec_js
                else {"type": "script", "content": code}
            )
            result = self.run({"js": step})
            expected, session = self.expect_snippet(scoped, caught)
            outcome = result.steps["js"]
            if expected is None:
                assert outcome.status == "failed", outcome
                assert result.session == {}
            else:
                assert outcome.status == "success", outcome.error
                assert norm(outcome.output) == norm(expected)
                assert norm(ordered(result.session)) == norm(session.dump(self.now))

        @rule(
            reads=st.lists(SCOPED, max_size=20),
            written=st.tuples(
                st.sampled_from(["set", "append", "increment"]), _ns, _key, st.none(), st.sampled_from(TTLS)
            ),
        )
        def value_js(self, reads: list[ScopedOp], written: Op) -> None:
            """A memory step whose value_js runs operations: their results are the value written."""
            kind, namespace, key, _, ttl = written
            reads = [(scope, op) for scope, op in reads if scope == "memory"]
            if kind == "increment":  # the amount: a number read from memory (missing or null: 0)
                get: Op = ("get", namespace, key, None, None)
                reads, code = [("memory", get)], f"({js_call('memory', get)}) ?? 0"
            else:
                code = (
                    snippet(reads, caught=False).replace("const r = [];", "(() => { const r = [];") + " })()"
                )
            step = {**memory_step((kind, namespace, key, None, ttl)), "value_js": code}
            step.pop("value")
            outcome = self.run({"v": step}).steps["v"]
            values, _ = self.expect_snippet(reads, caught=False)
            if values is None:
                assert outcome.status == "failed", outcome
                return
            value = (values[0] if values[0] is not None else 0) if kind == "increment" else values
            expected = self.expect((kind, namespace, key, value, ttl))
            if expected is REFUSED:
                assert outcome.status == "failed", outcome
            else:
                assert outcome.status == "success", outcome.error
                assert norm(outcome.output) == norm(expected)

        @rule(
            amounts=st.lists(st.integers(-1000, 1000), min_size=2, max_size=8),
            namespace=_ns,
            key=_key,
            kind=st.sampled_from(["script", "value_js"]),
        )
        def parallel_read_modify_write(
            self, amounts: list[int], namespace: str | None, key: str, kind: str
        ) -> None:
            """Steps on four workers, each reading a number and writing it back plus its amount:
            serializable in one process too, so the total is exact (or every step fails on a
            value that is no number)."""
            ns, k = json.dumps(namespace), json.dumps(key)
            read = f"(memory.get({k}, {ns}) ?? 0)"
            steps = {
                f"p{i}": (
                    {"type": "script", "content": f"return memory.set({k}, {read} + {d}, {ns})"}
                    if kind == "script"
                    else {**memory_step(("set", namespace, key, None, None)), "value_js": f"{read} + {d}"}
                )
                for i, d in enumerate(amounts)
            }
            for step in steps.values():
                step.pop("value", None)
            self.model.expire(self.now)
            old = self.model.data.get(namespace or DEFAULT_NAMESPACE, {}).get(key)
            start = 0 if old is None or old.value is None else old.value
            exact = is_number(start) and float(start).is_integer() and abs(start) < 2**52
            if not exact or namespace == "q" and old is None:
                # JavaScript would concatenate text; float sums depend on the order the steps
                # ran in (0.05 + 1 - 1 is not 0.05); a quota could refuse the new key.
                return
            result = self.run(steps, parallel=True)
            assert {step.status for step in result.steps.values()} == {"success"}, [
                step.error for step in result.steps.values()
            ]
            total = start + sum(amounts)
            assert self.expect(("set", namespace, key, total, None)) == total
            assert total in [norm(step.output) for step in result.steps.values()]  # the last one's

        @rule(reads=LIQUID_READS)
        def liquid(self, reads: list[tuple[str, str | None, str]]) -> None:
            message = "[" + ", ".join(liquid_read(*read) for read in reads) + "]"
            outcome = self.run({"log": {"type": "log", "message": message}}).steps["log"]
            assert outcome.status == "success", outcome.error
            self.model.expire(self.now)
            expected = []
            for filter_name, namespace, key in reads:
                kind = "list" if filter_name == "memory_list" else "get"
                found = self.expect((kind, namespace, key, None, None))
                if filter_name == "memory_has":
                    found = key in self.model.data.get(namespace or DEFAULT_NAMESPACE, {})
                expected.append(found)
            assert norm(json.loads(outcome.output["text"])) == norm(expected)

        @precondition(lambda self: backend.persistent and not self.moved)
        @rule(op=ops(ttls=True))
        def visor_memory(self, op: Op) -> None:
            kind, namespace, key, value, ttl = op
            args = [kind, "-c", str(config_file), "-o", "json", "-n", namespace or DEFAULT_NAMESPACE]
            if ttl is not None:
                args += ["--ttl", repr(ttl)]
            args += ["--", *([key] if key is not None else [])]
            if kind in ("set", "append", "increment"):
                args.append(json.dumps(value, ensure_ascii=False))
            outcome = CliRunner().invoke(memory_cli, args)
            expected = self.expect(op)
            if expected is REFUSED:
                assert outcome.exit_code != 0, outcome.output
                assert outcome.exception is not None
                return
            assert outcome.exception is None, outcome.exception
            printed = json.loads(outcome.stdout)
            if kind == "clear":
                printed = None  # it prints the namespaces it cleared
            assert norm(printed) == norm(expected)

        @rule()
        def advance(self) -> None:
            self.now += CLOCK_STEP
            self.moved = True

        # -- the whole store -----------------------------------------------------------------

        @invariant()
        def same_content(self) -> None:
            if not hasattr(self, "model"):
                return
            store = self.open()
            try:
                assert norm(ordered(store.dump())) == norm(self.model.dump(self.now))
            finally:
                if self.memory_store is None:
                    store.close()

    return Contexts


@pytest.mark.parametrize("backend", BACKEND_LIST, ids=lambda b: b.name)
def test_every_context_matches_the_reference_model(
    backend: Backend, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("redis_url") if backend.storage == "redis" else ""
    machine = _machine(backend, tmp_path, url)
    machine.TestCase.settings = settings(
        max_examples=int(os.environ.get("VISOR_MODEL_EXAMPLES", "20")),
        stateful_step_count=12,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    machine.TestCase().runTest()


def test_value_js_writes_stay_when_the_steps_own_write_is_refused(tmp_path: Path) -> None:
    """Two batches: the snippet's (applied when it succeeds), then the step's (refused by a quota)."""
    result = run_yaml(
        tmp_path,
        """
        memory: {storage: sqlite, file: m.db, limits: {q: {max_keys: 0}}}
        steps:
          write:
            type: memory
            operation: set
            namespace: q
            key: refused
            value_js: "memory.set('seen', 1, 'a')"
        """,
    )
    assert result.steps["write"].status == "failed"
    assert result.memory == {"a": {"seen": 1}}


def test_a_big_number_from_javascript_adds_as_javascript_adds(tmp_path: Path) -> None:
    """JavaScript prints the double 5.902955615798177e16 as 59029556157981770; read as that
    Python int, + 716 gave 59029556157982486, which is not what JavaScript computes."""
    result = run_yaml(
        tmp_path,
        """
        steps:
          big: {type: script, content: "memory.set('n', 5.902955615798177e16)"}
          add: {type: memory, operation: increment, key: n, value: 716, depends_on: big}
          seen: {type: script, content: "return memory.get('n') === 5.902955615798177e16 + 716", depends_on: add}
        """,
    )
    assert result.steps["add"].output == 5.902955615798177e16 + 716
    assert result.steps["seen"].output is True
