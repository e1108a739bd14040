"""``visor run``: load a config, run it, report.

The run options come from the one table in :mod:`visor_mem.options` (which
``visor_mem.run`` reads too); each reaches the command under the name of the
:class:`~visor_mem.engine.options.RunOptions` field it sets, already parsed,
so the command body only forwards them.  Heavy modules (pydantic models, the
engine, rich) are imported inside the command, never at import time.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from visor_mem.cli.boundary import ReaderGone
from visor_mem.errors import VisorError
from visor_mem.options import click_options, parse_tags

if TYPE_CHECKING:
    from visor_mem.engine.results import RunResult
    from visor_mem.report.base import Reporter

DEFAULT_CONFIGS = (".visor.yaml", ".visor.yml")
OUTPUT_FORMATS = ("text", "json", "markdown")


def split_tags(ctx: click.Context, param: click.Parameter, values: Sequence[str]) -> tuple[str, ...]:
    """``--tags a,b --tags c`` → ``('a', 'b', 'c')``: visor run's parsing, for other commands' tags."""
    return parse_tags(values)


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
@click_options
def run(config: Path | None, output_format: str, **fields: Any) -> int:
    """Run the workflow in CONFIG (default: ./.visor.yaml).

    Exit codes: 0 no step ended failed; 1 a step ended failed; 2 bad usage,
    invalid config or unreadable store; 70 internal error (the traceback is in
    the log file the message names); 130 interrupted (Ctrl-C or SIGTERM; the
    store stays consistent).
    """
    from visor_mem.report import ReportContext, make_reporter

    context = ReportContext(out=sys.stdout, err=sys.stderr, environ=os.environ, debug=bool(fields["debug"]))
    reporter = make_reporter(output_format, context)
    try:
        result = _execute(config, reporter, fields)
    except VisorError as err:
        if output_format == "json":  # stdout still gets its one document
            from visor_mem.report.json import error_document

            click.echo(error_document(err))
        raise
    try:
        reporter.finish(result)
    except BrokenPipeError as err:
        raise ReaderGone from err
    exit_code: int = result.exit_code
    return exit_code


def _execute(config: Path | None, reporter: Reporter, fields: dict[str, Any]) -> RunResult:
    """Load the config (warnings to stderr) and run it, the reporter watching."""
    from visor_mem.config.cache import load_config_cached
    from visor_mem.engine import run_config
    from visor_mem.engine.options import RunOptions

    loaded = load_config_cached(config if config is not None else default_config(Path.cwd()))
    for warning in loaded.warnings:
        click.echo(warning, err=True)
    options = RunOptions(
        **_given(fields), environ=dict(os.environ), on_event=reporter.on_event, on_wait=reporter.say
    )
    with reporter.running():
        result: RunResult = run_config(loaded, options)
    return result


def _given(fields: dict[str, Any]) -> dict[str, Any]:
    """The options given on the command line (unset ones keep RunOptions' defaults)."""
    return {name: value for name, value in fields.items() if value is not None}
