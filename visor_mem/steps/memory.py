"""``type: memory``: read or change the shared memory.

The value of set/append/increment goes through Visor's pipeline: ``value``
(a string with Liquid markup is rendered) or ``value_js``, then ``transform``
(Liquid, always a string), then ``transform_js`` (sees the previous result as
``value``).  Operations are a registry, one small function each.
"""

from __future__ import annotations

from collections.abc import Callable

from visor_mem.config.step_models import MemoryStepModel
from visor_mem.steps.base import StepCall
from visor_mem.store.base import JSON
from visor_mem.store.scoped import Memory

LIQUID_MARKERS = ("{{", "{%")


def has_liquid(text: object) -> bool:
    """Whether a literal string is a Liquid template."""
    return isinstance(text, str) and any(marker in text for marker in LIQUID_MARKERS)


def compute_value(call: StepCall, model: MemoryStepModel) -> JSON:
    """The value for set/append/increment, through the whole pipeline."""
    if model.value_js is not None:
        value = call.js("value_js", model.value_js)
    elif has_liquid(model.value):
        value = call.render("value", model.value)
    else:
        value = model.value
    if model.transform is not None:
        value = call.render("transform", model.transform, value=value)
    if model.transform_js is not None:
        value = call.js("transform_js", model.transform_js, value=value)
    return value


def _key(model: MemoryStepModel) -> str:
    assert model.key is not None  # guaranteed by the model's validator
    return model.key


def _get(call: StepCall, model: MemoryStepModel, memory: Memory) -> JSON:
    return memory.get(_key(model), model.namespace)


def _set(call: StepCall, model: MemoryStepModel, memory: Memory) -> JSON:
    return memory.set(_key(model), compute_value(call, model), model.namespace, model.ttl)


def _append(call: StepCall, model: MemoryStepModel, memory: Memory) -> JSON:
    return memory.append(_key(model), compute_value(call, model), model.namespace, model.ttl)


def _increment(call: StepCall, model: MemoryStepModel, memory: Memory) -> JSON:
    given = model.has_value or model.value_js is not None
    amount = compute_value(call, model) if given else 1
    return memory.increment(_key(model), amount, model.namespace, model.ttl)


def _delete(call: StepCall, model: MemoryStepModel, memory: Memory) -> JSON:
    return memory.delete(_key(model), model.namespace)


def _clear(call: StepCall, model: MemoryStepModel, memory: Memory) -> JSON:
    memory.clear(model.namespace)
    return None


def _list(call: StepCall, model: MemoryStepModel, memory: Memory) -> JSON:
    return memory.list(model.namespace)


def _exec_js(call: StepCall, model: MemoryStepModel, memory: Memory) -> JSON:
    assert model.memory_js is not None  # guaranteed by the model's validator
    return call.js("memory_js", model.memory_js)


Operation = Callable[[StepCall, MemoryStepModel, Memory], JSON]

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
        model = call.model
        assert isinstance(model, MemoryStepModel)
        memory = call.session if model.scope == "session" else call.memory
        return OPERATIONS[model.op](call, model, memory)
