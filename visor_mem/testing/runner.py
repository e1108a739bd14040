"""Run the cases of a suite: each in a fresh world, in parallel processes when it pays.

A case is *passed* when every expectation holds, *failed* when one does not,
*error* when it could not run as written (a command without a mock, a fixture
that cannot be set up, a store that cannot be opened) and *skipped* by
``skip``.  Cases share nothing, so they may run in any process: the suite is
inherited by forked workers (nothing is pickled on the way in), and only the
small frozen results come back.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from visor_mem.engine import run_config
from visor_mem.engine.events import Event, StepFinished, StepStarted
from visor_mem.engine.harness import Harness
from visor_mem.engine.options import RunOptions
from visor_mem.errors import VisorError
from visor_mem.testing.expect import Facts, Failure, Trace, check
from visor_mem.testing.fixtures import FixtureError, World, build_world
from visor_mem.testing.mocks import MockBook, Stand, UnmockedCommand, wrap_kinds
from visor_mem.testing.suite import CasePlan, Suite

CaseStatus = Literal["passed", "failed", "error", "skipped"]
MIN_CASES_PER_WORKER = 8
"""Below this many cases per process, forking costs more than it saves."""


@dataclass(frozen=True)
class CaseResult:
    """What one case came to."""

    name: str
    index: int
    status: CaseStatus
    duration_ms: float
    failures: tuple[Failure, ...] = ()
    message: str | None = None
    """The error (status error) or the skip reason (status skipped)."""


@dataclass(frozen=True)
class SuiteResult:
    """Every selected case's result, in suite order."""

    suite: Suite
    cases: tuple[CaseResult, ...]
    duration_ms: float

    def count(self, status: CaseStatus) -> int:
        return sum(1 for case in self.cases if case.status == status)

    @property
    def ok(self) -> bool:
        return all(case.status in ("passed", "skipped") for case in self.cases)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1


def default_jobs(cases: int) -> int:
    """Processes worth starting for ``cases`` cases on this machine."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cores, cases // MIN_CASES_PER_WORKER))


def run_suite(suite: Suite, cases: Sequence[CasePlan], jobs: int | None = None) -> SuiteResult:
    """Run ``cases``; ``jobs`` processes (None: :func:`default_jobs`, 1: this process)."""
    started = time.perf_counter()
    jobs = default_jobs(len(cases)) if jobs is None else max(1, jobs)
    root = Path(tempfile.mkdtemp(prefix="visor-test-"))
    try:
        if jobs == 1 or len(cases) < 2:
            results = [run_case(suite, case, root) for case in cases]
        else:
            results = _in_workers(suite, cases, root, jobs)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return SuiteResult(suite, tuple(results), (time.perf_counter() - started) * 1000)


def run_case(suite: Suite, case: CasePlan, root: Path) -> CaseResult:
    """Run one case in a fresh world under ``root``."""
    started = time.perf_counter()
    skip = case.skip_reason
    if skip is not None:
        return CaseResult(case.name, case.index, "skipped", 0.0, message=skip)
    try:
        failures = _run_and_check(suite, case, root)
    except (UnmockedCommand, FixtureError) as err:
        return _error(case, started, str(err))
    except VisorError as err:
        return _error(case, started, str(err))
    status: CaseStatus = "failed" if failures else "passed"
    return CaseResult(case.name, case.index, status, _since(started), tuple(failures))


def _run_and_check(suite: Suite, case: CasePlan, root: Path) -> list[Failure]:
    world = build_world(suite, case, root)
    trace = Trace()
    options = RunOptions(
        **world.options, on_event=lambda event: _record(trace, event), harness=_harness(suite, case, world)
    )
    result = run_config(world.loaded, options)
    facts = Facts(result, trace, suite.loaded.spec.memory.namespace)
    failures = check(case.expect, facts, f"{case.field}.expect", case.strict)
    return [dataclasses.replace(f, field=case.source(f.field)) for f in failures]


def _harness(suite: Suite, case: CasePlan, world: World) -> Harness:
    stand = Stand(
        book=MockBook.from_case(case.model.mocks, case.model.mock_js),
        scratch=world.scratch,
        real_command=case.runs_for_real,
        any_real=case.real_commands is not False,
        locate_js=lambda step: suite.locate(f"{case.field}.mock_js.{step}"),
    )
    return Harness(world.store, world.session, lambda kinds: wrap_kinds(kinds, stand))


def _record(trace: Trace, event: Event) -> None:
    if isinstance(event, StepStarted):
        trace.executions.append(event.name)
    elif isinstance(event, StepFinished):
        step = event.result
        outputs = trace.outputs.setdefault(step.name, [])
        if step.runs > len(outputs):  # an execution ended (not a skip, not a refusal before running)
            outputs.append(step.output)
            if step.error is not None:
                trace.errors.setdefault(step.name, []).append(step.error)
        elif step.error is not None and step.status == "failed":
            trace.errors.setdefault(step.name, []).append(step.error)


def _error(case: CasePlan, started: float, message: str) -> CaseResult:
    return CaseResult(case.name, case.index, "error", _since(started), message=message)


def _since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


# -- processes ------------------------------------------------------------------

_WORKER: dict[str, Any] = {}
"""The suite and scratch root of a forked worker (set by ``_init_worker``, inherited by fork)."""


def _in_workers(suite: Suite, cases: Sequence[CasePlan], root: Path, jobs: int) -> list[CaseResult]:
    import multiprocessing  # only suites big enough for several processes pay for it

    context = multiprocessing.get_context("fork")
    chunk = max(1, len(cases) // (jobs * 4))
    with context.Pool(jobs, initializer=_init_worker, initargs=(suite, root)) as pool:
        return pool.map(_run_in_worker, [case.index for case in cases], chunksize=chunk)


def _init_worker(suite: Suite, root: Path) -> None:
    _WORKER["suite"], _WORKER["root"] = suite, root


def _run_in_worker(index: int) -> CaseResult:
    suite: Suite = _WORKER["suite"]
    return run_case(suite, suite.cases[index], _WORKER["root"])


__all__ = ["CaseResult", "SuiteResult", "run_case", "run_suite"]
