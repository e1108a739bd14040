"""Visor's Liquid: its filters, objects printed as compact JSON, missing values, unknown filters."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from visor_mem.errors import Location, TemplateError
from visor_mem.expr import EvalContext, Expressions
from visor_mem.expr.liquid_visor import safe_label, shell_escape_double
from visor_mem.expr.visor_info import VisorInfo
from visor_mem.store.memory import DictStore
from visor_mem.store.scoped import Memory

WHERE = Location("x.yaml", 3, 5, "steps.s.message")


def expressions(info: VisorInfo | None = None) -> Expressions:
    ctx = EvalContext(memory=Memory(DictStore()), session=Memory(DictStore()), visor=info or VisorInfo())
    ctx.outputs.record("data", {"a": 1, "list": [1, "b", None], "nested": {"deep": {"x": "y"}}})
    return Expressions(ctx)


@dataclass(frozen=True)
class Case:
    id: str
    template: str
    text: str
    extra: dict[str, Any] = field(default_factory=dict)


CASES = [
    Case("object-prints-compact-json", "{{ outputs.data.nested }}", '{"deep":{"x":"y"}}'),
    Case("list-prints-compact-json", "{{ outputs.data.list }}", '[1,"b",null]'),
    Case("json-filter-compact", "{{ outputs.data.nested | json }}", '{"deep":{"x":"y"}}'),
    Case("to-json-indent", "{{ v | to_json: 2 }}", '{\n  "a": 1\n}', {"v": {"a": 1}}),
    Case("unicode-kept", "{{ v }}", '{"k":"café"}', {"v": {"k": "café"}}),
    Case("missing-prints-nothing", "[{{ nope }}][{{ outputs.data.nope.x }}][{{ outputs.nope }}]", "[][][]"),
    Case("null-prints-nothing", "[{{ outputs.data.list[2] }}]", "[]"),
    Case("booleans", "{{ t }} {{ f }}", "true false", {"t": True, "f": False}),
    Case("safe-label", "{{ 'bug!! //fix**  ' | safe_label }}", "bug /fix"),
    Case(
        "safe-label-list", "{{ v | safe_label_list | join: ',' }}", "a,b c", {"v": ["a", "$$", "b c", None]}
    ),
    Case("safe-label-list-not-a-list", "{{ 'x' | safe_label_list | size }}", "0"),
    Case("get-path", "{{ outputs.data | get: 'nested.deep.x' }}", "y"),
    Case("get-index", "{{ outputs.data | get: 'list.1' }}", "b"),
    Case("get-missing", "[{{ outputs.data | get: 'nested.no.x' }}]", "[]"),
    Case(
        "where-exp",
        "{{ v | where_exp: 'i', 'i.ok != true and i.n > 1' | map: 'n' | join: ',' }}",
        "2,4",
        {"v": [{"n": 1}, {"n": 2}, {"n": 3, "ok": True}, {"n": 4}]},
    ),  # fmt: skip
    Case(
        "where-exp-bad-condition-matches-nothing", "{{ v | where_exp: 'i', 'i ===' | size }}", "0", {"v": [1]}
    ),
    Case(
        "shell-escape-double",
        "{{ s | shell_escape_double }}",
        '"a\\"b\\$c\\`d\\!e\\\\"',
        {"s": 'a"b$c`d!e\\'},
    ),
    Case("shell-escape-double-nil", "{{ nope | shell_escape_double }}", '""'),
    Case(
        "permissions-local-mode",
        "{{ '' | is_owner }} {{ '' | is_member }} {{ '' | is_first_timer }}",
        "true true false",
    ),
    Case(
        "event-and-branches",
        "{{ event.event_name }} {{ branch }} {{ baseBranch }} {{ filesCount }}",
        "manual unknown main 0",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_render(case: Case) -> None:
    assert expressions().render(case.template, where=WHERE, extra=case.extra) == case.text


def test_permission_filters_on_github_use_the_association() -> None:
    ex = expressions(VisorInfo(local=False, association="COLLABORATOR"))
    template = "{{ '' | is_owner }} {{ '' | is_member }} {{ '' | is_collaborator }} {{ 'OWNER' | is_owner }}"
    assert ex.render(template, where=WHERE) == "false false true true"
    assert ex.render("{{ 'CONTRIBUTOR' | has_min_permission: 'MEMBER' }}", where=WHERE) == "false"


def test_an_unknown_filter_is_an_error_with_did_you_mean() -> None:
    with pytest.raises(TemplateError) as err:
        expressions().render("{{ 'x' | safe_lable }}", where=WHERE)
    assert str(err.value) == (
        "x.yaml:3:5: steps.s.message: UnknownFilterError: unknown filter 'safe_lable' "
        "(did you mean 'safe_label'?) (template line 1)"
    )


@given(st.text(max_size=50))
@settings(max_examples=200, deadline=None)
def test_safe_label_keeps_only_its_alphabet(text: str) -> None:
    label = safe_label(text)
    assert all(c.isascii() and (c.isalnum() or c in ":/- ") for c in label)
    assert "//" not in label
    assert label == label.strip()


@given(st.text(max_size=50))
@settings(max_examples=100, deadline=None)
def test_shell_escape_double_survives_sh(text: str) -> None:
    """sh reads back the original text (no expansion); only ``!`` keeps its backslash in sh."""
    import subprocess

    text = text.replace("\x00", "")
    quoted = shell_escape_double(text)
    done = subprocess.run(["/bin/sh", "-c", f"printf '%s' {quoted}"], capture_output=True, check=True)
    assert done.stdout.decode("utf-8") == text.replace("!", "\\!")
