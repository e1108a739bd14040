"""Where config data came from, to turn a field path into a :class:`Location`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from visor_mem.config.loaded import Position
from visor_mem.errors import Location


@dataclass(frozen=True)
class Source:
    """The file label and node positions of one parsed config.

    Paths are the model's (``steps.build``); when the file spells the steps
    mapping ``checks``, messages show ``checks.build`` as written.
    """

    label: str | None = None
    positions: Mapping[str, Position] = field(default_factory=dict)
    steps_key: str = "steps"
    files: Mapping[str, str] = field(default_factory=dict)
    """Path → file label, for paths written in another file than ``label`` (extends)."""

    def display(self, path: str) -> str:
        """The path as the user wrote it."""
        if self.steps_key != "steps" and (path == "steps" or path.startswith("steps.")):
            return self.steps_key + path[len("steps") :]
        return path

    def location(self, path: str) -> Location:
        """Location of a field, or of its closest written parent."""
        shown = self.display(path)
        probe = shown
        while probe not in self.positions:
            if not probe:
                return Location(self.label, field=shown or None)
            probe = probe.rpartition(".")[0]
        line, column = self.positions[probe]
        return Location(self.files.get(probe, self.label), line, column, shown or None)


def did_you_mean(word: object, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest choice, or an empty string."""
    import difflib  # only errors need it; keep it off the start-up path

    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def warning_line(location: Location, message: str) -> str:
    """``file:line:col: warning: field: message``, the one shape of a config warning."""
    where = Location(location.file, location.line, location.column).prefix()
    text = f"warning: {location.field}: {message}" if location.field else f"warning: {message}"
    return f"{where}: {text}" if where else text
