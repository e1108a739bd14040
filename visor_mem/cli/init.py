"""``visor init [FOLDER]``: write a commented starter ``.visor.yaml`` and its JSON Schema."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import click

from visor_mem.errors import UsageError

CONFIG_NAME = ".visor.yaml"
SCHEMA_NAME = ".visor.schema.json"
"""Beside the config: its first line points editors (yaml-language-server) at it."""


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite an existing .visor.yaml and schema.")
def init(folder: Path | None, force: bool) -> None:
    """Write a starter .visor.yaml (commented, runnable) and .visor.schema.json in FOLDER (default: .).

    Exit codes: 0 written; 2 a file exists already (use --force) or cannot be written.
    """
    from visor_mem.config.schema import render_schema

    folder = folder or Path.cwd()
    targets = {folder / CONFIG_NAME: _starter(), folder / SCHEMA_NAME: render_schema()}
    existing = [str(path) for path in targets if path.exists()]
    if existing and not force:
        raise UsageError(f"already there: {', '.join(existing)}; nothing written (--force overwrites)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for path, text in targets.items():
            path.write_text(text, encoding="utf-8")
    except OSError as err:
        raise UsageError(f"cannot write {err.filename}: {err.strerror}") from err
    click.echo(f"wrote {folder / CONFIG_NAME} and {folder / SCHEMA_NAME}; try: visor run", err=True)


def _starter() -> str:
    return (
        resources.files("visor_mem").joinpath("templates", "starter.visor.yaml").read_text(encoding="utf-8")
    )
