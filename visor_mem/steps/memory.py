"""``type: memory``: read or change the shared memory.

The value of set/append/increment goes through Visor's pipeline: ``value``
(a string with Liquid markup is rendered) or ``value_js``, then ``transform``
(Liquid, always a string), then ``transform_js`` (sees the previous result as
``value``).  Operations are a registry, one small function each.
"""

from __future__ import annotations

from collections.abc import Callable

from visor_mem.config.specs import MemoryStepSpec
from visor_mem.steps.base import StepCall
from visor_mem.store.base import JSON
from visor_mem.store.scoped import Memory

LIQUID_MARKERS = ("{{", "{%")


def has_liquid(text: object) -> bool:
    """Whether a literal string is a Liquid template."""
    return isinstance(text, str) and any(marker in text for marker in LIQUID_MARKERS)


def compute_value(call: StepCall, spec: MemoryStepSpec) -> JSON:
    """The value for set/append/increment, through the whole pipeline."""
    if spec.value_js is not None:
        value = call.js("value_js", spec.value_js)
    elif has_liquid(spec.value):
        value = call.render("value", spec.value)
    else:
        value = spec.value
    if spec.transform is not None:
        value = call.render("transform", spec.transform, value=value)
    if spec.transform_js is not None:
        value = call.js("transform_js", spec.transform_js, value=value)
    return value


def _key(spec: MemoryStepSpec) -> str:
    assert spec.key is not None  # guaranteed by the spec's validator
    return spec.key


def _get(call: StepCall, spec: MemoryStepSpec, memory: Memory) -> JSON:
    return memory.get(_key(spec), spec.namespace)


def _set(call: StepCall, spec: MemoryStepSpec, memory: Memory) -> JSON:
    return memory.set(_key(spec), compute_value(call, spec), spec.namespace, spec.ttl)


def _append(call: StepCall, spec: MemoryStepSpec, memory: Memory) -> JSON:
    return memory.append(_key(spec), compute_value(call, spec), spec.namespace, spec.ttl)


def _increment(call: StepCall, spec: MemoryStepSpec, memory: Memory) -> JSON:
    given = spec.has_value or spec.value_js is not None
    amount = compute_value(call, spec) if given else 1
    return memory.increment(_key(spec), amount, spec.namespace, spec.ttl)


def _delete(call: StepCall, spec: MemoryStepSpec, memory: Memory) -> JSON:
    return memory.delete(_key(spec), spec.namespace)


def _clear(call: StepCall, spec: MemoryStepSpec, memory: Memory) -> JSON:
    memory.clear(spec.namespace)
    return None


def _list(call: StepCall, spec: MemoryStepSpec, memory: Memory) -> JSON:
    return memory.list(spec.namespace)


def _exec_js(call: StepCall, spec: MemoryStepSpec, memory: Memory) -> JSON:
    assert spec.memory_js is not None  # guaranteed by the spec's validator
    return call.js("memory_js", spec.memory_js)


Operation = Callable[[StepCall, MemoryStepSpec, Memory], JSON]

OPERATIONS: dict[str, Operation] = {
    "get": _get,
    "set": _set,
    "append": _append,
    "increment": _increment,
    "delete": _delete,
    "clear": _clear,
    "list": _list,
    "exec_js": _exec_js,
}


class MemoryStep:
    """Runs one memory operation on the configured store or the session."""

    def run(self, call: StepCall) -> JSON:
        spec = call.spec
        assert isinstance(spec, MemoryStepSpec)
        memory = call.session if spec.scope == "session" else call.memory
        return OPERATIONS[spec.op](call, spec, memory)
