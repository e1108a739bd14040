"""Turn a pydantic ``ValidationError`` into one plain-words :class:`ConfigError`.

Each pydantic error becomes a finding (field path, what was expected, what was
found); the finding written first in the file is reported, with the line and
column of its YAML node.  Messages are ours, keyed by pydantic's error type in
:data:`_DESCRIBERS`, so users read "expected a step name (string)" rather than
pydantic's wording.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from visor_mem.config.modelpath import ResolvedLoc, field_keys, resolve_loc, union_members
from visor_mem.config.source import Source, did_you_mean
from visor_mem.config.step_models import FIELD_ERROR, STEP_MODELS, StepBase
from visor_mem.errors import ConfigError

STEP_NAME_FIELDS = frozenset({"depends_on", "goto", "run", "to", "step"})
"""Fields whose strings name steps."""
VISOR_ONLY_STEP_TYPES = frozenset(
    {
        "ai", "claude-code", "mcp", "http", "http_input", "http_client", "github",
        "human-input", "workflow", "git-checkout", "a2a", "utcp",
    }
)  # fmt: skip
"""Step types Visor runs and visor_mem does not."""

_EXPECTED = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "a boolean (true/false)",
    "bool_parsing": "a boolean (true/false)",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
    "none_required": "null",
}
"""pydantic type errors → what was expected, in plain words."""

_BOUNDS = {
    "greater_than": ">",
    "greater_than_equal": ">=",
    "less_than": "<",
    "less_than_equal": "<=",
}


@dataclass(frozen=True)
class Finding:
    """One problem: the field, and either what was expected or a message."""

    path: tuple[str | int, ...]
    expected: tuple[str, ...] = ()
    got: str | None = None
    message: str = ""

    @property
    def dotted(self) -> str:
        return ".".join(str(part) for part in self.path)

    def text(self) -> str:
        if self.message:
            return self.message
        got = f" (got {self.got})" if self.got else ""
        expected = [e for e in self.expected if not (e == "an integer" and "a number" in self.expected)]
        listed = ", ".join(expected[:-1]) + " or " + expected[-1] if len(expected) > 1 else expected[0]
        return f"expected {listed}{got}"


def config_error(err: ValidationError, source: Source, root: type[BaseModel]) -> ConfigError:
    """The error to report for ``err``: the first problem in file order."""
    findings = [describe(detail, root) for detail in err.errors()]
    finding = _first(findings, source)
    return ConfigError(finding.text(), source.location(finding.dotted))


def describe(detail: ErrorDetails, root: type[BaseModel]) -> Finding:
    """A plain-words finding for one pydantic error."""
    resolved = resolve_loc(tuple(detail["loc"]), root)
    kind = detail["type"]
    if kind in _EXPECTED:
        return _type_finding(detail, resolved)
    describer = _DESCRIBERS.get(kind, _as_is)
    return describer(detail, resolved)


def _first(findings: list[Finding], source: Source) -> Finding:
    # A union reports one error per member: keep the deepest (the member the
    # user evidently meant) and merge same-place alternatives ("a or b").
    paths = {finding.path for finding in findings}
    deepest = [f for f in findings if not any(_is_prefix(f.path, other) for other in paths)]
    deepest.sort(key=lambda finding: _sort_key(source, finding))
    first = deepest[0]
    alternatives = [f for f in deepest if f.path == first.path and f.expected and not f.message]
    if first.expected and len(alternatives) > 1:
        merged = tuple(dict.fromkeys(e for f in alternatives for e in f.expected))
        return replace(first, expected=merged)
    return first


def _is_prefix(path: tuple[str | int, ...], other: tuple[str | int, ...]) -> bool:
    return len(path) < len(other) and other[: len(path)] == path


def _sort_key(source: Source, finding: Finding) -> tuple[int, int]:
    location = source.location(finding.dotted)
    return (location.line or 1 << 30, location.column or 0)


def _type_finding(detail: ErrorDetails, resolved: ResolvedLoc) -> Finding:
    expected = _EXPECTED[detail["type"]]
    leaf = _leaf_field(resolved.parts)
    if expected == "a string" and leaf in STEP_NAME_FIELDS:
        expected = "a step name (string)"
    elif expected == "a list" and leaf in STEP_NAME_FIELDS:
        expected = "a step name or a list of step names"
    elif expected == "a mapping" and _step_union(resolved.annotation):
        expected = "a step (a mapping with a 'type')"
    elif expected == "a mapping" and resolved.parts == ("steps",):
        expected = "a mapping of step names to steps"
    return Finding(resolved.parts, (expected,), _kind_of(detail["input"]))


def _leaf_field(parts: tuple[str | int, ...]) -> str | None:
    names = [part for part in parts if isinstance(part, str)]
    return names[-1] if names else None


def _step_union(annotation: Any) -> bool:
    members = union_members(annotation)
    return bool(members) and all(isinstance(m, type) and issubclass(m, StepBase) for m in members)


def _kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string '{value}'" if len(value) <= 40 else "a string"
    return "a list" if isinstance(value, list) else "a mapping"


def _missing(detail: ErrorDetails, resolved: ResolvedLoc) -> Finding:
    owner = resolved.owner
    kinds = {model: name for name, model in STEP_MODELS.items()}
    suffix = f" for a {kinds[owner]} step" if owner in kinds else ""
    if resolved.parts == ("steps",):
        typo = _misspelt_steps(detail["input"])
        if typo is not None:  # "stpes:" is the real problem, and where it is written is the place to show
            return Finding(
                (typo,), message=f"unknown field '{typo}'{did_you_mean(typo, ['steps', 'checks'])}"
            )
        suffix = ": a mapping of step names to steps (or 'checks')"
    return Finding(resolved.parts, message=f"required{suffix}")


def _misspelt_steps(document: Any) -> str | None:
    """A top-level key that reads as a misspelt ``steps`` or ``checks``, if any."""
    if not isinstance(document, dict):
        return None
    from visor_mem.config.models import VisorConfig

    known = set(field_keys(VisorConfig))
    for key in document:
        if isinstance(key, str) and key not in known and did_you_mean(key, ["steps", "checks"]):
            return key
    return None


def _extra(detail: ErrorDetails, resolved: ResolvedLoc) -> Finding:
    key = resolved.parts[-1]
    choices = field_keys(resolved.owner) if resolved.owner else []
    hint = did_you_mean(key, choices)
    if not hint and len(resolved.parts) == 1:
        hint = "; expected one of: " + ", ".join(choices + ["checks"])
    return Finding(resolved.parts, message=f"unknown field '{key}'{hint}")


def _literal(detail: ErrorDetails, resolved: ResolvedLoc) -> Finding:
    annotation = resolved.annotation
    choices = [str(c) for c in get_args(annotation)] if get_origin(annotation) is Literal else []
    listed = ", ".join(choices) or str(detail.get("ctx", {}).get("expected", ""))
    value = detail["input"]
    message = f"unknown value '{value}'; expected one of: {listed}{did_you_mean(value, choices)}"
    return Finding(resolved.parts, message=message)


def _bad_step_type(detail: ErrorDetails, resolved: ResolvedLoc) -> Finding:
    tag = str(detail.get("ctx", {}).get("tag", ""))
    listed = ", ".join(sorted(STEP_MODELS))
    if tag in VISOR_ONLY_STEP_TYPES:
        message = f"step type '{tag}' is a Visor type that visor_mem does not run; expected one of: {listed}"
    else:
        message = f"unknown step type '{tag}'; expected one of: {listed}{did_you_mean(tag, STEP_MODELS)}"
    return Finding((*resolved.parts, "type"), message=message)


def _no_step_type(detail: ErrorDetails, resolved: ResolvedLoc) -> Finding:
    listed = ", ".join(sorted(STEP_MODELS))
    return Finding((*resolved.parts, "type"), message=f"required: the step type, one of: {listed}")


def _bound(detail: ErrorDetails, resolved: ResolvedLoc) -> Finding:
    kind = detail["type"]
    limit = next(iter(detail.get("ctx", {}).values()), "")
    return Finding(resolved.parts, (f"a number {_BOUNDS[kind]} {limit}",), _kind_of(detail["input"]))


def _field_error(detail: ErrorDetails, resolved: ResolvedLoc) -> Finding:
    field = str(detail.get("ctx", {}).get("field", ""))
    return Finding((*resolved.parts, field), message=detail["msg"])


def _value_error(detail: ErrorDetails, resolved: ResolvedLoc) -> Finding:
    return Finding(resolved.parts, message=detail["msg"].removeprefix("Value error, "))


def _as_is(detail: ErrorDetails, resolved: ResolvedLoc) -> Finding:
    message = detail["msg"]
    return Finding(resolved.parts, message=message[:1].lower() + message[1:])


_DESCRIBERS: dict[str, Callable[[ErrorDetails, ResolvedLoc], Finding]] = {
    "missing": _missing,
    "extra_forbidden": _extra,
    "literal_error": _literal,
    "union_tag_invalid": _bad_step_type,
    "union_tag_not_found": _no_step_type,
    FIELD_ERROR: _field_error,
    "value_error": _value_error,
    **dict.fromkeys(_BOUNDS, _bound),
}
"""pydantic error type → describer (type errors go through :data:`_EXPECTED`)."""
