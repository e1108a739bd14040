"""Pydantic models of a test suite: a ``tests:`` block, in a config or a ``.visor.tests.yaml``.

They are part of the config schema (``visor schema`` adds them under ``tests``).

They follow Visor's test DSL (docs/testing/dsl-reference.md in probelabs/visor)
where it has the key (``defaults``, ``cases``, ``mocks``, ``expect.calls``,
``no_calls``, ``outputs``, ``fail``, ``strict``, ``macros``/``use``), and add
what our step types need (memory and session fixtures, ``files``, per-call
command mocks, ``memory``/``status``/``errors``/``order`` expectations).
Visor's AI- and GitHub-only settings are accepted and ignored, so a Visor
suite for memory, script, command, log and noop steps loads unchanged.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from visor_mem.config.model_base import Model, as_list, field_error

STATUSES = ("success", "failed", "skipped")
COUNT_FIELDS = ("exactly", "at_least", "at_most")
COMPARATORS = (
    "equals", "equalsDeep", "contains", "not_contains", "contains_unordered", "matches",
    "gt", "gte", "lt", "lte", "exists",
)  # fmt: skip
"""Comparison fields shared by ``outputs`` and ``memory`` expectations."""
VISOR_ONLY_DEFAULTS = (
    "ai_provider", "prompt_max_chars", "ai_include_code_context", "fail_on_unexpected_calls",
    "frontends", "github_recorder", "llm_judge", "max_parallel",
)  # fmt: skip
"""Visor ``tests.defaults`` keys that only matter for AI/GitHub steps: accepted, ignored."""

Tags = list[str]
_VISOR_SETTING = "Visor setting for AI/GitHub steps; accepted and ignored."


class CallExpect(Model):
    """How many times a step executed (retries and gotos count)."""

    step: str
    exactly: int | None = Field(None, ge=0)
    at_least: int | None = Field(None, ge=0)
    at_most: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _one_count(self) -> CallExpect:
        given = [name for name in COUNT_FIELDS if getattr(self, name) is not None]
        if "exactly" in given and len(given) > 1:
            raise field_error("exactly", "use either 'exactly' or 'at_least'/'at_most', not both")
        return self


class NoCallExpect(Model):
    """A step that must never execute."""

    step: str


class Comparison(Model):
    """What a value must look like; every comparator given must hold."""

    path: str | None = Field(None, description="Dot/bracket path into the value, e.g. items[0].name.")
    equals: Any = Field(None, description="Equal as JSON (deep).")
    equalsDeep: Any = Field(None, description="Visor's spelling of a deep equals.")  # noqa: N815
    contains: Any = Field(
        None, description="Substring of a string, items of a list, or a sub-mapping of a mapping."
    )
    not_contains: Any = Field(None, description="The opposite of contains.")
    contains_unordered: list[Any] | None = Field(None, description="Items the list holds, in any order.")
    matches: str | None = Field(None, description="Python regular expression searched in the text.")
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None
    exists: bool | None = Field(None, description="Whether the value (or path) is there at all.")

    @field_validator("matches")
    @classmethod
    def _valid_pattern(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as err:
                raise ValueError(f"invalid regular expression: {err}") from None
        return pattern

    def given(self) -> dict[str, Any]:
        """The comparators that were written, by name (``equals: null`` included)."""
        return {name: getattr(self, name) for name in COMPARATORS if name in self.model_fields_set}


class OutputExpect(Comparison):
    """A step's output (the latest one, or ``index``)."""

    step: str
    index: int | Literal["first", "last"] = Field("last", description="first, last or a 0-based index.")


class MemoryExpect(Comparison):
    """Memory after the run: a namespace (exact with equals, subset with contains) or one key."""

    namespace: str | None = Field(None, description="Default: the config's default namespace.")
    key: str | None = None
    scope: Literal["memory", "session"] = "memory"


class ErrorExpect(Model):
    """A step ended with an error whose message contains ``contains``."""

    step: str | None = Field(None, description="Default: any step.")
    contains: str


class OrderExpect(Model):
    """All executions of ``step`` happen before (or after) all executions of another step."""

    step: str
    before: str | None = None
    after: str | None = None

    @model_validator(mode="after")
    def _one_side(self) -> OrderExpect:
        if (self.before is None) == (self.after is None):
            raise field_error("before", "give exactly one of 'before' or 'after'")
        return self


class FailExpect(Model):
    """Visor's ``fail``: some step's error contains the text."""

    message_contains: str


class ExpectBlock(Model):
    """What must hold after the case's run."""

    use: list[str] = Field(default_factory=list, description="Names of tests.defaults.macros to merge in.")
    calls: list[CallExpect] = Field(default_factory=list)
    no_calls: list[NoCallExpect] = Field(default_factory=list)
    outputs: list[OutputExpect] = Field(default_factory=list)
    memory: list[MemoryExpect] = Field(default_factory=list)
    status: dict[str, Literal["success", "failed", "skipped"]] = Field(
        default_factory=dict, description="Final status per step."
    )
    ok: bool | None = Field(None, description="Whether no step ended failed.")
    exit_code: Literal[0, 1] | None = Field(None, description="The exit code `visor run` would give.")
    errors: list[str | ErrorExpect] = Field(
        default_factory=list, description="Error message fragments (a string: any step)."
    )
    fail: FailExpect | None = None
    order: list[OrderExpect] = Field(default_factory=list)


class Defaults(Model):
    """Settings every case starts from."""

    strict: bool = Field(True, description="Every step that ran must be listed in expect.calls.")
    real_commands: bool | list[str] = Field(
        False, description="Run command steps without a mock for real (true, or a list of steps)."
    )
    tags: Tags = Field(default_factory=list, description="Step tags every case's run includes.")
    exclude_tags: Tags = Field(default_factory=list, description="Step tags every case's run excludes.")
    env: dict[str, str | int | float | bool] = Field(default_factory=dict)
    macros: dict[str, ExpectBlock] = Field(default_factory=dict, description="Expect blocks for `use`.")
    ai_provider: Any = Field(None, description=_VISOR_SETTING)
    prompt_max_chars: Any = Field(None, description=_VISOR_SETTING)
    ai_include_code_context: Any = Field(None, description=_VISOR_SETTING)
    fail_on_unexpected_calls: Any = Field(None, description=_VISOR_SETTING)
    frontends: Any = Field(None, description=_VISOR_SETTING)
    github_recorder: Any = Field(None, description=_VISOR_SETTING)
    llm_judge: Any = Field(None, description=_VISOR_SETTING)
    max_parallel: Any = Field(None, description="Visor's case parallelism; use visor test --jobs.")

    _list_tags = field_validator("tags", "exclude_tags", mode="before")(as_list)


class Case(Model):
    """One test: fixtures, mocks, expectations."""

    name: str = Field(..., min_length=1)
    description: str | None = None
    tags: Tags = Field(
        default_factory=list, description="Selects the case (--tags) and includes these step tags in its run."
    )
    exclude_tags: Tags = Field(default_factory=list, description="Step tags the case's run excludes.")
    skip: bool | str = Field(False, description="true, or the reason to skip.")
    strict: bool | None = Field(None, description="Overrides tests.defaults.strict.")
    real_commands: bool | list[str] | None = Field(
        None, description="Overrides tests.defaults.real_commands."
    )
    store: Literal["memory", "config"] = Field(
        "memory", description="memory: a fresh in-memory store; config: the configured store, for real."
    )
    event: str | None = Field(None, description="The event the run sees (as visor run --event).")
    memory: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Initial memory: {namespace: {key: value}}."
    )
    session: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Initial session memory: {namespace: {key: value}}."
    )
    env: dict[str, str | int | float | bool] = Field(default_factory=dict)
    pr: dict[str, Any] = Field(default_factory=dict, description="The `pr` object (merged over the default).")
    inputs: dict[str, Any] = Field(default_factory=dict, description="Workflow inputs.")
    workflow_input: dict[str, Any] = Field(default_factory=dict, description="Visor's name for inputs.")
    vars: dict[str, str | int | float | bool] = Field(default_factory=dict, description="As visor run --var.")
    files: dict[str, str] = Field(
        default_factory=dict, description="Files written into the case's scratch folder (its cwd)."
    )
    mocks: dict[str, Any] = Field(
        default_factory=dict,
        description="Results by step name; `step[]` gives one result per call (the last repeats).",
    )
    mock_js: dict[str, str] = Field(
        default_factory=dict, description="JavaScript run instead of a script step's content."
    )
    expect: ExpectBlock = Field(default_factory=ExpectBlock)
    fixture: Any = Field(None, description=_VISOR_SETTING)
    github_recorder: Any = Field(None, description=_VISOR_SETTING)
    ai_include_code_context: Any = Field(None, description=_VISOR_SETTING)

    _list_tags = field_validator("tags", "exclude_tags", mode="before")(as_list)

    @field_validator("mocks")
    @classmethod
    def _sequences_are_lists(cls, mocks: dict[str, Any]) -> dict[str, Any]:
        for name, value in mocks.items():
            if name.endswith("[]") and (not isinstance(value, list) or not value):
                raise ValueError(f"'{name}' takes a non-empty list: one result per call")
        return mocks

    @field_validator("files")
    @classmethod
    def _relative_files(cls, files: dict[str, str]) -> dict[str, str]:
        for name in files:
            parts = name.replace("\\", "/").split("/")
            if name.startswith("/") or ".." in parts or not name.strip():
                raise ValueError(f"file '{name}' must be a relative path inside the scratch folder")
        return files


class TestsBlock(Model):
    """The ``tests:`` block."""

    defaults: Defaults = Field(default_factory=Defaults)
    cases: list[Case] = Field(..., min_length=1)
    hooks: Any = Field(None, description="Visor's shell hooks; not supported: use files and mocks.")
    fixtures: Any = Field(None, description=_VISOR_SETTING)

    @model_validator(mode="after")
    def _unique_names(self) -> TestsBlock:
        seen: set[str] = set()
        for case in self.cases:
            if case.name in seen:
                raise field_error("cases", f"two cases are named '{case.name}'")
            seen.add(case.name)
        return self

    @model_validator(mode="after")
    def _no_hooks(self) -> TestsBlock:
        if self.hooks is not None:
            raise field_error("hooks", "shell hooks are not supported: use files fixtures and mocks")
        return self


class TestsRoot(Model):
    """The ``tests:`` block inside a config, validated on its own.

    The config loader drops ``tests`` (an inert key for ``visor run``, see
    config/keys.py); ``visor test`` and ``visor validate`` validate it here, so
    error paths start at ``tests`` and map onto the config file's lines.
    """

    tests: TestsBlock
