"""Pydantic types of bounded numbers: a :class:`~visor_mem.config.bounds.Bound` on a model field.

``Annotated[float, ...]`` carries the bound twice: as ``Field`` constraints
(so ``visor schema`` shows ``minimum``/``maximum``) and as a before-validator
that rejects NaN, infinities, booleans and out-of-range numbers with a message
stating the range (pydantic's own would say only "less than or equal to").
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from visor_mem.config import bounds
from visor_mem.config.bounds import Bound

RANGE_ERROR = "number_range"
"""pydantic error type of an out-of-range number (reported as its message)."""


def _checker(bound: Bound) -> BeforeValidator:
    def check(value: Any) -> Any:
        if isinstance(value, bool):  # pydantic would read true as 1
            raise PydanticCustomError(
                RANGE_ERROR, f"expected a number {bound.describe()} (got {str(value).lower()})"
            )
        if isinstance(value, int | float):
            problem = bound.problem(value)
            if problem:
                raise PydanticCustomError(RANGE_ERROR, problem)
        return value

    return BeforeValidator(check)


def _duration(value: Any) -> Any:
    try:
        return bounds.parse_duration(value)
    except ValueError as err:
        raise PydanticCustomError(RANGE_ERROR, str(err)) from None


def _limits(bound: Bound) -> Any:
    if bound.low_open:
        return Field(gt=bound.low, le=bound.high, allow_inf_nan=False)
    return Field(ge=bound.low, le=bound.high, allow_inf_nan=False)


Seconds = Annotated[float, _limits(bounds.SECONDS), _checker(bounds.SECONDS)]
"""Seconds, more than 0 and at most a week."""
Timeout = Annotated[
    float,
    _limits(bounds.SECONDS),
    _checker(bounds.SECONDS),
    BeforeValidator(_duration),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "exclusiveMinimum": bounds.SECONDS.low, "maximum": bounds.SECONDS.high},
                {"type": "string", "pattern": bounds.DURATION_PATTERN},
            ]
        }
    ),
]
"""A step timeout: seconds or a duration string (before-validators run last first: parse, then check)."""
JsSeconds = Annotated[float, _limits(bounds.JS_SECONDS), _checker(bounds.JS_SECONDS)]
TtlSeconds = Annotated[float, _limits(bounds.TTL_SECONDS), _checker(bounds.TTL_SECONDS)]
DelayMs = Annotated[int, _limits(bounds.DELAY_MS), _checker(bounds.DELAY_MS)]
Megabytes = Annotated[int, _limits(bounds.MEGABYTES), _checker(bounds.MEGABYTES)]
Runs = Annotated[int, _limits(bounds.RUNS), _checker(bounds.RUNS)]
Loops = Annotated[int, _limits(bounds.LOOPS), _checker(bounds.LOOPS)]
Quota = Annotated[int, _limits(bounds.QUOTA), _checker(bounds.QUOTA)]
Parallel = Annotated[int, _limits(bounds.PARALLEL), _checker(bounds.PARALLEL)]
