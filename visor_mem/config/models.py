"""Pydantic models of the root of ``.visor.yaml``.

These models are the only definition of the config schema: ``visor schema``
and ``schemas/visor.schema.json`` are generated from them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from visor_mem.config.contract_models import FailureCondition, short_conditions
from visor_mem.config.model_base import Model, as_list, field_error
from visor_mem.config.number_types import JsSeconds, Loops, Megabytes, Parallel, Quota, Runs, Timeout
from visor_mem.config.step_models import STEP_TYPE_ALIASES, FailHook, StepModel

PERSISTENT_STORAGES = frozenset({"file", "sqlite", "redis"})


class NamespaceLimitsModel(Model):
    """Quotas of one namespace."""

    max_keys: Quota | None = Field(None, description="Most keys the namespace may hold.")
    max_value_bytes: Quota | None = Field(None, description="Largest value, in bytes of compact JSON.")


class MemoryConfig(Model):
    """Where memory lives and how it is persisted."""

    storage: Literal["memory", "file", "sqlite", "redis"] = "memory"
    format: Literal["json", "csv"] = Field("json", description="File format for storage: file.")
    file: str | None = Field(None, description="Path, relative to the config file's folder.")
    url: str | None = Field(None, description="Redis URL, e.g. redis://127.0.0.1:6379/0.")
    namespace: str = Field("default", description="Default namespace.")
    auto_load: bool | None = Field(
        None, description="Load the store at start (default: true when persistent)."
    )
    auto_save: bool | None = Field(None, description="Save the store (default: true when persistent).")
    limits: dict[str, NamespaceLimitsModel] = Field(
        default_factory=dict, description="Quotas per namespace ('*': every namespace)."
    )

    @field_validator("namespace", mode="before")
    @classmethod
    def _empty_namespace_is_default(cls, value: Any) -> Any:
        return value or "default"

    @model_validator(mode="after")
    def _check_file(self) -> MemoryConfig:
        if self.storage in ("file", "sqlite") and not self.file:
            raise field_error(
                "file", f"required for storage '{self.storage}' (a path relative to the config)"
            )
        return self

    @property
    def loads(self) -> bool:
        """Whether the store is read at start."""
        return self.storage in PERSISTENT_STORAGES and self.auto_load is not False

    @property
    def saves(self) -> bool:
        """Whether changes are written back."""
        return self.storage in PERSISTENT_STORAGES and self.auto_save is not False


class RoutingDefaults(Model):
    """Defaults merged under every step's own routing."""

    on_fail: FailHook | None = None


class TagFilterModel(Model):
    """Which tagged steps run when no --tags / --exclude-tags is given (Visor's ``tag_filter``)."""

    include: list[str] = Field(default_factory=list, description="Tagged steps run only with one of these.")
    exclude: list[str] = Field(default_factory=list, description="Steps with one of these tags never run.")

    _normalise_include = field_validator("include", "exclude", mode="before")(as_list)


class RoutingConfig(Model):
    """The loop budget of routing."""

    max_loops: Loops = Field(
        10, description="Routing transitions (retries, run items, gotos) allowed in one run."
    )
    defaults: RoutingDefaults | None = None


class LimitsConfig(Model):
    """Limits of one run."""

    max_runs_per_step: Runs = Field(50, description="Most executions of any one step.")
    js_timeout: JsSeconds = Field(1.0, description="Seconds a JavaScript snippet may run.")
    js_memory_mb: Megabytes = Field(64, description="MiB a JavaScript context may allocate.")
    command_timeout: Timeout = Field(60.0, description="Default timeout of command steps (as Visor: 60 s).")
    command_output_mb: Megabytes = Field(
        16, description="MiB a command may print on stdout and on stderr; past it the command is stopped."
    )

    @model_validator(mode="before")
    @classmethod
    def _visor_spelling(cls, data: Any) -> Any:
        """Visor calls the per-step run limit ``max_runs_per_check``."""
        if isinstance(data, dict) and "max_runs_per_check" in data:
            if "max_runs_per_step" in data:
                raise field_error("max_runs_per_check", "use either max_runs_per_step or max_runs_per_check")
            data = {("max_runs_per_step" if k == "max_runs_per_check" else k): v for k, v in data.items()}
        return data


class WorkflowInput(Model):
    """A reusable-workflow input; its ``default`` is what ``inputs.<name>`` holds in a run."""

    name: str
    default: Any = None
    description: str | None = None
    required: bool = False
    schema_: dict[str, Any] | None = Field(None, alias="schema", description="Documentation only.")


class WorkflowOutput(Model):
    """A reusable-workflow output (Liquid ``value`` or ``value_js``)."""

    name: str
    description: str | None = None
    value: str | None = None
    value_js: str | None = None
    schema_: dict[str, Any] | None = Field(None, alias="schema", description="Documentation only.")


class VisorConfig(Model):
    """A ``.visor.yaml`` file."""

    version: str = Field("1.0", description='Config version, e.g. "1.0".')
    memory: MemoryConfig = Field(default_factory=MemoryConfig)
    steps: dict[str, StepModel] = Field(..., description="Steps by name (alias: checks).")
    routing: RoutingConfig = Field(default_factory=RoutingConfig)
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    env: dict[str, str | int | float | bool] = Field(
        default_factory=dict, description="Extra environment for commands and `env` in expressions."
    )
    tag_filter: TagFilterModel | None = Field(
        None, description="Tags of the steps to run; --tags / --exclude-tags replace it."
    )
    max_parallelism: Parallel | None = Field(
        None, description="Most steps of one wave running at once (--max-parallel wins)."
    )
    fail_fast: bool = Field(False, description="Start no new step once a step has failed (as --fail-fast).")
    id: str | None = Field(None, description="Reusable-workflow id.")
    name: str | None = Field(None, description="Reusable-workflow name.")
    description: str | None = None
    inputs: list[WorkflowInput] = Field(default_factory=list, description="Reusable-workflow inputs.")
    outputs: list[WorkflowOutput] = Field(default_factory=list, description="Reusable-workflow outputs.")
    fail_if: str | None = Field(
        None, description="JavaScript checked after every step; true fails the run (not the step)."
    )
    failure_conditions: dict[str, FailureCondition] = Field(
        default_factory=dict, description="Named failure conditions checked after every step."
    )

    _short_conditions = field_validator("failure_conditions", mode="before")(short_conditions)

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) else value

    @model_validator(mode="before")
    @classmethod
    def _checks_alias(cls, data: Any) -> Any:
        if isinstance(data, dict) and "checks" in data:
            if "steps" in data:
                raise field_error("checks", "use either 'steps' or 'checks', not both")
            data = {("steps" if k == "checks" else k): v for k, v in data.items()}
        if isinstance(data, dict) and isinstance(data.get("steps"), dict):
            data = {**data, "steps": _rewrite_type_aliases(data["steps"])}
        return data


def _rewrite_type_aliases(steps: dict[str, Any]) -> dict[str, Any]:
    """Rewrite ``type: logger`` to ``type: log`` (as Visor does), leaving other steps as they are."""

    def fix(step: Any) -> Any:
        if isinstance(step, dict) and isinstance(step.get("type"), str) and step["type"] in STEP_TYPE_ALIASES:
            return {**step, "type": STEP_TYPE_ALIASES[step["type"]]}
        return step

    return {name: fix(step) for name, step in steps.items()}
