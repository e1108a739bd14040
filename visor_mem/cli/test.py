"""``visor test``: run the YAML test cases of a workflow.

Exit codes as ``visor run``: 0 every selected case passed (or was skipped),
1 a case failed or errored, 2 bad usage or an invalid suite or config.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from visor_mem.cli.boundary import ReaderGone
from visor_mem.cli.run import split_tags

OUTPUT_FORMATS = ("text", "json")


@click.command(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.argument("suite", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    "output_format",
    type=click.Choice(OUTPUT_FORMATS),
    default="text",
    show_default=True,
    help="text: one line per case; json: one JSON document on stdout.",
)
@click.option(
    "--only",
    multiple=True,
    metavar="CASE",
    help="Run the cases whose name contains CASE (case-insensitive; repeatable).",
)
@click.option(
    "--tags",
    multiple=True,
    metavar="T",
    callback=split_tags,
    help="Run only cases tagged T (repeatable; comma-separated allowed).",
)
@click.option(
    "--exclude-tags", multiple=True, metavar="T", callback=split_tags, help="Leave out cases tagged T."
)
@click.option(
    "--junit",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Also write a JUnit XML report to FILE.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    metavar="N",
    help="Processes to run cases in. [default: one per core, when the suite is big enough]",
)
@click.option("--list", "list_only", is_flag=True, help="List the selected cases and exit.")
def test(
    suite: Path | None,
    output_format: str,
    only: tuple[str, ...],
    tags: tuple[str, ...],
    exclude_tags: tuple[str, ...],
    junit: Path | None,
    jobs: int | None,
    list_only: bool,
) -> int:
    """Run the test cases in SUITE: a config with a `tests:` block, or a .visor.tests.yaml.

    Without SUITE: ./.visor.tests.yaml, ./defaults/visor.tests.yaml, then ./.visor.yaml.
    Exit codes: 0 all cases passed; 1 a case failed or errored; 2 bad usage or invalid suite.
    """
    from visor_mem.testing.suite import find_suite, load_suite, select

    loaded = load_suite(find_suite(suite, Path()))
    for warning in loaded.loaded.warnings:
        click.echo(f"warning: {warning}", err=True)
    cases = select(loaded.cases, only, tags, exclude_tags)
    if list_only:
        for case in cases:
            click.echo(f"{case.name}" + (f"  [{', '.join(case.model.tags)}]" if case.model.tags else ""))
        return 0
    return _run_and_report(loaded, cases, output_format, junit, jobs)


def _run_and_report(suite: Any, cases: Any, output_format: str, junit: Path | None, jobs: int | None) -> int:
    from visor_mem.testing.junit import write_junit
    from visor_mem.testing.report import write_annotations, write_json, write_text
    from visor_mem.testing.runner import run_suite

    result = run_suite(suite, cases, jobs)
    if junit is not None:
        try:
            write_junit(result, junit)
        except OSError as err:
            raise click.FileError(str(junit), err.strerror) from err
    try:
        (write_json if output_format == "json" else write_text)(result, sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError as err:
        raise ReaderGone from err
    write_annotations(result, sys.stderr, os.environ)
    return result.exit_code
