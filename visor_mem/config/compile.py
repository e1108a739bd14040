"""Turn a validated ``VisorConfig`` into the frozen records of ``specs.py``.

The conversion is generic: each model class maps to its record class, whose
fields are read from the model by name (properties such as ``op`` and
``has_value`` included).  ``routing.defaults.on_fail`` is merged into the
``on_fail`` of every step that declares one here, once, as Visor does.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from pydantic import BaseModel

from visor_mem.config import models, specs, step_models

SPEC_OF: dict[type[BaseModel], type[Any]] = {
    step_models.Backoff: specs.BackoffSpec,
    step_models.Retry: specs.RetrySpec,
    step_models.RunTarget: specs.RunTargetSpec,
    step_models.Transition: specs.TransitionSpec,
    step_models.Hook: specs.HookSpec,
    step_models.FailHook: specs.HookSpec,
    step_models.MemoryStepModel: specs.MemoryStepSpec,
    step_models.ScriptStepModel: specs.ScriptStepSpec,
    step_models.CommandStepModel: specs.CommandStepSpec,
    step_models.LogStepModel: specs.LogStepSpec,
    step_models.NoopStepModel: specs.NoopStepSpec,
    models.NamespaceLimitsModel: specs.NamespaceLimitsSpec,
    models.MemoryConfig: specs.MemorySpec,
    models.RoutingConfig: specs.RoutingSpec,
    models.LimitsConfig: specs.LimitsSpec,
    models.VisorConfig: specs.ConfigSpec,
}
"""Model class → record class; every model the engine reads has one."""

USER_DATA_FIELDS = frozenset({"value", "with_", "env"})
"""Fields holding the user's own JSON data: copied as they are, lists stay lists."""


def compile_config(config: models.VisorConfig) -> specs.ConfigSpec:
    """The records of a validated config, routing defaults merged."""
    spec = to_spec(_with_routing_defaults(config))
    assert isinstance(spec, specs.ConfigSpec)
    return spec


def to_spec(value: Any) -> Any:
    """Convert a model (recursively) to its record; lists become tuples."""
    if isinstance(value, BaseModel):
        record = SPEC_OF[type(value)]
        return record(**{f.name: _field(value, f) for f in dataclasses.fields(record)})
    if isinstance(value, list | tuple):
        return tuple(to_spec(item) for item in value)
    if isinstance(value, dict):
        return {key: to_spec(item) for key, item in value.items()}
    return value


def _field(model: BaseModel, spec_field: dataclasses.Field[Any]) -> Any:
    if not hasattr(model, spec_field.name):  # e.g. retry, which only on_fail has
        return None
    value = getattr(model, spec_field.name)
    return value if spec_field.name in USER_DATA_FIELDS else to_spec(value)


def _with_routing_defaults(config: models.VisorConfig) -> models.VisorConfig:
    defaults = config.routing.defaults.on_fail if config.routing.defaults else None
    if defaults is None:
        return config
    base = defaults.model_dump(exclude_unset=True, by_alias=True)
    steps = {
        name: step.model_copy(update={"on_fail": _merged(base, step.on_fail)}) if step.on_fail else step
        for name, step in config.steps.items()
    }
    return config.model_copy(update={"steps": steps})


def _merged(base: dict[str, Any], own: step_models.FailHook) -> step_models.FailHook:
    """Visor's shallow merge: the step's own fields win over the defaults."""
    return step_models.FailHook.model_validate({**base, **own.model_dump(exclude_unset=True, by_alias=True)})
