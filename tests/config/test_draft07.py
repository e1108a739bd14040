"""The generated schema: draft-07 conversion, and agreement with the loader on real configs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from visor_mem.config.schema import DRAFT_07, to_draft07, visor_schema
from visor_mem.config.yaml_source import parse_yaml

FIXTURES = Path(__file__).parent / "fixtures"
WORKFLOWS = Path(__file__).parents[2] / "examples"
EXAMPLES = sorted(FIXTURES.glob("*.yaml")) + sorted(
    path for path in WORKFLOWS.glob("*.yaml") if not path.name.endswith(".tests.yaml")
)


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    schema = visor_schema()
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def test_conversion_renames_defs_and_rewrites_refs() -> None:
    source: dict[str, Any] = {
        "$defs": {"A": {"type": "string"}},
        "properties": {
            "a": {"$ref": "#/$defs/A"},
            "pair": {
                "type": "array",
                "prefixItems": [{"type": "string"}, {"type": "integer"}],
                "items": False,
            },
            "u": {
                "oneOf": [{"$ref": "#/$defs/A"}],
                "discriminator": {"propertyName": "type", "mapping": {"a": "#/$defs/A"}},
            },
        },
    }
    converted = to_draft07(source)
    assert converted["$schema"] == DRAFT_07
    assert converted["definitions"] == {"A": {"type": "string"}}
    assert "$defs" not in json.dumps(converted)
    assert converted["properties"]["a"] == {"$ref": "#/definitions/A"}
    assert converted["properties"]["pair"] == {
        "type": "array",
        "items": [{"type": "string"}, {"type": "integer"}],
        "additionalItems": False,
    }
    assert converted["properties"]["u"]["discriminator"]["mapping"] == {"a": "#/definitions/A"}
    assert "$defs" in source  # the input is left alone


def test_schema_is_draft07_without_2020_keywords() -> None:
    text = json.dumps(visor_schema())
    assert '"$schema": "http://json-schema.org/draft-07/schema#"' in text
    for keyword in ("$defs", "prefixItems", "$dynamicRef", "unevaluatedProperties"):
        assert keyword not in text


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_examples_are_valid_against_the_schema(validator: jsonschema.Draft7Validator, example: Path) -> None:
    config, _ = parse_yaml(example.read_text(), None)  # our loader: YAML 1.2, so `on:` is a key
    errors = [error.message for error in validator.iter_errors(config)]
    assert errors == []


ACCEPTED = {
    "checks-alias": {"checks": {"a": {"type": "noop"}}},
    "bare-string-lists": {
        "steps": {
            "a": {"type": "noop", "depends_on": "b", "tags": "t", "on_success": {"run": "b"}},
            "c": {"type": "noop", "assume": "true", "guarantee": "output === null"},
            "b": {"type": "noop"},
        }
    },
    "extension-keys": {"x-top": 1, "steps": {"a": {"type": "noop", "x-note": "n"}}},
    "visor-only-keys": {"output": {"pr_comment": {}}, "max_parallelism": 2, "steps": {"a": {"type": "noop"}}},
    "script-js-alias": {"version": 1, "steps": {"a": {"type": "script", "script_js": "return 1"}}},
}
REJECTED = {
    "unknown-type": {"steps": {"a": {"type": "nope"}}},
    "unknown-step-key": {"steps": {"a": {"type": "noop", "depnds_on": []}}},
    "unknown-top-key": {"memroy": {}, "steps": {"a": {"type": "noop"}}},
    "steps-and-checks": {"steps": {"a": {"type": "noop"}}, "checks": {"a": {"type": "noop"}}},
    "no-steps": {"version": "1.0"},
    "bad-operation": {"steps": {"a": {"type": "memory", "operation": "incremnt"}}},
}


@pytest.mark.parametrize("config", ACCEPTED.values(), ids=list(ACCEPTED))
def test_schema_accepts_what_the_loader_accepts(
    validator: jsonschema.Draft7Validator, config: dict[str, Any]
) -> None:
    assert [error.message for error in validator.iter_errors(config)] == []


@pytest.mark.parametrize("config", REJECTED.values(), ids=list(REJECTED))
def test_schema_rejects_what_the_loader_rejects(
    validator: jsonschema.Draft7Validator, config: dict[str, Any]
) -> None:
    assert not validator.is_valid(config)
