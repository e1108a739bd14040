"""The JSON Schema of ``.visor.yaml``, generated from the pydantic models.

pydantic emits JSON Schema 2020-12; the YAML language server in editors reads
draft-07, so :func:`to_draft07` converts.  :func:`visor_schema` then adds what
the models accept through validators rather than types (``checks`` for
``steps``, a bare string where a list is expected, ``x-*`` keys, the Visor
settings that are ignored), so that editors do not flag valid configs.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from visor_mem.config.keys import LEVELS
from visor_mem.config.model_base import Model, as_list
from visor_mem.config.models import VisorConfig
from visor_mem.config.step_models import EXTENSION_PREFIX, STEP_MODELS

DRAFT_07 = "http://json-schema.org/draft-07/schema#"
_OLD_REFS = "#/$defs/"
_NEW_REFS = "#/definitions/"

Schema = dict[str, Any]


def visor_schema() -> Schema:
    """The draft-07 schema of a config file, as ``visor schema`` prints it."""
    schema = to_draft07(VisorConfig.model_json_schema(by_alias=True))
    for name, definition in [("VisorConfig", schema), *schema.get("definitions", {}).items()]:
        _accept_single_items(name, definition)
        _allow_extensions(definition)
    _accept_visor_root(schema)
    for model in STEP_MODELS.values():
        _accept_inert_step_keys(schema["definitions"][model.__name__])
    _accept_script_js(schema["definitions"]["ScriptStepModel"])
    _add_tests(schema)
    return schema


def _add_tests(schema: Schema) -> None:
    """The ``tests:`` block (read by ``visor test``; dropped by the loader, so not a VisorConfig field)."""
    from visor_mem.testing.models import TestsRoot

    tests = to_draft07(TestsRoot.model_json_schema(by_alias=True))
    definitions = tests.get("definitions", {})
    clash = set(definitions) & set(schema["definitions"])
    assert not clash, f"test models reuse config model names: {sorted(clash)}"
    for name, definition in [("TestsRoot", tests), *definitions.items()]:
        _accept_single_items(name, definition)
        _allow_extensions(definition)
    schema["definitions"].update(definitions)
    schema["properties"]["tests"] = {  # draft-07 ignores keys beside a $ref: wrap it
        "description": "Test cases for `visor test` (docs/testing.md); `visor run` ignores them.",
        "allOf": [tests["properties"]["tests"]],
    }


def to_draft07(schema: Schema) -> Schema:
    """Convert a pydantic (2020-12) schema to draft-07, without changing its meaning."""
    converted: Schema = _convert(copy.deepcopy(schema))
    if "$defs" in converted:
        converted["definitions"] = converted.pop("$defs")
    return {"$schema": DRAFT_07, **converted}


def _convert(node: Any) -> Any:
    if isinstance(node, list):
        return [_convert(item) for item in node]
    if not isinstance(node, dict):
        return node
    result = {key: _convert(value) for key, value in node.items()}
    if isinstance(result.get("$ref"), str):
        result["$ref"] = result["$ref"].replace(_OLD_REFS, _NEW_REFS, 1)
    mapping = (
        result.get("discriminator", {}).get("mapping")
        if isinstance(result.get("discriminator"), dict)
        else None
    )
    if isinstance(mapping, dict):
        result["discriminator"]["mapping"] = {
            k: v.replace(_OLD_REFS, _NEW_REFS, 1) for k, v in mapping.items()
        }
    if "prefixItems" in result:  # 2020-12 tuples: draft-07 spells them items [...] + additionalItems
        rest = result.pop("items", None)
        result["items"] = result.pop("prefixItems")
        if rest is not None:
            result["additionalItems"] = rest
    return result


def _accept_single_items(model_name: str, definition: Schema) -> None:
    """``depends_on: build`` is accepted as ``depends_on: [build]`` wherever the model says so."""
    single = _single_or_list_fields().get(model_name, frozenset())
    for name, prop in definition.get("properties", {}).items():
        if name in single and prop.get("type") == "array":
            array = {key: value for key, value in prop.items() if key not in ("description", "title")}
            described = {key: prop[key] for key in ("description", "title") if key in prop}
            definition["properties"][name] = {**described, "anyOf": [prop["items"], array]}


def _single_or_list_fields() -> dict[str, frozenset[str]]:
    """Model name -> the aliases of its fields normalised by ``as_list`` (one bare item is a list).

    Read off the models' own validators, so the schema cannot drift from what the loader accepts.
    """
    found: dict[str, frozenset[str]] = {}
    pending: list[type[Model]] = [Model]
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        validators = model.__pydantic_decorators__.field_validators.values()
        names = {field for v in validators if v.func is as_list for field in v.info.fields}
        fields = model.model_fields
        found[model.__name__] = frozenset(fields[n].alias or n for n in names if n in fields)
    return found


def _allow_extensions(definition: Schema) -> None:
    if definition.get("additionalProperties") is False:
        definition["patternProperties"] = {f"^{EXTENSION_PREFIX}": {}}


def _accept_visor_root(schema: Schema) -> None:
    properties = schema["properties"]
    properties["version"] = {**properties["version"], "type": ["string", "number"]}
    properties["checks"] = {**properties["steps"], "description": "Alias of steps."}
    for key, fate in LEVELS["top"].keys.items():
        if fate.kind == "inert":
            properties[key] = {"description": f"Visor key with no effect in visor_mem: {fate.note}."}
    schema["required"] = [key for key in schema.get("required", []) if key != "steps"]
    if not schema["required"]:
        del schema["required"]
    schema["oneOf"] = [{"required": ["steps"]}, {"required": ["checks"]}]


def _accept_inert_step_keys(definition: Schema) -> None:
    for key, fate in LEVELS["step"].keys.items():
        if fate.kind == "inert":
            definition["properties"][key] = {
                "description": f"Visor key with no effect in visor_mem: {fate.note}."
            }


def _accept_script_js(definition: Schema) -> None:
    definition["properties"]["script_js"] = {"type": "string", "description": "Alias of content."}
    definition["required"] = [key for key in definition["required"] if key != "content"]
    definition["oneOf"] = [{"required": ["content"]}, {"required": ["script_js"]}]


def render_schema() -> str:
    """The schema as the text of ``schemas/visor.schema.json`` (2-space JSON, final newline)."""
    return json.dumps(visor_schema(), indent=2, ensure_ascii=False) + "\n"
