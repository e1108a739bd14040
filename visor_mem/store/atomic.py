"""Writes that never leave a torn file: temp file, fsync, rename, fsync the folder."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


def fsync_dir(folder: Path) -> None:
    """Make a rename or unlink in ``folder`` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_all(fd: int, data: bytes) -> None:
    """``os.write`` until every byte is written (a write may be partial)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def atomic_write(path: Path, data: bytes, temp_prefix: str) -> None:
    """Replace ``path`` by ``data``: readers see the old or the new bytes, never a mix.

    The temp file ``<temp_prefix><random>.tmp`` lives in the same folder (a
    rename is atomic only within one file system); it takes the mode of the
    file it replaces.
    """
    temp = path.with_name(f"{temp_prefix}{secrets.token_hex(4)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _mode_of(path))
    try:
        write_all(fd, data)
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        temp.unlink(missing_ok=True)
        raise
    os.close(fd)
    try:
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def remove(path: Path) -> bool:
    """Unlink ``path`` durably; False when it did not exist."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    fsync_dir(path.parent)
    return True


def clean_temps(folder: Path, temp_prefix: str) -> list[Path]:
    """Remove temp files a crashed writer left behind; return them."""
    stale = sorted(folder.glob(f"{_glob_escape(temp_prefix)}*.tmp"))
    for path in stale:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    return stale


def _glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


def _mode_of(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        return 0o666  # narrowed by the umask, like any new file
