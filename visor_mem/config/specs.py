"""Frozen records of a validated config: what the engine, steps and stores run on.

The pydantic models (``models.py``, ``step_models.py``) are the one schema and
do the validating; ``compile.py`` turns a validated model into these plain
dataclasses.  They carry the same field names as the models (a test keeps the
two in step) but import no pydantic, so a run whose config comes from the
cache (``cache.py``) starts without paying for pydantic at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Scalar = str | int | float | bool
VISOR_EVENTS = (
    "pr_opened", "pr_updated", "pr_closed", "issue_opened", "issue_comment", "manual", "schedule",
    "webhook_received", "slack_message", "telegram_message", "email_message", "whatsapp_message",
    "teams_message",
)  # fmt: skip
"""Visor's event names (``src/types/config.ts`` EventTrigger); step_models.EventTrigger agrees."""
ANY_OF = "|"
"""Separator of an any-of dependency group: ``depends_on: "a|b"`` (Visor)."""


def split_any_of(token: str) -> tuple[str, ...]:
    """``"a | b"`` → ``("a", "b")``; a plain name → ``(name,)``."""
    return tuple(part.strip() for part in token.split(ANY_OF) if part.strip())


@dataclass(frozen=True, kw_only=True)
class BackoffSpec:
    """How long to wait before a retry."""

    mode: str = "fixed"
    delay_ms: int = 0


@dataclass(frozen=True, kw_only=True)
class RetrySpec:
    """Re-run a failed step up to ``max`` more times."""

    max: int
    backoff: BackoffSpec | None = None


@dataclass(frozen=True, kw_only=True)
class RunTargetSpec:
    """A ``run`` item with arguments."""

    step: str
    with_: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class TransitionSpec:
    """A ``transitions`` rule."""

    when: str
    to: str | None = None


@dataclass(frozen=True, kw_only=True)
class HookSpec:
    """Routing actions of on_success / on_fail / on_finish (``retry``: on_fail only)."""

    run: tuple[str | RunTargetSpec, ...] = ()
    run_js: str | None = None
    goto: str | None = None
    goto_js: str | None = None
    transitions: tuple[TransitionSpec, ...] = ()
    retry: RetrySpec | None = None

    def run_names(self) -> list[str]:
        """Names of the ``run`` targets, in order."""
        return [item if isinstance(item, str) else item.step for item in self.run]


@dataclass(frozen=True, kw_only=True)
class FailureConditionSpec:
    """A named failure condition."""

    condition: str
    message: str | None = None
    severity: str = "error"
    halt_execution: bool = False


@dataclass(frozen=True, kw_only=True)
class OnInitStepSpec:
    """An ``on_init`` item with arguments or another output name."""

    step: str
    with_: Mapping[str, Any] = field(default_factory=dict)
    as_: str | None = None


@dataclass(frozen=True, kw_only=True)
class OnInitSpec:
    """``on_init``: steps run before this one."""

    run: tuple[str | OnInitStepSpec, ...] = ()
    run_js: str | None = None


@dataclass(frozen=True, kw_only=True)
class StepSpec:
    """Fields common to every step type."""

    type: str
    depends_on: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    """Every step named in ``depends_on``, any-of groups (``a|b``) split, in order."""
    any_of: tuple[tuple[str, ...], ...] = ()
    json_schema: Mapping[str, Any] | None = None
    """The JSON Schema the output must match (``schema`` object, else ``output_schema``)."""
    """The any-of groups of ``depends_on`` (``a|b``): one option of each must succeed."""
    if_: str | None = None
    fail_if: str | None = None
    continue_on_failure: bool = False
    on_success: HookSpec | None = None
    on_fail: HookSpec | None = None
    on_finish: HookSpec | None = None
    max_runs: int | None = None
    timeout: float | None = None
    tags: tuple[str, ...] = ()
    group: str | None = None
    description: str | None = None
    on: tuple[str, ...] | None = None
    for_each: bool = False
    fanout_mode: str | None = None
    criticality: str | None = None
    assume: tuple[str, ...] = ()
    guarantee: tuple[str, ...] = ()
    failure_conditions: Mapping[str, FailureConditionSpec] = field(default_factory=dict)
    on_init: OnInitSpec | None = None

    def hooks(self) -> dict[str, HookSpec]:
        """The routing hooks that are set, by field name."""
        found = {"on_success": self.on_success, "on_fail": self.on_fail, "on_finish": self.on_finish}
        return {name: hook for name, hook in found.items() if hook is not None}


@dataclass(frozen=True, kw_only=True)
class MemoryStepSpec(StepSpec):
    """``type: memory``."""

    op: str
    key: str | None = None
    value: Any = None
    has_value: bool = False
    value_js: str | None = None
    transform: str | None = None
    transform_js: str | None = None
    namespace: str | None = None
    scope: str = "memory"
    ttl: float | None = None
    memory_js: str | None = None


@dataclass(frozen=True, kw_only=True)
class ScriptStepSpec(StepSpec):
    """``type: script``."""

    content: str


@dataclass(frozen=True, kw_only=True)
class CommandStepSpec(StepSpec):
    """``type: command``."""

    exec: str
    cwd: str | None = None
    env: Mapping[str, Scalar] = field(default_factory=dict)
    transform: str | None = None
    transform_js: str | None = None


@dataclass(frozen=True, kw_only=True)
class LogStepSpec(StepSpec):
    """``type: log``."""

    message: str
    level: str = "info"


@dataclass(frozen=True, kw_only=True)
class NoopStepSpec(StepSpec):
    """``type: noop``."""


@dataclass(frozen=True, kw_only=True)
class NamespaceLimitsSpec:
    """Quotas of one namespace."""

    max_keys: int | None = None
    max_value_bytes: int | None = None


@dataclass(frozen=True, kw_only=True)
class MemorySpec:
    """Where memory lives (``memory:``); satisfies ``store.base.StoreSettings``."""

    storage: str = "memory"
    format: str = "json"
    file: str | None = None
    url: str | None = None
    namespace: str = "default"
    auto_load: bool | None = None
    auto_save: bool | None = None
    limits: Mapping[str, NamespaceLimitsSpec] = field(default_factory=dict)
    loads: bool = False
    saves: bool = False


@dataclass(frozen=True, kw_only=True)
class RoutingSpec:
    """``routing:`` (its defaults are already merged into each step's on_fail)."""

    max_loops: int = 10


@dataclass(frozen=True, kw_only=True)
class LimitsSpec:
    """``limits:``."""

    max_runs_per_step: int = 50
    js_timeout: float = 1.0
    js_memory_mb: int = 64
    command_timeout: float = 60.0
    command_output_mb: int = 16


@dataclass(frozen=True, kw_only=True)
class TagFilterSpec:
    """``tag_filter:``."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class WorkflowInputSpec:
    """A reusable-workflow input."""

    name: str
    default: Any = None
    description: str | None = None
    required: bool = False
    schema_: Mapping[str, Any] | None = None


@dataclass(frozen=True, kw_only=True)
class WorkflowOutputSpec:
    """A reusable-workflow output."""

    name: str
    description: str | None = None
    value: str | None = None
    value_js: str | None = None
    schema_: Mapping[str, Any] | None = None


@dataclass(frozen=True, kw_only=True)
class ConfigSpec:
    """A whole validated ``.visor.yaml``."""

    version: str = "1.0"
    memory: MemorySpec = field(default_factory=MemorySpec)
    steps: Mapping[str, StepSpec] = field(default_factory=dict)
    routing: RoutingSpec = field(default_factory=RoutingSpec)
    limits: LimitsSpec = field(default_factory=LimitsSpec)
    env: Mapping[str, Scalar] = field(default_factory=dict)
    tag_filter: TagFilterSpec | None = None
    max_parallelism: int | None = None
    fail_fast: bool = False
    id: str | None = None
    name: str | None = None
    description: str | None = None
    inputs: tuple[WorkflowInputSpec, ...] = ()
    outputs: tuple[WorkflowOutputSpec, ...] = ()

    @property
    def input_defaults(self) -> dict[str, Any]:
        """``inputs`` as JS and Liquid see it: each declared input's default."""
        return {item.name: item.default for item in self.inputs}

    fail_if: str | None = None
    failure_conditions: Mapping[str, FailureConditionSpec] = field(default_factory=dict)
