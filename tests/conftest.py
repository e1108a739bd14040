"""Shared fixtures: a real redis-server on 127.0.0.1 for the whole session.

``redis-server`` must be on PATH (CI installs it with apt).  Without it the
Redis tests fail with a clear message, unless ``VISOR_SKIP_REDIS=1`` says to
skip them on purpose: no silent skips.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

REDIS_START_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class RedisServer:
    """A running redis-server; ``url(db)`` addresses one of its databases."""

    port: int
    process: subprocess.Popen[bytes]

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + REDIS_START_TIMEOUT_S
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
    raise RuntimeError(f"redis-server did not answer on port {port} within {REDIS_START_TIMEOUT_S} s")


def _redis_binary() -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("VISOR_SKIP_REDIS") == "1":
            pytest.skip("redis-server not installed and VISOR_SKIP_REDIS=1")
        pytest.fail(
            "redis-server is not on PATH: apt-get install -y redis-server (or set VISOR_SKIP_REDIS=1)"
        )
    return binary


@contextmanager
def running_redis(folder: Path) -> Iterator[RedisServer]:
    """A redis-server on a free port of 127.0.0.1, without persistence, stopped at exit."""
    port = _free_port()
    command = [_redis_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    command += ["--appendonly", "no", "--dir", str(folder)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_until_listening(port, process)
        yield RedisServer(port, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """The session's redis-server."""
    with running_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of this test alone (which it may stop)."""
    with running_redis(tmp_path) as server:
        yield server


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """A URL of an emptied database of the session's redis-server."""
    import redis

    url = redis_server.url(0)
    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()
    return url


@pytest.fixture(autouse=True)
def private_config_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the compiled-config cache of `visor run` out of the user's home during tests."""
    monkeypatch.setenv("VISOR_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "visor-cache"))
