"""The suite format is in the JSON Schema editors read: example suites validate, typos do not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from visor_mem.config.schema import visor_schema

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SUITES = sorted(EXAMPLES.glob("*.tests.yaml"))


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    schema = visor_schema()
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def inline(suite: Path) -> dict[str, Any]:
    """A one-step config holding the suite's tests block (the workflows are checked elsewhere)."""
    tests = yaml.safe_load(suite.read_text(encoding="utf-8"))
    return {"version": "1.0", "steps": {"x": {"type": "noop"}}, "tests": tests["tests"]}


@pytest.mark.parametrize("suite", SUITES, ids=[p.name for p in SUITES])
def test_example_suites_validate_inline(validator: jsonschema.Draft7Validator, suite: Path) -> None:
    assert [e.message for e in validator.iter_errors(inline(suite))] == []


def test_a_typo_in_a_case_is_rejected(validator: jsonschema.Draft7Validator) -> None:
    config = inline(EXAMPLES / "retry-counter.tests.yaml")
    config["tests"]["cases"][0]["expext"] = {}
    assert any("expext" in e.message for e in validator.iter_errors(config))
