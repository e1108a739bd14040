"""Pydantic models of Visor's contracts and failure conditions.

``assume`` / ``guarantee`` (design by contract), ``failure_conditions`` (per
step and global) and ``on_init``: their meaning is in ``engine/contracts.py``
and ``docs/contracts.md``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from visor_mem.config.model_base import Model, as_list


class FailureCondition(Model):
    """A named condition: when its JavaScript is true, the step fails (or gets a warning)."""

    condition: str = Field(..., description="JavaScript; sees the step's `output`.")
    message: str | None = Field(None, description="What to report when it fires.")
    severity: Literal["error", "warning", "info"] = Field(
        "error", description="error fails the step; warning and info only report."
    )
    halt_execution: bool = Field(False, description="Stop the whole run when it fires.")


def short_conditions(value: Any) -> Any:
    """Accept Visor's short form ``name: "expression"``."""
    if not isinstance(value, dict):
        return value
    return {name: {"condition": item} if isinstance(item, str) else item for name, item in value.items()}


class OnInitStep(Model):
    """An ``on_init`` item: run a step first, its output visible as ``outputs[as]``."""

    step: str
    with_: dict[str, Any] = Field(default_factory=dict, alias="with")
    as_: str | None = Field(None, alias="as", description="Name of the output (default: the step's name).")


class OnInit(Model):
    """Steps to run before this step (once, before any forEach item)."""

    run: list[str | OnInitStep] = Field(default_factory=list)
    run_js: str | None = Field(
        None, description="JavaScript returning a list of step names or {step, with, as}."
    )

    _normalise_run = field_validator("run", mode="before")(as_list)

    def run_names(self) -> list[str]:
        """Names of the steps in ``run``, in order."""
        return [item if isinstance(item, str) else item.step for item in self.run]
