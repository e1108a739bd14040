"""The file backend: a ``DictStore`` loaded from one JSON or CSV file, kept durable.

Files on disk, for a store ``memory.json``:

* ``memory.json`` — the store in Visor's layout, always complete (replaced atomically);
* ``.memory.json.journal`` — the steps committed since the last compaction;
* ``.memory.json.meta`` — expiries (and CSV's empty namespaces), only when any;
* ``.memory.json.lock`` — the ``flock`` held while the store is open.

Every ``commit()`` (the engine commits after each step) appends one line to
the journal, so an operation costs the same whatever the store's size.  The
journal is folded into the main file at ``close()``, when it outgrows twice
the main file, and at the next open after a crash.  A run that changes
nothing writes nothing.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from visor_mem.errors import Location, StoreError
from visor_mem.store.atomic import atomic_write, clean_temps, remove
from visor_mem.store.base import StoreSettings
from visor_mem.store.codec import Codec, DecodeError
from visor_mem.store.csv_codec import CsvCodec
from visor_mem.store.journal import Journal, JournalWriter, Loaded, Record, digest, read_journal, replay
from visor_mem.store.json_codec import JsonCodec
from visor_mem.store.locking import FileLock
from visor_mem.store.memory import DictStore, Entry
from visor_mem.store.meta import Meta, apply_meta, decode_meta, encode_meta, meta_of
from visor_mem.store.ops import Op
from visor_mem.store.paths import check_regular_or_absent, read_regular, store_target

CODECS: dict[str, Codec] = {"json": JsonCodec(), "csv": CsvCodec()}
"""``memory.format`` → codec."""

SYNC_INTERVAL = 0.05
"""Seconds between journal syncs to disk (group commit); 0 syncs every commit."""

COMPACT_BYTES = 1 << 20
"""A journal past max(this, 2 x the main file) is folded into the main file."""


@dataclass(frozen=True)
class StorePaths:
    """The main file and its sidecars."""

    main: Path
    journal: Path
    meta: Path
    lock: Path
    temp_prefix: str

    @classmethod
    def of(cls, main: Path) -> StorePaths:
        hidden = main.with_name(f".{main.name}")
        return cls(
            main=main,
            journal=hidden.with_name(hidden.name + ".journal"),
            meta=hidden.with_name(hidden.name + ".meta"),
            lock=hidden.with_name(hidden.name + ".lock"),
            temp_prefix=f".{main.name}.tmp-",
        )


@dataclass(frozen=True)
class FileOptions:
    """How a file store behaves (from ``memory:`` and the command line)."""

    format: str = "json"
    loads: bool = True
    saves: bool = True
    lock_timeout: float | None = None
    on_wait: Callable[[str], None] | None = None
    sync_interval: float = SYNC_INTERVAL
    compact_bytes: int = COMPACT_BYTES


class FileStore(DictStore):
    """A store persisted in one file in Visor's layout, with a journal and a lock."""

    def __init__(
        self, path: Path, options: FileOptions = FileOptions(), clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(clock)
        self.paths = StorePaths.of(store_target(path, writes=options.saves))
        self.options = options
        self._codec = CODECS[options.format]
        self._pending: list[Record] = []
        self._tx_mark: int | None = None
        self._journal: JournalWriter | None = None
        self._base = ""  # digest of the main file as it is on disk
        self._main_size = 0
        self._meta_bytes: bytes | None = None
        self._reset_first = not options.loads  # the journal must say "start from empty"
        self._lock: FileLock | None = None
        self._closed = False
        self._open()

    @property
    def path(self) -> Path:
        """The main file."""
        return self.paths.main

    # -- durability ------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._tx_mark is not None:  # nested: the outer one decides
            with super().transaction():
                yield
            return
        self._tx_mark = len(self._pending)
        try:
            with super().transaction():
                yield
        except BaseException:
            del self._pending[self._tx_mark :]  # a rolled-back group leaves no journal line
            raise
        finally:
            self._tx_mark = None

    def commit(self) -> None:
        """Append the changes since the last commit to the journal (one line)."""
        if not self.options.saves or self._closed:
            return
        self._guard(self._flush)
        if self._tx_mark is None and self._journal is not None and self._journal.size > self._threshold():
            self._guard(self._compact)

    def close(self) -> None:
        """Fold the journal into the main file and release the lock."""
        if self._closed:
            return
        self._closed = True
        try:
            if self.options.saves:
                self._tx_mark = None
                self._guard(self._flush)
                if self._journal is not None:
                    self._guard(self._compact)
        finally:
            self._release()

    def _on_change(self, write: Op) -> None:
        if self.options.saves:
            self._pending.append(write.record())

    def _flush(self) -> None:
        limit = len(self._pending) if self._tx_mark is None else self._tx_mark
        if not limit:
            return
        changes = self._pending[:limit]
        del self._pending[:limit]
        if self._tx_mark is not None:
            self._tx_mark = 0
        if self._journal is None:
            self._journal = JournalWriter(
                self.paths.journal, self._base, self.options.sync_interval, reset=self._reset_first
            )
            self._reset_first = False
        self._journal.append(changes)

    def _threshold(self) -> int:
        return max(self.options.compact_bytes, 2 * self._main_size)

    def _compact(self) -> None:
        """Write the whole store into the main file (atomically) and drop the journal."""
        self._flush()
        data: Loaded = {namespace: {} for namespace in self._data}
        for namespace, key, entry in self.entries():
            data[namespace][key] = entry
        encoded = self._codec.encode({ns: {k: e.value for k, e in d.items()} for ns, d in data.items()})
        base = digest(encoded)
        meta = meta_of(data, base, keep_empty_namespaces=self.options.format == "csv")
        meta_bytes = None if meta is None else encode_meta(meta)
        if meta_bytes is not None and meta_bytes != self._meta_bytes:
            atomic_write(self.paths.meta, meta_bytes, self.paths.temp_prefix)  # before main: see meta.py
        if base != self._base:
            atomic_write(self.paths.main, encoded, self.paths.temp_prefix)
        if meta_bytes is None and self._meta_bytes is not None:
            remove(self.paths.meta)
        self._drop_journal()
        self._base, self._main_size, self._meta_bytes = base, len(encoded), meta_bytes
        self._pending.clear()  # expiries purged while encoding are already on disk
        self._reset_first = False

    def _drop_journal(self) -> None:
        if self._journal is not None:
            self._journal.close()
            self._journal = None
        remove(self.paths.journal)

    # -- opening ----------------------------------------------------------------

    def _open(self) -> None:
        if not (self.options.loads or self.options.saves):
            return
        try:
            check_regular_or_absent(self.paths.journal, "journal")
            check_regular_or_absent(self.paths.meta, "metadata sidecar")
            if self.options.saves:  # a store that never writes takes no lock and creates nothing
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._lock = FileLock(self.paths.lock, self.path)
                self._lock.acquire(self.options.lock_timeout, self.options.on_wait)
                clean_temps(self.path.parent, self.paths.temp_prefix)
            self._load()
        except OSError as err:
            self._release()
            raise StoreError(
                f"cannot open the memory store: {err.strerror or err}", self._where(err)
            ) from err
        except BaseException:
            self._release()
            raise

    def _load(self) -> None:
        main = read_regular(self.paths.main, "memory store")
        self._base, self._main_size = digest(main), len(main or b"")
        if not self.options.loads:
            if self.options.saves:
                self._decoded(main)  # auto_load: false still never replaces a file that does not parse
            return
        data = self._decoded(main)
        meta = self._read_meta()
        if meta is not None and meta.base == self._base:
            data = apply_meta(data, meta)
        journal = self._read_journal()
        recovered = journal is not None and journal.base == self._base and bool(journal.commits)
        if recovered and journal is not None:
            data = self._recover(data, journal, meta)
        self._fill(data)
        if self.options.saves and journal is not None:
            self._compact() if recovered else remove(self.paths.journal)

    def _decoded(self, main: bytes | None) -> Loaded:
        if main is None:
            return {}
        try:
            dump = self._codec.decode(main)
        except DecodeError as err:
            raise self._unreadable(self.path, err) from err
        return {ns: {k: Entry(v) for k, v in entries.items()} for ns, entries in dump.items()}

    def _read_meta(self) -> Meta | None:
        data = read_regular(self.paths.meta, "metadata sidecar")
        if data is None:
            return None
        self._meta_bytes = data
        try:
            return decode_meta(data)
        except DecodeError as err:
            raise self._unreadable(self.paths.meta, err) from err

    def _read_journal(self) -> Journal | None:
        try:
            return read_journal(self.paths.journal)
        except DecodeError as err:
            raise self._unreadable(self.paths.journal, err) from err

    def _recover(self, data: Loaded, journal: Journal, meta: Meta | None) -> Loaded:
        """Replay a crashed run's journal; a sidecar written just before the crash then applies."""
        try:
            data = replay(data, journal)
        except DecodeError as err:
            raise self._unreadable(self.paths.journal, err) from err
        if meta is not None and meta.base != self._base:
            plain = {ns: {k: e.value for k, e in entries.items()} for ns, entries in data.items()}
            if digest(self._codec.encode(plain)) == meta.base:
                data = apply_meta(data, meta)
        return data

    def _fill(self, data: Loaded) -> None:
        now = self._clock()
        for namespace, entries in data.items():
            self.ensure_namespace(namespace)
            for key, entry in entries.items():
                if entry.expires_at is None or entry.expires_at > now:
                    self.load_entry(namespace, key, entry)

    # -- errors and clean-up -------------------------------------------------------

    def _unreadable(self, path: Path, err: DecodeError) -> StoreError:
        return StoreError(
            f"cannot read the memory store: {err.message}; nothing was written",
            Location(file=str(path), line=err.line),
        )

    def _where(self, err: OSError | None = None) -> Location:
        """The file an OS error is about (a sidecar, a temp file), else the store."""
        culprit = err.filename if err is not None and err.filename else self.path
        return Location(file=str(culprit))

    def _guard(self, action: Callable[[], None]) -> None:
        """Run a write, turning an OS error (disk full, permissions) into a StoreError."""
        try:
            action()
        except OSError as err:
            raise StoreError(
                f"cannot write the memory store: {err.strerror or err}", self._where(err)
            ) from err

    def _release(self) -> None:
        if self._journal is not None:
            with contextlib.suppress(OSError):
                self._journal.close()
            self._journal = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None


def new_file_store(
    config: StoreSettings,
    base_dir: Path,
    *,
    lock_timeout: float | None = None,
    on_wait: Callable[[str], None] | None = None,
    sync_interval: float = SYNC_INTERVAL,
    compact_bytes: int = COMPACT_BYTES,
    clock: Callable[[], float] = time.time,
    **_: Any,
) -> FileStore:
    """Registry factory for ``storage: file`` (path relative to ``base_dir``)."""
    if not config.file:
        raise StoreError("storage 'file' needs field 'file'", Location(field="memory.file"))
    options = FileOptions(
        format=config.format,
        loads=config.loads,
        saves=config.saves,
        lock_timeout=lock_timeout,
        on_wait=on_wait,
        sync_interval=sync_interval,
        compact_bytes=compact_bytes,
    )
    return FileStore(Path(base_dir) / config.file, options, clock)
