"""The wall-clock deadline of a step execution."""

from __future__ import annotations

import time

import pytest

from visor_mem.errors import Location, StepTimeout
from visor_mem.expr.deadline import Deadline


def test_no_timeout_no_deadline() -> None:
    assert Deadline.after(None) is None


def test_a_future_deadline_passes_its_check() -> None:
    deadline = Deadline.after(60)
    assert deadline is not None
    deadline.check()
    assert 0 < deadline.remaining() <= 60


def test_a_passed_deadline_raises_a_located_step_timeout() -> None:
    passed = Deadline(0.5, time.monotonic() - 1)
    with pytest.raises(StepTimeout) as caught:
        passed.check(Location("c.yaml", 4, 5, "steps.a.content"))
    assert str(caught.value) == "c.yaml:4:5: steps.a.content: step timed out after 0.5 s (its timeout)"
    assert caught.value.exit_code == 1
