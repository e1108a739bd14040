"""The options of a run: one table for ``visor run`` and ``visor_mem.run()``.

Each :class:`Option` is both a click option (``--max-parallel``) and a keyword
argument of ``visor_mem.run`` (``max_parallel=``), parsed by the same
function, so ``visor_mem.run(path, only="x", tags="a,b", pr="pr.json",
store="sqlite:///m.db", var=["who=me"])`` is ``visor run path --only x --tags
a,b --pr pr.json --store sqlite:///m.db --var who=me``.  A parser takes the
CLI's text (or tuple of texts, for a repeatable option) or a Python value and
returns the :class:`~visor_mem.engine.options.RunOptions` field's value, or
raises ``ValueError`` with the reason.

Imported by ``visor run`` at start-up: no pydantic here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from visor_mem.config.bounds import JS_SECONDS, LOCK_SECONDS, PARALLEL, Bound
from visor_mem.errors import UsageError
from visor_mem.store.urls import EXAMPLES

NO_EVENT = "all"
"""``--event all``: no event filtering (engine/select.py)."""

Parser = Callable[[Any], Any]
Completer = Callable[[click.Context, click.Parameter, str], list[Any]]


@dataclass(frozen=True)
class Option:
    """One run option: its keyword (``--`` + dashes on the CLI), the field it sets, its parser."""

    name: str
    field: str
    parse: Parser
    help: str
    metavar: str | None = None
    multiple: bool = False
    """Repeatable on the CLI; a string or a list of strings in Python."""
    flag: bool = False
    complete: Completer | None = None

    @property
    def flag_name(self) -> str:
        return "--" + self.name.replace("_", "-")


# -- parsers ------------------------------------------------------------------------


def _texts(value: Any) -> list[str]:
    """A string, or an iterable of strings (what a repeatable option gives), as a list."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable) and not isinstance(value, Mapping | bytes):
        items = list(value)
        if all(isinstance(item, str) for item in items):
            return items
    raise ValueError(f"expected a string or a list of strings, got {type(value).__name__}")


def parse_names(value: Any) -> tuple[str, ...]:
    """Step names: ``"build"`` or ``["build", "test"]``."""
    return tuple(name for name in _texts(value) if name)


def parse_tags(value: Any) -> tuple[str, ...]:
    """Tags: each string may be a comma-separated list (``"a, b"``); blanks are dropped."""
    return tuple(tag.strip() for text in _texts(value) for tag in text.split(",") if tag.strip())


def parse_vars(value: Any) -> dict[str, str]:
    """``KEY=VALUE`` strings (the value may hold '='), or a mapping of strings."""
    if isinstance(value, Mapping):
        items = list(value.items())
    else:
        items = [_key_value(text) for text in _texts(value)]
    parsed: dict[str, str] = {}
    for key, text in items:
        if not isinstance(key, str) or not key.strip() or not isinstance(text, str):
            raise ValueError(f"expected KEY=VALUE strings, got {key!r}: {text!r}")
        parsed[key.strip()] = text
    return parsed


def _key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ValueError(f"expected KEY=VALUE, got {text!r}")
    bad = _not_utf8(text)
    if bad is not None:
        name = "the name" if _not_utf8(key) is not None else repr(key.strip())
        raise ValueError(f"{name}: not UTF-8 text (byte {bad:#04x})")
    return key, value


def _not_utf8(text: str) -> int | None:
    """The first byte of ``text`` that was not UTF-8 on the command line (Python keeps it as a surrogate)."""
    for char in text:
        if "\udc80" <= char <= "\udcff":
            return ord(char) - 0xDC00
    return None


def parse_pr(value: Any) -> dict[str, Any]:
    """The ``pr`` object: a mapping, or the path of a JSON file holding an object."""
    if isinstance(value, Mapping):
        data: Any = dict(value)
    elif isinstance(value, str | Path):
        data = _read_json(Path(value))
    else:
        raise ValueError(f"expected a JSON file path or a mapping, got {type(value).__name__}")
    if not isinstance(data, dict):
        raise ValueError(f"{value} must hold a JSON object, not {type(data).__name__}")
    return data


def _read_json(path: Path) -> Any:
    """The JSON value in ``path``, read under the one JSON value policy (depth, NaN, big ints)."""
    from visor_mem.jsonvalue import JsonValueError, parse_json_bytes

    try:
        return parse_json_bytes(path.read_bytes())
    except OSError as err:
        raise ValueError(f"cannot read {path}: {err.strerror}") from err
    except JsonValueError as err:
        where = f"{path}:{err.line}:{err.column}" if err.line is not None else str(path)
        raise ValueError(f"{where}: not a JSON value: {err.message}") from None


def parse_store(value: Any) -> str:
    """A store URL, checked now (its paths are resolved when the run opens it)."""
    from visor_mem.store.urls import parse_store_url

    if not isinstance(value, str):
        raise ValueError(f"expected a store URL string, got {type(value).__name__}")
    parse_store_url(value)  # a UsageError: one line and exit 2, not click's usage block
    return value


def parse_event(value: Any) -> str:
    """A Visor event name, or ``all`` (no event filtering)."""
    from visor_mem.config.specs import VISOR_EVENTS

    if value not in (*VISOR_EVENTS, NO_EVENT):
        raise ValueError(f"unknown event {value!r}; expected one of: {', '.join(VISOR_EVENTS)}, {NO_EVENT}")
    return str(value)


def complete_events(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    from visor_mem.config.specs import VISOR_EVENTS

    return [name for name in (*VISOR_EVENTS, NO_EVENT) if name.startswith(incomplete)]


def parse_flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def bounded(bound: Bound, integer: bool = False) -> Parser:
    """A finite number within ``bound`` (text or number); the message states the range."""
    from visor_mem.cli.bounded import BoundedNumber

    kind = BoundedNumber(bound, integer=integer)

    def parse(value: Any) -> float | int:
        if isinstance(value, bool) or (integer and isinstance(value, float)):
            raise ValueError(f"expected a whole number {bound.describe()} (got {value!r})")
        try:
            number: float | int = kind.convert(value, None, None)
        except click.BadParameter as err:
            raise ValueError(err.message) from err
        return number

    return parse


# -- the table ----------------------------------------------------------------------


def complete_steps(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Step names of the command's CONFIG (shell completion of ``--only``); none when unreadable."""
    from visor_mem.cli.completion import step_names

    config = ctx.params.get("config") or next(iter(ctx.args), None)  # completion leaves CONFIG unparsed
    return [name for name in step_names(config) if name.startswith(incomplete)]


OPTIONS: tuple[Option, ...] = (
    Option(
        "only",
        "only",
        parse_names,
        "Run only STEP and the steps it depends on (repeatable).",
        "STEP",
        multiple=True,
        complete=complete_steps,
    ),
    Option(
        "store",
        "store_url",
        parse_store,
        f"Use this store instead of the config's memory section, e.g. {EXAMPLES}.",
        "URL",
    ),
    Option(
        "max_parallel",
        "max_parallel",
        bounded(PARALLEL, integer=True),
        "Most steps of one wave running at once (results do not depend on it). [default: number of cores]",
        "N",
    ),
    Option("fail_fast", "fail_fast", parse_flag, "Start no new step once a step has failed.", flag=True),
    Option(
        "js_timeout",
        "js_timeout",
        bounded(JS_SECONDS),
        "Seconds one JavaScript snippet may run; overrides limits.js_timeout. [default: 1]",
        "S",
    ),
    Option(
        "lock_timeout",
        "lock_timeout",
        bounded(LOCK_SECONDS),
        "Seconds to wait for another run's lock on a file store, then fail with exit 2. "
        "[default: wait until it is released]",
        "S",
    ),
    Option(
        "tags",
        "tags",
        parse_tags,
        "Run the steps tagged T along with every untagged step; steps whose tags include none "
        "of the given ones are skipped (repeatable; T may be a comma-separated list).",
        "T",
        multiple=True,
    ),
    Option(
        "exclude_tags",
        "exclude_tags",
        parse_tags,
        "Skip the steps tagged T, even when --tags selects them (repeatable; comma-separated allowed).",
        "T",
        multiple=True,
    ),
    Option(
        "event",
        "event",
        parse_event,
        "Run as for this Visor event: steps whose `on:` does not list it are left out. "
        "[default: all (no event filtering); under GitHub Actions, the event of the workflow run]",
        "NAME",
        complete=complete_events,
    ),
    Option(
        "pr", "pr", parse_pr, "JSON file holding an object, seen as `pr` in JavaScript and Liquid.", "FILE"
    ),
    Option(
        "var",
        "vars",
        parse_vars,
        "Set vars.KEY to the string VALUE in JavaScript and Liquid (repeatable).",
        "KEY=VALUE",
        multiple=True,
    ),
    Option(
        "debug",
        "debug",
        parse_flag,
        "Also print routing decisions and debug log messages to stderr.",
        flag=True,
    ),
)
"""The run options, in ``--help`` order."""

BY_NAME = {option.name: option for option in OPTIONS}

PASS_THROUGH = ("environ", "on_event")
"""RunOptions fields ``visor_mem.run`` also takes as they are (no CLI spelling)."""


def run_fields(given: Mapping[str, Any]) -> dict[str, Any]:
    """``visor_mem.run`` keywords → RunOptions fields; UsageError for an unknown or bad one."""
    fields: dict[str, Any] = {}
    for name, value in given.items():
        if name in PASS_THROUGH:
            fields[name] = value
            continue
        option = BY_NAME.get(name)
        if option is None:
            raise UsageError(
                f"run(): unexpected keyword argument {name!r}; expected one of {', '.join(BY_NAME)}"
            )
        try:
            fields[option.field] = option.parse(value)
        except (ValueError, UsageError) as err:
            raise UsageError(f"run(): {name}: {err}") from err
    return fields


def click_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a click command with every option of the table (given ones reach it by field)."""
    for option in reversed(OPTIONS):
        settings: dict[str, Any] = {"help": option.help, "callback": _callback(option)}
        if option.flag:
            settings["is_flag"] = True  # is_flag=False given explicitly makes click read "-1" as an option
        else:
            settings.update(metavar=option.metavar, multiple=option.multiple, shell_complete=option.complete)
        command = click.option(option.flag_name, option.field, **settings)(command)
    return command


def _callback(option: Option) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """The click callback: not given → None (RunOptions' default); else the option's parser."""

    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is None or value == () or value is False:
            return None
        try:
            return option.parse(value)
        except ValueError as err:
            raise click.BadParameter(str(err), ctx, param) from err

    return callback
