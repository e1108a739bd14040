"""Liquid templates of a run: python-liquid with Visor's memory filters.

One ``Environment`` per run (built by ``Expressions`` when the first template
is rendered); parsed templates are cached by source.  Undefined variables
render empty, as in Visor; an unknown filter is an error (Visor silently
ignores it, which hides typos).  Filters read memory straight through
``ctx.memory`` and ``ctx.session``: Python calls Python, no mirror is needed.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from typing import Any

from liquid import BoundTemplate, Environment
from liquid.exceptions import UnknownFilterError
from liquid.undefined import Undefined

from visor_mem.errors import Location, VisorError
from visor_mem.expr import liquid_limits, liquid_visor
from visor_mem.expr.context import EvalContext
from visor_mem.expr.deadline import Deadline
from visor_mem.expr.template_vars import OutputsView, template_variables
from visor_mem.store.scoped import Memory


class LiquidTemplates:
    """Parses (once) and renders templates against the run's context."""

    def __init__(self, ctx: EvalContext) -> None:
        self._ctx = ctx
        self._env = liquid_limits.BoundedEnvironment(undefined=Undefined)
        register(self._env, ctx)
        liquid_visor.register_visor(self._env, ctx.visor)
        self._cache: dict[str, BoundTemplate] = {}
        self._outputs = OutputsView(ctx.outputs)
        self._visor = ctx.visor.globals()

    def render(
        self,
        source: str,
        where: Location,
        extra: Mapping[str, Any] | None = None,
        deadline: Deadline | None = None,
    ) -> str:
        """The rendered text; any failure (a limit, a filter's error) is one line (``liquid_limits``)."""
        if "{" not in source:
            return source  # no markup: python-liquid would copy it, at ~15 us a render
        try:
            template = self._cache.get(source)
            if template is None:
                template = self._cache[source] = self._env.from_string(source)
            # What BoundTemplate.render does, minus copying the variables twice and
            # chaining them to template globals (always empty here), plus the limits.
            context, buffer = liquid_limits.start(template, self._variables(extra), deadline)
            template.render_with_context(context, buffer)
            return buffer.getvalue()
        except VisorError:
            raise  # a memory filter's own error, already one line
        except UnknownFilterError as err:
            raise liquid_visor.unknown_filter(err, self._env.filters, where) from err
        except Exception as err:  # noqa: BLE001 - third-party code run on user input: wrap at the seam
            raise liquid_limits.render_failure(err, where, deadline) from err

    def _variables(self, extra: Mapping[str, Any] | None) -> dict[str, Any]:
        return template_variables(self._ctx, self._outputs, self._visor, extra)


# -- filters --------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """Liquid's Undefined as None, so JSON filters see JSON values."""
    return None if isinstance(value, Undefined) else value


def _namespace(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _getter(memory: Memory) -> Callable[..., Any]:
    def get(key: Any, namespace: Any = None) -> Any:
        if not isinstance(key, str):
            return None
        return memory.get(key, _namespace(namespace))

    return get


def _memory_filters(ctx: EvalContext) -> dict[str, Callable[..., Any]]:
    def memory_has(key: Any, namespace: Any = None) -> bool:
        return isinstance(key, str) and ctx.memory.has(key, _namespace(namespace))

    def memory_list(namespace: Any = None) -> list[str]:
        return ctx.memory.list(_namespace(_plain(namespace)))

    return {
        "memory_get": _getter(ctx.memory),
        "memory_has": memory_has,
        "memory_list": memory_list,
        "session_get": _getter(ctx.session),
    }


def parse_json(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def to_base64(value: Any) -> str:
    return base64.b64encode(str(_plain(value) or "").encode()).decode("ascii")


def from_base64(value: Any) -> str:
    return base64.b64decode(str(_plain(value) or "")).decode("utf-8", errors="replace")


def shell_escape(value: Any) -> str:
    """POSIX single-quoting: safe to paste into a ``sh -c`` command line."""
    text = str(_plain(value) or "")
    return "'" + text.replace("'", "'\\''") + "'"


def json_escape(value: Any) -> str:
    """The inside of a JSON string literal (no surrounding quotes)."""
    return json.dumps(str(_plain(value) or ""), ensure_ascii=False)[1:-1]


def unescape_newlines(value: Any) -> str:
    text = str(_plain(value) or "")
    return text.replace("\\r\\n", "\r\n").replace("\\n", "\n").replace("\\t", "\t")


def _is_empty(value: Any) -> bool:
    value = _plain(value)
    return value is None or value == "" or (isinstance(value, list | dict) and not value)


def not_empty(value: Any) -> bool:
    return not _is_empty(value)


def coalesce(value: Any, *alternatives: Any) -> Any:
    """The first of the input and the arguments that is not empty."""
    return next((item for item in (value, *alternatives) if not _is_empty(item)), None)


PURE_FILTERS: dict[str, Callable[..., Any]] = {
    "parse_json": parse_json,
    "base64": to_base64,
    "base64_decode": from_base64,
    "shell_escape": shell_escape,
    "escape_shell": shell_escape,
    "json_escape": json_escape,
    "unescape_newlines": unescape_newlines,
    "not_empty": not_empty,
    "coalesce": coalesce,
}
"""Visor's extra filters that need nothing from the run (``json`` is JSON.stringify, in
``liquid_visor.VISOR_FILTERS``)."""


def register(env: Environment, ctx: EvalContext) -> None:
    """Add visor_mem's filters (beside python-liquid's standard ones) to ``env``."""
    env.filters.update(PURE_FILTERS)
    env.filters.update(_memory_filters(ctx))
