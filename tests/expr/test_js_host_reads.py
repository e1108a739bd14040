"""Optimistic reads (``expr/js_host.py``): reading memory takes no exclusive section; the first
write checks what was read, and an evaluation whose reads another writer changed is void and
runs once more inside the section.

The races are made to happen, not hoped for: the snippet reads ``outputs.wait``, and the
ledger answers it only after another connection to the same store (a second sqlite
connection, a second redis client, or a real second process) has written.  Today's code,
which held the section from the first read, deadlocks there (the writer waits for the
reader's section while the reader waits for the writer).
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from visor_mem.errors import Location, ScriptError
from visor_mem.expr import EvalContext, Expressions
from visor_mem.expr.context import OutputLedger
from visor_mem.expr.js import CONTENDED_RUNS
from visor_mem.expr.js_host import VOID, HostBridge
from visor_mem.store.base import JSON, Store
from visor_mem.store.memory import DictStore
from visor_mem.store.ops import Op, Reads, answer
from visor_mem.store.redis import RedisStore
from visor_mem.store.scoped import Memory
from visor_mem.store.sqlite import SqliteStore

WHERE = Location("r.yaml", 4, 5, "steps.s.content")
BACKENDS = ["dict", "sqlite", "redis"]
WAIT_S = 20.0  # how long the rendezvous waits for the other side (today's code: until then)


class Rendezvous(OutputLedger):
    """``outputs.wait`` calls ``action`` the first time it is read (inside the evaluation,
    between its reads), and counts how often it was read (once per attempt)."""

    def __init__(self, action: Callable[[], None] = lambda: None) -> None:
        super().__init__()
        self.action = action
        self.reads = 0

    def visible(self, step: str) -> JSON:
        if step != "wait":
            return super().visible(step)
        self.reads += 1
        if self.reads == 1:
            self.action()
        return self.reads


@dataclass
class Shared:
    """One store seen through two connections: the snippet's, and another writer's."""

    mine: Store
    other: Store

    def close(self) -> None:
        for store in (self.mine, self.other):
            store.close()


@pytest.fixture(params=BACKENDS)
def shared(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Shared]:
    if request.param == "dict":  # one process: the other writer is another caller of the store
        store = DictStore()
        pair = Shared(store, store)
    elif request.param == "sqlite":
        pair = Shared(SqliteStore(tmp_path / "m.db"), SqliteStore(tmp_path / "m.db"))
    else:
        url = request.getfixturevalue("redis_url")
        pair = Shared(RedisStore(url), RedisStore(url))
    try:
        yield pair
    finally:
        pair.close()


def _evaluate(
    shared: Shared, code: str, action: Callable[[], None], timeout: float = 60
) -> tuple[JSON, Rendezvous, list[str]]:
    ledger = Rendezvous(action)
    logs: list[str] = []
    ctx = EvalContext(Memory(shared.mine), Memory(DictStore()), outputs=ledger)
    expressions = Expressions(ctx, js_timeout=timeout, log=logs.append)
    try:
        return expressions.js(code, where=WHERE), ledger, logs
    finally:
        expressions.close()


def _write(store: Store, **values: JSON) -> Callable[[], None]:
    """Another connection sets ``values`` in one batch."""
    return lambda: store.apply([Op("set", "default", key, value) for key, value in values.items()])


RMW = """
log('attempt');
const n = memory.get('n');
outputs.wait;
memory.set('n', n + 1);
return n + 1;
"""


def test_a_read_modify_write_whose_read_changed_runs_again_and_is_exact(shared: Shared) -> None:
    shared.mine.set("n", 1, "default")
    value, ledger, logs = _evaluate(shared, RMW, _write(shared.other, n=10))
    assert value == 11  # the rerun read the other writer's 10
    assert shared.other.get("n", "default") == 11
    assert ledger.reads == 2  # the first attempt and one rerun
    assert logs == ["attempt"]  # the void attempt's line is not printed
    shared.other.set("after", 1, "default")  # the sections kept for the rerun were left


def test_a_value_changed_only_in_its_json_type_is_a_change(shared: Shared) -> None:
    """1 -> true: equal in Python, not in the store (the rerun sees true)."""
    shared.mine.set("n", 1, "default")
    code = "const n = memory.get('n'); outputs.wait; memory.set('seen', n); return n;"
    value, ledger, _ = _evaluate(shared, code, _write(shared.other, n=True))
    assert value is True
    assert ledger.reads == 2


def test_a_read_modify_write_nobody_raced_runs_once(shared: Shared) -> None:
    shared.mine.set("n", 1, "default")
    value, ledger, logs = _evaluate(shared, RMW, _write(shared.other, other=5))
    assert (value, ledger.reads, logs) == (2, 1, ["attempt"])
    assert shared.other.get("n", "default") == 2


CATCHING = """
const n = memory.get('n');
outputs.wait;
let outcome;
try { memory.set('n', n + 1); outcome = 'written'; } catch (e) { outcome = 'caught: ' + e.message; }
try { memory.set('also', n); } catch (e) {}
return [outcome, n];
"""


def test_catching_the_error_does_not_save_a_void_evaluation(shared: Shared) -> None:
    shared.mine.set("n", 1, "default")
    value, ledger, _ = _evaluate(shared, CATCHING, _write(shared.other, n=10))
    assert value == ["written", 10]  # only the rerun's result is seen
    assert ledger.reads == 2
    assert shared.other.get("n", "default") == 11
    assert shared.other.get("also", "default") == 10  # not 1: nothing of the void attempt was kept


SPINNING = """
const n = memory.get('n');
outputs.wait;
while (true) { try { memory.set('n', n + 1); break; } catch (e) {} }
return n + 1;
"""


def test_a_void_evaluation_that_spins_on_the_error_is_rerun_after_its_time_limit(shared: Shared) -> None:
    shared.mine.set("n", 1, "default")
    value, ledger, _ = _evaluate(shared, SPINNING, _write(shared.other, n=10), timeout=0.5)
    assert value == 11  # the void attempt's timeout is not the step's error
    assert ledger.reads == 2


TWO_READS = "const a = memory.get('a'); outputs.wait; const b = memory.get('b'); return [a, b];"
TORN_THROWS = (
    "const a = memory.get('a'); outputs.wait; const b = memory.get('b');"
    " if (a !== b) throw new Error('torn: ' + a + ' ' + b); return [a, b];"
)


@pytest.mark.parametrize("code", [TWO_READS, TORN_THROWS], ids=["value", "thrown-error"])
def test_a_read_only_evaluation_never_sees_a_state_that_did_not_exist(shared: Shared, code: str) -> None:
    """a and b change together; reading a before and b after that batch is a torn view."""
    _write(shared.mine, a=0, b=0)()
    value, ledger, _ = _evaluate(shared, code, _write(shared.other, a=1, b=1))
    assert value == [1, 1]
    assert ledger.reads == 2


def test_a_single_read_is_one_moment_and_is_not_checked_again(shared: Shared) -> None:
    shared.mine.set("a", 0, "default")
    value, ledger, _ = _evaluate(
        shared, "const a = memory.get('a'); outputs.wait; return a;", _write(shared.other, a=1)
    )
    assert (value, ledger.reads) == (0, 1)  # serialized before the other write


@pytest.mark.parametrize(
    "code",
    [
        "memory.list(); outputs.wait; return memory.get('x');",
        "memory.getAll(); outputs.wait; return memory.get('x');",
        "memory.listNamespaces(); outputs.wait; return memory.get('x');",
        "memory.has('new'); outputs.wait; return memory.get('x');",
    ],
    ids=["list", "getAll", "listNamespaces", "absent-key"],
)
def test_every_kind_of_read_is_checked(shared: Shared, code: str) -> None:
    shared.mine.set("x", 1, "default")
    other = _write(shared.other, new=1) if "listNamespaces" not in code else None
    action = other or (lambda: shared.other.set("k", 1, "elsewhere"))
    _, ledger, _ = _evaluate(shared, code, action)
    assert ledger.reads == 2  # what it listed (or found absent) changed: it ran again


@pytest.mark.parametrize(
    ("code", "change"),
    [
        ("memory.listNamespaces(); outputs.wait; return memory.listNamespaces();", "namespace"),
        ("memory.get('x'); outputs.wait; memory.list(); return memory.get('x');", "x"),
    ],
    ids=["namespace-list", "entry-read-again-after-list"],
)
def test_two_different_answers_to_one_question_make_the_evaluation_void(
    shared: Shared, code: str, change: str
) -> None:
    """The evaluation itself saw two moments (a listing re-reads listed keys): it runs again."""
    shared.mine.set("x", 1, "default")
    if change == "namespace":
        action = lambda: shared.other.set("k", 1, "elsewhere")  # noqa: E731
    else:
        action = _write(shared.other, x=2)
    value, ledger, _ = _evaluate(shared, code, action)
    assert ledger.reads == 2
    assert value == (["default", "elsewhere"] if change == "namespace" else 2)


def test_a_void_bridge_answers_every_call_with_the_void_error_and_applies_nothing() -> None:
    store = DictStore()
    memories = {"memory": Memory(store), "session": Memory(DictStore())}
    bridge = HostBridge(memories, OutputLedger())
    bridge.reset()
    assert bridge('["memory", "get", null, "n"]', "") == ""
    store.set("n", 5, "default")  # another writer, between the read and the write
    for call in (
        '["memory", "set", null, "n"]',
        '["memory", "get", null, "n"]',
        '["outputs", "latest", null, "s"]',
    ):
        reply = bridge(call, "1")
        assert reply.startswith("!")
        assert VOID in reply
    assert bridge.void
    assert not bridge.settle()
    bridge.finish(commit=True)
    assert store.get("n", "default") == 5


def test_the_rerun_holds_the_section_from_its_first_read() -> None:
    """Exclusive from the first call: the reads are not logged, so the rerun cannot be void."""
    store = DictStore()
    bridge = HostBridge({"memory": Memory(store), "session": Memory(DictStore())}, OutputLedger())
    bridge.reset(exclusive=True)
    bridge('["memory", "get", null, "n"]', "")
    assert bridge.batches["memory"].log is None
    assert bridge.settle()
    bridge.finish(commit=True)


def test_a_store_failure_entering_the_section_is_the_evaluation_error(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "m.db")
    ctx = EvalContext(Memory(store), Memory(DictStore()))
    expressions = Expressions(ctx)
    store.close()  # the connection is gone: entering the section fails
    try:
        with pytest.raises(Exception, match="closed") as caught:
            expressions.js("memory.set('k', 1)", where=WHERE)
        assert not isinstance(caught.value, ScriptError)
    finally:
        expressions.close()


# -- real processes: a read-only evaluation held open blocks nobody ---------------------------

OTHER_PROCESS = """
import sys, time
from pathlib import Path
from visor_mem.errors import Location
from visor_mem.expr import EvalContext, Expressions
from visor_mem.store.memory import DictStore
from visor_mem.store.scoped import Memory
from visor_mem.store.{module} import {cls}

ready, done = Path(sys.argv[1]), Path(sys.argv[2])
while not ready.exists():
    time.sleep(0.005)
store = {cls}({target})
expressions = Expressions(EvalContext(Memory(store), Memory(DictStore())))
value = expressions.js({code!r}, where=Location("other.yaml", 1, 1, "steps.o.content"))
expressions.close()
store.close()
done.with_suffix(".part").write_text(repr(value))
done.with_suffix(".part").replace(done)  # whole or absent: the test polls for it
"""


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
@pytest.mark.parametrize(
    ("code", "expected"),
    [("memory.set('k', 2); return 'wrote'", "'wrote'"), ("memory.get('k')", "1")],
    ids=["writer", "reader"],
)
def test_a_read_only_evaluation_held_open_blocks_no_other_process(
    tmp_path: Path, backend: str, code: str, expected: str, request: pytest.FixtureRequest
) -> None:
    target = str(tmp_path / "m.db") if backend == "sqlite" else request.getfixturevalue("redis_url")
    store = SqliteStore(Path(target)) if backend == "sqlite" else RedisStore(target)
    store.set("k", 1, "default")
    ready, done = tmp_path / "ready", tmp_path / "done"
    module, cls = ("sqlite", "SqliteStore") if backend == "sqlite" else ("redis", "RedisStore")
    target_arg = f"Path({target!r})" if backend == "sqlite" else repr(target)
    script = OTHER_PROCESS.format(module=module, cls=cls, target=target_arg, code=code)
    other = subprocess.Popen([sys.executable, "-c", script, str(ready), str(done)])

    def meet() -> None:  # inside the snippet, after its first read: let the other process run
        ready.touch()
        deadline = time.monotonic() + WAIT_S
        while not done.exists() and time.monotonic() < deadline and other.poll() in (None, 0):
            time.sleep(0.005)

    try:
        shared = Shared(store, store)
        value, _, _ = _evaluate(shared, "const k = memory.get('k'); outputs.wait; return k;", meet)
        assert done.exists(), "the other process did not finish while the snippet was open"
        assert done.read_text() == expected
        assert value == 1
    finally:
        other.wait(timeout=120)
        store.close()
    assert other.returncode == 0


def test_read_again_answers_every_question_as_the_live_reader_does(shared: Shared) -> None:
    """``Store.read_again`` (one snapshot / one MULTI) agrees with the reader, question by question."""
    store = shared.mine
    store.apply(
        [Op("set", "a", "x", {"n": 1}), Op("set", "a", "y", None, ttl=600), Op("set", "b", "z", True)]
    )
    questions = Reads(
        {("a", "x"): None, ("a", "y"): None, ("a", "gone"): None, ("nowhere", "k"): None},
        {"a": [], "nowhere": []},
        {"a": 0, "b": 0},
        [],
    )
    again = shared.other.read_again(questions)
    assert again == answer(questions, store.reader(), store.namespaces)
    assert again.entries[("a", "y")] is not None  # a stored null is there, not absent
    assert (again.keys["a"], again.counts, again.namespaces) == (["x", "y"], {"a": 2, "b": 1}, ["a", "b"])
    assert shared.other.read_again(Reads({}, {}, {})) == Reads({}, {}, {})


class Probe(OutputLedger):
    """``outputs.wait`` records whether another connection could take sqlite's write lock now,
    racing a write of ``n`` the first time."""

    def __init__(self, path: Path, other: Store) -> None:
        super().__init__()
        self.path, self.other, self.locked = path, other, list[bool]()

    def visible(self, step: str) -> JSON:
        probe = sqlite3.connect(self.path, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            self.locked.append(False)
        except sqlite3.OperationalError:
            self.locked.append(True)
        finally:
            probe.close()
        if len(self.locked) == 1:
            self.other.set("n", 10, "default")
        return None


def test_a_snippet_whose_write_lost_a_race_runs_in_the_section_for_a_while(tmp_path: Path) -> None:
    """After a void at its first write, the same snippet's next CONTENDED_RUNS evaluations take
    the section at their first read (no wasted attempt on a hot key); then optimism again."""
    path = tmp_path / "m.db"
    mine, other = SqliteStore(path), SqliteStore(path)
    mine.set("n", 1, "default")
    ledger = Probe(path, other)
    expressions = Expressions(EvalContext(Memory(mine), Memory(DictStore()), outputs=ledger))
    try:
        for _ in range(CONTENDED_RUNS + 2):
            expressions.js(RMW, where=WHERE)
        expressions.js("memory.get('n'); outputs.wait; return 0", where=WHERE)  # another snippet
    finally:
        expressions.close()
        mine.close()
    # attempt, its rerun (in the section), the contended runs, one optimistic again; another snippet
    assert ledger.locked == [False, True, *[True] * CONTENDED_RUNS, False, False]
    assert other.get("n", "default") == 10 + CONTENDED_RUNS + 2
    other.close()
