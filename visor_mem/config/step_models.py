"""Pydantic models of the steps: the single definition of their schema.

One model per step ``type``; :data:`StepModel` is their union, discriminated
by ``type``.  Field descriptions end up in ``schemas/visor.schema.json`` and
in editors, so they are written for users.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from visor_mem.config.contract_models import FailureCondition, OnInit, short_conditions
from visor_mem.config.model_base import EXTENSION_PREFIX as EXTENSION_PREFIX
from visor_mem.config.model_base import FIELD_ERROR as FIELD_ERROR
from visor_mem.config.model_base import Model, as_list
from visor_mem.config.model_base import field_error as field_error
from visor_mem.config.number_types import DelayMs, Loops, Runs, Timeout, TtlSeconds
from visor_mem.config.specs import ANY_OF, split_any_of

MEMORY_OPERATIONS = ("get", "set", "append", "increment", "delete", "clear", "list", "exec_js")
KEYED_OPERATIONS = frozenset({"get", "set", "append", "increment", "delete"})
VALUE_OPERATIONS = frozenset({"set", "append"})
TTL_OPERATIONS = frozenset({"set", "append", "increment"})
TAG_PATTERN = r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$"
EventTrigger = Literal[
    "pr_opened", "pr_updated", "pr_closed", "issue_opened", "issue_comment", "manual", "schedule",
    "webhook_received", "slack_message", "telegram_message", "email_message", "whatsapp_message",
    "teams_message",
]  # fmt: skip
"""Visor's event names (``src/types/config.ts`` EventTrigger)."""
STEP_TYPE_ALIASES = {"logger": "log"}
"""Visor's older spellings of step types, rewritten before validation."""


class Backoff(Model):
    """How long to wait before a retry."""

    mode: Literal["fixed", "exponential"] = Field(
        "fixed", description="fixed: delay_ms every time; exponential: delay_ms * 2**(attempt-1)."
    )
    delay_ms: DelayMs = Field(0, description="Base delay in milliseconds.")


class Retry(Model):
    """Re-run the failed step up to ``max`` more times."""

    max: Loops = Field(..., description="Extra attempts after the first failure.")
    backoff: Backoff | None = None


class RunTarget(Model):
    """A ``run`` item with arguments: the target sees ``with`` as ``args``."""

    step: str
    with_: dict[str, Any] = Field(default_factory=dict, alias="with")


class Transition(Model):
    """A rule of ``transitions``: the first whose ``when`` is truthy decides the goto."""

    when: str = Field(..., description="JavaScript expression.")
    to: str | None = Field(None, description="Step to go to; null means no jump.")


class Hook(Model):
    """Routing actions of on_success / on_finish."""

    run: list[str | RunTarget] = Field(default_factory=list, description="Steps to run right after this one.")
    run_js: str | None = Field(None, description="JavaScript returning a list of step names to run.")
    goto: str | None = Field(None, description="Step to jump back (or forward) to.")
    goto_js: str | None = Field(None, description="JavaScript returning the step to go to, or null.")
    transitions: list[Transition] = Field(default_factory=list)

    _normalise_run = field_validator("run", mode="before")(as_list)

    def run_names(self) -> list[str]:
        """Names of the ``run`` targets, in order."""
        return [item if isinstance(item, str) else item.step for item in self.run]

    def targets(self) -> list[tuple[str, str]]:
        """``(field, step name)`` of every static target, for load-time checks."""
        found = [(f"run.{i}", name) for i, name in enumerate(self.run_names())]
        found += [(f"transitions.{i}.to", t.to) for i, t in enumerate(self.transitions) if t.to]
        if self.goto:
            found.append(("goto", self.goto))
        return found


class FailHook(Hook):
    """Routing actions of on_fail: a Hook plus ``retry``."""

    retry: Retry | None = None


class StepBase(Model):
    """Fields common to every step type."""

    depends_on: list[str] = Field(default_factory=list, description="Steps that must finish first.")
    if_: str | None = Field(None, alias="if", description="JavaScript; false skips the step.")
    fail_if: str | None = Field(None, description="JavaScript; true fails the step. Sees `output`.")
    continue_on_failure: bool = Field(
        False, description="Dependents run even when this step fails or is skipped."
    )
    on_success: Hook | None = None
    on_fail: FailHook | None = None
    on_finish: Hook | None = None
    max_runs: Runs | None = Field(None, description="Most executions of this step in one run.")
    timeout: Timeout | None = Field(
        None, description="Seconds (a number) or a duration such as '500ms', '30s', '5m'; wall clock."
    )
    tags: list[str] = Field(default_factory=list)
    group: str | None = None
    description: str | None = None
    on: list[EventTrigger] | None = Field(
        None, description="Events that run this step (with --event); without --event every step runs."
    )
    criticality: Literal["external", "internal", "policy", "info"] | None = Field(
        None,
        description="Visor's risk class; external and internal steps are not retried after a logical "
        "failure (fail_if, guarantee, failure_conditions).",
    )
    assume: list[str] = Field(
        default_factory=list,
        description="JavaScript preconditions; one false skips the step (reason assume).",
    )
    guarantee: list[str] = Field(
        default_factory=list, description="JavaScript postconditions on `output`; one false fails the step."
    )
    failure_conditions: dict[str, FailureCondition] = Field(
        default_factory=dict,
        description="Named conditions on `output` (override global ones of the same name).",
    )
    on_init: OnInit | None = Field(None, description="Steps to run first; their outputs are visible by name.")

    for_each: bool = Field(
        False,
        alias="forEach",
        description="The output is a list: dependents run per item (map) or once (reduce).",
    )
    fanout: Literal["map", "reduce"] | None = Field(
        None,
        description="Under a forEach parent: run once per item (map) or once for all (reduce). "
        "Default by type: command maps; memory, script, log and noop reduce.",
    )
    reduce: bool | None = Field(None, description="Alias for fanout: reduce (true) or map (false).")
    schema_: dict[str, Any] | None = Field(
        None,
        alias="schema",
        description="A JSON Schema the output must match (a named schema such as `plain` is ignored).",
    )
    output_schema: dict[str, Any] | None = Field(None, description="Older spelling of an object `schema`.")

    _normalise_depends = field_validator("depends_on", mode="before")(as_list)
    _normalise_contracts = field_validator("assume", "guarantee", mode="before")(as_list)
    _short_conditions = field_validator("failure_conditions", mode="before")(short_conditions)
    _normalise_tags = field_validator("tags", mode="before")(as_list)

    @field_validator("tags")
    @classmethod
    def _check_tags(cls, tags: list[str]) -> list[str]:
        for tag in tags:
            if not re.match(TAG_PATTERN, tag):
                raise ValueError(f"invalid tag '{tag}': use letters, digits, '-' and '_'")
        return tags

    @field_validator("schema_", "output_schema")
    @classmethod
    def _valid_json_schema(cls, schema: dict[str, Any] | None) -> dict[str, Any] | None:
        if schema is not None:
            from visor_mem.engine.output_schema import schema_error  # jsonschema only for such configs

            problem = schema_error(schema)
            if problem:
                raise ValueError(problem)
        return schema

    @property
    def json_schema(self) -> dict[str, Any] | None:
        """The schema the output must match: ``schema``, else ``output_schema``."""
        return self.schema_ if self.schema_ is not None else self.output_schema

    @property
    def needs(self) -> tuple[str, ...]:
        """Every step named in ``depends_on``, any-of groups (``a|b``) split."""
        return tuple(dict.fromkeys(name for token in self.depends_on for name in split_any_of(token)))

    @property
    def any_of(self) -> tuple[tuple[str, ...], ...]:
        """The any-of groups of ``depends_on``."""
        return tuple(split_any_of(token) for token in self.depends_on if ANY_OF in token)

    def hooks(self) -> dict[str, Hook]:
        """The routing hooks that are set, by field name."""
        found = {"on_success": self.on_success, "on_fail": self.on_fail, "on_finish": self.on_finish}
        return {name: hook for name, hook in found.items() if hook is not None}

    @property
    def fanout_mode(self) -> str | None:
        """``fanout``, or what the ``reduce`` alias says; None: the type's default."""
        if self.fanout is not None:
            return self.fanout
        if self.reduce is None:
            return None
        return "reduce" if self.reduce else "map"


class MemoryStepModel(StepBase):
    """Read or change the shared memory."""

    type: Literal["memory"]
    operation: Literal["get", "set", "append", "increment", "delete", "clear", "list", "exec_js"] | None = (
        Field(None, description="Defaults to exec_js when memory_js is given.")
    )
    key: str | None = None
    value: Any = Field(None, description="Literal value; a string with Liquid markup is rendered.")
    value_js: str | None = Field(None, description="JavaScript computing the value.")
    transform: str | None = Field(None, description="Liquid template applied to the value (yields a string).")
    transform_js: str | None = Field(None, description="JavaScript applied to the value (sees `value`).")
    namespace: str | None = None
    scope: Literal["memory", "session"] = "memory"
    ttl: TtlSeconds | None = Field(None, description="Seconds until the key expires.")
    memory_js: str | None = Field(None, description="JavaScript body for operation exec_js.")

    @property
    def op(self) -> str:
        """The operation, with Visor's exec_js inference."""
        return self.operation or "exec_js"

    @property
    def has_value(self) -> bool:
        """Whether ``value`` was written in the config (null included)."""
        return "value" in self.model_fields_set

    @model_validator(mode="after")
    def _check_operation_fields(self) -> MemoryStepModel:
        op = self.operation
        if op is None and self.memory_js is None:
            raise field_error("operation", "required: one of " + ", ".join(MEMORY_OPERATIONS))
        if op in KEYED_OPERATIONS and not self.key:
            raise field_error("key", f"required for operation '{op}'")
        if op in VALUE_OPERATIONS and not self.has_value and self.value_js is None:
            raise field_error("value", f"'value' or 'value_js' is required for operation '{op}'")
        if self.op == "exec_js" and not self.memory_js:
            raise field_error("memory_js", "required for operation 'exec_js'")
        if self.ttl is not None and op not in TTL_OPERATIONS:
            raise field_error("ttl", "only applies to operations set, append and increment")
        return self


class ScriptStepModel(StepBase):
    """Run JavaScript with the memory API; the output is what it returns."""

    type: Literal["script"]
    content: str = Field(..., alias="content", description="JavaScript body (alias: script_js).")

    @model_validator(mode="before")
    @classmethod
    def _alias_script_js(cls, data: Any) -> Any:
        if isinstance(data, dict) and "script_js" in data and "content" not in data:
            data = {**data, "content": data["script_js"]}
            del data["script_js"]
        return data


class CommandStepModel(StepBase):
    """Run a shell command; JSON stdout becomes a structured output."""

    type: Literal["command"]
    exec: str = Field(..., description="Shell command (Liquid), run by /bin/sh -c.")
    cwd: str | None = Field(None, description="Working folder, relative to the config file.")
    env: dict[str, str | int | float | bool] = Field(default_factory=dict)
    transform: str | None = Field(None, description="Liquid applied to the output (JSON text is parsed).")
    transform_js: str | None = Field(None, description="JavaScript applied to the output (sees `output`).")


class LogStepModel(StepBase):
    """Print a message (Liquid); the output is {text}."""

    type: Literal["log"]
    message: str = Field(..., description="Liquid template.")
    level: Literal["debug", "info", "warn", "warning", "error"] = "info"


class NoopStepModel(StepBase):
    """Do nothing: a join point, or a place for fail_if and routing."""

    type: Literal["noop"]


StepModel = Annotated[
    MemoryStepModel | ScriptStepModel | CommandStepModel | LogStepModel | NoopStepModel,
    Field(discriminator="type"),
]

STEP_MODELS: dict[str, type[StepBase]] = {
    "memory": MemoryStepModel,
    "script": ScriptStepModel,
    "command": CommandStepModel,
    "log": LogStepModel,
    "noop": NoopStepModel,
}
"""Step type name → model; ``steps/`` registers one implementation per name."""
