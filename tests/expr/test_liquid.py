"""Liquid templates: Visor's memory filters, the context, and error locations."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from liquid import Environment

from visor_mem.errors import Location, TemplateError
from visor_mem.expr import EvalContext, Expressions
from visor_mem.store.memory import DictStore
from visor_mem.store.scoped import Memory

WHERE = Location("x.yaml", 30, 7, "steps.report.message")


@pytest.fixture
def ctx() -> EvalContext:
    memory = Memory(DictStore(), "production")
    memory.set("counter", 100)
    memory.set("counter", 10, "staging")
    memory.set("errors", ["lint: unused import", "type: bad"])
    memory.set("test_status", "good")
    session = Memory(DictStore())
    session.set("request_id", "req-1")
    ctx = EvalContext(
        memory=memory, session=session, pr={"number": 42}, env={"USER": "ci"}, vars={"mode": "x"}
    )
    ctx.outputs.record("a-b", {"x": 1})
    ctx.outputs.record("a-b", {"x": 2})
    return ctx


@pytest.fixture
def ex(ctx: EvalContext) -> Expressions:
    return Expressions(ctx)


@dataclass(frozen=True)
class Case:
    id: str
    template: str
    text: str
    extra: dict[str, Any] = field(default_factory=dict)


CASES = [
    Case(
        "error-collection",
        '{% assign errs = "errors" | memory_get %}Found {{ errs | size }} errors: {{ errs | join: "; " }}',
        "Found 2 errors: lint: unused import; type: bad",
    ),
    Case(
        "namespaces",
        'Production: {{ "counter" | memory_get: "production" }}, '
        'Staging: {{ "counter" | memory_get: "staging" }}',
        "Production: 100, Staging: 10",
    ),
    Case("memory-get-default-ns", "{{ 'counter' | memory_get }}", "100"),
    Case("memory-get-missing", "[{{ 'nope' | memory_get }}]", "[]"),
    Case("memory-get-non-string", "[{{ 5 | memory_get }}]", "[]"),
    Case("memory-get-upcase", '{{ "test_status" | memory_get | upcase }}', "GOOD"),
    Case(
        "memory-has",
        "{{ 'counter' | memory_has }} {{ 'nope' | memory_has }} {{ 'counter' | memory_has: 'x' }}",
        "true false false",
    ),
    Case("memory-list-default", "{{ '' | memory_list | join: ',' }}", "counter,errors,test_status"),
    Case("memory-list-ns", "{{ 'staging' | memory_list | join: ',' }}", "counter"),
    Case("session-get", "{{ 'request_id' | session_get }}", "req-1"),
    Case("json", "{{ 'errors' | memory_get | json }}", '["lint: unused import","type: bad"]'),
    Case("to-json-object", "{{ outputs['a-b'] | to_json }}", '{"x":2}'),
    Case("json-undefined", "{{ nothing | json }}", "null"),
    Case("parse-json", "{% assign o = s | parse_json %}{{ o.a }}", "1", {"s": '{"a": 1}'}),
    Case("parse-json-invalid", "{{ s | parse_json }}", "not json", {"s": "not json"}),
    Case("base64", "{{ 'hi' | base64 }} {{ 'aGk=' | base64_decode }}", "aGk= hi"),
    Case(
        "shell-escape",
        "{{ s | shell_escape }} {{ s | escape_shell }}",
        "'it'\\''s' 'it'\\''s'",
        {"s": "it's"},
    ),
    Case("json-escape", "{{ s | json_escape }}", 'a\\"b\\n', {"s": 'a"b\n'}),
    Case("unescape-newlines", "{{ s | unescape_newlines }}", "a\nb", {"s": "a\\nb"}),
    Case(
        "not-empty",
        "{{ '' | not_empty }} {{ 'x' | not_empty }} {{ nothing | not_empty }}",
        "false true false",
    ),
    Case("coalesce", "{{ nothing | coalesce: '', 'fallback' }}", "fallback"),
    Case("standard-filters", "{{ 'a,b' | split: ',' | size }} {{ 2 | plus: 3 }}", "2 5"),
    Case("outputs-bracket", "{{ outputs['a-b'].x }}", "2"),
    Case("outputs-history", "{{ outputs.history['a-b'] | size }} {{ outputs_history['a-b'][0].x }}", "2 1"),
    Case("pr-env-vars-args", "{{ pr.number }} {{ env.USER }} {{ vars.mode }} [{{ args.a }}]", "42 ci x []"),
    Case("extra-value", "{{ value | plus: 1 }}", "6", {"value": 5}),
    Case("undefined-is-empty", "[{{ nothing.at.all }}{{ outputs.missing.x }}]", "[]"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_render(case: Case, ex: Expressions) -> None:
    assert ex.render(case.template, where=WHERE, extra=case.extra) == case.text


def test_memory_is_read_live(ctx: EvalContext, ex: Expressions) -> None:
    template = "{{ 'counter' | memory_get }}"
    assert ex.render(template, where=WHERE) == "100"
    ctx.memory.increment("counter")
    assert ex.render(template, where=WHERE) == "101"


def test_new_outputs_are_visible(ctx: EvalContext, ex: Expressions) -> None:
    assert ex.render("[{{ outputs.later }}]", where=WHERE) == "[]"
    ctx.outputs.record("later", "done")
    assert ex.render("[{{ outputs.later }}]", where=WHERE) == "[done]"


@dataclass(frozen=True)
class ErrorCase:
    id: str
    template: str
    message: str


ERROR_CASES = [
    ErrorCase("syntax", "line one\n{% if %}", "LiquidSyntaxError: missing expression (template line 2)"),
    ErrorCase(
        "unknown-filter", "{{ x | nosuch }}", "UnknownFilterError: unknown filter 'nosuch' (template line 1)"
    ),
    ErrorCase("unclosed", "a\nb\n{% for x in y %}", "LiquidSyntaxError: expected tag endfor"),
    ErrorCase(
        "filter-argument", "{{ 1 | divided_by: 0 }}", "divided_by: can't divide by 0 (template line 1)"
    ),
]


@pytest.mark.parametrize("case", ERROR_CASES, ids=lambda c: c.id)
def test_errors_name_config_and_template_lines(case: ErrorCase, ex: Expressions) -> None:
    with pytest.raises(TemplateError) as err:
        ex.render(case.template, where=WHERE)
    text = str(err.value)
    assert text.startswith("x.yaml:30:7: steps.report.message: ")
    assert case.message in text
    assert "\n" not in text


PLAIN_TEXTS = ["", "plain", "  spaced\r\n\ttext  ", "percent % and } braces }}", "unicode: é ✓", "-%} %} -}}"]


@pytest.mark.parametrize("text", PLAIN_TEXTS)
def test_text_without_markup_renders_as_python_liquid_would(text: str, ex: Expressions) -> None:
    """Text without '{' skips python-liquid; it must give what python-liquid gives."""
    assert ex.render(text, where=WHERE) == Environment().from_string(text).render() == text
