"""Store URLs (``--store``): a short spelling of a ``memory:`` config section.

==========================  ===========================================
``memory:``                 in-memory store
``file:./m.json``           file store, JSON (CSV when the name ends .csv)
``json:./m.json``           file store, JSON
``csv:./m.csv``             file store, CSV
``sqlite:x.db``             SQLite, relative path (also ``sqlite:./x.db``)
``sqlite:///abs/x.db``      SQLite, absolute path (also for file/json/csv)
``redis://host:port/db``    Redis (``rediss://`` for TLS)
==========================  ===========================================

Relative paths are resolved against ``base_dir`` (the current folder by
default), so the returned config holds an absolute path.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from visor_mem.config.models import MemoryConfig
from visor_mem.errors import UsageError
from visor_mem.store.redact import redact_url

_EXPECTED = (
    "expected memory:, file:PATH, json:PATH, csv:PATH, sqlite:PATH, sqlite:///ABS/PATH "
    "or redis://HOST:PORT/DB"
)

Parser = Callable[[str, str, Path], MemoryConfig]


def parse_store_url(url: str, base_dir: Path | None = None) -> MemoryConfig:
    """The memory config a store URL stands for; UsageError when it means nothing."""
    scheme, sep, rest = url.partition(":")
    parser = _SCHEMES.get(scheme.lower()) if sep else None
    if parser is None:
        raise UsageError(f"bad store URL '{redact_url(url)}': {_EXPECTED}")
    return parser(url, rest, base_dir or Path.cwd())


def _path(url: str, rest: str, base_dir: Path) -> str:
    """The file path of ``scheme:path`` or ``scheme:///abs/path``."""
    if rest.startswith("//"):
        if not rest.startswith("///"):
            raise UsageError(f"bad store URL '{redact_url(url)}': a host is not allowed here; {_EXPECTED}")
        rest = "/" + rest.lstrip("/")  # sqlite:////abs/x.db means the same
    if not rest or rest.endswith("/"):
        raise UsageError(f"bad store URL '{redact_url(url)}': no file name; {_EXPECTED}")
    return str(base_dir / rest)


def _memory(url: str, rest: str, base_dir: Path) -> MemoryConfig:
    if rest.strip("/"):
        raise UsageError(f"bad store URL '{redact_url(url)}': memory: takes no path")
    return MemoryConfig(storage="memory")


def _file(url: str, rest: str, base_dir: Path) -> MemoryConfig:
    path = _path(url, rest, base_dir)
    return MemoryConfig(storage="file", format="csv" if path.lower().endswith(".csv") else "json", file=path)


def _json(url: str, rest: str, base_dir: Path) -> MemoryConfig:
    return MemoryConfig(storage="file", format="json", file=_path(url, rest, base_dir))


def _csv(url: str, rest: str, base_dir: Path) -> MemoryConfig:
    return MemoryConfig(storage="file", format="csv", file=_path(url, rest, base_dir))


def _sqlite(url: str, rest: str, base_dir: Path) -> MemoryConfig:
    return MemoryConfig(storage="sqlite", file=_path(url, rest, base_dir))


def _redis(url: str, rest: str, base_dir: Path) -> MemoryConfig:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing the port is the validation
        db = parts.path.strip("/")
    except ValueError as err:
        raise UsageError(f"bad store URL '{redact_url(url)}': {err}") from err
    if not parts.hostname or (db and not db.isdigit()):
        raise UsageError(f"bad store URL '{redact_url(url)}': {_EXPECTED}")
    return MemoryConfig(storage="redis", url=url)


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
