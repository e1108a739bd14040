"""A step's JSON-Schema ``schema`` (or Visor's older ``output_schema``) checked against its output.

As Visor (``level-dispatch.ts``): Ajv with every error collected, draft-07 unless the
schema's ``$schema`` names another draft; the first three messages are reported:
``output schema validation failed: $.count: 'x' is not of type 'integer'``.  Visor
records the failure as an error issue; visor_mem fails the step (DESIGN.md section 10).

jsonschema is imported on the first step that has a schema, never at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from visor_mem.store.base import JSON

REPORTED_ERRORS = 3
"""Messages shown per failure (Visor: the first three)."""


def schema_validator(schema: Mapping[str, Any]) -> Any:
    """A compiled validator for ``schema`` (draft-07 unless ``$schema`` says otherwise)."""
    from jsonschema.validators import Draft7Validator, validator_for  # type: ignore[import-untyped]

    cls = validator_for(schema, default=Draft7Validator)
    return cls(schema)


def schema_problem(validator: Any, output: JSON) -> str | None:
    """What is wrong with ``output``, or None when it is valid."""
    errors = sorted(validator.iter_errors(output), key=lambda e: list(e.absolute_path))
    if not errors:
        return None
    shown = "; ".join(f"{json_path(e.absolute_path)}: {e.message}" for e in errors[:REPORTED_ERRORS])
    more = f" (and {len(errors) - REPORTED_ERRORS} more)" if len(errors) > REPORTED_ERRORS else ""
    return f"output schema validation failed: {shown}{more}"


def json_path(parts: Any) -> str:
    """``$.items[0].name`` for the path ``['items', 0, 'name']``."""
    text = "$"
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def schema_error(schema: Mapping[str, Any]) -> str | None:
    """Why ``schema`` is not a valid JSON Schema (checked at load), or None."""
    from jsonschema.exceptions import SchemaError  # type: ignore[import-untyped]
    from jsonschema.validators import Draft7Validator, validator_for

    try:
        validator_for(schema, default=Draft7Validator).check_schema(schema)
    except SchemaError as err:
        return f"invalid JSON Schema at {json_path(err.absolute_path)}: {err.message}"
    return None
