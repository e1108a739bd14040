"""``visor memory``: inspect and edit a store by hand.

The store is the one of a config (``-c``, default ``./.visor.yaml``) or a
store URL (``--store sqlite:///x.db``).  Writes go through :class:`Memory`, so the
config's quotas apply; ``import``, ``export`` and ``clear --all`` are one batch
each, all or nothing on every backend; the store is closed at the end of every command (a
file store compacts then).  Errors are :class:`VisorError` subclasses, turned
into one line and an exit code by the error boundary of ``visor_mem.cli``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from visor_mem.config import load_config
from visor_mem.config.compile import to_spec
from visor_mem.config.models import MemoryConfig
from visor_mem.config.specs import MemorySpec
from visor_mem.errors import StoreError, UsageError
from visor_mem.jsonvalue import JsonValueError, parse_json
from visor_mem.store import BACKENDS, open_store
from visor_mem.store.base import JSON, Dump, Store
from visor_mem.store.memory import DictStore
from visor_mem.store.ops import Op
from visor_mem.store.scoped import Memory, NamespaceLimits
from visor_mem.store.urls import EXAMPLES, parse_store_url

DEFAULT_CONFIG = ".visor.yaml"

FILE_KINDS: dict[str, dict[str, str]] = {
    ".json": {"storage": "file", "format": "json"},
    ".csv": {"storage": "file", "format": "csv"},
    ".db": {"storage": "sqlite"},
    ".sqlite": {"storage": "sqlite"},
    ".sqlite3": {"storage": "sqlite"},
}
"""Extension of an export/import file → the store that reads and writes it."""


@dataclass(frozen=True)
class Target:
    """Which store a command works on, and how it prints."""

    config: str | None
    store: str | None
    namespace: str | None
    output: str
    lock_timeout: float | None = None

    def memory_config(self) -> tuple[MemorySpec, Path]:
        """The memory settings and the folder relative paths start from."""
        if self.config and self.store:
            raise UsageError("use either --config or --store, not both")
        if self.store:
            return _kept(to_spec(parse_store_url(self.store)), f"--store {self.store}"), Path.cwd()
        loaded = load_config(self.config or DEFAULT_CONFIG)
        return _kept(loaded.spec.memory, self.config or DEFAULT_CONFIG), loaded.base_dir

    def emit(self, value: JSON, text: Callable[[JSON], str] | None = None) -> None:
        """Print a result: one JSON document, or text for people."""
        if self.output == "json":
            click.echo(json.dumps(value, ensure_ascii=False))
        else:
            click.echo((text or _plain)(value))


def _kept(config: MemorySpec, source: str) -> MemorySpec:
    """``config`` unless it is in-memory: nothing would be read, and writes would vanish."""
    if config.storage == "memory":
        raise UsageError(
            f"{source}: the memory store is in-memory (storage: memory), so there is nothing to read "
            "and nothing would be kept; give a stored one with --store URL (e.g. --store sqlite:///state.db)"
        )
    return config


def _plain(value: JSON) -> str:
    """Strings as they are (like ``jq -r``), anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=2)


def _lines(values: JSON) -> str:
    return "\n".join(values)


def _limits(config: MemorySpec) -> dict[str, NamespaceLimits]:
    return {
        ns: NamespaceLimits(max_keys=model.max_keys, max_value_bytes=model.max_value_bytes)
        for ns, model in config.limits.items()
    }


@contextmanager
def _closing(store: Store) -> Iterator[Store]:
    try:
        yield store
    finally:
        store.close()


def _never_created(path: Path) -> bool:
    """No store file, nor a journal, lock or sidecar of one (``.m.json.lock``, ``m.db-wal``).

    A journal alone still holds committed steps, and a lock means a run may be
    creating the store: those are opened (and waited for) as usual.
    """
    try:
        names = [entry.name for entry in path.parent.iterdir()]
    except OSError:
        return not path.exists()
    return not any(name.startswith((path.name, "." + path.name)) for name in names)


@contextmanager
def opened(target: Target, read_only: bool = False) -> Iterator[Memory]:
    """The target's store seen through ``Memory``; closed at the end.

    ``read_only``: a store file that does not exist reads as empty and is not
    created (nor its lock file): looking must leave no trace.
    """
    config, base_dir = target.memory_config()
    if read_only and config.file and _never_created(base_dir / config.file):
        yield Memory(DictStore(), target.namespace or config.namespace, _limits(config))
        return
    waiting = lambda text: click.echo(text, err=True)  # noqa: E731 - the lock notice, as visor run prints it
    with _closing(open_store(config, base_dir, lock_timeout=target.lock_timeout, on_wait=waiting)) as store:
        yield Memory(store, target.namespace or config.namespace, _limits(config))


def _file_store(path: str, must_exist: bool) -> Store:
    """A store over an export/import file, chosen by its extension."""
    kind = FILE_KINDS.get(Path(path).suffix.lower())
    if kind is None:
        raise UsageError(f"{path}: unknown file type; use one of {', '.join(FILE_KINDS)}")
    if must_exist and not Path(path).is_file():
        raise StoreError(f"{path}: no such file")
    config = to_spec(MemoryConfig.model_validate({**kind, "file": str(Path(path).absolute())}))
    if config.storage not in BACKENDS:
        raise StoreError(f"{path}: storage '{config.storage}' is not available")
    return open_store(config, Path.cwd())


EMPTY_MARK = "visor-empty-namespace"
"""A key set and deleted in one batch: what lists an empty namespace (its last key was deleted)."""


def _replace(mem: Memory, dump: Dump, merge: bool) -> None:
    """Make the store hold ``dump`` (beside its own content with ``merge``) in ONE batch: all of
    it or, when a quota or a rule refuses any of it, none.  In an exclusive section, so the
    namespaces it clears are those it listed, whoever else writes the store."""
    with mem.exclusive():
        mem.apply(_batch(mem.namespaces(), dump, merge))


def _batch(present: list[str], dump: Dump, merge: bool) -> list[Op]:
    """Clears of the namespaces replaced (none with ``merge``), then a set per key."""
    batch = [] if merge else [Op("clear", namespace) for namespace in present]
    kept = set(present) if merge else set()
    for namespace, entries in dump.items():
        if not entries and namespace not in kept:
            batch += [Op("set", namespace, EMPTY_MARK, None), Op("delete", namespace, EMPTY_MARK)]
        batch += [Op("set", namespace, key, value) for key, value in entries.items()]
    return batch


def _summary(dump: Dump) -> dict[str, int]:
    return {"namespaces": len(dump), "keys": sum(len(entries) for entries in dump.values())}


def _parse_json(text: str) -> JSON:
    try:
        return parse_json(text)
    except JsonValueError as err:
        raise UsageError(f"value is not JSON ({err.message}); quote strings: '\"text\"'") from err


# -- options shared by every command ---------------------------------------------------

_OPTIONS = [
    click.option("-c", "--config", help=f"Config whose memory settings to use (default ./{DEFAULT_CONFIG})."),
    click.option("--store", "store_url", metavar="URL", help=f"Store URL, e.g. {EXAMPLES}."),
    click.option("-n", "--namespace", help="Namespace (default: the config's default namespace)."),
    click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text", show_default=True),
    click.option(
        "--lock-timeout",
        type=click.FloatRange(min=0),
        metavar="S",
        help="Seconds to wait for a run's lock on a file store, then fail with exit 2 [default: wait].",
    ),
]


def target_options(command: Callable[..., None]) -> Callable[..., None]:
    """Add the shared options; the command receives them as a ``target`` argument."""

    def wrapper(
        config: str | None,
        store_url: str | None,
        namespace: str | None,
        output: str,
        lock_timeout: float | None,
        **kwargs: Any,
    ) -> None:
        command(target=Target(config, store_url, namespace, output, lock_timeout), **kwargs)

    wrapper.__name__ = command.__name__
    wrapper.__doc__ = command.__doc__
    for option in reversed(_OPTIONS):
        wrapper = option(wrapper)
    return wrapper


@click.group()
def memory() -> None:
    """Inspect and edit the memory store of a config or a store URL."""


@memory.command()
@click.argument("key")
@target_options
def get(target: Target, key: str) -> None:
    """Print the value of KEY (null when missing)."""
    with opened(target, read_only=True) as mem:
        target.emit(mem.get(key, target.namespace))


@dataclass(frozen=True)
class WriteCommand:
    """A ``visor memory`` command that writes one value: its operation kind and argument."""

    kind: str
    argument: str
    help: str
    default: str | None = None


WRITE_COMMANDS = [
    WriteCommand("set", "JSON", "Store the JSON value at KEY (strings need quotes: '\"text\"')."),
    WriteCommand(
        "append",
        "JSON",
        "Append the JSON value to the list at KEY (a scalar there becomes [old, new]); prints the list.",
    ),
    WriteCommand(
        "increment",
        "[AMOUNT]",
        "Add AMOUNT (a JSON number, default 1) to the number at KEY (missing or null: 0); prints it.",
        default="1",
    ),
]
"""The writes of the one operation vocabulary that take a value, each a command."""


def _add_write_command(spec: WriteCommand) -> None:
    # ignore_unknown_options: a negative number is a value, not an option (`increment n -1`).
    @memory.command(spec.kind, help=spec.help, context_settings={"ignore_unknown_options": True})
    @click.argument("key")
    @click.argument("value", metavar=spec.argument, default=spec.default, required=spec.default is None)
    @click.option("--ttl", type=click.FloatRange(min=0, min_open=True), help="Seconds until the key expires.")
    @target_options
    def write(target: Target, key: str, value: str, ttl: float | None) -> None:
        parsed = _parse_json(value)
        with opened(target) as mem:
            target.emit(mem.apply([Op(spec.kind, mem.ns(target.namespace), key, parsed, ttl)])[0])


for _command in WRITE_COMMANDS:
    _add_write_command(_command)


@memory.command()
@click.argument("key")
@target_options
def delete(target: Target, key: str) -> None:
    """Delete KEY; prints true if it existed."""
    with opened(target) as mem:
        target.emit(mem.delete(key, target.namespace))


@memory.command("list")
@target_options
def list_(target: Target) -> None:
    """Keys of the namespace, in insertion order."""
    with opened(target, read_only=True) as mem:
        target.emit(mem.list(target.namespace), _lines)


@memory.command()
@target_options
def namespaces(target: Target) -> None:
    """Namespaces, in creation order."""
    with opened(target, read_only=True) as mem:
        target.emit(mem.namespaces(), _lines)


@memory.command()
@target_options
def dump(target: Target) -> None:
    """The whole store as one JSON document {namespace: {key: value}}."""
    with opened(target, read_only=True) as mem:
        target.emit(mem.dump())


@memory.command()
@click.option("--all", "everything", is_flag=True, help="Clear every namespace.")
@target_options
def clear(target: Target, everything: bool) -> None:
    """Remove a namespace (-n NS) and its keys, or every namespace (--all)."""
    if not target.namespace and not everything:
        raise UsageError("clear needs --namespace NS, or --all for every namespace")
    with opened(target) as mem, mem.exclusive():
        cleared = mem.namespaces() if everything else [mem.ns(target.namespace)]
        mem.apply([Op("clear", namespace) for namespace in cleared])
        target.emit(cleared, lambda names: f"cleared {len(names)} namespace(s): {', '.join(names)}")


@memory.command("export")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--merge", is_flag=True, help="Keep what FILE holds; overwrite same keys.")
@target_options
def export(target: Target, file: str, merge: bool) -> None:
    """Write the store to FILE (.json, .csv or .db), replacing its content."""
    with opened(target, read_only=True) as mem:
        content = mem.dump()
    with _closing(_file_store(file, must_exist=False)) as out:
        _replace(Memory(out), content, merge)
    target.emit({**_summary(content), "file": file}, _done("exported", "to", file))


@memory.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--merge", is_flag=True, help="Keep the store's content; overwrite same keys.")
@target_options
def import_(target: Target, file: str, merge: bool) -> None:
    """Load FILE (.json, .csv or .db) into the store, replacing its content."""
    with _closing(_file_store(file, must_exist=True)) as source:
        content = source.dump()
    with opened(target) as mem:
        _replace(mem, content, merge)
    target.emit({**_summary(content), "file": file}, _done("imported", "from", file))


def _checked(report: JSON) -> str:
    return f"ok: {report['storage']} store, {report['namespaces']} namespace(s), {report['keys']} key(s)"


def _done(verb: str, preposition: str, file: str) -> Callable[[JSON], str]:
    return lambda s: f"{verb} {s['keys']} key(s) in {s['namespaces']} namespace(s) {preposition} {file}"


@memory.command()
@target_options
def check(target: Target) -> None:
    """Check the store's integrity; exit 2 with the reason when it is broken."""
    config, base_dir = target.memory_config()
    if config.file and not (base_dir / config.file).is_file():
        raise StoreError(f"{base_dir / config.file}: no such store file")
    waiting = lambda text: click.echo(text, err=True)  # noqa: E731 - the lock notice, as visor run prints it
    with _closing(open_store(config, base_dir, lock_timeout=target.lock_timeout, on_wait=waiting)) as store:
        deep_check = getattr(store, "check", None)
        if callable(deep_check):
            deep_check()
        report = {"ok": True, "storage": config.storage, **_summary(store.dump())}
    target.emit(report, _checked)
