"""Choosing a snippet's form, in a throw-away context, without running any of it.

A snippet is an expression, statements whose last value is the result, or a
body with ``return``.  Each form wraps the code in a function source such as
``(function(){return (CODE\\n)})`` and evaluating that source must only create
the function.  But CODE can close the wrapper (``1)}); evil(); ((function(){(1``)
and evaluating the source would then run ``evil()`` right away, outside the
evaluation that the time limit, the log buffer and the memory batch guard.
``new Function(body)`` is no parse-only check either: quickjs-ng builds the
source text ``(function anonymous(\\n) {\\nBODY\\n})`` and evaluates it, so a
body can close it the same way (tested in tests/expr/test_js_compile.py).

So every form is first tried in a fresh, empty context with the time and
memory limits (code that escapes can only spin or allocate there), and
accepted only when the value is a function whose own source text is the
whole wrapper: a function that ends where the wrapper ends contains CODE
entirely, and creating it ran nothing.  The sandbox then evaluates the
accepted source, knowing it runs nothing until called.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from visor_mem.expr.js_interrupt import Interrupter

FORMS = (
    ("expression", "(function(){return (", "\n)})"),
    # A class static block accepts any statement but a top-level `return`:
    # such code runs through eval, whose completion value is the result.
    ("statements", "(function(){class __V{static{", "\n}}})"),
    ("body", "(function(){", "\n})"),
)
"""(form, head, tail): tried in this order; the last one's syntax error is reported."""

_CHECKER = r"""(function () {
  "use strict";
  const ev = eval, fts = Function.prototype.toString, ap = Reflect.apply;
  const SE = SyntaxError, str = JSON.stringify, parse = JSON.parse;
  return function check(requestText) {
    const [forms, code] = parse(requestText);
    let error = null;
    for (const [form, head, tail] of forms) {
      const source = head + code + tail;
      const expected = "" + source.slice(1, -1);
      let made;
      try {
        made = ev(source);
      } catch (err) {
        if (err instanceof SE) { error = err; continue; }
        return str({ closed: true });
      }
      if (typeof made !== "function" || ap(fts, made, []) !== expected) return str({ closed: true });
      return str({ form });
    }
    const match = /<input>:(\d+):\d+/.exec(String(error.stack));
    const line = match ? Number(match[1]) : null;
    return str({ error: { name: "SyntaxError", message: String(error.message), line } });
  };
})()"""


@dataclass(frozen=True)
class Compiled:
    """A snippet accepted in one form (``source`` is what the sandbox evaluates)."""

    form: str
    source: str


@dataclass(frozen=True)
class Rejected:
    """A syntax error, or code that closes its wrapper; ``message`` is one line."""

    message: str
    line: int | None


def check(quickjs: Any, code: str, timeout: float, memory_mb: int) -> Compiled | Rejected:
    """The form ``code`` compiles in, checked in a context of its own."""
    context = quickjs.Context()
    context.set_memory_limit(memory_mb * 1024 * 1024)
    deadline = Interrupter(quickjs, context)
    checker = context.eval(_CHECKER)
    request = json.dumps([FORMS, code], ensure_ascii=True)
    deadline.arm(timeout)
    try:
        answer = json.loads(checker(request))
    except quickjs.JSException:  # it escaped and spun or allocated until stopped
        answer = {"closed": True}
    if "form" in answer:
        head, tail = next((head, tail) for form, head, tail in FORMS if form == answer["form"])
        return Compiled(answer["form"], head + code + tail)
    if "closed" in answer:
        return Rejected("SyntaxError: the snippet closes the function it is wrapped in", None)
    return _syntax_error(answer["error"], code)


def _syntax_error(error: dict[str, Any], code: str) -> Rejected:
    """The body form's error; one past the last line is the wrapper's own tail."""
    lines = code.count("\n") + 1
    line = error.get("line")
    if isinstance(line, int) and line > lines:
        return Rejected("SyntaxError: unexpected end of the snippet", lines)
    message = " ".join(str(error["message"]).split())
    return Rejected(f"SyntaxError: {message}", line if isinstance(line, int) else None)
