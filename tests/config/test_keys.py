"""The key table: complete for Visor, equal to the models, applied as its fates say."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import BaseModel

from visor_mem.config import compile as compile_module
from visor_mem.config import contract_models, load_config, models, step_models
from visor_mem.config.compile import SPEC_OF, UncarriedField, check_carried, uncarried_fields
from visor_mem.config.keydocs import render_compatibility
from visor_mem.config.keys import LEVELS
from visor_mem.config.modelpath import field_keys
from visor_mem.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]

# Models whose fields each level's implemented rows must equal (aliases as written in YAML).
LEVEL_MODELS: dict[str, tuple[type[BaseModel], ...]] = {
    "top": (models.VisorConfig,),
    "step": tuple(step_models.STEP_MODELS.values()),
    "hook": (step_models.Hook,),
    "on_fail": (step_models.FailHook,),
    "retry": (step_models.Retry,),
    "backoff": (step_models.Backoff,),
    "transition": (step_models.Transition,),
    "run_item": (step_models.RunTarget,),
    "memory": (models.MemoryConfig,),
    "namespace_limits": (models.NamespaceLimitsModel,),
    "routing": (models.RoutingConfig,),
    "routing_defaults": (models.RoutingDefaults,),
    "limits": (models.LimitsConfig,),
    "tag_filter": (models.TagFilterModel,),
    "workflow_input": (models.WorkflowInput,),
    "workflow_output": (models.WorkflowOutput,),
    "failure_condition": (contract_models.FailureCondition,),
    "on_init": (contract_models.OnInit,),
    "on_init_item": (contract_models.OnInitStep,),
}
SPELLINGS = {
    "top": {"checks", "extends", "include", "imports"},
    "step": {"script_js"},
    "limits": {"max_runs_per_check"},
}
"""Implemented rows that are no model field: other spellings renamed before validation, and
the composition keys, consumed by config/compose.py before validation."""

# Keys of Visor's CheckConfig and VisorConfig (src/types/config.ts at 7d360617).
VISOR_STEP_KEYS = [
    "type",
    "prompt",
    "appendPrompt",
    "exec",
    "stdin",
    "url",
    "body",
    "method",
    "headers",
    "rate_limit",
    "endpoint",
    "transform",
    "transform_js",
    "content",
    "tools",
    "tools_js",
    "mcp_servers",
    "enable_fetch",
    "enable_bash",
    "schedule",
    "focus",
    "command",
    "on",
    "triggers",
    "ai",
    "ai_model",
    "ai_provider",
    "ai_persona",
    "ai_prompt_type",
    "ai_max_iterations",
    "ai_system_prompt",
    "ai_custom_prompt",
    "ai_mcp_servers",
    "ai_mcp_servers_js",
    "ai_custom_tools",
    "ai_custom_tools_js",
    "ai_bash_config_js",
    "claude_code",
    "env",
    "timeout",
    "depends_on",
    "group",
    "schema",
    "output_schema",
    "template",
    "if",
    "reuse_ai_session",
    "session_mode",
    "fail_if",
    "failure_conditions",
    "tags",
    "debounce",
    "debounce_key",
    "criticality",
    "continue_on_failure",
    "forEach",
    "fanout",
    "reduce",
    "on_init",
    "on_fail",
    "on_success",
    "on_finish",
    "assume",
    "guarantee",
    "max_runs",
    "message",
    "level",
    "include_pr_context",
    "include_dependencies",
    "include_metadata",
    "output_format",
    "operation",
    "key",
    "value",
    "value_js",
    "namespace",
    "op",
    "values",
    "transport",
    "methodArgs",
    "argsTransform",
    "sessionId",
    "command_args",
    "workingDirectory",
    "manual",
    "variables",
    "plugins",
    "placeholder",
    "allow_empty",
    "multiline",
    "default",
    "workflow",
    "args",
    "overrides",
    "output_mapping",
    "workflow_inputs",
    "config",
    "workflow_overrides",
    "ref",
    "repository",
    "token",
    "fetch_depth",
    "fetch_tags",
    "submodules",
    "working_directory",
    "use_worktree",
    "clean",
    "sparse_checkout",
    "lfs",
    "clone_timeout_ms",
    "cleanup_on_failure",
    "persist_worktree",
    "sandbox",
    "policy",
    "id",
    "name",
    "description",
    "inputs",
]
VISOR_TOP_KEYS = [
    "version",
    "extends",
    "include",
    "tools",
    "imports",
    "inputs",
    "outputs",
    "steps",
    "checks",
    "output",
    "http_server",
    "memory",
    "hooks",
    "env",
    "ai_model",
    "ai_provider",
    "ai_mcp_servers",
    "max_parallelism",
    "max_ai_concurrency",
    "fail_fast",
    "fail_if",
    "failure_conditions",
    "tag_filter",
    "routing",
    "limits",
    "frontends",
    "workspace",
    "sandbox",
    "sandboxes",
    "sandbox_defaults",
    "slack",
    "telegram",
    "email",
    "whatsapp",
    "teams",
    "scheduler",
    "policy",
    "agent_protocol",
    "task_tracking",
    "graceful_restart",
    "task_evaluate",
    "task_live_updates",
    "id",
    "name",
    "description",
    "tests",
    "tags",
    "on",
    "defaults",
    "category",
    "author",
    "license",
    "examples",
]


@pytest.mark.parametrize("level", list(LEVEL_MODELS))
def test_implemented_rows_are_exactly_the_model_fields(level: str) -> None:
    rows = {key for key, fate in LEVELS[level].keys.items() if fate.kind == "implemented"}
    fields = {key for model in LEVEL_MODELS[level] for key in field_keys(model)}
    assert rows - SPELLINGS.get(level, set()) == fields


def test_every_level_has_its_models_and_every_model_a_level() -> None:
    assert set(LEVEL_MODELS) == set(LEVELS)
    covered = {model for group in LEVEL_MODELS.values() for model in group}
    assert set(SPEC_OF) <= covered | {step_models.FailHook}


@pytest.mark.parametrize(("level", "keys"), [("step", VISOR_STEP_KEYS), ("top", VISOR_TOP_KEYS)])
def test_every_visor_key_has_a_row(level: str, keys: list[str]) -> None:
    assert [key for key in keys if key not in LEVELS[level].keys] == []


def test_every_child_level_exists() -> None:
    for level in LEVELS.values():
        for key, (_, child) in level.children.items():
            assert child in LEVELS
            assert key in level.keys


@pytest.mark.parametrize("model", list(SPEC_OF), ids=lambda m: m.__name__)
def test_every_model_field_is_carried_or_listed(model: type[BaseModel]) -> None:
    assert uncarried_fields(model) == []


def test_compilation_refuses_a_model_field_it_would_drop(monkeypatch: pytest.MonkeyPatch) -> None:
    class Widened(step_models.NoopStepModel):
        sneaky: int = 0

    monkeypatch.setitem(SPEC_OF, Widened, SPEC_OF[step_models.NoopStepModel])
    with pytest.raises(UncarriedField, match=r"Widened: fields \['sneaky'\]"):
        check_carried()
    assert compile_module.NOT_CARRIED  # the escape hatch exists and is used with a reason


def test_compatibility_page_is_generated_from_the_table() -> None:
    committed = (ROOT / "docs" / "compatibility.md").read_text(encoding="utf-8")
    assert committed == render_compatibility(), "run `make schema` to regenerate docs/compatibility.md"


def _load(tmp_path: Path, text: str) -> tuple[Path, list[str]]:
    path = tmp_path / ".visor.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path, list(load_config(path).warnings)


@dataclass(frozen=True)
class Refusal:
    id: str
    text: str
    where: str
    fragment: str


REFUSALS = [
    Refusal(
        "step-sandbox",
        "steps:\n  a: {type: command, exec: ls, sandbox: docker}\n",
        ":2:32: steps.a.sandbox:",
        "Visor key 'sandbox' is not supported by visor_mem (sandboxed execution",
    ),
    Refusal(
        "top-sandbox", "sandbox: x\nsteps:\n  a: {type: noop}\n", ":1:1: sandbox:", "would run on the host"
    ),
    Refusal(
        "run-item-as",
        "steps:\n  a: {type: noop, on_success: {run: [{step: b, as: c}]}}\n  b: {type: noop}\n",
        ":2:48: steps.a.on_success.run.0.as:",
        "renaming a routed step's output",
    ),
    Refusal(
        "typo-step",
        "steps:\n  a:\n    type: noop\n    depnds_on: b\n",
        ":4:5: steps.a.depnds_on:",
        "unknown field 'depnds_on'; did you mean 'depends_on'?",
    ),
    Refusal(
        "typo-memory",
        "memory:\n  storag: file\nsteps:\n  a: {type: noop}\n",
        ":2:3: memory.storag:",
        "did you mean 'storage'?",
    ),
    Refusal(
        "retry-on-success-is-no-visor-key",
        "steps:\n  a: {type: noop, on_success: {retry: {max: 1}}}\n",
        ":2:32: steps.a.on_success.retry:",
        "unknown field 'retry' in on_success / on_finish; expected one of: run",
    ),
    Refusal(
        "checks-alias-paths",
        "checks:\n  a: {type: noop, stdin: x}\n",
        ":2:19: checks.a.stdin:",
        "command stdin is not implemented",
    ),
]


@pytest.mark.parametrize("case", REFUSALS, ids=[c.id for c in REFUSALS])
def test_refused_and_unknown_keys_stop_the_load_at_their_line(tmp_path: Path, case: Refusal) -> None:
    path = tmp_path / ".visor.yaml"
    path.write_text(case.text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}{case.where}")
    assert case.fragment in str(caught.value)


def test_the_first_problem_in_the_file_wins_between_key_and_type_errors(tmp_path: Path) -> None:
    path = tmp_path / ".visor.yaml"
    path.write_text("steps:\n  a: {type: noop, timeout: -1}\n  b: {type: noop, sandbox: x}\n")
    with pytest.raises(ConfigError, match=r":2:\d+: steps.a.timeout"):
        load_config(path)
    path.write_text("steps:\n  a: {type: noop, sandbox: x}\n  b: {type: noop, timeout: -1}\n")
    with pytest.raises(ConfigError, match=r":2:\d+: steps.a.sandbox"):
        load_config(path)


def test_a_key_of_another_step_type_is_inert_with_a_warning(tmp_path: Path) -> None:
    path, warnings = _load(
        tmp_path,
        """
        steps:
          a: {type: memory, operation: get, key: k, exec: ls, message: hi}
          b: {type: logger, message: hi, exec: ls}
        """,
    )
    assert warnings == [
        f"{path}:3:45: warning: steps.a.exec: Visor key 'exec' has no effect here: "
        "not used by memory steps; ignored (and 1 more)",
        f"{path}:3:55: warning: steps.a.message: Visor key 'message' has no effect here: "
        "not used by memory steps; ignored",
    ]


def test_inert_keys_are_dropped_at_every_level_and_extensions_pass(tmp_path: Path) -> None:
    path, warnings = _load(
        tmp_path,
        """
        tests: {cases: []}
        limits: {max_workflow_depth: 2, max_runs_per_check: 7}
        steps:
          a:
            type: noop
            x-mine: 1
            on_fail: {goto_event: pr_updated, transitions: [{when: "false", goto_event: manual}]}
        """,
    )
    fields = [line.split(": ")[2] for line in warnings]
    assert fields == [
        "tests",
        "limits.max_workflow_depth",
        "steps.a.on_fail.goto_event",
        "steps.a.on_fail.transitions.0.goto_event",
    ]
    assert load_config(path).spec.limits.max_runs_per_step == 7


def test_workflow_metadata_is_carried(tmp_path: Path) -> None:
    path, warnings = _load(
        tmp_path,
        """
        id: greet
        name: Greeter
        description: Says hello.
        inputs:
          - {name: who, default: world, schema: {type: string}}
          - {name: times, description: how often}
        outputs:
          - {name: text, value: "{{ outputs.say }}"}
        steps:
          say: {type: noop, on: [manual, pr_opened]}
        """,
    )
    spec = load_config(path).spec
    assert warnings == []
    assert (spec.id, spec.name, spec.description) == ("greet", "Greeter", "Says hello.")
    assert spec.input_defaults == {"who": "world", "times": None}
    assert spec.outputs[0].value == "{{ outputs.say }}"
    assert spec.steps["say"].on == ("manual", "pr_opened")


def test_unknown_event_names_are_rejected_with_the_list(tmp_path: Path) -> None:
    path = tmp_path / ".visor.yaml"
    path.write_text("steps:\n  a: {type: noop, on: [pr_open]}\n")
    with pytest.raises(ConfigError, match=r"steps.a.on.0: unknown value 'pr_open'.*did you mean 'pr_opened'"):
        load_config(path)
