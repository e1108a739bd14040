"""Contracts and failure conditions: what decides, around an execution, that it may run or failed.

As Visor defines them (``docs/guides/fault-management-and-contracts.md``,
``routing.ts`` ``evaluateFailureConditions``):

* ``assume`` (before the execution, after ``if``): one false expression skips
  the step with reason ``assume``; it is not a run.
* ``guarantee`` (after): one false expression fails the step.
* step ``fail_if``: true fails the step.
* ``failure_conditions`` (global ones, overridden by a step's own of the same
  name): an ``error`` condition that fires fails the step with its message;
  ``warning`` / ``info`` ones are reported as issues only; ``halt_execution``
  stops the whole run.
* global ``fail_if`` (for steps without their own ``fail_if``, as Visor's
  docs say): true adds an issue to the step, which keeps its status and
  routing (as in Visor), and fails the run.

Failures found here are *logical* (the step ran, its result is wrong), which
``criticality: external | internal`` uses to suppress retries, as Visor does.
A throwing expression fails the step loudly (DESIGN.md section 10).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from visor_mem.config.specs import ConfigSpec, FailureConditionSpec
from visor_mem.engine.output_schema import schema_problem, schema_validator
from visor_mem.errors import Location, VisorError
from visor_mem.expr.js_visor import SMART, condition_extras
from visor_mem.steps.base import Evaluator
from visor_mem.store.base import JSON

NO_RETRY_CRITICALITY = frozenset({"external", "internal"})
"""Visor does not retry a logical failure of steps of these criticalities."""


@dataclass
class Verdict:
    """What the checks after an execution found."""

    error: str | None = None
    logical: bool = False
    halt: str | None = None
    issues: list[tuple[str, str]] = field(default_factory=list)
    """``(severity, text)`` that do not fail the step; ``error`` ones fail the run."""


@dataclass(frozen=True)
class Contracts:
    """Evaluates a run's contracts and failure conditions."""

    config: ConfigSpec
    exprs: Evaluator
    locate: Callable[[str], Location]
    validators: dict[str, Any] = field(default_factory=dict)
    """Compiled output schemas by step, built on first use."""

    def assume_holds(self, name: str) -> bool:
        """Every ``assume`` expression is truthy (raises VisorError when one throws)."""
        for index, code in enumerate(self.config.steps[name].assume):
            where = self.locate(f"steps.{name}.assume.{index}")
            if not self.exprs.truthy(code, where=where, extra=self.extras(name, None)):
                return False
        return True

    def extras(self, name: str, output: JSON) -> dict[str, JSON]:
        """Visor's per-step names of a condition: checkName, issues, metadata, the counters."""
        return condition_extras(name, output, self.config.steps[name].group)

    def judge(self, name: str, output: JSON) -> Verdict:
        """The verdict on a successful execution's output."""
        verdict = Verdict()
        if not self._has_checks(name):
            return verdict  # nothing to judge, no context to build (forEach items are a hot path)
        try:
            self._check(name, output, verdict)
        except VisorError as err:
            verdict.error, verdict.logical = str(err), False
        return verdict

    def _has_checks(self, name: str) -> bool:
        spec = self.config.steps[name]
        own = spec.fail_if or spec.guarantee or spec.failure_conditions or spec.json_schema is not None
        return bool(own or self.config.fail_if or self.config.failure_conditions)

    def _check(self, name: str, output: JSON, verdict: Verdict) -> None:
        spec = self.config.steps[name]
        extra = {**self.extras(name, output), **_output_extra(spec.type, output)}
        global_if = self.config.fail_if
        own_if = spec.fail_if is not None  # Visor's docs: a step's own fail_if overrides the global one
        if (
            global_if is not None
            and not own_if
            and self.exprs.truthy(global_if, where=self.locate("fail_if"), extra=extra)
        ):
            verdict.issues.append(("error", f"global fail_if met: {global_if.strip()}"))
        if spec.json_schema is not None and spec.type != "noop":
            problem = schema_problem(self._validator(name, spec.json_schema), output)
            if problem:
                self._fail(verdict, problem)
        for index, code in enumerate(spec.guarantee):
            if not self.exprs.truthy(code, where=self.locate(f"steps.{name}.guarantee.{index}"), extra=extra):
                self._fail(verdict, f"guarantee failed: {code.strip()}")
        if spec.fail_if is not None:
            where = self.locate(f"steps.{name}.fail_if")
            if self.exprs.truthy(spec.fail_if, where=where, extra=extra):
                self._fail(verdict, f"fail_if condition met: {spec.fail_if.strip()}")
        for path, cond_name, cond in self._conditions(name):
            if self.exprs.truthy(cond.condition, where=self.locate(path), extra=extra):
                self._fired(verdict, cond_name, cond)

    def _validator(self, name: str, schema: Mapping[str, Any]) -> Any:
        if name not in self.validators:
            self.validators[name] = schema_validator(schema)
        return self.validators[name]

    def _conditions(self, name: str) -> Iterator[tuple[str, str, FailureConditionSpec]]:
        own: Mapping[str, FailureConditionSpec] = self.config.steps[name].failure_conditions
        for cond_name, cond in self.config.failure_conditions.items():
            if cond_name not in own:
                yield f"failure_conditions.{cond_name}.condition", cond_name, cond
        for cond_name, cond in own.items():
            yield f"steps.{name}.failure_conditions.{cond_name}.condition", cond_name, cond

    def _fired(self, verdict: Verdict, cond_name: str, cond: FailureConditionSpec) -> None:
        text = cond.message or f"failure condition '{cond_name}' met: {cond.condition.strip()}"
        if cond.halt_execution:
            verdict.halt = f"halted by failure condition '{cond_name}'"
        if cond.severity == "error" or cond.halt_execution:
            self._fail(verdict, text)
        else:
            verdict.issues.append((cond.severity, text))

    @staticmethod
    def _fail(verdict: Verdict, text: str) -> None:
        if verdict.error is None:
            verdict.error, verdict.logical = text, True


def _output_extra(step_type: str, output: JSON) -> dict[str, JSON]:
    """``output`` as conditions see it: a command's JSON output is Visor's JSON-aware string."""
    if step_type == "command" and isinstance(output, dict | list):
        return {"output": json.dumps(output, ensure_ascii=False), SMART: ["output"]}
    return {"output": output}
