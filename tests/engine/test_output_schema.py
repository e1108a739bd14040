"""A JSON-Schema ``schema`` (or ``output_schema``) validates the step's output, as Visor."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from visor_mem.config import load_config
from visor_mem.engine import RunOptions, run_config
from visor_mem.errors import ConfigError

COUNTED = {"type": "object", "required": ["count"], "properties": {"count": {"type": "integer"}}}


def run_step(step: dict[str, Any]) -> Any:
    result = run_config(load_config({"steps": {"s": step}}), RunOptions(environ={}))
    return result.steps["s"]


def test_a_matching_output_passes() -> None:
    assert run_step({"type": "script", "content": "return {count: 2}", "schema": COUNTED}).status == "success"


def test_a_mismatch_fails_the_step_naming_the_paths() -> None:
    step = run_step({"type": "script", "content": "return {count: 'x'}", "schema": COUNTED})
    assert step.status == "failed"
    assert step.error == "output schema validation failed: $.count: 'x' is not of type 'integer'"


def test_output_schema_is_the_older_spelling_and_schema_wins() -> None:
    step = {
        "type": "memory",
        "operation": "set",
        "key": "k",
        "value": [1, 2],
        "output_schema": {"type": "string"},
    }
    assert run_step(step).status == "failed"
    assert run_step({**step, "schema": {"type": "array"}}).status == "success"


def test_only_three_errors_are_listed() -> None:
    schema = {"type": "array", "items": {"type": "string"}}
    step = run_step({"type": "script", "content": "return [1, 2, 3, 4, 5]", "schema": schema})
    assert step.error.count("is not of type") == 3
    assert step.error.endswith("(and 2 more)")


def test_the_schema_s_own_draft_is_honoured() -> None:
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "prefixItems": [{"type": "integer"}]}
    step = {"type": "script", "content": "return ['a']", "schema": schema}
    assert run_step(step).status == "failed"  # draft-07 would ignore prefixItems


def test_a_failed_validation_is_routed_like_any_failure() -> None:
    config = {
        "steps": {
            "s": {
                "type": "script",
                "content": "return {count: memory.increment('n')}",
                "schema": {"type": "object", "properties": {"count": {"minimum": 2}}},
                "on_fail": {"retry": {"max": 2}},
            }
        }
    }
    result = run_config(load_config(config), RunOptions(environ={}))
    assert (result.steps["s"].status, result.steps["s"].runs) == ("success", 2)


def test_a_named_schema_is_inert_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("steps:\n  s:\n    type: noop\n    schema: plain\n")
    loaded = load_config(path)
    assert loaded.spec.steps["s"].json_schema is None
    assert loaded.warnings == (
        f"{path}:4:5: warning: steps.s.schema: Visor key 'schema' has no effect here: "
        "a named schema (e.g. `plain`) formats Visor's output only; ignored",
    )


def test_an_invalid_schema_is_a_config_error_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("steps:\n  s:\n    type: noop\n    schema: {type: 5}\n")
    with pytest.raises(
        ConfigError, match=r"c.yaml:4:5: steps.s.schema: invalid JSON Schema at \$.type: 5 is not"
    ):
        load_config(path)


def test_start_up_without_schemas_does_not_import_jsonschema(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("steps:\n  s: {type: script, content: 'return 1'}\n")
    code = (
        "import sys; from visor_mem.config import load_config; from visor_mem.engine import run_config; "
        f"run_config(load_config({str(path)!r})); print('jsonschema' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
