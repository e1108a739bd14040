"""The one place that opens the files of a store.

Every store file and sidecar is opened here, under one rule: it is a regular
file or it does not exist yet.  So a character device (``--store
file:/dev/null``), a FIFO (which would block a read or a write for ever), a
folder or a socket is refused with a one-line :class:`StoreError` naming that
path and what it is, before anything is read or written.

* The store path itself may be a symlink: :func:`store_target` follows it, so
  the run updates the target (the rename that replaces the file happens beside
  the target, and the sidecars live there too).
* Sidecars (journal, metadata, lock) are opened with ``O_NOFOLLOW``: a planted
  symlink ``.memory.json.lock -> /etc/passwd`` is refused, never truncated.
* Every open is non-blocking, and what was opened is checked with ``fstat``,
  so the check cannot be raced by swapping the path for a FIFO.
* A read-only store (no write permission bit, or no access for this user) is
  an error when the run would write it: it is never silently replaced (root
  can write anything, so the mode bits are checked explicitly).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from visor_mem.errors import Location, StoreError

_KINDS = {
    stat.S_IFDIR: "a folder",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFLNK: "a symlink",
}
"""File type → how a message names it (anything but a regular file is refused)."""

_OPEN_ERRORS = {errno.ELOOP: "a symlink", errno.EISDIR: "a folder", errno.ENXIO: "a FIFO or a device"}
"""What a failed ``open(O_NOFOLLOW | O_NONBLOCK)`` says about the path (ENXIO: a FIFO nobody reads)."""


def refused(path: Path, what: str, role: str = "memory store") -> StoreError:
    """The error for a store path that is not usable."""
    return StoreError(
        f"the {role} is {what}, not a regular file; nothing was written", Location(file=str(path))
    )


def _kind(mode: int) -> str:
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def store_target(path: Path, writes: bool) -> Path:
    """The regular file (existing or not) a store path names, symlinks followed.

    Refuses a path with no file name (``/``), anything but a regular file, and
    (when the run ``writes``) a file or folder it may not write.
    """
    if not path.name:
        raise refused(path, "a folder")
    target = Path(os.path.realpath(path))
    try:
        info = target.stat()
    except FileNotFoundError:
        _check_folder(target.parent, writes)
        return target
    except OSError as err:
        raise StoreError(f"cannot open the memory store: {err.strerror}", Location(file=str(path))) from err
    if not stat.S_ISREG(info.st_mode):
        raise refused(path, _kind(info.st_mode))
    if writes and not _writable(target, info.st_mode):
        mode = stat.filemode(info.st_mode)
        raise StoreError(
            f"the memory store is read-only ({mode}); nothing was written", Location(file=str(path))
        )
    return target


def _check_folder(folder: Path, writes: bool) -> None:
    """A missing store may be created when its folder exists as a folder we may write (or can be made)."""
    existing = folder
    while not existing.exists():
        existing = existing.parent
    info = existing.stat()
    if not stat.S_ISDIR(info.st_mode):
        raise refused(existing, _kind(info.st_mode), "folder of the memory store")
    if writes and not _writable(existing, info.st_mode):
        raise StoreError(
            "cannot create the memory store here: the folder is read-only", Location(file=str(folder))
        )


def _writable(path: Path, mode: int) -> bool:
    """Write permission for this user, and (so root too respects a ``chmod 444``) some write bit."""
    return bool(mode & 0o222) and os.access(path, os.W_OK)


def open_regular(path: Path, flags: int, role: str, mode: int = 0o666) -> int:
    """A descriptor of the regular file ``path`` (never a symlink, FIFO or device); OSError if absent."""
    try:
        fd = os.open(path, flags | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, mode)
    except OSError as err:
        what = _OPEN_ERRORS.get(err.errno or 0)
        if what is not None:
            raise refused(path, what, role) from err
        raise
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise refused(path, _kind(info.st_mode), role)
    os.set_blocking(fd, True)
    return fd


def read_regular(path: Path, role: str) -> bytes | None:
    """The bytes of a regular file; None when it does not exist."""
    try:
        fd = open_regular(path, os.O_RDONLY, role)
    except FileNotFoundError:
        return None
    with os.fdopen(fd, "rb") as handle:
        return handle.read()


def check_regular_or_absent(path: Path, role: str) -> None:
    """Refuse a sidecar path that exists and is not a regular file (a folder, a symlink, a FIFO)."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return
    if not stat.S_ISREG(info.st_mode):
        raise refused(path, _kind(info.st_mode), role)
