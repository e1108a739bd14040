"""A cache of compiled configs, so a repeated ``visor run`` skips YAML and pydantic.

``visor run`` is used in pre-commit hooks and CI steps that run the same
config again and again; validating it costs more than the rest of start-up.
A config that validated once is stored as its frozen records (``specs.py``)
under a key that covers everything the result depends on: the file's bytes
and absolute path, the bytes of every file it composes (``extends``,
``imports``: checked on every hit, as ``LoadedConfig.sources`` lists them),
the visor_mem version, and the size and mtime of every module of
``visor_mem/config`` (so editing the schema in a checkout invalidates it).
Any problem with the cache (missing, unreadable, foreign owner, another
version) means "no cache": the config is loaded normally.

Where: ``$VISOR_CACHE_DIR``, else ``$XDG_CACHE_HOME/visor_mem``, else
``~/.cache/visor_mem``.  ``VISOR_NO_CACHE=1`` turns it off.  Entries are
pickles, so the folder must belong to the current user and not be writable
by others; one entry is kept per config path, and at most
:data:`MAX_ENTRIES` in all: the least recently used are removed when a new
one is written (a hit refreshes its entry's mtime).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
from collections.abc import Mapping
from pathlib import Path

from visor_mem.config.loaded import LoadedConfig

MAX_ENTRIES = 64
"""Entries kept (one per config path); beyond, the least recently used go."""

FORMAT = 1
"""Bump when LoadedConfig or the records change shape in a way mtimes would not show."""


def load_config_cached(path: str | Path, environ: Mapping[str, str] | None = None) -> LoadedConfig:
    """``load_config(path)``, answered from the cache when the config is unchanged."""
    environ = os.environ if environ is None else environ
    path = Path(path)
    folder = cache_folder(environ)
    try:
        data = path.read_bytes()
    except OSError:
        data = None  # load_config reports the problem with its usual message
    if folder is None or data is None:
        return _load(path)
    entry = folder / _entry_name(path, data)
    cached = _read(entry, folder)
    if cached is not None and _sources_unchanged(cached):
        _touch(entry)
        return cached
    loaded = _load(path)
    _write(folder, entry, loaded)
    return loaded


def cache_folder(environ: Mapping[str, str]) -> Path | None:
    """The cache folder, or None when caching is off."""
    if environ.get("VISOR_NO_CACHE", "") not in ("", "0"):
        return None
    if environ.get("VISOR_CACHE_DIR"):
        return Path(environ["VISOR_CACHE_DIR"])
    base = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "visor_mem"


def _load(path: Path) -> LoadedConfig:
    from visor_mem.config.loader import load_config  # pydantic only on a miss

    return load_config(path)


def _entry_name(path: Path, data: bytes) -> str:
    """``<path digest>-<content digest>.pickle``: one file per config path."""
    where = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]
    what = hashlib.sha256(data)
    what.update(_code_fingerprint().encode())
    return f"{where}-{what.hexdigest()[:32]}.pickle"


def _code_fingerprint() -> str:
    from visor_mem import __version__

    parts = [f"{FORMAT}", __version__]
    for entry in sorted(os.scandir(Path(__file__).parent), key=lambda e: e.name):
        if entry.name.endswith(".py"):
            info = entry.stat()
            parts.append(f"{entry.name}:{info.st_size}:{info.st_mtime_ns}")
    return "|".join(parts)


def _read(entry: Path, folder: Path) -> LoadedConfig | None:
    if not _private(folder):
        return None
    try:
        loaded = pickle.loads(entry.read_bytes())  # noqa: S301 - our own private folder, checked above
    except Exception:  # a missing, torn or foreign entry is simply a miss
        return None
    return loaded if isinstance(loaded, LoadedConfig) else None


def _sources_unchanged(loaded: LoadedConfig) -> bool:
    """Every file composed into the config (extends, imports) still has the bytes it had."""
    for name, digest in loaded.sources:
        try:
            if hashlib.sha256(Path(name).read_bytes()).hexdigest() != digest:
                return False
        except OSError:
            return False
    return True


def _private(folder: Path) -> bool:
    """The folder is ours and nobody else can write into it."""
    try:
        info = folder.stat()
    except OSError:
        return False
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _write(folder: Path, entry: Path, loaded: LoadedConfig) -> None:
    """Best effort: a cache that cannot be written is no error."""
    import tempfile  # only on a miss

    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(folder):
            return
        for stale in folder.glob(entry.name.split("-")[0] + "-*.pickle"):
            stale.unlink(missing_ok=True)
        data = pickle.dumps(loaded, protocol=pickle.HIGHEST_PROTOCOL)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".tmp-", delete=False) as handle:
            handle.write(data)
        try:
            os.replace(handle.name, entry)
        finally:
            Path(handle.name).unlink(missing_ok=True)
        _evict(folder, MAX_ENTRIES)
    except (OSError, pickle.PicklingError):
        return


def _touch(entry: Path) -> None:
    """Mark an entry as just used (eviction goes by mtime); best effort."""
    try:
        os.utime(entry)
    except OSError:
        pass


def _evict(folder: Path, keep: int) -> None:
    """Remove all but the ``keep`` most recently used entries."""
    entries = []
    for path in folder.glob("*.pickle"):
        try:
            entries.append((path.stat().st_mtime_ns, path.name, path))
        except OSError:
            continue  # removed meanwhile by another run
    entries.sort(reverse=True)
    for _, _, path in entries[keep:]:
        path.unlink(missing_ok=True)
