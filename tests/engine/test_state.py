"""Readiness: waves come out once per step, in config order, however often a step was pushed."""

from __future__ import annotations

from tests.helpers import load_bench
from visor_mem.config import load_config
from visor_mem.engine.options import RunOptions
from visor_mem.engine.plan import build_plan
from visor_mem.engine.state import Readiness, StepState


def _readiness(steps: dict[str, dict[str, object]]) -> Readiness:
    plan = build_plan(load_config({"steps": steps}).spec, RunOptions())
    readiness = Readiness(plan, {name: StepState(name) for name in plan.order})
    readiness.start()
    return readiness


def test_a_step_pushed_twice_comes_out_once() -> None:
    readiness = _readiness({"a": {"type": "noop"}, "b": {"type": "noop"}})
    readiness.reopen(["a", "a"])
    assert readiness.pop_wave() == ["a", "b"]
    assert readiness.pop_wave() == []


def test_a_wide_wave_is_one_wave_in_config_order() -> None:
    names = [f"s{i}" for i in range(2000, 0, -1)]
    readiness = _readiness({name: {"type": "noop"} for name in names})
    assert readiness.pop_wave() == names


def test_the_wide_bench_runs_and_checks_its_result() -> None:
    bench = load_bench("wide")
    load, run = bench.measure(50)
    assert load > 0
    assert run > 0
