"""``visor validate [CONFIG]``: check a config file without running anything."""

from __future__ import annotations

from pathlib import Path

import click

from visor_mem.config import load_config


@click.command()
@click.argument("config", default=".visor.yaml", type=click.Path(path_type=Path))
def validate(config: Path) -> None:
    """Check CONFIG (default: ./.visor.yaml) and report the first problem with its line.

    Exits 0 when the config is valid, 2 when it is not.
    """
    loaded = load_config(config)  # ConfigError reaches the CLI's error boundary: one line, exit 2
    for warning in loaded.warnings:
        click.echo(warning, err=True)
    count = len(loaded.spec.steps)
    cases = _test_cases(config)
    tested = f", {cases} test case{'' if cases == 1 else 's'}" if cases else ""
    click.echo(f"✓ {config} is valid: {count} step{'' if count == 1 else 's'}{tested}")


def _test_cases(config: Path) -> int:
    """Validate the config's ``tests:`` block, if any (``visor run`` ignores it); its number of cases."""
    from visor_mem.testing.suite import has_tests_block, load_suite

    return len(load_suite(config).cases) if has_tests_block(config) else 0
