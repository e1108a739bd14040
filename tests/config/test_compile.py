"""The frozen records agree with the pydantic models they are compiled from."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from visor_mem.config import load_config
from visor_mem.config.compile import SPEC_OF
from visor_mem.config.specs import HookSpec, MemoryStepSpec

# Fields a record computes from a model property, or that only one of two model classes has.
COMPUTED = {"op", "has_value", "loads", "saves", "retry", "fanout_mode", "needs", "any_of", "json_schema"}


@pytest.mark.parametrize("model", list(SPEC_OF), ids=lambda m: m.__name__)
def test_every_record_field_is_a_model_field(model: type) -> None:
    record = SPEC_OF[model]
    names = {f.name for f in dataclasses.fields(record)}
    assert names - COMPUTED <= set(model.model_fields)  # type: ignore[attr-defined]


def test_routing_defaults_are_merged_into_declared_on_fail_only() -> None:
    spec = load_config(
        {
            "routing": {"defaults": {"on_fail": {"retry": {"max": 2}, "goto": "b"}}},
            "steps": {
                "a": {"type": "noop", "on_fail": {"goto": "a"}},
                "b": {"type": "noop"},
            },
        }
    ).spec
    assert spec.steps["a"].on_fail == HookSpec(goto="a", retry=spec.steps["a"].on_fail.retry)  # type: ignore[union-attr]
    assert spec.steps["a"].on_fail.retry.max == 2  # type: ignore[union-attr]
    assert spec.steps["b"].on_fail is None


def test_user_values_keep_their_json_shape() -> None:
    step = load_config(
        {"steps": {"a": {"type": "memory", "operation": "set", "key": "k", "value": [1, {"x": [2]}]}}}
    ).spec.steps["a"]
    assert isinstance(step, MemoryStepSpec)
    assert step.value == [1, {"x": [2]}]
    assert step.has_value
    assert step.op == "set"


def test_the_records_import_no_pydantic() -> None:
    code = "import sys, visor_mem.config.specs, visor_mem.config.loaded, visor_mem.engine; print('pydantic' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
