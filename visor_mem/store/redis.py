"""The Redis backend (redis-py, imported only when this backend is used).

Layout, under the prefix ``visor:``:

- ``namespaces``: sorted set of namespace names scored by creation sequence
  (``nsseq``), so empty namespaces stay listed, in order;
- per namespace ``ns:<name>:values`` (hash key → JSON text), ``:order``
  (sorted set key → insertion sequence from ``:seq``, untouched by an
  overwrite), ``:expiry`` (sorted set key → epoch second) and ``:ver`` (a
  counter of its writes);
- ``lock`` while a client holds an exclusive section.

A batch (``apply``) is optimistic: the keys it names are fetched in one
script, planned in Python with the rules (:mod:`visor_mem.store.ops`, so the
rules and quotas are written once), and written by one script that first
checks that nothing the plan read has changed (each key read, the key count
of a namespace whose quota was checked, the version of a namespace that was
listed) and that no other client holds the lock.  If anything changed, it
writes nothing and the batch is planned again.  So a refused or conflicting
batch never touches a key, no namespace is ever copied, and the cost of an
operation does not depend on how many keys its namespace holds.  Scripts
purge the expired keys of the namespaces they touch first (Redis has no
per-field expiry before 7.4), so expired keys are invisible and gone.
"""

from __future__ import annotations

import random
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from visor_mem.errors import StoreError
from visor_mem.jsonvalue import JsonValueError, dump_compact, parse_json, parse_json_bytes
from visor_mem.store.base import JSON, Dump, StoreSettings
from visor_mem.store.ops import Entry, Op, OpMethods, Reader, Reads, plan
from visor_mem.store.redact import redact_url
from visor_mem.store.redis_scripts import SCRIPTS
from visor_mem.store.semantics import Quotas

DEFAULT_URL = "redis://127.0.0.1:6379/0"
PREFIX = "visor:"
CAS_ATTEMPTS = 10_000
LOCK_LEASE_S = 60.0
"""How long an exclusive section may hold the lock (a killed holder frees it after this)."""
LOCK_WAIT_S = 120.0
"""How long to wait for another client's exclusive section before giving up."""


def _text(raw: bytes | str) -> str:
    """A name or number from the server; another program's text that is not UTF-8 is a StoreError."""
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode()
    except UnicodeDecodeError as err:
        shown = raw[:40]
        raise StoreError(f"redis holds text that is not UTF-8 (visor did not write it): {shown!r}") from err


_encode = dump_compact


class RedisStore(OpMethods):
    """A store in one Redis database."""

    def __init__(self, url: str, clock: Callable[[], float] = time.time) -> None:
        self.url = url
        self.shown_url = redact_url(url)  # what messages show: never the password
        self._clock = clock
        self._client = _connect(url)
        self._scripts = {name: self._client.register_script(src) for name, src in SCRIPTS.items()}
        self._thread_lock = threading.Lock()
        self._holder: int | None = None
        self._lock_token = ""

    # -- reads -------------------------------------------------------------

    def get(self, key: str, namespace: str) -> JSON:
        raw, _ = self._read(namespace, key)
        return None if raw is None else self.decode(raw, namespace, key)

    def has(self, key: str, namespace: str) -> bool:
        return self._read(namespace, key)[0] is not None

    def keys(self, namespace: str) -> list[str]:
        return list(self.get_all(namespace))

    def get_all(self, namespace: str) -> dict[str, JSON]:
        flat = self._run("entries", self._ns_keys(namespace), [self._clock()])
        pairs = ((_text(flat[i]), flat[i + 1]) for i in range(0, len(flat), 2))
        return {key: self.decode(raw, namespace, key) for key, raw in pairs}

    def decode(self, raw: bytes | str, namespace: str, key: str) -> JSON:
        """A stored JSON text; StoreError when something else wrote the key (not JSON, not UTF-8)."""
        try:
            return parse_json_bytes(raw) if isinstance(raw, bytes) else parse_json(raw)
        except JsonValueError as err:
            raise StoreError(
                f"redis {self.shown_url}: key '{key}' of namespace '{namespace}' "
                f"does not hold JSON visor can read ({err})"
            ) from None

    def namespaces(self) -> list[str]:
        return [_text(name) for name in self._redis(lambda c: c.zrange(PREFIX + "namespaces", 0, -1))]

    def dump(self) -> Dump:
        return {ns: self.get_all(ns) for ns in self.namespaces()}

    # -- writes ------------------------------------------------------------

    def apply(self, batch: Sequence[Op], quotas: Quotas | None = None) -> list[JSON]:
        """Plan over one fetch of the keys the batch names, then check-and-write in one script.

        The script writes only if nothing the plan read has changed meanwhile
        (and no other client holds the exclusive lock); otherwise the batch is
        planned again from fresh state.  This is optimistic concurrency: the
        value rules stay in Python, in one place, and a failed attempt writes
        nothing at all.
        """
        waited = _Backoff(LOCK_WAIT_S)
        for _ in range(CAS_ATTEMPTS):
            now = self._clock()
            reads = _PlanReads(self, batch, now)
            results, writes = plan(batch, reads, now, quotas)
            if not writes:
                return results
            args = [PREFIX, now, self._token(), *reads.expectations(), *_write_args(writes)]
            outcome = self._run("apply", [], args)
            if outcome == 1:
                return results
            if outcome == 3:
                raise StoreError(
                    f"redis {self.shown_url}: the exclusive section outlived its {LOCK_LEASE_S:g} s lease"
                )
            waited.pause(f"redis {self.shown_url}: another client held the memory lock")
        tries = f"gave up after {CAS_ATTEMPTS} tries"
        raise StoreError(f"redis {self.shown_url}: the keys kept changing; {tries}")

    def reader(self) -> Reader:
        """The live state as an ``ops.Reader`` (one round trip per read)."""
        return _PlanReads(self, [], self._clock())

    def read_again(self, reads: Reads) -> Reads:
        """The questions of ``reads`` answered at one moment: the scripts that answer them
        one by one, sent as one MULTI (which no other client's command interleaves)."""
        now, places, listed = self._clock(), list(reads.entries), list({**reads.keys, **reads.counts})

        def read(client: Any) -> list[Any]:
            pipe = client.pipeline(transaction=True)
            if places:
                flat = [part for place in places for part in place]
                self._scripts["fetch"](keys=[], args=[PREFIX, now, *flat], client=pipe)
            for namespace in listed:
                self._scripts["shape"](keys=[], args=[PREFIX, now, namespace], client=pipe)
            if reads.namespaces is not None:
                pipe.zrange(PREFIX + "namespaces", 0, -1)
            return list(pipe.execute())

        replies = self._redis(read)
        fetched = replies.pop(0) if places else []
        entries = {
            place: _entry(self, place, fetched[2 * index], fetched[2 * index + 1])
            for index, place in enumerate(places)
        }
        shapes = {namespace: replies.pop(0) for namespace in listed}
        return Reads(
            entries,
            {namespace: [_text(key) for key in shapes[namespace][2:]] for namespace in reads.keys},
            {namespace: int(shapes[namespace][0]) for namespace in reads.counts},
            None if reads.namespaces is None else [_text(name) for name in replies[0]],
        )

    # -- what other processes see: the exclusive section ------------------------------

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """A section during which no other client writes: a lock with a token and a lease.

        Batches of other clients wait while it is held (the apply script
        checks the lock); a holder killed meanwhile frees it when the lease
        (``LOCK_LEASE_S``) runs out.  Sections of one thread nest.
        """
        if self._holder == threading.get_ident():
            yield
            return
        with self._thread_lock:
            token = secrets.token_hex(16)
            self._acquire(token)
            self._holder, self._lock_token = threading.get_ident(), token
            try:
                yield
            finally:
                self._holder, self._lock_token = None, ""
                self._run("unlock", [PREFIX + "lock"], [token])

    def _acquire(self, token: str) -> None:
        waited = _Backoff(LOCK_WAIT_S)
        lease_ms = int(LOCK_LEASE_S * 1000)
        while not self._redis(lambda c: c.set(PREFIX + "lock", token, nx=True, px=lease_ms)):
            waited.pause(f"redis {self.shown_url}: another client held the memory lock")

    def _token(self) -> str:
        return self._lock_token if self._holder == threading.get_ident() else ""

    # -- durability --------------------------------------------------------------

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
            raise StoreError(f"redis {self.shown_url}: {err}") from err

    @property
    def _errors(self) -> type[Exception]:
        import redis

        error: type[Exception] = redis.RedisError
        return error

    def _run(self, script: str, keys: list[str], args: list[Any]) -> Any:
        return self._redis(lambda _: self._scripts[script](keys=keys, args=args))

    def _read(self, namespace: str, key: str) -> tuple[bytes | None, str]:
        """The live value's JSON text (None: missing) and its raw expiry ('' : none)."""
        raw, expiry = self._run("read", self._ns_keys(namespace), [self._clock(), key])
        return (raw or None), _text(expiry)


class _PlanReads:
    """The state a batch is planned over (an ``ops.Reader``), and what the plan read of it."""

    def __init__(self, store: RedisStore, batch: Sequence[Op], now: float) -> None:
        self._store = store
        self._now = now
        self._entries: dict[tuple[str, str], tuple[bytes, bytes]] = {}  # fetched, raw
        self._read: set[tuple[str, str]] = set()  # what the plan depends on
        self._shapes: dict[str, tuple[int, str, list[str]]] = {}
        self._counted: set[str] = set()
        self._listed: set[str] = set()
        # Fetched together at the first read (a batch of plain sets reads nothing: one round trip).
        self._unfetched = dict.fromkeys((op.namespace, op.key) for op in batch if op.key is not None)

    def entry(self, namespace: str, key: str) -> Entry | None:
        if (namespace, key) not in self._entries:
            self._unfetched[namespace, key] = None
            self._fetch(list(self._unfetched))
            self._unfetched.clear()
        self._read.add((namespace, key))
        return _entry(self._store, (namespace, key), *self._entries[namespace, key])

    def count(self, namespace: str) -> int:
        self._counted.add(namespace)
        return self._shape(namespace)[0]

    def keys(self, namespace: str) -> list[str]:
        self._listed.add(namespace)
        return list(self._shape(namespace)[2])

    def expectations(self) -> list[Any]:
        """The script's arguments that check nothing read has changed: count first, then the rest."""
        fields: list[Any] = []
        for namespace, key in self._read:
            fields += ["k", namespace, key, *self._entries[namespace, key]]
        for namespace in self._counted:
            fields += ["n", namespace, self._shapes[namespace][0]]
        for namespace in self._listed:
            fields += ["v", namespace, self._shapes[namespace][1]]
        return [len(fields), *fields]

    def _fetch(self, places: list[tuple[str, str]]) -> None:
        if not places:
            return
        flat = self._store._run(
            "fetch", [], [PREFIX, self._now, *[part for place in places for part in place]]
        )
        for index, place in enumerate(places):
            # Raw bytes: compared again, byte for byte, by the apply script.
            self._entries[place] = (flat[2 * index], flat[2 * index + 1])

    def _shape(self, namespace: str) -> tuple[int, str, list[str]]:
        if namespace not in self._shapes:
            reply = self._store._run("shape", [], [PREFIX, self._now, namespace])
            self._shapes[namespace] = (int(reply[0]), _text(reply[1]), [_text(key) for key in reply[2:]])
        return self._shapes[namespace]


def _entry(store: RedisStore, place: tuple[str, str], text: bytes, expiry: bytes) -> Entry | None:
    """The entry a ``fetch`` reply describes (an empty value: none)."""
    if not text:
        return None
    return Entry(store.decode(text, *place), float(expiry) if expiry else None)


class _Backoff:
    """Growing random pauses, then a StoreError once ``limit`` seconds have passed."""

    def __init__(self, limit: float) -> None:
        self._deadline = time.monotonic() + limit
        self._pause = 0.0002

    def pause(self, why: str) -> None:
        if time.monotonic() > self._deadline:
            raise StoreError(f"{why}; gave up waiting")
        time.sleep(random.uniform(0, self._pause))  # noqa: S311 - jitter, not secrets
        self._pause = min(self._pause * 1.5, 0.01)


def _write_args(writes: list[Op]) -> list[Any]:
    """The script's arguments for the resolved writes."""
    args: list[Any] = []
    for write in writes:
        if write.kind == "set":
            expiry = "" if write.expires_at is None else repr(write.expires_at)
            args += ["s", write.namespace, write.key, _encode(write.value), expiry]
        elif write.kind == "delete":
            args += ["d", write.namespace, write.key]
        else:
            args += ["c", write.namespace]
    return args


def _connect(url: str) -> Any:
    try:
        import redis
    except ImportError as err:
        raise StoreError("storage 'redis' needs the redis package: pip install 'visor-mem[redis]'") from err
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=5)
        client.ping()
    except (redis.RedisError, ValueError) as err:
        raise StoreError(f"cannot connect to redis at {redact_url(url)}: {err}") from err
    return client


def new_redis_store(
    config: StoreSettings, base_dir: Path, clock: Callable[[], float] = time.time, **_: Any
) -> RedisStore:
    """Registry factory for ``storage: redis`` (``url``, default redis://127.0.0.1:6379/0)."""
    return RedisStore(config.url or DEFAULT_URL, clock=clock)
