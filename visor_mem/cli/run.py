"""``visor run``: load a config, run it, report.

Each option's name is the :class:`~visor_mem.engine.options.RunOptions`
field it sets, and its click callback turns the text into that field's type,
so the command body only forwards them.  Heavy modules (pydantic models, the
engine, rich) are imported inside the command, never at import time.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from visor_mem.cli.boundary import ReaderGone
from visor_mem.cli.bounded import BoundedNumber
from visor_mem.config.bounds import JS_SECONDS, LOCK_SECONDS, PARALLEL
from visor_mem.config.specs import VISOR_EVENTS
from visor_mem.store.urls import EXAMPLES

NO_EVENT = "all"

DEFAULT_CONFIGS = (".visor.yaml", ".visor.yml")
OUTPUT_FORMATS = ("text", "json", "markdown")


def split_tags(ctx: click.Context, param: click.Parameter, values: Sequence[str]) -> tuple[str, ...]:
    """``--tags a,b --tags c`` → ``('a', 'b', 'c')``."""
    return tuple(tag.strip() for value in values for tag in value.split(",") if tag.strip())


def parse_vars(ctx: click.Context, param: click.Parameter, values: Sequence[str]) -> dict[str, str]:
    """``--var KEY=VALUE`` (repeatable) → a dict; the value may itself contain '='."""
    parsed: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"expected KEY=VALUE, got {item!r}", ctx, param)
        bad = _not_utf8(item)
        if bad is not None:
            name = "the name" if _not_utf8(key) is not None else repr(key.strip())
            raise click.BadParameter(f"{name}: not UTF-8 text (byte {bad:#04x})", ctx, param)
        parsed[key.strip()] = value
    return parsed


def _not_utf8(text: str) -> int | None:
    """The first byte of ``text`` that was not UTF-8 on the command line (Python keeps it as a surrogate)."""
    for char in text:
        if "\udc80" <= char <= "\udcff":
            return ord(char) - 0xDC00
    return None


def read_pr(ctx: click.Context, param: click.Parameter, value: Path | None) -> dict[str, Any]:
    """``--pr FILE`` → the JSON object in FILE (the ``pr`` global), read under the JSON value policy."""
    if value is None:
        return {}
    from visor_mem.jsonvalue import JsonValueError, parse_json_bytes

    try:
        data = parse_json_bytes(value.read_bytes())
    except OSError as err:
        raise click.BadParameter(f"cannot read {value}: {err.strerror}", ctx, param) from err
    except JsonValueError as err:
        where = f"{value}:{err.line}:{err.column}" if err.line is not None else str(value)
        raise click.BadParameter(f"{where}: not a JSON value: {err.message}", ctx, param) from None
    if not isinstance(data, dict):
        raise click.BadParameter(f"{value} must hold a JSON object, not {type(data).__name__}", ctx, param)
    return data


def default_config(folder: Path) -> Path:
    """``.visor.yaml`` in ``folder`` (or ``.visor.yml`` when only that exists)."""
    for name in DEFAULT_CONFIGS:
        if (folder / name).is_file():
            return folder / name
    return folder / DEFAULT_CONFIGS[0]


@click.command(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.argument("config", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    "output_format",
    type=click.Choice(OUTPUT_FORMATS),
    default="text",
    show_default=True,
    help="Report format. text: live progress on a terminal, then a table. json: exactly one JSON "
    "document on stdout (everything else goes to stderr). markdown: a Markdown table.",
)
@click.option(
    "--only",
    multiple=True,
    metavar="STEP",
    help="Run only STEP and the steps it depends on (repeatable).",
)
@click.option(
    "--store",
    "store_url",
    metavar="URL",
    help=f"Use this store instead of the config's memory section, e.g. {EXAMPLES}.",
)
@click.option(
    "--max-parallel",
    type=BoundedNumber(PARALLEL, integer=True),
    metavar="N",
    help="Most steps of one wave running at once (results do not depend on it). [default: number of cores]",
)
@click.option("--fail-fast", is_flag=True, help="Start no new step once a step has failed.")
@click.option(
    "--js-timeout",
    type=BoundedNumber(JS_SECONDS),
    metavar="S",
    help="Seconds one JavaScript snippet may run; overrides limits.js_timeout. [default: 1]",
)
@click.option(
    "--lock-timeout",
    type=BoundedNumber(LOCK_SECONDS),
    metavar="S",
    help="Seconds to wait for another run's lock on a file store, then fail with exit 2. "
    "[default: wait until it is released]",
)
@click.option(
    "--tags",
    multiple=True,
    metavar="T",
    callback=split_tags,
    help="Run only steps that carry one of these tags (repeatable; T may be a comma-separated list).",
)
@click.option(
    "--exclude-tags",
    multiple=True,
    metavar="T",
    callback=split_tags,
    help="Skip steps that carry one of these tags (repeatable; comma-separated allowed).",
)
@click.option(
    "--event",
    type=click.Choice([*VISOR_EVENTS, NO_EVENT]),
    metavar="NAME",
    help="Run as for this Visor event: steps whose `on:` does not list it are left out. "
    "[default: all (no event filtering); under GitHub Actions, the event of the workflow run]",
)
@click.option(
    "--pr",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="FILE",
    callback=read_pr,
    help="JSON file holding an object, seen as `pr` in JavaScript and Liquid.",
)
@click.option(
    "--var",
    "vars",
    multiple=True,
    metavar="KEY=VALUE",
    callback=parse_vars,
    help="Set vars.KEY to the string VALUE in JavaScript and Liquid (repeatable).",
)
@click.option("--debug", is_flag=True, help="Also print routing decisions and debug log messages to stderr.")
def run(config: Path | None, output_format: str, **fields: Any) -> int:
    """Run the workflow in CONFIG (default: ./.visor.yaml).

    Exit codes: 0 no step ended failed; 1 a step ended failed; 2 bad usage,
    invalid config or unreadable store; 130 interrupted (Ctrl-C or SIGTERM;
    the store stays consistent).
    """
    from visor_mem.config.cache import load_config_cached
    from visor_mem.engine import run_config
    from visor_mem.engine.options import RunOptions
    from visor_mem.report import ReportContext, make_reporter

    loaded = load_config_cached(config if config is not None else default_config(Path.cwd()))
    for warning in loaded.warnings:
        click.echo(warning, err=True)
    context = ReportContext(out=sys.stdout, err=sys.stderr, environ=os.environ, debug=fields["debug"])
    reporter = make_reporter(output_format, context)
    options = RunOptions(
        **_given(fields), environ=dict(os.environ), on_event=reporter.on_event, on_wait=reporter.say
    )
    with reporter.running():
        result = run_config(loaded, options)
    try:
        reporter.finish(result)
    except BrokenPipeError as err:
        raise ReaderGone from err
    exit_code: int = result.exit_code
    return exit_code


def _given(fields: dict[str, Any]) -> dict[str, Any]:
    """The options given on the command line (unset ones keep RunOptions' defaults)."""
    return {name: value for name, value in fields.items() if value is not None}
