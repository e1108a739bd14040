"""Visor's Liquid on top of python-liquid: its filters, JSON printing, helpful unknown filters.

* Objects and lists print as compact JSON (``{"a":1}``, what ``| json`` gives
  in LiquidJS), never as Python reprs; a missing value prints nothing.
* ``json`` / ``to_json`` are JSON.stringify: compact, or indented with a number.
* Visor's filters (``liquid-extensions.ts``): ``safe_label``,
  ``safe_label_list``, ``get``, ``where_exp``, ``shell_escape_double`` and the
  permission filters (``has_min_permission``, ``is_owner`` ...).
  ``where_exp`` takes a Liquid condition (``i.valid != true and i.score > 2``),
  as in Shopify, evaluated per item; an item whose condition fails to
  evaluate does not match (Visor's rule).
* An unknown filter is an error that names the closest known filter.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TextIO

from liquid import Environment
from liquid.builtin.output import Output, OutputNode
from liquid.exceptions import LiquidError, UnknownFilterError
from liquid.stringify import to_liquid_string
from liquid.undefined import Undefined

from visor_mem.errors import Location, TemplateError
from visor_mem.expr.visor_info import VisorInfo


def _plain(value: Any) -> Any:
    return None if isinstance(value, Undefined) else value


def _default(value: Any) -> Any:
    if isinstance(value, Undefined):
        return None
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def to_json(value: Any, indent: Any = None) -> str:
    """JSON.stringify: compact, or indented by ``indent`` spaces."""
    if isinstance(indent, int) and not isinstance(indent, bool) and indent > 0:
        return json.dumps(_plain(value), ensure_ascii=False, default=_default, indent=indent)
    return json.dumps(_plain(value), ensure_ascii=False, default=_default, separators=(",", ":"))


def printed(value: Any, autoescape: bool) -> str:
    """How ``{{ value }}`` prints: objects and lists as compact JSON, the rest as Liquid does."""
    if isinstance(value, Mapping | list | tuple) and not isinstance(value, Undefined):
        return to_json(value)
    return to_liquid_string(value, autoescape)


class JsonOutputNode(OutputNode):
    """``{{ ... }}`` that prints objects and lists as JSON."""

    __slots__ = ()

    def render_to_output(self, context: Any, buffer: TextIO) -> int:
        """Render the node to the output buffer."""
        return buffer.write(printed(self.expression.evaluate(context), context.autoescape))

    async def render_to_output_async(self, context: Any, buffer: TextIO) -> int:
        """Render the node to the output buffer."""
        value = await self.expression.evaluate_async(context)
        return buffer.write(printed(value, context.autoescape))


class JsonOutput(Output):
    """The output statement, with :class:`JsonOutputNode`."""

    node_class = JsonOutputNode


# -- filters ------------------------------------------------------------------------


def safe_label(value: Any) -> str:
    """Keep letters, digits, ``:``, ``/``, ``-`` and spaces; collapse ``//``; trim."""
    value = _plain(value)
    if value is None:
        return ""
    return re.sub(r"/{2,}", "/", re.sub(r"[^A-Za-z0-9:/\- ]", "", _text(value))).strip()


def safe_label_list(value: Any) -> list[str]:
    """``safe_label`` of every item; empty results dropped; not a list: []."""
    if not isinstance(value, list):
        return []
    return [label for label in (safe_label(item) for item in value) if label]


def get(value: Any, path: Any = None) -> Any:
    """Safe nested access by dot path: ``obj | get: 'a.b.0'``."""
    current = _plain(value)
    text = _plain(path)
    if current is None or not text:
        return current
    for part in str(text).split("."):
        current = _step(current, part)
        if current is None:
            return None
    return current


def _step(current: Any, part: str) -> Any:
    if isinstance(current, Mapping):
        return current.get(part)
    if isinstance(current, list) and part.lstrip("-").isdigit():
        index = int(part)
        return current[index] if -len(current) <= index < len(current) else None
    return None


def shell_escape_double(value: Any) -> str:
    """Double-quoted for sh: backslash, ``$``, backtick, ``"`` and ``!`` escaped."""
    value = _plain(value)
    if value is None:
        return '""'
    text = _text(value)
    for char in ("\\", "$", "`", '"', "!"):
        text = text.replace(char, "\\" + char)
    return f'"{text}"'


def _text(value: Any) -> str:
    """JavaScript's String(value) for the values filters see."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping | list) and not isinstance(value, Undefined):
        return to_json(value)
    return str(value)


def _where_exp(env: Environment) -> Callable[..., list[Any]]:
    cache: dict[str, Any] = {}

    def where_exp(items: Any, name: Any = "i", condition: Any = "") -> list[Any]:
        values = items if isinstance(items, list) else []
        var = str(_plain(name) or "i").strip() or "i"
        source = "{% if " + str(_plain(condition) or "false") + " %}1{% endif %}"
        try:
            template = cache.get(source) or cache.setdefault(source, env.from_string(source))
        except LiquidError:
            return []
        return [item for index, item in enumerate(values) if _matches(template, var, item, index, values)]

    return where_exp


def _matches(template: Any, var: str, item: Any, index: int, values: list[Any]) -> bool:
    try:
        return bool(template.render(**{var: item, "idx": index, "arr": values}) == "1")
    except LiquidError:
        return False


def permission_filters(info: VisorInfo) -> dict[str, Callable[..., bool]]:
    """Visor's permission filters: the input is an author association, else the run's."""
    return {
        "has_min_permission": lambda assoc, level="NONE": info.has_min_permission(level, _plain(assoc)),
        "is_owner": lambda assoc=None: info.is_exactly("OWNER", association=_plain(assoc)),
        "is_member": lambda assoc=None: info.has_min_permission("MEMBER", _plain(assoc)),
        "is_collaborator": lambda assoc=None: info.has_min_permission("COLLABORATOR", _plain(assoc)),
        "is_contributor": lambda assoc=None: info.has_min_permission("CONTRIBUTOR", _plain(assoc)),
        "is_first_timer": lambda assoc=None: info.is_exactly(
            "FIRST_TIME_CONTRIBUTOR", "FIRST_TIMER", association=_plain(assoc)
        ),
    }


VISOR_FILTERS: dict[str, Callable[..., Any]] = {
    "json": to_json,
    "to_json": to_json,
    "safe_label": safe_label,
    "safe_label_list": safe_label_list,
    "get": get,
    "shell_escape_double": shell_escape_double,
}


def register_visor(env: Environment, info: VisorInfo) -> None:
    """Visor's filters and JSON printing on ``env`` (after visor_mem's own filters)."""
    env.filters.update(VISOR_FILTERS)
    env.filters["where_exp"] = _where_exp(env)
    env.filters.update(permission_filters(info))
    env.add_tag(JsonOutput)


def unknown_filter(err: UnknownFilterError, known: Iterable[str], where: Location) -> TemplateError:
    """``unknown filter 'upcse' (did you mean 'upcase'?)``, with the template line."""
    match = re.search(r"unknown filter '([^']*)'", str(err.message or ""))
    name = match.group(1) if match else ""
    close = difflib.get_close_matches(name, sorted(known), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    position = err.context()
    line = f" (template line {position[0]})" if position else ""
    return TemplateError(f"UnknownFilterError: unknown filter '{name}'{hint}{line}", where)
