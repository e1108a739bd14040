"""The base of every config model, and the small helpers all of them share."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

EXTENSION_PREFIX = "x-"
"""Keys starting with this are user extensions (YAML anchors ...), ignored everywhere, as in Visor."""
FIELD_ERROR = "config_field"
"""pydantic error type whose ``ctx['field']`` names the field a model-level check is about."""


def field_error(field: str, message: str) -> PydanticCustomError:
    """An error raised by a model validator about one of the model's fields.

    The loader appends ``field`` to the error's path, so the message points at
    ``steps.build.key`` rather than at the step as a whole.
    """
    return PydanticCustomError(FIELD_ERROR, message, {"field": field})


class Model(BaseModel):
    """Base of every config model: immutable, unknown keys rejected."""

    # defer_build: validators are built when first used, so the nested models
    # are compiled once inside VisorConfig's validator instead of once each at import.
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, defer_build=True)

    @model_validator(mode="before")
    @classmethod
    def _drop_extensions(cls, data: Any) -> Any:
        if isinstance(data, dict) and any(str(k).startswith(EXTENSION_PREFIX) for k in data):
            return {k: v for k, v in data.items() if not str(k).startswith(EXTENSION_PREFIX)}
        return data


def as_list(value: Any) -> Any:
    """Accept a single string where a list of strings is expected."""
    return [value] if isinstance(value, str) else value
