"""The quick path of Liquid renders exactly what python-liquid renders, or steps aside."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from visor_mem.errors import Location
from visor_mem.expr import EvalContext, Expressions, quick_liquid
from visor_mem.store.memory import DictStore
from visor_mem.store.scoped import Memory

WHERE = Location("x.yaml", 3, 5, "steps.s.message")
NAMES = ["a", "b", "size", "first", "x_1", "pr", "outputs"]
KEYS = [*NAMES, "a-b", "x y"]
VALUES = st.recursive(
    st.one_of(st.text(max_size=5), st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(KEYS), inner, max_size=3)
    ),
    max_leaves=8,
)
SEGMENTS = st.one_of(
    st.sampled_from(NAMES).map(lambda n: "." + n),
    st.sampled_from(KEYS).map(lambda n: f"['{n}']"),
    st.sampled_from(NAMES).map(lambda n: f'["{n}"]'),
)
PATHS = st.builds(
    lambda first, rest: first + "".join(rest), st.sampled_from(NAMES), st.lists(SEGMENTS, max_size=3)
)
TAGS = st.builds(
    lambda space, path, end: "{{" + space + path + end + "}}",
    st.sampled_from(["", " ", "  "]),
    PATHS,
    st.sampled_from(["", " "]),
)
TEXT = st.text(alphabet="ab {}%#.-\n", max_size=6)
TEMPLATES = st.lists(st.one_of(TEXT, TAGS), max_size=5).map("".join)


@settings(max_examples=300, deadline=None)
@given(template=TEMPLATES, variables=st.dictionaries(st.sampled_from(NAMES), VALUES, max_size=4))
def test_the_quick_path_agrees_with_python_liquid(template: str, variables: dict[str, Any]) -> None:
    ex = Expressions(
        EvalContext(memory=Memory(DictStore()), session=Memory(DictStore()), pr={}, env={}, vars={})
    )
    quick = quick_liquid.render(template, variables)
    if quick is None:
        return
    assert ex._templates().render(template, WHERE, variables) == quick


def test_a_typical_message_takes_the_quick_path_and_renders_the_same() -> None:
    ctx = EvalContext(
        memory=Memory(DictStore()), session=Memory(DictStore()), pr={"number": 7}, env={}, vars={"who": "ci"}
    )
    ctx.outputs.record("count", 3)
    ctx.outputs.record("build", "done")
    template = "Run {{ outputs.count }} by {{vars.who}} on PR #{{ pr['number'] }}: {{ outputs[\"build\"] }}"
    ex = Expressions(ctx)
    assert ex.render(template, where=WHERE) == "Run 3 by ci on PR #7: done"
    assert ex._liquid is None  # python-liquid was not needed
    assert ex._templates().render(template, WHERE) == "Run 3 by ci on PR #7: done"


def test_anything_else_goes_to_python_liquid() -> None:
    variables = {"a": {"b": "x", "n": True, "l": [1, 2]}, "s": "text"}
    for template in [
        "{{ a.b | upcase }}",
        "{%- if a %}y{% endif %}",
        "{{- a.b }}",
        "{{ a.n }}",
        "{{ a.l }}",
        "{{ a.l.size }}",
        "{{ a.missing }}",
        "{{ s.first }}",
        "{# note #}{{ a.b }}",
        "{{ a[0] }}",
        "{{{ s }}",
        "{{ a[b] }}",
    ]:
        assert quick_liquid.render(template, variables) is None, template
    assert quick_liquid.render("{{ s }}" * 2, {"s": "x" * quick_liquid.MAX_OUTPUT}) is None


def test_a_log_message_run_does_not_import_python_liquid(tmp_path: Any) -> None:
    config = tmp_path / "flow.yaml"
    config.write_text(
        "steps:\n"
        "  count: {type: memory, operation: increment, key: runs}\n"
        '  say: {type: log, message: "Run {{ outputs.count }}", depends_on: count}\n'
    )
    code = (
        "import sys, visor_mem; r = visor_mem.run(sys.argv[1]); "
        "print(r.ok, 'liquid' in sys.modules, r.steps['say'].output)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(config)], capture_output=True, text=True, check=True
    )
    assert done.stdout.startswith("True False ")
