"""The Redis backend (redis-py, imported only when this backend is used).

Layout, under the prefix ``visor:``:

- ``namespaces``: sorted set of namespace names scored by creation sequence
  (``nsseq``), so empty namespaces stay listed, in order;
- per namespace ``ns:<name>:values`` (hash key → JSON text), ``:order``
  (sorted set key → insertion sequence from ``:seq``, untouched by an
  overwrite) and ``:expiry`` (sorted set key → epoch second).

Each operation is one Lua script, so it is atomic on the server.  Scripts
purge the namespace's expired keys first (Redis has no per-field expiry
before 7.4), so expired keys are invisible and gone.  ``append`` and
``increment`` compute the new value in Python with :mod:`semantics` and
write it with a compare-and-set script, retrying when another client won
the race: no update is lost and the value rules stay in one place.

``transaction()`` is all-or-nothing for this client: the first write to a
namespace inside it snapshots the namespace, and an exception restores the
snapshots.  It does not isolate other clients from the intermediate states.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from visor_mem.errors import StoreError
from visor_mem.store import semantics
from visor_mem.store.base import JSON, Dump, StoreSettings
from visor_mem.store.semantics import MISSING, copy_json

DEFAULT_URL = "redis://127.0.0.1:6379/0"
PREFIX = "visor:"
CAS_ATTEMPTS = 10_000

_PURGE = """
local dead = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[1])
for _, k in ipairs(dead) do
  redis.call('HDEL', KEYS[1], k)
  redis.call('ZREM', KEYS[2], k)
  redis.call('ZREM', KEYS[3], k)
end
"""

# KEYS: values, order, expiry; ARGV: now, key
_READ = (
    _PURGE
    + """
return {redis.call('HGET', KEYS[1], ARGV[2]) or '', redis.call('ZSCORE', KEYS[3], ARGV[2]) or ''}
"""
)

# KEYS: values, order, expiry; ARGV: now
_ENTRIES = (
    _PURGE
    + """
local out = {}
for _, k in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  out[#out + 1] = k
  out[#out + 1] = redis.call('HGET', KEYS[1], k)
end
return out
"""
)

# KEYS: values, order, expiry, seq, namespaces, nsseq
# ARGV: now, namespace, key, check ('1': compare first), expected value, expected expiry,
#       new value, new expiry ('' = none).  A missing value or expiry reads as ''.
# Returns {1}, or {0, current value, current expiry} when the comparison failed.
_PUT = (
    _PURGE
    + """
if ARGV[4] == '1' then
  local cur = redis.call('HGET', KEYS[1], ARGV[3]) or ''
  local exp = redis.call('ZSCORE', KEYS[3], ARGV[3]) or ''
  if cur ~= ARGV[5] or exp ~= ARGV[6] then return {0, cur, exp} end
end
redis.call('HSET', KEYS[1], ARGV[3], ARGV[7])
if not redis.call('ZSCORE', KEYS[2], ARGV[3]) then
  redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[4]), ARGV[3])
end
if ARGV[8] == '' then
  redis.call('ZREM', KEYS[3], ARGV[3])
else
  redis.call('ZADD', KEYS[3], ARGV[8], ARGV[3])
end
if not redis.call('ZSCORE', KEYS[5], ARGV[2]) then
  redis.call('ZADD', KEYS[5], redis.call('INCR', KEYS[6]), ARGV[2])
end
return {1}
"""
)

# KEYS: values, order, expiry; ARGV: now, key
_DELETE = (
    _PURGE
    + """
if redis.call('HDEL', KEYS[1], ARGV[2]) == 1 then
  redis.call('ZREM', KEYS[2], ARGV[2])
  redis.call('ZREM', KEYS[3], ARGV[2])
  return 1
end
return 0
"""
)

# KEYS: values, order, expiry, seq, namespaces; ARGV: namespace
_CLEAR = """
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
redis.call('ZREM', KEYS[5], ARGV[1])
return 1
"""

_SCRIPTS = {
    "read": _READ,
    "entries": _ENTRIES,
    "put": _PUT,
    "delete": _DELETE,
    "clear": _CLEAR,
}


def _text(raw: bytes | str) -> str:
    return raw.decode() if isinstance(raw, bytes) else raw


def _encode(value: JSON) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class RedisStore:
    """A store in one Redis database."""

    def __init__(self, url: str, clock: Callable[[], float] = time.time) -> None:
        self.url = url
        self._clock = clock
        self._client = _connect(url)
        self._scripts = {name: self._client.register_script(src) for name, src in _SCRIPTS.items()}
        self._snapshots: dict[str, tuple[Any, ...]] | None = None

    # -- reads -------------------------------------------------------------

    def get(self, key: str, namespace: str) -> JSON:
        raw, _ = self._read(namespace, key)
        return None if raw is None else json.loads(raw)

    def has(self, key: str, namespace: str) -> bool:
        return self._read(namespace, key)[0] is not None

    def keys(self, namespace: str) -> list[str]:
        return list(self.get_all(namespace))

    def get_all(self, namespace: str) -> dict[str, JSON]:
        flat = self._run("entries", self._ns_keys(namespace), [self._clock()])
        return {_text(flat[i]): json.loads(flat[i + 1]) for i in range(0, len(flat), 2)}

    def namespaces(self) -> list[str]:
        return [_text(name) for name in self._redis(lambda c: c.zrange(PREFIX + "namespaces", 0, -1))]

    def dump(self) -> Dump:
        return {ns: self.get_all(ns) for ns in self.namespaces()}

    # -- writes ------------------------------------------------------------

    def set(self, key: str, value: JSON, namespace: str, ttl: float | None = None) -> JSON:
        stored = copy_json(value)
        self._remember(namespace)
        self._put(namespace, key, stored, self._expiry(ttl), None)
        return stored

    def append(self, key: str, value: JSON, namespace: str, ttl: float | None = None) -> list[JSON]:
        item = copy_json(value)
        new: list[JSON] = self._update(namespace, key, ttl, lambda old: semantics.appended(old, item))
        return new

    def increment(
        self, key: str, amount: int | float, namespace: str, ttl: float | None = None
    ) -> int | float:
        new: int | float = self._update(
            namespace, key, ttl, lambda old: semantics.incremented(key, old, amount)
        )
        return new

    def delete(self, key: str, namespace: str) -> bool:
        self._remember(namespace)
        return bool(self._run("delete", self._ns_keys(namespace), [self._clock(), key]))

    def clear(self, namespace: str) -> None:
        self._remember(namespace)
        keys = [*self._ns_keys(namespace), self._key(namespace, "seq"), PREFIX + "namespaces"]
        self._run("clear", keys, [namespace])

    # -- transactions and durability ------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._snapshots is not None:  # nested: the outer one decides
            yield
            return
        self._snapshots = {}
        try:
            yield
        except BaseException:
            for namespace, snapshot in self._snapshots.items():
                self._restore(namespace, snapshot)
            raise
        finally:
            self._snapshots = None

    def commit(self) -> None:
        """Every operation is already applied on the server."""

    def close(self) -> None:
        self._client.close()

    # -- helpers ---------------------------------------------------------------

    def _key(self, namespace: str, part: str) -> str:
        return f"{PREFIX}ns:{namespace}:{part}"

    def _ns_keys(self, namespace: str) -> list[str]:
        return [self._key(namespace, part) for part in ("values", "order", "expiry")]

    def _redis(self, call: Callable[[Any], Any]) -> Any:
        try:
            return call(self._client)
        except self._errors as err:
            raise StoreError(f"redis {self.url}: {err}") from err

    @property
    def _errors(self) -> type[Exception]:
        import redis

        error: type[Exception] = redis.RedisError
        return error

    def _run(self, script: str, keys: list[str], args: list[Any]) -> Any:
        return self._redis(lambda _: self._scripts[script](keys=keys, args=args))

    def _read(self, namespace: str, key: str) -> tuple[str | None, str]:
        """The live value's JSON text (None: missing) and its raw expiry ('' : none)."""
        raw, expiry = self._run("read", self._ns_keys(namespace), [self._clock(), key])
        text = _text(raw)
        return (text or None), _text(expiry)

    def _put(
        self, namespace: str, key: str, value: JSON, expiry: str, expected: tuple[str, str] | None
    ) -> tuple[str, str] | None:
        """Write; with ``expected``, only if the key still holds it (else return what it holds)."""
        keys = [
            *self._ns_keys(namespace),
            self._key(namespace, "seq"),
            PREFIX + "namespaces",
            PREFIX + "nsseq",
        ]
        check = ["1", *expected] if expected is not None else ["0", "", ""]
        args = [self._clock(), namespace, key, *check, _encode(value), expiry]
        reply = self._run("put", keys, args)
        return None if reply[0] == 1 else (_text(reply[1]), _text(reply[2]))

    def _update(self, namespace: str, key: str, ttl: float | None, compute: Callable[[JSON], JSON]) -> Any:
        """Compute with the value rules and compare-and-set; on a lost race, retry
        from the state the failed write returned, after a short random pause."""
        self._remember(namespace)
        raw, expiry = self._read(namespace, key)
        current = (raw or "", expiry)
        for attempt in range(CAS_ATTEMPTS):
            old = json.loads(current[0]) if current[0] else MISSING
            new = compute(old)
            kept = current[1] if ttl is None and current[0] else self._expiry(ttl)
            lost = self._put(namespace, key, new, kept, current)
            if lost is None:
                return new
            current = lost
            time.sleep(random.uniform(0, 0.0002 * min(attempt + 1, 10)))  # noqa: S311 - jitter
        raise StoreError(f"redis {self.url}: key '{key}' kept changing; gave up after {CAS_ATTEMPTS} tries")

    def _expiry(self, ttl: float | None) -> str:
        return "" if ttl is None else repr(self._clock() + ttl)

    def _remember(self, namespace: str) -> None:
        """Inside a transaction, snapshot a namespace before its first change."""
        if self._snapshots is None or namespace in self._snapshots:
            return

        def read(client: Any) -> tuple[Any, ...]:
            pipe = client.pipeline(transaction=True)
            pipe.hgetall(self._key(namespace, "values"))
            for part in ("order", "expiry"):
                pipe.zrange(self._key(namespace, part), 0, -1, withscores=True)
            pipe.get(self._key(namespace, "seq"))
            pipe.zscore(PREFIX + "namespaces", namespace)
            return tuple(pipe.execute())

        self._snapshots[namespace] = self._redis(read)

    def _restore(self, namespace: str, snapshot: tuple[Any, ...]) -> None:
        values, order, expiry, seq, ns_score = snapshot
        names = [self._key(namespace, part) for part in ("values", "order", "expiry", "seq")]

        def write(client: Any) -> None:
            pipe = client.pipeline(transaction=True)
            pipe.delete(*names)
            if values:
                pipe.hset(names[0], mapping=values)
            for name, scored in ((names[1], order), (names[2], expiry)):
                if scored:
                    pipe.zadd(name, dict(scored))
            if seq is not None:
                pipe.set(names[3], seq)
            if ns_score is None:
                pipe.zrem(PREFIX + "namespaces", namespace)
            else:
                pipe.zadd(PREFIX + "namespaces", {namespace: ns_score})
            pipe.execute()

        self._redis(write)


def _connect(url: str) -> Any:
    try:
        import redis
    except ImportError as err:
        raise StoreError("storage 'redis' needs the redis package: pip install 'visor-mem[redis]'") from err
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=5)
        client.ping()
    except (redis.RedisError, ValueError) as err:
        raise StoreError(f"cannot connect to redis at {url}: {err}") from err
    return client


def new_redis_store(
    config: StoreSettings, base_dir: Path, clock: Callable[[], float] = time.time, **_: Any
) -> RedisStore:
    """Registry factory for ``storage: redis`` (``url``, default redis://127.0.0.1:6379/0)."""
    return RedisStore(config.url or DEFAULT_URL, clock=clock)
