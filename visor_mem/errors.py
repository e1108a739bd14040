"""The error family of visor_mem.

Every error carries an optional :class:`Location` (file, line, column and the
dotted field path such as ``steps.build.on_fail.goto``) and renders as one line:
``file:line:col: field: message``.  The CLI maps each class to an exit code;
nothing below ``cli/`` prints or exits.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """Where in a config file something was written."""

    file: str | None = None
    line: int | None = None
    column: int | None = None
    field: str | None = None

    def prefix(self) -> str:
        """Render ``file:line:col: field`` with whatever parts are known."""
        parts: list[str] = []
        if self.file:
            position = self.file
            if self.line is not None:
                position += f":{self.line}"
                if self.column is not None:
                    position += f":{self.column}"
            parts.append(position)
        if self.field:
            parts.append(self.field)
        return ": ".join(parts)


class VisorError(Exception):
    """Base class: a message plus where it came from."""

    exit_code = 2

    def __init__(self, message: str, location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        prefix = self.location.prefix() if self.location else ""
        text = " ".join(self.message.split("\n")[0:1]) if self.message else ""
        return f"{prefix}: {text}" if prefix else text


class ConfigError(VisorError):
    """The config file is unreadable or invalid (exit 2)."""


class UsageError(VisorError):
    """The command line asks for something impossible (exit 2)."""


class StoreError(VisorError):
    """The memory store cannot be opened, read or written (exit 2 at start-up)."""


class StoreLocked(StoreError):
    """Another process holds the store's lock past the lock timeout."""


class MemoryOperationError(VisorError):
    """A memory operation was refused (increment of a non-number, quota ...)."""

    exit_code = 1


class StepFailed(VisorError):
    """A step ran and failed; ``output`` is what the step produced anyway."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        location: Location | None = None,
        output: object = None,
    ) -> None:
        super().__init__(message, location)
        self.output = output


class TemplateError(VisorError):
    """A Liquid template failed to parse or render."""

    exit_code = 1


class ScriptError(VisorError):
    """A JavaScript snippet threw, failed to compile, or returned a non-JSON value."""

    exit_code = 1


class RoutingError(VisorError):
    """A routing action named no step or could not be evaluated."""

    exit_code = 1


class LimitError(VisorError):
    """A configured limit was exceeded."""

    exit_code = 1


class LoopBudgetExceeded(LimitError):
    """``routing.max_loops`` or a step's ``max_runs`` was exceeded."""


class ScriptTimeout(LimitError):
    """A JavaScript snippet ran past its time limit."""


class StepTimeout(LimitError):
    """A step ran past its wall-clock ``timeout``."""


class ScriptMemoryExceeded(LimitError):
    """A JavaScript snippet allocated past its memory limit."""


class Interrupted(VisorError):
    """Ctrl-C or SIGTERM stopped the run (exit 130)."""

    exit_code = 130
