"""Store URLs (``--store``): a short spelling of a ``memory:`` config section.

Paths follow SQLAlchemy's convention: after ``scheme://`` comes an (empty)
host, then a slash, then the path, so three slashes start a relative path and
four an absolute one.  The short form without slashes is relative too.

==============================  ===========================================
``memory:``                     in-memory store
``sqlite:///state.db``          SQLite, ``./state.db`` (relative to the current folder)
``sqlite:////var/lib/x.db``     SQLite, ``/var/lib/x.db`` (absolute)
``sqlite:state.db``             SQLite, ``./state.db`` (short form)
``file:///m.json``              file store, JSON (CSV when the name ends .csv)
``json:///m.json``              file store, JSON
``csv:///m.csv``                file store, CSV
``redis://host:port/db``        Redis (``rediss://`` for TLS)
==============================  ===========================================

Relative paths are resolved against ``base_dir`` (the current folder by
default), so the returned config holds an absolute path.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from visor_mem.errors import UsageError
from visor_mem.store.redact import redact_url

if TYPE_CHECKING:
    from visor_mem.config.models import MemoryConfig

_EXPECTED = (
    "expected memory:, sqlite:///REL/PATH, sqlite:////ABS/PATH (also file:, json:, csv:) "
    "or redis://HOST:PORT/DB"
)

EXAMPLES = (
    "sqlite:///state.db (relative), sqlite:////abs/state.db, file:///memory.json, redis://127.0.0.1:6379/0"
)
"""The store URLs help texts show (one definition for every command)."""

Parser = Callable[[str, str, Path], "MemoryConfig"]


def parse_store_url(url: str, base_dir: Path | None = None) -> MemoryConfig:
    """The memory config a store URL stands for; UsageError when it means nothing."""
    scheme, sep, rest = url.partition(":")
    parser = _SCHEMES.get(scheme.lower()) if sep else None
    if parser is None:
        raise UsageError(f"bad store URL '{redact_url(url)}': {_EXPECTED}")
    return parser(url, rest, base_dir or Path.cwd())


def _path(url: str, rest: str, base_dir: Path) -> str:
    """The file path of ``scheme:///rel``, ``scheme:////abs`` or ``scheme:path``."""
    if rest.startswith("//"):
        if not rest.startswith("///"):
            raise UsageError(f"bad store URL '{redact_url(url)}': a host is not allowed here; {_EXPECTED}")
        rest = rest[3:]  # empty host, then its slash: what is left is the path, "/..." when absolute
    if rest.startswith("//"):
        rest = "/" + rest.lstrip("/")  # POSIX keeps a leading "//" apart; one root is meant
    if not rest or rest.endswith("/"):
        raise UsageError(f"bad store URL '{redact_url(url)}': no file name; {_EXPECTED}")
    return str(base_dir / rest)


def _config(**fields: Any) -> MemoryConfig:
    """The memory section; pydantic is imported here: help texts import EXAMPLES cheaply."""
    from visor_mem.config.models import MemoryConfig

    return MemoryConfig(**fields)


def _memory(url: str, rest: str, base_dir: Path) -> MemoryConfig:
    if rest.strip("/"):
        raise UsageError(f"bad store URL '{redact_url(url)}': memory: takes no path")
    return _config(storage="memory")


def _file(url: str, rest: str, base_dir: Path) -> MemoryConfig:
    path = _path(url, rest, base_dir)
    return _config(storage="file", format="csv" if path.lower().endswith(".csv") else "json", file=path)


def _json(url: str, rest: str, base_dir: Path) -> MemoryConfig:
    return _config(storage="file", format="json", file=_path(url, rest, base_dir))


def _csv(url: str, rest: str, base_dir: Path) -> MemoryConfig:
    return _config(storage="file", format="csv", file=_path(url, rest, base_dir))


def _sqlite(url: str, rest: str, base_dir: Path) -> MemoryConfig:
    return _config(storage="sqlite", file=_path(url, rest, base_dir))


def _redis(url: str, rest: str, base_dir: Path) -> MemoryConfig:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing the port is the validation
        db = parts.path.strip("/")
    except ValueError as err:
        raise UsageError(f"bad store URL '{redact_url(url)}': {err}") from err
    if not parts.hostname or (db and not db.isdigit()):
        raise UsageError(f"bad store URL '{redact_url(url)}': {_EXPECTED}")
    return _config(storage="redis", url=url)


_SCHEMES: dict[str, Parser] = {
    "memory": _memory,
    "file": _file,
    "json": _json,
    "csv": _csv,
    "sqlite": _sqlite,
    "redis": _redis,
    "rediss": _redis,
}
"""URL scheme → parser."""
