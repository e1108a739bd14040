"""The one way visor runs a child process: :func:`run_process`.

The child leads a new process group (session), which it owns with everything it
starts.  Its stdout and stderr are read as bytes in the calling thread with a
selector, together with the child's exit (a pidfd where the OS has one), so:

* when the child exits, its whole group is killed: background children
  (``sleep 30 &``) do not outlive a successful step, and a grandchild that
  escaped the group (``setsid``) and holds a pipe cannot make us wait: what is
  already in the pipes is drained, then the pipes are closed;
* on timeout the group is killed and the same drain applies;
* a stream that passes ``max_output`` bytes stops the child the same way
  (``Completed.overflow`` names it): ``yes`` cannot fill the memory;
* output is decoded as UTF-8 with replacement characters, never a crash.

:class:`LiveGroups` lets the engine kill every group still running when a
signal stops the run.
"""

from __future__ import annotations

import math
import os
import selectors
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO

DRAIN_SECONDS = 0.2
"""After the child exits, how long a pipe still held by an escaped grandchild is read."""

POLL_SECONDS = 0.01
"""Without a pidfd (macOS), how often the child's exit is polled."""

CHUNK = 1 << 16

MAX_WAIT = 3600.0
"""One selector wait at most (epoll cannot wait for longer than about 24 days)."""

MAX_TIMEOUT = 10.0**9
"""A timeout past this (about 31 years) is no timeout."""


@dataclass(frozen=True)
class Completed:
    """What the process did (``exit_code`` None: killed on timeout)."""

    exit_code: int | None
    stdout: str
    stderr: str
    timed_out: bool = False
    overflow: str | None = None
    """"stdout" or "stderr" when that stream passed ``max_output`` and the child was stopped."""


class LiveGroups:
    """The process groups still running, so a signal can kill them all."""

    def __init__(self) -> None:
        self._pids: set[int] = set()
        self._lock = threading.Lock()
        self._stopped = False

    @contextmanager
    def holding(self, process: subprocess.Popen[bytes]) -> Iterator[None]:
        """Track ``process`` while inside; a group started after ``kill_all`` dies at once."""
        with self._lock:
            self._pids.add(process.pid)
            stopped = self._stopped
        if stopped:
            kill_group(process.pid)
        try:
            yield
        finally:
            with self._lock:
                self._pids.discard(process.pid)

    @property
    def stopped(self) -> bool:
        """Whether ``kill_all`` was called (nothing new should start)."""
        return self._stopped

    def kill_all(self) -> None:
        """Kill every tracked group, and any started from now on."""
        with self._lock:
            self._stopped = True
            pids = list(self._pids)
        for pid in pids:
            kill_group(pid)


def kill_group(pid: int) -> None:
    """SIGKILL the process group led by ``pid`` (gone already: nothing to do)."""
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def run_process(
    argv: list[str],
    cwd: Path,
    env: dict[str, str],
    timeout: float | None,
    live: LiveGroups | None = None,
    max_output: int | None = None,
) -> Completed:
    """Run ``argv`` to its end (or ``timeout`` seconds, or until a stream passes
    ``max_output`` bytes, kept up to that size); never raises for the child's doing."""
    if live is not None and live.stopped:
        return Completed(exit_code=None, stdout="", stderr="not started: the run is stopping")
    try:
        process = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    except (OSError, ValueError) as err:
        return Completed(exit_code=127, stdout="", stderr=f"cannot start command: {err}")
    with (live or LiveGroups()).holding(process):
        return _supervise(process, timeout, max_output)


def _supervise(process: subprocess.Popen[bytes], timeout: float | None, max_output: int | None) -> Completed:
    assert process.stdout is not None
    assert process.stderr is not None
    pipes = _Pipes(process.stdout, process.stderr, max_output)
    try:
        timed_out = pipes.read_until_exit(process, timeout)
        kill_group(process.pid)  # background children and the rest of the group go too
        pipes.drain(DRAIN_SECONDS)
    finally:
        pipes.close()
        kill_group(process.pid)
        process.wait()
    code = None if timed_out or pipes.overflow else process.returncode
    return Completed(code, pipes.text(process.stdout), pipes.text(process.stderr), timed_out, pipes.overflow)


class _Pipes:
    """The child's two pipes and its exit, watched by one selector."""

    def __init__(self, stdout: IO[bytes], stderr: IO[bytes], max_output: int | None) -> None:
        self._selector = selectors.DefaultSelector()
        self._chunks: dict[int, list[bytes]] = {stdout.fileno(): [], stderr.fileno(): []}
        self._sizes = {stdout.fileno(): 0, stderr.fileno(): 0}
        self._names = {stdout.fileno(): "stdout", stderr.fileno(): "stderr"}
        self._max_output = max_output
        self.overflow: str | None = None
        self._open = [stdout, stderr]
        self._pidfd: int | None = None
        for pipe in (stdout, stderr):
            os.set_blocking(pipe.fileno(), False)
            self._selector.register(pipe, selectors.EVENT_READ)

    def read_until_exit(self, process: subprocess.Popen[bytes], timeout: float | None) -> bool:
        """Read output until the child exits (False) or ``timeout`` passes (True, group killed)."""
        self._watch_exit(process)
        deadline = _deadline(timeout)
        while True:
            wait = None if deadline is None else deadline - time.monotonic()
            if wait is not None and wait <= 0:
                kill_group(process.pid)
                return True
            if self._pidfd is None:
                if process.poll() is not None:
                    return False
                wait = POLL_SECONDS if wait is None else min(wait, POLL_SECONDS)
            if self._read_ready(wait) or self.overflow:
                return False

    def drain(self, grace: float) -> None:
        """Read what is left, waiting at most ``grace`` s for pipes nobody closes."""
        self._unwatch_exit()
        deadline = time.monotonic() + grace
        while self._open and not self.overflow and (left := deadline - time.monotonic()) > 0:
            self._read_ready(left)

    def text(self, pipe: IO[bytes]) -> str:
        return b"".join(self._chunks[pipe.fileno()]).decode("utf-8", "replace")

    def close(self) -> None:
        self._unwatch_exit()
        for pipe in self._open:
            self._selector.unregister(pipe)
        self._open = []
        self._selector.close()

    def _watch_exit(self, process: subprocess.Popen[bytes]) -> None:
        pidfd_open = getattr(os, "pidfd_open", None)
        if pidfd_open is None:
            return
        with suppress(OSError):
            self._pidfd = pidfd_open(process.pid)
            self._selector.register(self._pidfd, selectors.EVENT_READ)

    def _unwatch_exit(self) -> None:
        if self._pidfd is not None:
            self._selector.unregister(self._pidfd)
            os.close(self._pidfd)
            self._pidfd = None

    def _read_ready(self, wait: float | None) -> bool:
        """Read every ready pipe; True when the child has exited.

        A pidfd is readable once the child is a zombie; it stays unreaped until
        ``_supervise`` waits for it, so its group id stays valid for the kill.
        """
        exited = False
        for key, _ in self._selector.select(None if wait is None else min(wait, MAX_WAIT)):
            if key.fd == self._pidfd:
                exited = True
            else:
                self._read(key.fileobj)  # type: ignore[arg-type]
        return exited

    def _read(self, pipe: IO[bytes]) -> None:
        try:
            data = os.read(pipe.fileno(), CHUNK)
        except BlockingIOError:
            return
        if data:
            self._keep(pipe.fileno(), data)
            return
        self._selector.unregister(pipe)  # EOF
        self._open.remove(pipe)

    def _keep(self, fd: int, data: bytes) -> None:
        """Keep a chunk; past ``max_output`` keep up to it and note the overflow (the caller
        then kills the group, as on a timeout)."""
        size = self._sizes[fd] + len(data)
        if self._max_output is not None and size > self._max_output:
            data = data[: max(0, self._max_output - self._sizes[fd])]
            self.overflow = self.overflow or self._names[fd]
        self._sizes[fd] += len(data)
        self._chunks[fd].append(data)


def _deadline(timeout: float | None) -> float | None:
    """When to give up; no deadline for None or a timeout no clock reaches (inf, nan)."""
    if timeout is None or not math.isfinite(timeout) or timeout > MAX_TIMEOUT:
        return None
    return time.monotonic() + timeout
