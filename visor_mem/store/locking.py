"""An exclusive ``flock`` on a sidecar lock file, held for a store's whole life.

The lock is taken on a separate file because the store file itself is
replaced by rename (a lock on the old inode would protect nothing).  The lock
file is never deleted: unlinking it while another process waits on the old
inode would let a third process lock a new one.  The holder writes its pid
into it so a waiter can say whom it waits for.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable
from pathlib import Path

from visor_mem.errors import StoreLocked
from visor_mem.store.paths import open_regular

POLL_SECONDS = 0.05


class FileLock:
    """The lock on ``target`` (a store file), through ``lock_path``."""

    def __init__(self, lock_path: Path, target: Path) -> None:
        self.lock_path = lock_path
        self.target = target
        self._fd: int | None = None

    def acquire(self, timeout: float | None = None, on_wait: Callable[[str], None] | None = None) -> None:
        """Take the lock; tell ``on_wait`` once if we must wait; StoreLocked after ``timeout``."""
        fd = open_regular(self.lock_path, os.O_RDWR | os.O_CREAT, "lock file")  # O_NOFOLLOW: never a target
        try:
            self._wait_for(fd, timeout, on_wait)
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        """Let the next process in (closing the file drops the flock)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _wait_for(self, fd: int, timeout: float | None, on_wait: Callable[[str], None] | None) -> None:
        if _try_lock(fd):
            return
        if on_wait is not None:
            on_wait(f"waiting for the lock on {self.target} held by pid {self.holder(fd)}")
        deadline = None if timeout is None else time.monotonic() + timeout
        while not _try_lock(fd):
            if deadline is not None and time.monotonic() >= deadline:
                raise StoreLocked(
                    f"{self.target} is locked by pid {self.holder(fd)} "
                    f"(gave up after {timeout:g}s; see --lock-timeout)"
                )
            time.sleep(POLL_SECONDS)

    @staticmethod
    def holder(fd: int) -> str:
        """The pid the holder wrote, or 'unknown' while it has not written it yet."""
        text = os.pread(fd, 32, 0).decode(errors="replace").strip()
        return text if text.isdigit() else "unknown"


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
