"""The state resolver: every phase change, its reason and its event, in one place."""

from __future__ import annotations

from visor_mem.config import load_config
from visor_mem.engine.events import Event, StepFinished
from visor_mem.engine.options import RunOptions
from visor_mem.engine.plan import build_plan
from visor_mem.engine.resolve import NEVER_TRIGGERED, Resolver

CONFIG = {
    "steps": {
        "a": {"type": "noop"},
        "b": {"type": "noop", "depends_on": "a", "on_fail": {"run": ["fix"]}},
        "c": {"type": "noop", "depends_on": "b"},
        "fix": {"type": "noop"},
        "soft": {"type": "noop", "continue_on_failure": True},
        "after_soft": {"type": "noop", "depends_on": "soft"},
    }
}


def resolver(events: list[Event]) -> Resolver:
    plan = build_plan(load_config(CONFIG).spec, RunOptions())
    r = Resolver(plan, events.append)
    r.start()
    return r


def test_first_wave_holds_the_steps_without_dependencies() -> None:
    assert resolver([]).pop_wave() == ["a", "soft"]


def test_a_skip_records_the_reason_emits_one_event_and_releases_dependents() -> None:
    events: list[Event] = []
    r = resolver(events)
    r.pop_wave()
    r.skip("a", "if condition is false")
    assert r["a"].phase == "skipped"
    assert [e.result.reason for e in events if isinstance(e, StepFinished)] == ["if condition is false"]
    assert r.pop_wave() == ["b"]
    assert r.blocked_by("b") == "dependency 'a' was skipped"


def test_a_failure_blocks_dependents_unless_the_dependency_continues_on_failure() -> None:
    r = resolver([])
    r.finish("a", None, "boom")
    r.finish("soft", None, "boom")
    assert r.blocked_by("b") == "dependency 'a' failed"
    assert r.blocked_by("after_soft") is None


def test_a_goto_reset_makes_steps_pending_in_a_newer_generation() -> None:
    r = resolver([])
    for name in ("a", "soft"):
        r.finish(name, 1, None)
        r.release(name)
    r.reset(["a"], 1)
    assert r.is_pending("a")
    assert r.pop_wave() == ["a"]


def test_dormant_run_targets_are_given_up_with_a_reason() -> None:
    r = resolver([])
    assert r.give_up_on_dormant()
    assert r["fix"].result(False).reason == NEVER_TRIGGERED
    assert not r.give_up_on_dormant()


def test_recovered_names_failed_steps_whose_goto_target_succeeded() -> None:
    r = resolver([])
    r.finish("b", None, "boom")
    r["b"].recovered_by = "a"
    r.finish("a", 1, None)
    assert r.recovered() == {"b"}
    assert r["b"].result(True).status == "success"
