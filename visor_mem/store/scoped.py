"""``Memory``: the one memory API every context uses.

Memory steps, Liquid filters, JavaScript (through the replay of its recorded
operations) and the ``visor memory`` CLI all call this class, so the default
namespace, JSON checking, quotas and error policy are decided in one place.
It also counts mutations (``revision``) and remembers which keys changed, so
the JavaScript sandbox can bring its mirror of the store up to date cheaply.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from visor_mem.errors import MemoryOperationError
from visor_mem.store.base import JSON, Dump, Store
from visor_mem.store.semantics import copy_json, encoded_size

_CHANGE_LOG_LIMIT = 4096

# Memory has a method named ``list``; these aliases keep annotations readable below it.
KeyList = list[str]
ValueList = list[JSON]
ChangeList = list["Change"]


@dataclass(frozen=True)
class NamespaceLimits:
    """Quotas of one namespace (None: unlimited)."""

    max_keys: int | None = None
    max_value_bytes: int | None = None


@dataclass(frozen=True)
class Change:
    """A key that changed (``key`` None: the whole namespace was cleared)."""

    namespace: str
    key: str | None


class Memory:
    """A store seen through a default namespace, with checks and quotas."""

    def __init__(
        self,
        store: Store,
        default_namespace: str = "default",
        limits: dict[str, NamespaceLimits] | None = None,
    ) -> None:
        self.store = store
        self.default_namespace = default_namespace or "default"
        self._limits = limits or {}
        self.revision = 0
        self._changes: ChangeList = []
        self._changes_start = 0

    def ns(self, namespace: str | None) -> str:
        """The namespace to use: the given one, else the default."""
        return namespace if namespace else self.default_namespace

    # -- reads -------------------------------------------------------------

    def get(self, key: str, namespace: str | None = None) -> JSON:
        return self.store.get(key, self.ns(namespace))

    def has(self, key: str, namespace: str | None = None) -> bool:
        return self.store.has(key, self.ns(namespace))

    def list(self, namespace: str | None = None) -> KeyList:
        return self.store.keys(self.ns(namespace))

    def get_all(self, namespace: str | None = None) -> dict[str, JSON]:
        return self.store.get_all(self.ns(namespace))

    def namespaces(self) -> KeyList:
        return self.store.namespaces()

    def dump(self) -> Dump:
        return self.store.dump()

    # -- writes ------------------------------------------------------------

    def set(self, key: str, value: JSON, namespace: str | None = None, ttl: float | None = None) -> JSON:
        ns = self.ns(namespace)
        value = copy_json(value, f"value of '{key}'")
        self._check_new_key(ns, key)
        self._check_size(ns, key, value)
        result = self.store.set(key, value, ns, ttl)
        self._changed(ns, key)
        return result

    def append(
        self, key: str, value: JSON, namespace: str | None = None, ttl: float | None = None
    ) -> ValueList:
        ns = self.ns(namespace)
        value = copy_json(value, f"value of '{key}'")
        self._check_new_key(ns, key)
        with self.store.transaction():
            result = self.store.append(key, value, ns, ttl)
            self._check_size(ns, key, result)
        self._changed(ns, key)
        return result

    def increment(
        self,
        key: str,
        amount: int | float = 1,
        namespace: str | None = None,
        ttl: float | None = None,
    ) -> int | float:
        ns = self.ns(namespace)
        self._check_new_key(ns, key)
        result = self.store.increment(key, amount, ns, ttl)
        self._changed(ns, key)
        return result

    def delete(self, key: str, namespace: str | None = None) -> bool:
        ns = self.ns(namespace)
        existed = self.store.delete(key, ns)
        if existed:
            self._changed(ns, key)
        return existed

    def clear(self, namespace: str | None = None) -> None:
        ns = self.ns(namespace)
        self.store.clear(ns)
        self._changed(ns, None)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing, for a script's replayed operations."""
        start = self.revision
        try:
            with self.store.transaction():
                yield
        except BaseException:
            if self.revision != start:  # the rolled-back keys changed twice
                self._forget_changes()
            raise

    # -- change tracking for the JS mirror ------------------------------------

    def changes_since(self, revision: int) -> ChangeList | None:
        """Keys changed after ``revision``; None when too old (reload everything)."""
        if revision < self._changes_start:
            return None
        return self._changes[revision - self._changes_start :]

    def _changed(self, namespace: str, key: str | None) -> None:
        self.revision += 1
        self._changes.append(Change(namespace, key))
        if len(self._changes) > _CHANGE_LOG_LIMIT:
            drop = len(self._changes) // 2
            del self._changes[:drop]
            self._changes_start += drop

    def _forget_changes(self) -> None:
        """After a rollback, force every mirror to reload."""
        self.revision += 1
        self._changes = []
        self._changes_start = self.revision

    # -- quotas -------------------------------------------------------------

    def _limits_of(self, namespace: str) -> NamespaceLimits | None:
        return self._limits.get(namespace) or self._limits.get("*")

    def _check_size(self, namespace: str, key: str, value: JSON) -> None:
        limits = self._limits_of(namespace)
        if limits is None or limits.max_value_bytes is None:
            return
        size = encoded_size(value)
        if size > limits.max_value_bytes:
            raise MemoryOperationError(
                f"value of '{key}' is {size} bytes, over the {limits.max_value_bytes}-byte "
                f"limit of namespace '{namespace}'; nothing was stored"
            )

    def _check_new_key(self, namespace: str, key: str) -> None:
        limits = self._limits_of(namespace)
        if limits is None or limits.max_keys is None or self.store.has(key, namespace):
            return
        count = len(self.store.keys(namespace))
        if count >= limits.max_keys:
            raise MemoryOperationError(
                f"namespace '{namespace}' already holds {count} keys (max_keys "
                f"{limits.max_keys}); '{key}' was not stored"
            )
