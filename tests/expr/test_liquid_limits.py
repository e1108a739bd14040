"""Bounded Liquid: loops, output, assigns, time, and filters that raise on odd input."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest

from visor_mem.errors import LimitError, Location, StepTimeout, TemplateError, VisorError
from visor_mem.expr import EvalContext, Expressions, liquid_limits
from visor_mem.expr.deadline import Deadline
from visor_mem.store.memory import DictStore
from visor_mem.store.scoped import Memory

WHERE = Location("x.yaml", 3, 5, "steps.a.message")


@pytest.fixture
def ex() -> Expressions:
    return Expressions(EvalContext(memory=Memory(DictStore()), session=Memory(DictStore())))


@dataclass(frozen=True)
class Case:
    id: str
    template: str
    error: type[VisorError]
    message: str


SIXTY_FOUR_KIB = (
    "{% assign s = 'xxxxxxxxxxxxxxxx' %}{% for i in (1..12) %}{% assign s = s | append: s %}{% endfor %}"
)
"""Assigns ``s``, a 64 KiB string, in 12 doublings."""

CASES = [
    Case(
        "huge-range",
        "{% for i in (1..100000000) %}x{% endfor %}",
        LimitError,
        "template loops more than 200,000 times",
    ),
    Case(
        "nested-loops",
        "{% for i in (1..1000) %}{% for j in (1..1000) %}{% endfor %}{% endfor %}",
        LimitError,
        "template loops more than",
    ),
    Case(
        "output",
        # 300 writes of 64 KiB: past 16 MiB in a few ms, so the size limit (not the clock) trips.
        f"{SIXTY_FOUR_KIB}{{% for i in (1..300) %}}{{{{ s }}}}{{% endfor %}}",
        LimitError,
        "template output is larger than 16 MiB",
    ),
    Case(
        "captured-output",
        f"{SIXTY_FOUR_KIB}{{% capture c %}}{{% for i in (1..300) %}}{{{{ s }}}}{{% endfor %}}{{% endcapture %}}",
        LimitError,
        "template output is larger than 16 MiB",
    ),
    Case(
        "doubling-assign",
        "{% assign s = 'xxxxxxxxxx' %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}",
        LimitError,
        "template assigns more data than its limit allows",
    ),
    Case(
        "base64",
        "{{ 'abc' | base64_decode }}",
        TemplateError,
        "a filter failed: the text is not valid base64",
    ),
    Case(
        "sum-mixed",
        '{% assign a = \'[1, "x", {"b": 2}]\' | parse_json %}{{ a | sum }}',
        TemplateError,
        "a filter failed:",
    ),
    Case(
        "parse-json-deep",
        "{% assign a = deep | parse_json %}{{ a | json }}",
        TemplateError,
        "a filter failed: a value is nested too deeply",
    ),
    Case(
        "memory-get-three",
        "{{ 'k' | memory_get: 'ns', 'extra' }}",
        TemplateError,
        "LiquidTypeError: memory_get: takes at most 1 argument, got 2 (template line 1)",
    ),
    Case(
        "memory-has-three",
        "{{ 'k' | memory_has: 1, 2, 3 }}",
        TemplateError,
        "memory_has: takes at most 1 argument, got 3",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bounded_render_fails_with_one_line(ex: Expressions, case: Case) -> None:
    with pytest.raises(case.error) as caught:
        ex.render(case.template, where=WHERE, extra={"deep": "[" * 100_000 + "]" * 100_000})
    message = str(caught.value)
    assert message.startswith("x.yaml:3:5: steps.a.message: ")
    assert case.message in message
    assert "\n" not in message
    assert "positional argument" not in message


def test_a_passed_step_deadline_stops_the_render(ex: Expressions) -> None:
    passed = Deadline(0.05, time.monotonic() - 1)
    with pytest.raises(StepTimeout, match=r"x.yaml:3:5: steps.a.message: step timed out after 0.05 s"):
        ex.render("{% for i in (1..10) %}{{ i }}{% endfor %}", where=WHERE, deadline=passed)


def test_a_passed_step_deadline_stops_assign_only_loops(ex: Expressions) -> None:
    passed = Deadline(0.05, time.monotonic() - 1)
    with pytest.raises(StepTimeout):
        ex.render("{% for i in (1..10) %}{% assign x = i %}{% endfor %}", where=WHERE, deadline=passed)


def test_the_render_time_limit_applies_without_a_step_timeout(
    ex: Expressions, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(liquid_limits, "RENDER_SECONDS", -1.0)
    with pytest.raises(LimitError, match="template rendered longer than -1 s") as caught:
        ex.render("{{ 1 }}", where=WHERE)
    assert not isinstance(caught.value, StepTimeout)


def test_a_later_step_deadline_leaves_the_render_limit_in_charge(
    ex: Expressions, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(liquid_limits, "RENDER_SECONDS", -1.0)
    later = Deadline.after(60)
    with pytest.raises(LimitError, match="template rendered longer than") as caught:
        ex.render("{{ 1 }}", where=WHERE, deadline=later)
    assert not isinstance(caught.value, StepTimeout)


def test_within_limits_renders_as_before(ex: Expressions) -> None:
    text = ex.render(
        "{% capture c %}{% for i in (1..3) %}{{ i }}{% endfor %}{% endcapture %}{{ c }}",
        where=WHERE,
        deadline=Deadline.after(60),
    )
    assert text == "123"


def test_other_liquid_errors_keep_their_template_line(ex: Expressions) -> None:
    with pytest.raises(TemplateError, match=r"LiquidSyntaxError: .*\(template line 2\)"):
        ex.render("ok\n{% if %}", where=WHERE)
