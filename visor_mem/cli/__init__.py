"""The ``visor`` command line.

``main`` is the only entry point (the console script calls
``sys.exit(main())``; nothing else exits).  Commands are registered by
import path in ``COMMANDS`` and imported only when used, so ``visor --help``
and ``visor run`` never pay for modules they do not need.  Every error is
turned into a message and an exit code by :func:`visor_mem.cli.boundary.guarded`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from importlib import import_module
from typing import Any

import click

from visor_mem import __version__
from visor_mem.cli.boundary import guarded

COMMANDS: Mapping[str, str] = {
    "run": "visor_mem.cli.run:run",
    "validate": "visor_mem.cli.validate:validate",
    "schema": "visor_mem.cli.schema:schema",
    "memory": "visor_mem.cli.memory:memory",
    "test": "visor_mem.cli.test:test",
    "graph": "visor_mem.cli.graph:graph",
    "init": "visor_mem.cli.init:init",
}
"""Sub-command name → ``module:attribute`` of its click command."""

SUMMARIES: Mapping[str, str] = {
    "run": "Run a workflow (default ./.visor.yaml).",
    "validate": "Check a config without running it.",
    "schema": "Print the JSON Schema of .visor.yaml.",
    "memory": "Inspect and edit a memory store by hand.",
    "test": "Run the YAML test cases of a workflow (mocks, fixtures, JUnit).",
    "graph": "Draw a workflow's steps, dependencies and routing (Mermaid or DOT).",
    "init": "Write a commented starter .visor.yaml and its JSON Schema.",
}
"""One-line help per sub-command, so ``visor --help`` imports none of them."""


class LazyGroup(click.Group):
    """A click group whose sub-commands are imported on first use."""

    def __init__(self, *args: Any, lazy_commands: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, SUMMARIES.get(name, "")) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """As click's, plus "did you mean 'run'?" for a mistyped sub-command (``visor runn``)."""
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as err:
            import difflib  # only a mistake pays for it

            close = difflib.get_close_matches(args[0] if args else "", self.list_commands(ctx), n=1)
            if not close or self.get_command(ctx, args[0]) is not None:
                raise
            raise click.UsageError(f"{err.message} Did you mean '{close[0]}'?", ctx) from err

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = self.lazy_commands.get(cmd_name)
        if target is None:
            return super().get_command(ctx, cmd_name)
        module, _, attribute = target.partition(":")
        command = getattr(import_module(module), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        return command


@click.group(
    cls=LazyGroup,
    lazy_commands=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, "-V", "--version", prog_name="visor", message="%(prog)s %(version)s")
def cli() -> None:
    """Run YAML workflows whose steps share a namespaced key-value memory.

    Exit codes: 0 no step failed, 1 a step failed, 2 bad usage, invalid
    config or unreadable store, 70 internal error (traceback in a log file),
    130 interrupted.
    """


def main(argv: list[str] | None = None) -> int:
    """Run the ``visor`` command line with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    args = sys.argv[1:] if argv is None else list(argv)
    if _command(args) not in MASKED_COMMANDS:
        return guarded(lambda: _invoke(args))
    from visor_mem.report.secrets import masked_output

    with masked_output(os.environ):  # the one place secrets are masked (report/secrets.py)
        return guarded(lambda: _invoke(args))


MASKED_COMMANDS = frozenset({"run", "test"})
"""Commands whose output masks secrets; `visor memory` prints stored data as it is (export round-trips)."""


def _command(args: list[str]) -> str | None:
    return next((arg for arg in args if not arg.startswith("-")), None)


def _invoke(args: list[str]) -> int:
    # standalone_mode=False: click raises instead of exiting, so the error
    # boundary sees every failure, and a command's return value is our exit code.
    result = cli.main(args=args, prog_name="visor", standalone_mode=False)
    return result if isinstance(result, int) else 0
