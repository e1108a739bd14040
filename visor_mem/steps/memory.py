"""``type: memory``: read or change the shared memory.

The value of set/append/increment goes through Visor's pipeline: ``value``
(every string with Liquid markup in it is rendered, nested ones included) or ``value_js``, then ``transform``
(Liquid, always a string), then ``transform_js`` (sees the previous result as
``value``).  Each operation is an ``Op`` (:mod:`visor_mem.store.ops`) built by
a registry; a value computed from expressions (which may read memory) is
computed and written inside one ``Memory.exclusive()`` section, so a
read-modify-write from parallel runs on a shared store loses nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from visor_mem.config.specs import MemoryStepSpec
from visor_mem.steps.base import StepCall
from visor_mem.store.base import JSON
from visor_mem.store.ops import Op

LIQUID_MARKERS = ("{{", "{%")


def has_liquid(text: object) -> bool:
    """Whether a literal string is a Liquid template."""
    return isinstance(text, str) and any(marker in text for marker in LIQUID_MARKERS)


def render_nested(call: StepCall, value: JSON, path: str) -> JSON:
    """``value`` with Liquid rendered in every string, nested ones included (DESIGN.md section 10)."""
    if isinstance(value, str):
        return call.render(path, value) if has_liquid(value) else value
    if isinstance(value, list):
        return [render_nested(call, item, f"{path}.{i}") for i, item in enumerate(value)]
    if isinstance(value, dict):
        return {key: render_nested(call, item, f"{path}.{key}") for key, item in value.items()}
    return value


def compute_value(call: StepCall, spec: MemoryStepSpec) -> JSON:
    """The value for set/append/increment, through the whole pipeline."""
    if spec.value_js is not None:
        value = call.js("value_js", spec.value_js)
    else:
        value = render_nested(call, spec.value, "value")
    if spec.transform is not None:
        value = call.render("transform", spec.transform, value=value)
    if spec.transform_js is not None:
        value = call.js("transform_js", spec.transform_js, value=value)
    return value


def _key(spec: MemoryStepSpec) -> str:
    assert spec.key is not None  # guaranteed by the spec's validator
    return spec.key


def _namespace(spec: MemoryStepSpec) -> str:
    return spec.namespace or ""  # "": the memory's default namespace


def _amount(call: StepCall, spec: MemoryStepSpec) -> JSON:
    given = spec.has_value or spec.value_js is not None
    return compute_value(call, spec) if given else 1


def _valued(kind: str, value: Callable[[StepCall, MemoryStepSpec], JSON]) -> OpOf:
    return lambda call, spec: Op(kind, _namespace(spec), _key(spec), value(call, spec), spec.ttl)


def _keyed(kind: str) -> OpOf:
    return lambda call, spec: Op(kind, _namespace(spec), _key(spec))


def _whole(kind: str) -> OpOf:
    return lambda call, spec: Op(kind, _namespace(spec))


OpOf = Callable[[StepCall, MemoryStepSpec], Op]

OPERATIONS: dict[str, OpOf] = {
    "get": _keyed("get"),
    "set": _valued("set", compute_value),
    "append": _valued("append", compute_value),
    "increment": _valued("increment", _amount),
    "delete": _keyed("delete"),
    "clear": _whole("clear"),
    "list": _whole("list"),
}
"""Memory step operation → the ``Op`` it applies (``exec_js`` runs code instead)."""


def computed(spec: MemoryStepSpec) -> bool:
    """Whether the value comes from an expression that may read memory."""
    return (
        spec.value_js is not None
        or spec.transform is not None
        or spec.transform_js is not None
        or has_liquid(spec.value)
    )


class MemoryStep:
    """Runs one memory operation on the configured store or the session."""

    def run(self, call: StepCall) -> JSON:
        spec = call.spec
        assert isinstance(spec, MemoryStepSpec)
        memory = call.session if spec.scope == "session" else call.memory
        if spec.op == "exec_js":
            assert spec.memory_js is not None  # guaranteed by the spec's validator
            return call.js("memory_js", spec.memory_js)
        if not computed(spec):
            return memory.apply([OPERATIONS[spec.op](call, spec)])[0]
        # Reading memory to compute the value, then writing, is one serializable section.
        # The store's section is taken first even for the session: JavaScript takes them
        # in that order (expr/js_host.py), and one order means no deadlock.
        with call.memory.exclusive(), memory.exclusive():
            return memory.apply([OPERATIONS[spec.op](call, spec)])[0]
