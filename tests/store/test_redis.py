"""What the Redis backend adds to the conformance battery: connection errors, layout, purge."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path
from typing import Protocol

import pytest
import redis

from visor_mem.config.models import MemoryConfig
from visor_mem.errors import MemoryOperationError, StoreError
from visor_mem.store import open_store
from visor_mem.store.ops import Op
from visor_mem.store.redis import PREFIX, RedisStore


class RedisServer(Protocol):
    """The ``private_redis`` fixture of conftest.py."""

    process: subprocess.Popen[bytes]

    def url(self, db: int = 0) -> str: ...


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_connection_failure_names_the_url() -> None:
    url = f"redis://127.0.0.1:{_free_port()}/0"
    with pytest.raises(StoreError, match=f"cannot connect to redis at {url}") as caught:
        RedisStore(url)
    assert "\n" not in str(caught.value)


def test_a_malformed_url_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="cannot connect to redis at http://x"):
        RedisStore("http://x")


def test_registry_opens_the_configured_url(redis_url: str, tmp_path: Path) -> None:
    store = open_store(MemoryConfig(storage="redis", url=redis_url), tmp_path)
    store.set("k", 1, "ns")
    store.close()
    client = redis.Redis.from_url(redis_url)
    assert client.hget(f"{PREFIX}ns:ns:values", "k") == b"1"
    client.close()


def test_a_batch_writes_only_its_namespace_s_keys(redis_url: str) -> None:
    """No global counter or feed: every batch used to write ``rev`` and ``changes`` too."""
    store = RedisStore(redis_url)
    store.apply([Op("set", "ns", "a", 1), Op("increment", "ns", "n", 1), Op("delete", "ns", "a")])
    store.clear("gone")
    client = redis.Redis.from_url(redis_url)
    parts = ("values", "order", "expiry", "seq", "ver")
    expected = {f"{PREFIX}namespaces", f"{PREFIX}nsseq", f"{PREFIX}ns:gone:ver"}
    expected |= {f"{PREFIX}ns:ns:{part}" for part in parts}
    assert {key.decode() for key in client.keys("*")} <= expected
    client.close()
    store.close()


def test_expired_keys_are_purged_from_the_server(redis_url: str) -> None:
    clock = Clock()
    store = RedisStore(redis_url, clock=clock)
    store.set("short", 1, "ns", ttl=5)
    store.set("long", 1, "ns", ttl=50)
    clock.now += 10
    assert store.keys("ns") == ["long"]
    client = redis.Redis.from_url(redis_url)
    assert client.hkeys(f"{PREFIX}ns:ns:values") == [b"long"]
    assert client.zrange(f"{PREFIX}ns:ns:order", 0, -1) == [b"long"]
    assert client.zrange(f"{PREFIX}ns:ns:expiry", 0, -1) == [b"long"]
    client.close()
    store.close()


def test_ttl_survives_reconnect(redis_url: str) -> None:
    clock = Clock()
    store = RedisStore(redis_url, clock=clock)
    store.set("k", 1, "ns", ttl=5)
    store.close()
    store = RedisStore(redis_url, clock=clock)
    assert store.get("k", "ns") == 1
    clock.now += 6
    assert store.get("k", "ns") is None
    store.close()


def test_two_clients_interleave_without_lost_updates(redis_url: str) -> None:
    first, second = RedisStore(redis_url), RedisStore(redis_url)
    for _ in range(10):
        first.increment("n", 1, "ns")
        second.append("l", 1, "ns")
        second.increment("n", 1, "ns")
    assert first.get("n", "ns") == 20
    assert first.get("l", "ns") == [1] * 10
    first.close()
    second.close()


def test_server_going_away_is_a_store_error(private_redis: RedisServer) -> None:
    url = private_redis.url(0)
    store = RedisStore(url)
    store.set("k", 1, "ns")
    private_redis.process.terminate()
    private_redis.process.wait(timeout=10)
    with pytest.raises(StoreError, match=f"redis {url}"):
        store.set("k", 2, "ns")
    store.close()


def test_a_value_that_is_not_json_is_a_store_error(redis_url: str) -> None:
    store = RedisStore(redis_url)
    store.set("k", 1, "ns")
    client = redis.Redis.from_url(redis_url)
    client.hset(f"{PREFIX}ns:ns:values", "k", b"\xff not json")
    client.close()
    for read in (lambda: store.get("k", "ns"), store.dump, lambda: store.increment("k", 1, "ns")):
        with pytest.raises(StoreError, match="key 'k' of namespace 'ns' does not hold JSON"):
            read()
    store.close()


def test_a_refused_batch_leaves_a_concurrent_writer_s_keys_alone(redis_url: str) -> None:
    """No snapshot and no rollback: a batch that fails writes nothing, so another client's
    write to the same namespace meanwhile survives."""
    mine, theirs = RedisStore(redis_url), RedisStore(redis_url)
    mine.set("text", "x", "ns")
    theirs.set("theirs", 1, "ns")
    with pytest.raises(MemoryOperationError):
        mine.apply([Op("set", "ns", "a", 1), Op("increment", "ns", "text", 1)])
    assert mine.dump() == {"ns": {"text": "x", "theirs": 1}}
    mine.close()
    theirs.close()
