"""Choosing a snippet's form without running any of it (expr/js_compile.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from visor_mem.expr.js_compile import Compiled, Rejected, check

quickjs: Any = pytest.importorskip("quickjs")


@dataclass(frozen=True)
class FormCase:
    id: str
    code: str
    form: str


FORMS = [
    FormCase("expression", "1 + 1", "expression"),
    FormCase("expression-with-comment", "1 // one", "expression"),
    FormCase("statements", "const a = 1;\na + 1", "statements"),
    FormCase("body", "const a = 1;\nreturn a", "body"),
    FormCase("inner-functions", "function f() { return 1 }\nreturn f()", "body"),
    FormCase("balanced-parens-inside", "1); (2", "expression"),
    FormCase("closing-brace-in-a-string", "'})}); evil(); (function(){'", "expression"),
    FormCase("closing-brace-in-a-comment", "1 /* }); evil(); */", "expression"),
]


@pytest.mark.parametrize("case", FORMS, ids=lambda c: c.id)
def test_forms(case: FormCase) -> None:
    compiled = check(quickjs, case.code, 1.0, 16)
    assert isinstance(compiled, Compiled)
    assert compiled.form == case.form
    assert case.code in compiled.source


@dataclass(frozen=True)
class RejectCase:
    id: str
    code: str
    message: str
    line: int | None


REJECTS = [
    RejectCase(
        "close-expression", "1)}); globalThis.hit = 1; (function(){return (1", "closes the function", None
    ),
    RejectCase("close-body", "}); globalThis.hit = 1; (function(){", "closes the function", None),
    RejectCase(
        "close-statements",
        "}}}); globalThis.hit = 1; (function(){class A{static{",
        "closes the function",
        None,
    ),
    RejectCase(
        "loop-at-compile-time", "1)}); while (true) {} (function(){return (1", "closes the function", None
    ),
    RejectCase(
        "bomb-at-compile-time", "1)}); let s = 'x'; for (;;) s += s; (function(){return (1", "closes", None
    ),
    RejectCase("unclosed-if", "if (x", "SyntaxError: unexpected end of the snippet", 1),
    RejectCase("unclosed-string-line-3", "const a = 1;\nconst b = 2;\nconst c = 'x", "SyntaxError", 3),
    RejectCase("missing-operand", "1 +", "SyntaxError: unexpected end of the snippet", 1),
    RejectCase("two-words", "foo bar", "SyntaxError: expecting ';'", 1),
]


@pytest.mark.parametrize("case", REJECTS, ids=lambda c: c.id)
def test_rejects(case: RejectCase) -> None:
    rejected = check(quickjs, case.code, 0.5, 16)
    assert isinstance(rejected, Rejected)
    assert case.message in rejected.message
    assert rejected.line == case.line
    assert "}" not in rejected.message  # never a brace of the wrapper the user did not write
