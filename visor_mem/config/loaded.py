"""``LoadedConfig``: a validated config plus where each of its fields was written."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from visor_mem.config.specs import ConfigSpec
from visor_mem.errors import Location

Position = tuple[int, int]
"""1-based (line, column) of a YAML node."""


@dataclass(frozen=True)
class LoadedConfig:
    """A config ready to run.

    ``positions`` maps dotted field paths (``steps.build.on_fail.goto``) to the
    1-based line and column where the field is written: its key for a mapping
    entry, the item itself for a list item (``steps.build.depends_on.0``); the
    empty path is the document.  ``locate`` falls back to the nearest written
    parent, so every error can point into the file.
    """

    spec: ConfigSpec
    path: Path | None = None
    positions: Mapping[str, Position] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    files: Mapping[str, str] = field(default_factory=dict)
    """Field path → file label, for fields written in an ``extends`` parent."""
    sources: tuple[tuple[str, str], ...] = ()
    """(absolute path, sha256) of every file composed into this one (extends, imports)."""

    @property
    def base_dir(self) -> Path:
        """Folder that relative paths in the config are resolved against."""
        return self.path.parent if self.path else Path.cwd()

    @property
    def file_label(self) -> str | None:
        """The config file as shown in messages."""
        return str(self.path) if self.path else None

    def locate(self, field_path: str) -> Location:
        """Location of a field, or of its closest parent that has one."""
        probe = field_path
        while probe:
            if probe in self.positions:
                line, column = self.positions[probe]
                return Location(self.files.get(probe, self.file_label), line, column, field_path)
            probe = probe.rpartition(".")[0]
        return Location(self.file_label, None, None, field_path)
