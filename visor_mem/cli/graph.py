"""``visor graph [CONFIG] [--format mermaid|dot]``: draw a workflow's steps and edges."""

from __future__ import annotations

from pathlib import Path

import click

from visor_mem.cli.run import default_config

FORMAT_NAMES = ("mermaid", "dot")


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("config", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-f",
    "--format",
    "format_name",
    type=click.Choice(FORMAT_NAMES),
    default="mermaid",
    show_default=True,
    help="mermaid: a flowchart GitHub renders in Markdown. dot: Graphviz (dot -Tsvg).",
)
def graph(config: Path | None, format_name: str) -> None:
    """Print the DAG of CONFIG (default: ./.visor.yaml): depends_on edges solid, routing dashed.

    Routing edges are the static targets of on_success, on_fail and on_finish
    (run, goto, transitions); run_js and goto_js choose at run time and are not
    drawn.  Exit codes: 0 drawn; 2 invalid config.
    """
    from visor_mem.config.cache import load_config_cached
    from visor_mem.config.graph import build_graph
    from visor_mem.report.graph import FORMATS

    loaded = load_config_cached(config if config is not None else default_config(Path.cwd()))
    for warning in loaded.warnings:
        click.echo(warning, err=True)
    click.echo(FORMATS[format_name](build_graph(loaded.spec), None), nl=False)
