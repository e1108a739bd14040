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

from visor_mem.config import contract_models, models, specs, step_models

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
    contract_models.FailureCondition: specs.FailureConditionSpec,
    contract_models.OnInit: specs.OnInitSpec,
    contract_models.OnInitStep: specs.OnInitStepSpec,
    models.NamespaceLimitsModel: specs.NamespaceLimitsSpec,
    models.MemoryConfig: specs.MemorySpec,
    models.RoutingConfig: specs.RoutingSpec,
    models.LimitsConfig: specs.LimitsSpec,
    models.WorkflowInput: specs.WorkflowInputSpec,
    models.WorkflowOutput: specs.WorkflowOutputSpec,
    models.TagFilterModel: specs.TagFilterSpec,
    models.VisorConfig: specs.ConfigSpec,
}
"""Model class → record class; every model the engine reads has one."""

FIELD_NAMES: dict[type[Any], tuple[str, ...]] = {
    record: tuple(f.name for f in dataclasses.fields(record)) for record in SPEC_OF.values()
}
"""Record class → its field names, read from the model by the same names."""

USER_DATA_FIELDS = frozenset({"value", "with_", "env", "default", "schema_", "json_schema"})
"""Fields holding the user's own JSON data: copied as they are, lists stay lists."""

NOT_CARRIED: dict[tuple[type[BaseModel], str], str] = {
    (models.RoutingConfig, "defaults"): "merged into each step's on_fail by _with_routing_defaults",
    (step_models.MemoryStepModel, "operation"): "carried as `op`, with Visor's exec_js inference",
    (step_models.StepBase, "schema_"): "carried as `json_schema`, with output_schema",
    (step_models.StepBase, "output_schema"): "carried as `json_schema`, with schema",
    (step_models.StepBase, "fanout"): "carried as `fanout_mode`, with its `reduce` alias",
    (step_models.StepBase, "reduce"): "carried as `fanout_mode`, with its `fanout` alias",
}
"""Model fields deliberately absent from their record, and why.  Any other
model field without a record field of the same name is a compile error: a key
accepted and silently dropped is what the key table (keys.py) forbids."""


class UncarriedField(TypeError):
    """A model field has no record field to go to (a programming error, not a config error)."""


def uncarried_fields(model: type[BaseModel]) -> list[str]:
    """Fields of ``model`` that its record neither carries nor lists in :data:`NOT_CARRIED`."""
    carried = set(FIELD_NAMES[SPEC_OF[model]])
    return [
        name
        for name in model.model_fields
        if name not in carried and not any((cls, name) in NOT_CARRIED for cls in model.__mro__)
    ]


def check_carried() -> None:
    """Raise :class:`UncarriedField` if some model field would be dropped by compilation."""
    for model in SPEC_OF:
        missing = uncarried_fields(model)
        if missing:
            raise UncarriedField(
                f"{model.__name__}: fields {missing} have no field in {SPEC_OF[model].__name__}; "
                "add them to config/specs.py (or to NOT_CARRIED with the reason)"
            )


check_carried()  # at import: a model field nobody compiles fails every load, not one config


def compile_config(config: models.VisorConfig) -> specs.ConfigSpec:
    """The records of a validated config, routing defaults merged."""
    spec = to_spec(_with_routing_defaults(config))
    assert isinstance(spec, specs.ConfigSpec)
    return spec


def to_spec(value: Any) -> Any:
    """Convert a model (recursively) to its record; lists become tuples."""
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, BaseModel):
        return _record(value)
    if isinstance(value, list | tuple):
        return tuple(to_spec(item) for item in value)
    if isinstance(value, dict):
        return {key: to_spec(item) for key, item in value.items()}
    return value


_PLAIN = (str, int, float, bool, type(None))


def _record(model: BaseModel) -> Any:
    record = SPEC_OF[type(model)]
    values = {}
    for name in FIELD_NAMES[record]:
        value = getattr(model, name, None)  # None: e.g. retry, which only on_fail has
        values[name] = value if name in USER_DATA_FIELDS or isinstance(value, _PLAIN) else to_spec(value)
    return record(**values)


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
