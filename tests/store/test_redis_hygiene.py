"""Redis: values another program left are read under the JSON policy; no password is echoed."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis

from tests.hostile.table import Case, run_and_check
from visor_mem.errors import StoreError
from visor_mem.store.redact import redact_url
from visor_mem.store.redis import PREFIX, RedisStore

CONFIG = """\
    version: "1.0"
    memory: {{storage: redis, url: "{url}"}}
    steps:
      r: {{type: memory, operation: get, key: k}}
"""


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"not json", "Expecting value"),
        (b"NaN", "NaN is not a JSON value"),
        (b"1e999", "out of range"),
        (b"[" * 300 + b"]" * 300, "nested deeper than 256"),
        (b"[" * 100_000 + b"]" * 100_000, "nested deeper"),
        (b'"caf\xe9"', "not UTF-8"),  # no key named: the bytes are shown
        (b'"\\ud800"', "lone surrogate"),
    ],
    ids=["text", "NaN", "1e999", "deep", "very deep", "latin-1", "surrogate"],
)
def test_a_value_that_is_not_json_is_a_store_error_naming_the_key(
    redis_url: str, raw: bytes, message: str, tmp_path: Path
) -> None:
    client = redis.Redis.from_url(redis_url)
    store = RedisStore(redis_url)
    try:
        store.set("k", 1, "default")
        client.hset(f"{PREFIX}ns:default:values", "k", raw)
        with pytest.raises(StoreError, match=message):
            store.get("k", "default")
        with pytest.raises(StoreError, match=message):
            store.get_all("default")
    finally:
        store.close()
        client.close()
    config = {"c.yaml": CONFIG.format(url=redis_url)}
    run_and_check(Case("redis value", ("run", "c.yaml", "-o", "json"), 2, message, config), tmp_path)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://:hunter2@127.0.0.1:1/0", "redis://:***@127.0.0.1:1/0"),
        ("redis://me:hunter2@127.0.0.1:1/0", "redis://me:***@127.0.0.1:1/0"),
        ("redis://hunter2@127.0.0.1:1/0", "redis://***@127.0.0.1:1/0"),
        ("redis://127.0.0.1:1/0?password=hunter2&db=1", "redis://127.0.0.1:1/0?password=***&db=1"),
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
    ],
)
def test_redact_hides_passwords(url: str, shown: str) -> None:
    assert redact_url(url) == shown


@pytest.mark.parametrize(
    "url",
    ["redis://:hunter2@127.0.0.1:1/0", "redis://:hunter2@127.0.0.1:notaport/0", "redis://u:hunter2@[::1/0"],
)
def test_no_error_echoes_the_password(url: str, tmp_path: Path) -> None:
    config = {"c.yaml": CONFIG.format(url=url)}
    for argv in (("run", "c.yaml"), ("run", "c.yaml", "--store", url), ("memory", "list", "--store", url)):
        run_and_check(Case(f"{argv[0]} {url}", argv, 2, "", config, absent=("hunter2",)), tmp_path)
