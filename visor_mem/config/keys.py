"""The one table of every Visor config key and its fate in visor_mem.

Each *level* of a config (the top level, a step, a hook, ``memory:`` ...) lists
every key Visor knows there, with one of three fates:

- ``implemented``: a field of the pydantic models, with Visor's meaning
  (a test keeps these rows and the model fields equal, in both directions);
- ``inert``: cannot change a supported step's result; the key is dropped
  before validation with a one-line ``file:line`` warning, once per key;
- ``refused``: would change results and is not implemented; the config is
  rejected (exit 2) naming the key and why.

A key in no row is a typo: exit 2 with did-you-mean over the level's rows.
Rows with an ``owner`` are planned work of that helper, refused until they
flip to ``implemented`` together with the model field.

To add a key: add its row here (and, for ``implemented``, the model field and
the record field it compiles to); ``docs/compatibility.md`` is generated from
this table (``python -m visor_mem.config.keydocs > docs/compatibility.md``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["implemented", "inert", "refused"]


@dataclass(frozen=True)
class Fate:
    """What visor_mem does with one key."""

    kind: Kind
    note: str = ""
    owner: str = ""
    """Helper whose planned work flips this row to implemented (empty: settled)."""


def done(note: str = "") -> Fate:
    """An implemented key."""
    return Fate("implemented", note)


def inert(note: str) -> Fate:
    """A key that cannot change a supported step's result: warned about, dropped."""
    return Fate("inert", note)


def refused(note: str, owner: str = "") -> Fate:
    """A key that would change results and is not implemented: exit 2."""
    return Fate("refused", note, owner)


def planned(owner: str) -> Fate:
    """A key another slice of issue #11 implements; refused until then."""
    return Fate("refused", "not implemented yet", owner)


@dataclass(frozen=True)
class Level:
    """The keys of one kind of mapping, and where its nested mappings are."""

    title: str
    keys: Mapping[str, Fate]
    children: Mapping[str, tuple[Literal["one", "map", "list"], str]] = field(default_factory=dict)
    """Key → (``one`` mapping, ``map`` of name → mapping, ``list`` of mappings; its level)."""


def _is_named_schema(value: Any) -> bool:
    return isinstance(value, str)


_AI = "AI steps only"
_OTHER_TYPE = "used by step types visor_mem does not run"
_FRONTEND = "a Visor frontend or server setting; `visor run` has none"

TOP = Level(
    "top level",
    {
        "version": done(),
        "steps": done(),
        "checks": done("alias of steps"),
        "memory": done(),
        "routing": done(),
        "limits": done(),
        "env": done(),
        "extends": done("local files, merged as Visor merges them (docs/composition.md)"),
        "include": done("alias of extends"),
        "imports": done("reusable-workflow files: checked, not merged (they serve `type: workflow`)"),
        "tag_filter": done("--tags / --exclude-tags replace it (docs/selection.md)"),
        "max_parallelism": done("--max-parallel wins over it"),
        "fail_fast": done("--fail-fast also turns it on"),
        "id": done("reusable-workflow metadata"),
        "name": done("reusable-workflow metadata"),
        "description": done("reusable-workflow metadata"),
        "inputs": done("reusable-workflow inputs; defaults feed `inputs` in JS and Liquid"),
        "outputs": done("reusable-workflow outputs"),
        "fail_if": done("global: an issue on the step that fails the run"),
        "failure_conditions": done("global; a step's own entry of the same name wins"),
        "tests": inert("read by `visor test`, not by `visor run`"),
        "output": inert("PR comment and check-run formatting"),
        "ai": inert(_AI),
        "ai_model": inert(_AI),
        "ai_provider": inert(_AI),
        "ai_mcp_servers": inert(_AI),
        "max_ai_concurrency": inert(_AI),
        "tools": inert("custom tools for AI and MCP steps"),
        "http_server": inert(_FRONTEND),
        "hooks": inert("SDK callbacks (human input)"),
        "frontends": inert(_FRONTEND),
        "slack": inert(_FRONTEND),
        "telegram": inert(_FRONTEND),
        "email": inert(_FRONTEND),
        "whatsapp": inert(_FRONTEND),
        "teams": inert(_FRONTEND),
        "scheduler": inert(_FRONTEND),
        "agent_protocol": inert(_FRONTEND),
        "graceful_restart": inert(_FRONTEND),
        "task_tracking": inert(_FRONTEND),
        "task_evaluate": inert(_FRONTEND),
        "task_live_updates": inert(_FRONTEND),
        "workspace": inert("Visor's git-worktree isolation; commands run in the config's folder here"),
        "policy": inert("Enterprise-edition policy engine; inactive without a Visor EE licence"),
        "sandboxes": inert("sandbox definitions; a step that uses one is refused"),
        "sandbox_defaults": inert("sandbox settings; a step that uses a sandbox is refused"),
        "sandbox": refused("sandboxed execution is not implemented; commands would run on the host"),
        "tags": inert("reusable-workflow metadata"),
        "on": inert("reusable-workflow metadata"),
        "category": inert("reusable-workflow metadata"),
        "author": inert("reusable-workflow metadata"),
        "license": inert("reusable-workflow metadata"),
        "examples": inert("reusable-workflow documentation"),
        "defaults": refused("workflow step defaults are not implemented"),
    },
    {
        "steps": ("map", "step"),
        "checks": ("map", "step"),
        "memory": ("one", "memory"),
        "routing": ("one", "routing"),
        "limits": ("one", "limits"),
        "tag_filter": ("one", "tag_filter"),
        "inputs": ("list", "workflow_input"),
        "outputs": ("list", "workflow_output"),
        "failure_conditions": ("map", "failure_condition"),
    },
)

STEP = Level(
    "step",
    {
        "type": done(),
        "depends_on": done("`a|b` is an any-of group"),
        "if": done(),
        "fail_if": done(),
        "continue_on_failure": done(),
        "on_success": done(),
        "on_fail": done(),
        "on_finish": done(),
        "max_runs": done(),
        "timeout": done(),
        "tags": done(),
        "description": done("metadata"),
        "on": done("event filter, with `--event`"),
        "env": done("values expand `${{ env.X }}`, `${X}` and `$X` as in Visor"),
        "transform": done(),
        "transform_js": done(),
        "exec": done(),
        "cwd": done("visor_mem extension"),
        "content": done(),
        "script_js": done("older spelling of content"),
        "message": done(),
        "level": done(),
        "operation": done(),
        "key": done(),
        "value": done(),
        "value_js": done(),
        "namespace": done(),
        "scope": done("visor_mem extension: session memory"),
        "ttl": done("visor_mem extension"),
        "memory_js": done("Visor's removed exec_js operation"),
        "forEach": done(),
        "fanout": done(),
        "reduce": done("alias of fanout"),
        "assume": done(),
        "guarantee": done(),
        "failure_conditions": done(),
        "on_init": done("`step` items; `tool` and `workflow` items are refused"),
        "criticality": done("external/internal: no retry of logical failures"),
        "schema": done("a JSON Schema object validates the step's output"),
        "output_schema": done("Visor's older spelling of an object `schema` (`schema` wins)"),
        "group": done("`step.group` in routing JavaScript; Visor also groups PR comments by it"),
        "output_format": inert("a hint Visor itself does not read"),
        "include_pr_context": inert("adds PR context to Visor's log line, not to the step's output"),
        "include_dependencies": inert("adds dependency results to Visor's log line, not to the output"),
        "include_metadata": inert("adds metadata to Visor's log line, not to the step's output"),
        "template": inert("PR comment rendering"),
        "command": inert("a slash-command trigger for PR comments"),
        "triggers": inert("frontend triggers"),
        "schedule": inert("cron schedule for `visor schedule`"),
        "debounce": inert("coalesces triggers across engine instances"),
        "debounce_key": inert("coalesces triggers across engine instances"),
        "focus": inert(_AI),
        "prompt": inert(_AI),
        "appendPrompt": inert(_AI),
        "ai": inert(_AI),
        "ai_model": inert(_AI),
        "ai_provider": inert(_AI),
        "ai_persona": inert(_AI),
        "ai_prompt_type": inert(_AI),
        "ai_max_iterations": inert(_AI),
        "ai_system_prompt": inert(_AI),
        "ai_custom_prompt": inert(_AI),
        "ai_mcp_servers": inert(_AI),
        "ai_mcp_servers_js": inert(_AI),
        "ai_custom_tools": inert(_AI),
        "ai_custom_tools_js": inert(_AI),
        "ai_bash_config_js": inert(_AI),
        "claude_code": inert(_AI),
        "reuse_ai_session": inert(_AI),
        "session_mode": inert(_AI),
        "tools": inert("script tools; a call to one fails the step"),
        "tools_js": inert("script tools; a call to one fails the step"),
        "mcp_servers": inert("script tools; a call to one fails the step"),
        "enable_fetch": inert("script `fetch`; a call to it fails the step"),
        "enable_bash": inert("script `bash`; a call to it fails the step"),
        "stdin": refused("command stdin is not implemented"),
        "sandbox": refused("sandboxed execution is not implemented; the command would run on the host"),
        "policy": inert("Enterprise-edition policy engine; inactive without a Visor EE licence"),
        "id": inert("reusable-workflow step metadata"),
        "name": inert("reusable-workflow step metadata"),
        "inputs": inert("input mappings of a workflow used as a step, which visor_mem does not run"),
        **dict.fromkeys(
            (
                "url",
                "body",
                "method",
                "headers",
                "rate_limit",
                "endpoint",
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
            ),
            inert(_OTHER_TYPE),
        ),  # fmt: skip
    },
    {
        "on_success": ("one", "hook"),
        "on_fail": ("one", "on_fail"),
        "on_finish": ("one", "hook"),
        "failure_conditions": ("map", "failure_condition"),
        "on_init": ("one", "on_init"),
    },
)

_HOOK_KEYS: dict[str, Fate] = {
    "run": done(),
    "run_js": done(),
    "goto": done(),
    "goto_js": done(),
    "transitions": done(),
    "goto_event": inert("re-running a step under another event; visor_mem keeps the run's event"),
}
_HOOK_CHILDREN: dict[str, tuple[Literal["one", "map", "list"], str]] = {
    "run": ("list", "run_item"),
    "transitions": ("list", "transition"),
}

HOOK = Level("on_success / on_finish", _HOOK_KEYS, _HOOK_CHILDREN)
ON_FAIL = Level("on_fail", {**_HOOK_KEYS, "retry": done()}, {**_HOOK_CHILDREN, "retry": ("one", "retry")})

LEVELS: dict[str, Level] = {
    "top": TOP,
    "step": STEP,
    "hook": HOOK,
    "on_fail": ON_FAIL,
    "failure_condition": Level(
        "failure_conditions entry",
        {"condition": done(), "message": done(), "severity": done(), "halt_execution": done()},
    ),
    "on_init": Level(
        "on_init",
        {"run": done(), "run_js": done()},
        {"run": ("list", "on_init_item")},
    ),
    "on_init_item": Level(
        "on_init.run item",
        {
            "step": done(),
            "with": done(),
            "as": done(),
            "tool": refused("MCP tools are not implemented"),
            "workflow": refused("reusable workflows as on_init items are not implemented"),
            "overrides": refused("reusable workflows as on_init items are not implemented"),
            "output_mapping": refused("reusable workflows as on_init items are not implemented"),
        },
    ),
    "retry": Level("on_fail.retry", {"max": done(), "backoff": done()}, {"backoff": ("one", "backoff")}),
    "backoff": Level("on_fail.retry.backoff", {"mode": done(), "delay_ms": done()}),
    "transition": Level(
        "transitions item",
        {"when": done(), "to": done(), "goto_event": _HOOK_KEYS["goto_event"]},
    ),
    "run_item": Level(
        "run item",
        {
            "step": done(),
            "with": done(),
            "as": refused("renaming a routed step's output is not implemented"),
            "workflow": refused("workflow invocations are not run by visor_mem"),
            "overrides": refused("workflow invocations are not run by visor_mem"),
            "output_mapping": refused("workflow invocations are not run by visor_mem"),
        },
    ),
    "memory": Level(
        "memory",
        {
            "storage": done(),
            "format": done(),
            "file": done(),
            "namespace": done(),
            "auto_load": done(),
            "auto_save": done(),
            "url": done("visor_mem extension: redis"),
            "limits": done("visor_mem extension: quotas"),
        },
        {"limits": ("map", "namespace_limits")},
    ),
    "namespace_limits": Level("memory.limits entry", {"max_keys": done(), "max_value_bytes": done()}),
    "routing": Level(
        "routing",
        {"max_loops": done(), "defaults": done()},
        {"defaults": ("one", "routing_defaults")},
    ),
    "routing_defaults": Level("routing.defaults", {"on_fail": done()}, {"on_fail": ("one", "on_fail")}),
    "limits": Level(
        "limits",
        {
            "max_runs_per_step": done(),
            "max_runs_per_check": done("Visor's name of max_runs_per_step"),
            "js_timeout": done("visor_mem extension"),
            "js_memory_mb": done("visor_mem extension"),
            "command_timeout": done("default timeout of command steps (Visor: 60 s)"),
            "command_output_mb": done("visor_mem extension (Visor's exec stops at 1 MiB)"),
            "max_workflow_depth": inert("nesting of workflow steps, which visor_mem does not run"),
        },
    ),
    "tag_filter": Level("tag_filter", {"include": done(), "exclude": done()}),
    "workflow_input": Level(
        "inputs item",
        {
            "name": done(),
            "default": done(),
            "description": done("documentation"),
            "required": done(),
            "schema": done("documentation; not validated"),
        },
    ),
    "workflow_output": Level(
        "outputs item",
        {
            "name": done(),
            "description": done("documentation"),
            "value": done(),
            "value_js": done(),
            "schema": done("documentation; not validated"),
        },
    ),
}
"""Level name → its keys and nested levels."""

VALUE_INERT: dict[tuple[str, str], tuple[Callable[[Any], bool], str]] = {
    ("step", "schema"): (_is_named_schema, "a named schema (e.g. `plain`) formats Visor's output only"),
}
"""(level, key) → (predicate, note): values of an implemented key that are inert."""
