"""Planning: dormant run targets, --only, tag filters, dependency paths."""

from __future__ import annotations

import pytest

from visor_mem.config import load_config
from visor_mem.engine.options import RunOptions
from visor_mem.engine.plan import build_plan
from visor_mem.errors import UsageError

CONFIG = {
    "steps": {
        "setup": {"type": "noop"},
        "build": {"type": "noop", "depends_on": "setup", "on_fail": {"run": ["notify"]}},
        "notify": {"type": "noop"},
        "test": {"type": "noop", "depends_on": ["build"], "tags": ["slow"]},
        "lint": {"type": "noop", "tags": ["fast"]},
    }
}


def plan(**options: object):  # type: ignore[no-untyped-def]
    return build_plan(load_config(CONFIG).spec, RunOptions(**options))  # type: ignore[arg-type]


def test_run_targets_are_dormant_until_routed() -> None:
    assert plan().dormant == {"notify"}


def test_only_selects_the_step_and_its_dependencies() -> None:
    excluded = plan(only=("build",)).excluded
    assert set(excluded) == {"notify", "test", "lint"}
    assert excluded["lint"] == "not selected by --only"


def test_only_names_a_run_target_explicitly_so_it_starts() -> None:
    assert "notify" not in plan(only=("notify",)).dormant


def test_only_with_an_unknown_step_suggests_a_name() -> None:
    with pytest.raises(UsageError, match="did you mean 'build'"):
        plan(only=("biuld",))


def test_tags_include_keeps_untagged_steps() -> None:
    excluded = plan(tags=("fast",)).excluded
    assert set(excluded) == {"test"}


def test_exclude_tags_accepts_comma_lists() -> None:
    assert set(plan(exclude_tags=("slow,fast",)).excluded) == {"test", "lint"}


def test_tagged_steps_are_opt_in_without_filters() -> None:
    assert set(plan().excluded) == {"test", "lint"}


def test_descendants_and_dependency_path() -> None:
    p = plan(tags=("slow",))
    assert p.descendants("setup") == ["build", "test"]
    assert p.dependency_path("setup", "test") == ["setup", "build", "test"]
    assert p.dependency_path("test", "setup") is None
