"""``on_init``: steps run right before a step, their outputs visible to it by name.

As Visor's ``handleOnInit`` (``dispatch/execution-invoker.ts``): the items of
``run`` (or the list ``run_js`` returns) execute in order before the step's
first execution (before its forEach items), each as a plain invocation of the
named step with ``with`` as ``args``: not a scheduled run of that step (no
status, no hooks, no history, and its own ``on_init`` is not followed).  Each
output is visible to the step as ``outputs[as]`` (default: the step's name)
until the step's turn ends.  A failing item fails the step before it starts.
Visor's ``tool:`` and ``workflow:`` items are refused by the config schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from visor_mem.config.specs import OnInitSpec, OnInitStepSpec
from visor_mem.errors import RoutingError
from visor_mem.expr.context import CLEARED
from visor_mem.store.base import JSON

if TYPE_CHECKING:
    from visor_mem.engine.execute import Executor

Item = tuple[str, dict[str, JSON], str]
"""(step, args, output name)."""


def run_on_init(executor: Executor, name: str) -> list[str]:
    """Run ``name``'s on_init items; the output names made visible (to hide afterwards)."""
    spec = executor.services.plan.steps[name].on_init
    if spec is None:
        return []
    shown: list[str] = []
    for step, args, as_name in _items(executor, name, spec):
        output, error = executor.invoke(step, args)
        if error is not None:
            raise RoutingError(f"on_init step '{step}' failed: {error}", _where(executor, name, "run"))
        executor.services.outputs.show(as_name, output)
        shown.append(as_name)
    return shown


def hide(executor: Executor, names: list[str]) -> None:
    """The on_init outputs are visible for one turn of the step only."""
    for as_name in names:
        executor.services.outputs.show(as_name, CLEARED)


def _items(executor: Executor, name: str, spec: OnInitSpec) -> Iterator[Item]:
    if spec.run_js is None:
        for item in spec.run:
            yield _item(item)
        return
    value = executor.services.exprs.js(spec.run_js, where=_where(executor, name, "run_js"))
    for entry in value if isinstance(value, list) else []:
        yield _js_item(executor, name, entry)


def _item(item: str | OnInitStepSpec) -> Item:
    if isinstance(item, str):
        return item, {}, item
    return item.step, dict(item.with_), item.as_ or item.step


def _js_item(executor: Executor, name: str, entry: JSON) -> Item:
    step = entry if isinstance(entry, str) else entry.get("step") if isinstance(entry, dict) else None
    if not isinstance(step, str) or step not in executor.services.plan.steps:
        raise RoutingError(f"on_init.run_js: {entry!r} is not a step", _where(executor, name, "run_js"))
    if isinstance(entry, str):
        return entry, {}, entry
    assert isinstance(entry, dict)
    args = entry.get("with")
    as_name = entry.get("as")
    return step, dict(args) if isinstance(args, dict) else {}, as_name if isinstance(as_name, str) else step


def _where(executor: Executor, name: str, field: str):  # type: ignore[no-untyped-def]
    return executor.services.loaded.locate(f"steps.{name}.on_init.{field}")
