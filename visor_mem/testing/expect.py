"""Expectations: what a case's ``expect`` block asks, checked against what its run did.

Each kind of expectation has one checker in :data:`CHECKERS`; each failure
names the field it comes from (``tests.cases.2.expect.calls.0``) so reports
can point at its line, and carries the expected and actual values for a diff.
Strict mode (Visor's default): every step that ran must be listed in ``calls``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from visor_mem.engine.results import RunResult
from visor_mem.testing.compare import MISSING, compact, follow, mismatches
from visor_mem.testing.models import ExpectBlock, MemoryExpect, OutputExpect

NO_VALUE: Any = None


@dataclass(frozen=True)
class Failure:
    """One expectation that does not hold."""

    field: str
    """Field path of the expectation in the suite, e.g. ``tests.cases.0.expect.calls.1``."""
    message: str
    expected: Any = NO_VALUE
    actual: Any = NO_VALUE
    diff: bool = False
    """Whether expected/actual are worth a diff (structured values)."""


@dataclass
class Trace:
    """What the run did, execution by execution (filled from engine events)."""

    executions: list[str] = field(default_factory=list)
    outputs: dict[str, list[Any]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Facts:
    """Everything a checker may look at."""

    result: RunResult
    trace: Trace
    namespace: str


Checker = Callable[[ExpectBlock, Facts, str], Iterator[Failure]]


def check(expect: ExpectBlock, facts: Facts, base: str, strict: bool) -> list[Failure]:
    """Every failure of ``expect`` (``base``: its field path), in a stable order."""
    failures = [failure for checker in CHECKERS.values() for failure in checker(expect, facts, base)]
    if strict:
        failures.extend(_strict(expect, facts, base))
    return failures


def runs_of(facts: Facts, step: str) -> int:
    found = facts.result.steps.get(step)
    return found.runs if found else 0


def _calls(expect: ExpectBlock, facts: Facts, base: str) -> Iterator[Failure]:
    for i, call in enumerate(expect.calls):
        runs = runs_of(facts, call.step)
        wanted = _count_text(call.exactly, call.at_least, call.at_most)
        if not _count_holds(runs, call.exactly, call.at_least, call.at_most):
            yield Failure(f"{base}.calls.{i}", f"step '{call.step}' ran {_times(runs)}, expected {wanted}")


def _count_holds(runs: int, exactly: int | None, at_least: int | None, at_most: int | None) -> bool:
    if exactly is None and at_least is None and at_most is None:
        return runs >= 1  # Visor: a bare `- step: x` means it ran
    return (
        (exactly is None or runs == exactly)
        and (at_least is None or runs >= at_least)
        and (at_most is None or runs <= at_most)
    )


def _count_text(exactly: int | None, at_least: int | None, at_most: int | None) -> str:
    if exactly is not None:
        return f"exactly {_times(exactly)}"
    parts = [f"at least {_times(at_least)}" if at_least is not None else ""]
    parts.append(f"at most {_times(at_most)}" if at_most is not None else "")
    return " and ".join(p for p in parts if p) or "at least once"


def _times(count: int | None) -> str:
    return "once" if count == 1 else f"{count} times"


def _no_calls(expect: ExpectBlock, facts: Facts, base: str) -> Iterator[Failure]:
    for i, item in enumerate(expect.no_calls):
        runs = runs_of(facts, item.step)
        if runs:
            yield Failure(f"{base}.no_calls.{i}", f"step '{item.step}' ran {_times(runs)}, expected never")


def _outputs(expect: ExpectBlock, facts: Facts, base: str) -> Iterator[Failure]:
    for i, item in enumerate(expect.outputs):
        history = facts.trace.outputs.get(item.step, [])
        value = _pick(history, item)
        where = f"output of '{item.step}'" + (f" at {item.path}" if item.path else "")
        if value is MISSING:
            ran = f"it ran {_times(len(history))}" if history else "it never ran"
            yield Failure(f"{base}.outputs.{i}", f"step '{item.step}' has no output {item.index} ({ran})")
            continue
        yield from _compared(f"{base}.outputs.{i}", where, value, item)


def _pick(history: list[Any], item: OutputExpect) -> Any:
    if not history:
        return MISSING
    index = {"first": 0, "last": -1}.get(str(item.index), item.index)
    assert isinstance(index, int)
    return history[index] if -len(history) <= index < len(history) else MISSING


def _compared(path: str, where: str, value: Any, comparison: Any) -> Iterator[Failure]:
    actual = follow(value, comparison.path)
    for name, expected in mismatches(value, comparison):
        structured = isinstance(expected, dict | list) or isinstance(actual, dict | list)
        yield Failure(
            path,
            f"{where}: {name} {compact(expected)} does not hold; actual {compact(actual)}",
            expected=expected,
            actual=None if actual is MISSING else actual,
            diff=structured and name in ("equals", "equalsDeep", "contains"),
        )


def _memory(expect: ExpectBlock, facts: Facts, base: str) -> Iterator[Failure]:
    for i, item in enumerate(expect.memory):
        dump = facts.result.session if item.scope == "session" else facts.result.memory
        namespace = item.namespace or (facts.namespace if item.scope == "memory" else "default")
        value = _memory_value(dump, namespace, item)
        where = f"{item.scope} {namespace}" + (f".{item.key}" if item.key else "")
        if value is MISSING and "exists" not in item.given():
            yield Failure(f"{base}.memory.{i}", f"{where} is missing")
            continue
        yield from _compared(f"{base}.memory.{i}", where, value, item)


def _memory_value(dump: Mapping[str, Mapping[str, Any]], namespace: str, item: MemoryExpect) -> Any:
    values = dump.get(namespace, MISSING)
    if item.key is None or values is MISSING:
        return values
    return values.get(item.key, MISSING)


def _status(expect: ExpectBlock, facts: Facts, base: str) -> Iterator[Failure]:
    for step, wanted in expect.status.items():
        found = facts.result.steps.get(step)
        actual = found.status if found else "absent"
        if actual != wanted:
            reason = f" ({found.error or found.reason})" if found and (found.error or found.reason) else ""
            yield Failure(f"{base}.status.{step}", f"step '{step}' ended {actual}{reason}, expected {wanted}")


def _outcome(expect: ExpectBlock, facts: Facts, base: str) -> Iterator[Failure]:
    result = facts.result
    if expect.ok is not None and result.ok != expect.ok:
        failed = [name for name, step in result.steps.items() if step.status == "failed"]
        detail = f"failed steps: {', '.join(failed)}" if failed else "no step failed"
        yield Failure(
            f"{base}.ok", f"ok is {str(result.ok).lower()}, expected {str(expect.ok).lower()} ({detail})"
        )
    if expect.exit_code is not None and result.exit_code != expect.exit_code:
        yield Failure(f"{base}.exit_code", f"exit code {result.exit_code}, expected {expect.exit_code}")


def _errors(expect: ExpectBlock, facts: Facts, base: str) -> Iterator[Failure]:
    wanted: list[tuple[str, str, str | None]] = [
        (f"{base}.errors.{i}", e, None) if isinstance(e, str) else (f"{base}.errors.{i}", e.contains, e.step)
        for i, e in enumerate(expect.errors)
    ]
    if expect.fail is not None:
        wanted.append((f"{base}.fail", expect.fail.message_contains, None))
    for path, text, step in wanted:
        seen = [m for name, ms in facts.trace.errors.items() if step in (None, name) for m in ms]
        if not any(text in message for message in seen):
            who = f"step '{step}'" if step else "any step"
            shown = "; ".join(seen[-3:]) or "none"
            yield Failure(path, f"no error of {who} contains {text!r}; errors: {shown}")


def _order(expect: ExpectBlock, facts: Facts, base: str) -> Iterator[Failure]:
    runs = facts.trace.executions
    for i, item in enumerate(expect.order):
        first, second = (item.step, item.before) if item.before is not None else (str(item.after), item.step)
        mine = [n for n, name in enumerate(runs) if name == first]
        theirs = [n for n, name in enumerate(runs) if name == second]
        if not mine or not theirs or max(mine) > min(theirs):
            side = f"before '{item.before}'" if item.before is not None else f"after '{item.after}'"
            yield Failure(
                f"{base}.order.{i}",
                f"step '{item.step}' did not run entirely {side}; executions: {' '.join(runs) or 'none'}",
            )


def _strict(expect: ExpectBlock, facts: Facts, base: str) -> Iterator[Failure]:
    listed = {call.step for call in expect.calls}
    for name, step in facts.result.steps.items():
        if step.runs and name not in listed:
            yield Failure(
                f"{base}.calls" if expect.calls else base,
                f"step '{name}' ran {_times(step.runs)} but expect.calls does not list it "
                "(strict mode; add it, or set strict: false)",
            )


CHECKERS: dict[str, Checker] = {
    "calls": _calls,
    "no_calls": _no_calls,
    "status": _status,
    "outputs": _outputs,
    "memory": _memory,
    "errors": _errors,
    "order": _order,
    "outcome": _outcome,
}
"""Expectation kind → checker, run in this order."""
