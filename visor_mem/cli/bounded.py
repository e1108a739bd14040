"""Numeric command-line options checked against the config's bounds (``config/bounds.py``).

``--js-timeout 1e13`` or ``--lock-timeout nan`` would pass click's own range
types (NaN compares false with everything); here the same :class:`Bound` as
the config field decides, and the message states the range.
"""

from __future__ import annotations

from typing import Any

import click

from visor_mem.config.bounds import Bound


class BoundedNumber(click.ParamType):  # type: ignore[type-arg]  # generic only in click >= 8.2
    """A finite number within ``bound``; ``integer`` for counts."""

    def __init__(self, bound: Bound, *, integer: bool = False) -> None:
        self.bound = bound
        self.integer = integer
        self.name = "integer" if integer else "number"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            number: float = value
        else:
            number = self._parse(str(value), param, ctx)
        problem = self.bound.problem(number)
        if problem:
            self.fail(problem, param, ctx)
        return int(number) if self.integer else float(number)

    def _parse(self, text: str, param: click.Parameter | None, ctx: click.Context | None) -> float:
        try:
            return int(text) if self.integer else float(text)
        except ValueError:
            kind = "a whole number" if self.integer else "a number"
            self.fail(f"expected {kind} {self.bound.describe()} (got {text[:40]!r})", param, ctx)
