"""``visor schema``: print the JSON Schema of ``.visor.yaml`` (draft-07)."""

from __future__ import annotations

import click

from visor_mem.config.schema import render_schema


@click.command()
def schema() -> None:
    """Print the JSON Schema of the config file, for editors (yaml-language-server).

    Generated from the same models that validate configs; the repository keeps
    a copy in schemas/visor.schema.json.
    """
    click.echo(render_schema(), nl=False)
