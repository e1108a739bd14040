"""``extends`` / ``include`` / ``imports``: composing a config from local files, as Visor does.

Visor (``src/utils/config-loader.ts``, ``config-merger.ts``, docs/configuration.md):

- ``extends`` (alias ``include``) names one file or a list, relative to the file
  that names it; the parents are merged left to right, then the file itself on top.
- Merge: a value in the child replaces the parent's; mappings merge key by key
  (a ``null`` in the child removes the key); lists are replaced whole, except
  ``imports`` (the union, in order).  A step present in both merges the same way.
- Once a config extends another, every step without ``on`` gets ``on: [manual]``
  (Visor's ``mergeChecks``), and a step whose merged ``on`` is ``[]`` is removed:
  that is how a child disables a parent's step.  ``steps`` and ``checks`` from
  different files are united, ``checks`` winning.
- ``imports`` register reusable-workflow files for ``type: workflow`` steps, which
  visor_mem does not run: each file is checked (it exists, it is a workflow with
  ``id``, ``name`` and ``steps``), nothing of it is merged.

Where Visor's merge code keeps the parent's value of a step field outside its
fixed list, or of a top-level key such as ``memory``, visor_mem follows Visor's
documented rule instead ("simple values: child overrides parent; objects: deep
merge; arrays: replaced").  ``extends: default`` (Visor's bundled AI review
config) and remote URLs are config errors.

Every value remembers the file, line and column it came from, so an error in a
step defined by a parent names the parent file.
"""

from __future__ import annotations

import hashlib
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from visor_mem.config.loaded import Position
from visor_mem.errors import ConfigError, Location

MAX_DEPTH = 10
"""Longest ``extends`` chain (Visor's ``maxDepth``)."""
EXTENDS_KEYS = ("extends", "include")
STEP_MAPS = ("steps", "checks")

Origin = tuple[int, int, str | None]
"""Line, column and file label of a written value."""
Parser = Callable[[bytes, str], tuple[Any, dict[str, Position]]]
"""Parses the bytes of one file, labelled for messages: ``(data, positions)``."""


@dataclass
class Tree:
    """Data plus the origin of each of its paths."""

    data: Any
    origins: dict[str, Origin] = field(default_factory=dict)

    def take(self, path: str, into: dict[str, Origin]) -> None:
        """Copy the origins of ``path`` and everything below it into ``into``."""
        _copy_origins(self.data_at(path), path, self.origins, into)

    def data_at(self, path: str) -> Any:
        node = self.data
        for part in path.split(".") if path else ():
            node = node[int(part)] if isinstance(node, list) else node[part]
        return node


def _copy_origins(value: Any, path: str, source: dict[str, Origin], into: dict[str, Origin]) -> None:
    if path in source:
        into[path] = source[path]
    if isinstance(value, dict):
        for key, item in value.items():
            _copy_origins(item, f"{path}.{key}" if path else key, source, into)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _copy_origins(item, f"{path}.{index}", source, into)


@dataclass(frozen=True)
class Composed:
    """The merged data, where each path was written, and every file read."""

    data: Any
    positions: dict[str, Position]
    files: dict[str, str]
    """Path → file label, for paths written in a file other than the main one."""
    sources: tuple[tuple[str, str], ...]
    """(absolute path, sha256 of its bytes) of every file read besides the main one."""


@dataclass
class _Composer:
    parse: Parser
    sources: dict[str, str] = field(default_factory=dict)

    def compose(self, tree: Tree, path: Path, chain: tuple[Path, ...]) -> Tree:
        data = tree.data
        if not isinstance(data, dict):
            return tree
        key = next((k for k in EXTENDS_KEYS if k in data), None)
        if key is None:
            self._check_imports(tree, path, chain)
            return tree
        merged = Tree({})
        for item_path, target in self._targets(tree, key, path):
            parent = self._load(target, item_path, tree, chain)
            merged = merge(merged, parent)
        child = Tree({k: v for k, v in data.items() if k not in EXTENDS_KEYS}, tree.origins)
        self._check_imports(child, path, chain)
        return merge(merged, child)

    def _targets(self, tree: Tree, key: str, path: Path) -> list[tuple[str, Path]]:
        value = tree.data[key]
        items = [(key, value)] if isinstance(value, str) else _indexed(key, value, tree)
        return [(item_path, _resolve(item, item_path, tree, path)) for item_path, item in items]

    def _load(self, target: Path, item_path: str, tree: Tree, chain: tuple[Path, ...]) -> Tree:
        where = _location(tree, item_path)
        if target in chain:
            cycle = " -> ".join(str(p) for p in (*chain[chain.index(target) :], target))
            raise ConfigError(f"extends cycle: {cycle}", where)
        if len(chain) > MAX_DEPTH:
            raise ConfigError(f"extends chain longer than {MAX_DEPTH} files", where)
        parent = self._read_tree(target, where)
        return self.compose(parent, target, (*chain, target))

    def _read_tree(self, target: Path, where: Location) -> Tree:
        try:
            if not stat.S_ISREG(target.stat().st_mode):  # a FIFO or device would block or never end
                raise ConfigError(f"not a regular file: {target}", where)
            raw = target.read_bytes()
        except FileNotFoundError:
            raise ConfigError(f"file not found: {target}", where) from None
        except OSError as err:
            raise ConfigError(f"cannot read {target}: {err.strerror}", where) from None
        self.sources[str(target)] = hashlib.sha256(raw).hexdigest()
        data, positions = self.parse(raw, str(target))
        if not isinstance(data, dict):
            raise ConfigError(f"{target} does not hold a config mapping", where)
        label = str(target)
        return Tree(data, {p: (line, col, label) for p, (line, col) in positions.items()})

    def _check_imports(self, tree: Tree, path: Path, chain: tuple[Path, ...]) -> None:
        value = tree.data.get("imports")
        if value is None:
            return
        items = [("imports", value)] if isinstance(value, str) else _indexed("imports", value, tree)
        for item_path, item in items:
            target = _resolve(item, item_path, tree, path)
            where = _location(tree, item_path)
            if target in chain or target == path:
                raise ConfigError(f"imports cycle: {path} imports {target}", where)
            workflow = self._read_tree(target, where)
            _check_workflow(workflow.data, target, where)
            self._check_imports(workflow, target, (*chain, path))


def _check_workflow(data: dict[str, Any], target: Path, where: Location) -> None:
    missing = [key for key in ("id", "name", "steps") if not data.get(key)]
    if missing:
        raise ConfigError(f"{target} is not a reusable workflow (Visor requires {', '.join(missing)})", where)


def _indexed(key: str, value: Any, tree: Tree) -> list[tuple[str, Any]]:
    if not isinstance(value, list):
        raise ConfigError("expected a file path or a list of file paths", _location(tree, key))
    return [(f"{key}.{index}", item) for index, item in enumerate(value)]


def _resolve(item: Any, item_path: str, tree: Tree, path: Path) -> Path:
    where = _location(tree, item_path)
    if not isinstance(item, str) or not item:
        raise ConfigError("expected a file path (string)", where)
    if item == "default":
        raise ConfigError(
            "'default' is Visor's bundled AI review config, which visor_mem does not ship", where
        )
    if item.startswith(("http://", "https://")):
        raise ConfigError("remote configs are not supported; download the file and name it", where)
    return (path.parent / item).resolve()


def _location(tree: Tree, path: str) -> Location:
    probe = path
    while probe not in tree.origins:
        if not probe:
            return Location(field=path)
        probe = probe.rpartition(".")[0]
    line, column, label = tree.origins[probe]
    return Location(label, line, column, path)


def merge(parent: Tree, child: Tree) -> Tree:
    """Visor's ``ConfigMerger.merge`` (as documented) of two whole configs."""
    origins: dict[str, Origin] = {}
    data: dict[str, Any] = {}
    # Keys keep the parent's order, new ones follow (JavaScript objects do the same).
    for key in [*parent.data, *(k for k in child.data if k not in parent.data)]:
        if key not in child.data:
            data[key] = parent.data[key]
            parent.take(key, origins)
        elif key in STEP_MAPS and isinstance(child.data[key], dict):
            data[key] = _merge_steps(parent, child, key, origins)
        elif (
            key == "imports" and isinstance(child.data[key], list) and isinstance(parent.data.get(key), list)
        ):
            data[key] = list(dict.fromkeys([*parent.data[key], *child.data[key]]))
        elif key in parent.data:
            merged = _merge_value(parent, child, key, origins)
            if merged is not _REMOVED:
                data[key] = merged
        else:
            data[key] = child.data[key]
            child.take(key, origins)
    return Tree(data, origins)


_REMOVED = object()


def _merge_value(parent: Tree, child: Tree, path: str, origins: dict[str, Origin]) -> Any:
    """Child wins; mappings merge key by key; ``null`` in a child mapping entry removes the key."""
    old, new = parent.data_at(path), child.data_at(path)
    if new is None:
        return _REMOVED
    if not (isinstance(old, dict) and isinstance(new, dict)):
        child.take(path, origins)
        return new
    if path in child.origins:
        origins[path] = child.origins[path]
    result: dict[str, Any] = {}
    for key in [*old, *(k for k in new if k not in old)]:
        if key not in new:
            result[key] = old[key]
            parent.take(f"{path}.{key}", origins)
        elif key in old:
            merged = _merge_value(parent, child, f"{path}.{key}", origins)
            if merged is not _REMOVED:
                result[key] = merged
        elif new[key] is not None:
            result[key] = new[key]
            child.take(f"{path}.{key}", origins)
    return result


def _merge_steps(parent: Tree, child: Tree, key: str, origins: dict[str, Origin]) -> dict[str, Any]:
    old = parent.data.get(key) if isinstance(parent.data.get(key), dict) else {}
    new = child.data[key]
    if key in child.origins:
        origins[key] = child.origins[key]
    result: dict[str, Any] = {}
    for name in [*old, *(n for n in new if n not in old)]:
        path = f"{key}.{name}"
        if name not in new:
            result[name] = old[name]
            parent.take(path, origins)
            continue
        step = new[name]
        if name in old and isinstance(step, dict) and isinstance(old[name], dict):
            step = _merge_value(parent, child, path, origins)
        else:
            child.take(path, origins)
        result[name] = _manual_by_default(step)
    return result


def _manual_by_default(step: Any) -> Any:
    if isinstance(step, dict) and step.get("on") is None:
        return {**step, "on": ["manual"]}
    return step


def _finish(tree: Tree) -> Tree:
    """Unite ``steps`` and ``checks`` (checks win) and drop steps disabled by ``on: []``."""
    data = dict(tree.data)
    maps = [k for k in STEP_MAPS if isinstance(data.get(k), dict)]
    if not maps:
        return tree
    origins = dict(tree.origins)
    united: dict[str, Any] = {}
    for key in maps:
        for name, step in data.pop(key).items():
            united[name] = step
            _rename_origins(origins, f"{key}.{name}", f"steps.{name}")
    data["steps"] = {n: s for n, s in united.items() if not (isinstance(s, dict) and s.get("on") == [])}
    return Tree(data, origins)


def _rename_origins(origins: dict[str, Origin], old: str, new: str) -> None:
    if old == new:
        return
    for path in [p for p in origins if p == old or p.startswith(old + ".")]:
        origins[new + path[len(old) :]] = origins.pop(path)


def compose(data: Any, positions: dict[str, Position], path: Path, parse: Parser) -> Composed | None:
    """The config ``data`` read from ``path`` with its ``extends`` and ``imports`` applied.

    None when the file composes nothing (the common case: no copy is made).
    """
    if not isinstance(data, dict) or not any(k in data for k in (*EXTENDS_KEYS, "imports")):
        return None
    label = str(path)
    composer = _Composer(parse)
    tree = Tree(data, {p: (line, col, label) for p, (line, col) in positions.items()})
    main = path.resolve()
    result = composer.compose(tree, main, (main,))
    if any(k in data for k in EXTENDS_KEYS):
        result = _finish(result)
    return Composed(
        data={k: v for k, v in result.data.items() if k != "imports"},
        positions={p: (line, col) for p, (line, col, _) in result.origins.items()},
        files={p: lab for p, (_, _, lab) in result.origins.items() if lab is not None and lab != label},
        sources=tuple(composer.sources.items()),
    )
