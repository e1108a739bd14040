"""Mocks: what a step execution produces in a test instead of its real work.

``mocks.<step>`` is one result for every call; ``mocks.<step>[]`` (Visor's
spelling) is one result per call, the last repeating.  A command step's mock
is what the process would have done (``stdout``, ``stderr``, ``exit_code``;
a bare string is stdout, a bare number the exit code, any other value the
output itself), handed to the real command step's ``finish``: transforms,
failure shape and routing behave exactly as in a real run.  Any other step's
mock is its output.  ``mock_js.<step>`` runs JavaScript in place of a script
step's ``content``.  A command step without a mock runs for real only when the
case allows it; otherwise the run stops and the case errors.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from visor_mem.errors import Location
from visor_mem.steps.base import ParallelKind, StepCall, StepKind
from visor_mem.steps.command import Completed
from visor_mem.store.base import JSON
from visor_mem.store.semantics import copy_json

COMMAND_MOCK_KEYS = frozenset({"stdout", "stderr", "exit_code", "exit"})
"""Keys that make a mapping a process result rather than an output (Visor's rule)."""


class UnmockedCommand(Exception):
    """A command step would have run for real in a case that does not allow it.

    Not a ``VisorError``: the engine must not turn it into a step failure
    (and route on it); it ends the run, and the case errors.
    """


def command_mock_problem(value: Any) -> str | None:
    """What is wrong with a command mock, or None (checked when the suite loads)."""
    if not isinstance(value, dict) or not COMMAND_MOCK_KEYS & set(value):
        return None
    extra = sorted(set(value) - COMMAND_MOCK_KEYS)
    if extra:
        return f"unknown field '{extra[0]}' in a command mock; expected stdout, stderr, exit_code"
    for name in ("stdout", "stderr"):
        if name in value and not isinstance(value[name], str):
            return f"'{name}' must be a string"
    code = value.get("exit_code", value.get("exit", 0))
    if isinstance(code, bool) or not isinstance(code, int):
        return "'exit_code' must be an integer"
    return None


def as_completed(value: Any) -> Completed:
    """The process result a command mock stands for."""
    if isinstance(value, bool) or value is None:
        return Completed(exit_code=0, stdout=json.dumps(value), stderr="")
    if isinstance(value, int):
        return Completed(exit_code=value, stdout="", stderr="")
    if isinstance(value, str):
        return Completed(exit_code=0, stdout=value, stderr="")
    if isinstance(value, dict) and COMMAND_MOCK_KEYS & set(value):
        code = value.get("exit_code", value.get("exit", 0))
        return Completed(exit_code=code, stdout=value.get("stdout", ""), stderr=value.get("stderr", ""))
    return Completed(exit_code=0, stdout=json.dumps(value), stderr="")


@dataclass
class MockBook:
    """A case's mocks, handed out call by call."""

    single: Mapping[str, Any]
    sequences: Mapping[str, list[Any]]
    scripts: Mapping[str, str]
    calls: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_case(cls, mocks: Mapping[str, Any], mock_js: Mapping[str, str]) -> MockBook:
        single = {k: v for k, v in mocks.items() if not k.endswith("[]")}
        sequences = {k[:-2]: list(v) for k, v in mocks.items() if k.endswith("[]")}
        return cls(single, sequences, dict(mock_js))

    def take(self, step: str) -> tuple[bool, Any]:
        """``(True, mock)`` for this call of ``step``, or ``(False, None)`` when it has none."""
        count = self.calls.get(step, 0)
        self.calls[step] = count + 1
        if step in self.sequences:
            items = self.sequences[step]
            return True, items[min(count, len(items) - 1)]
        if step in self.single:
            return True, self.single[step]
        return False, None


@dataclass(frozen=True)
class Stand:
    """What the wrappers need besides the mocks."""

    book: MockBook
    scratch: Callable[[], Path]
    """The case's scratch folder (created on first use: most cases run no process)."""
    real_command: Callable[[str], bool]
    """Whether an unmocked command step may run for real."""
    any_real: bool
    """Whether any command step may run for real."""
    locate_js: Callable[[str], Location]


class MockedCommand:
    """A command kind that answers from the mocks (a ParallelKind, like the real one)."""

    def __init__(self, real: ParallelKind, stand: Stand) -> None:
        self._real = real
        self._stand = stand

    def launch(self, call: StepCall) -> Callable[[], Any]:
        found, mock = self._stand.book.take(call.name)
        if found:
            done = as_completed(mock)
            return lambda: done
        if not self._stand.real_command(call.name):
            raise _unmocked(call.name)
        return self._real.launch(replace(call, base_dir=self._stand.scratch()))

    def finish(self, call: StepCall, raw: Any) -> JSON:
        return self._real.finish(call, raw)

    def terminate_all(self) -> None:
        stop = getattr(self._real, "terminate_all", None)
        if stop is not None:
            stop()


class MockedOnlyCommand:
    """A command kind for cases where no command may run for real: no worker thread needed.

    It is a SequentialKind, so the engine runs it in its own thread like a
    memory step; the output still comes from the real step's ``finish``.
    """

    def __init__(self, real: ParallelKind, stand: Stand) -> None:
        self._real = real
        self._stand = stand

    def run(self, call: StepCall) -> JSON:
        found, mock = self._stand.book.take(call.name)
        if not found:
            raise _unmocked(call.name)
        return self._real.finish(call, as_completed(mock))


def _unmocked(step: str) -> UnmockedCommand:
    return UnmockedCommand(
        f"command step '{step}' has no mock: add mocks.{step} (or real_commands: [{step}] to run it for real)"
    )


class MockedStep:
    """Any other kind: a mock is the output; ``mock_js`` replaces a script's code."""

    def __init__(self, real: Any, stand: Stand) -> None:
        self._real = real
        self._stand = stand

    def run(self, call: StepCall) -> JSON:
        found, mock = self._stand.book.take(call.name)
        if found:
            return copy_json(mock)
        code = self._stand.book.scripts.get(call.name)
        if code is not None:
            where = self._stand.locate_js(call.name)
            return call.exprs.js(code, where=where, extra={"args": dict(call.args)})
        return self._real.run(call)


def wrap_kinds(kinds: Mapping[str, StepKind], stand: Stand) -> dict[str, StepKind]:
    """Every kind of the run, wrapped so mocks come first."""
    wrapped: dict[str, StepKind] = {}
    for name, kind in kinds.items():
        if not hasattr(kind, "launch"):  # not a ParallelKind (a Protocol isinstance is slow)
            wrapped[name] = MockedStep(kind, stand)
            continue
        assert isinstance(kind, ParallelKind)
        if stand.any_real:
            wrapped[name] = MockedCommand(kind, stand)
        else:
            wrapped[name] = MockedOnlyCommand(kind, stand)
    return wrapped
