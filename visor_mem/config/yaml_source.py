"""Parse YAML text into plain Python data plus the position of every node.

PyYAML's C parser composes the node tree (fast); this module then builds the
data itself, in one walk, so that it can record where every field was written:
``positions["steps.build.on_fail.goto"] = (line, column)``, 1-based.  A mapping
entry is located at its key (where the field is named), a list item at the
item.  Scalars other than strings go through PyYAML's safe constructors, so
values are what ``yaml.safe_load`` would give, except that ``1e3`` is a
number as in YAML 1.2 (and Visor's js-yaml), not a string.

Documents are bounded (:mod:`yaml_limits`): alias expansion and nesting
depth are checked before the data is built, and text that is not allowed in
YAML (NUL, other control characters) is reported at its line and column.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from visor_mem.config.loaded import Position
from visor_mem.config.yaml_limits import MAX_DEPTH, TooBig, check_bounds
from visor_mem.errors import ConfigError, Location

try:  # the C parser is several times faster; fall back when libyaml is missing
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]


class _Loader(_BaseLoader):
    """The safe loader, reading ``1e3`` as a float (YAML 1.2, as js-yaml does)."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(r"^[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+$"), list("-+0123456789")
)

_TAG = "tag:yaml.org,2002:"
_TEXT_SCALARS = frozenset({f"{_TAG}str", f"{_TAG}timestamp"})
"""Scalars kept as their text: dates stay strings (as JSON has no date type)."""
_PLAIN_COLLECTIONS = frozenset({f"{_TAG}map", f"{_TAG}seq"})
_MERGE = f"{_TAG}merge"


def parse_yaml(text: str, label: str | None) -> tuple[Any, dict[str, Position]]:
    """Parse one YAML document: ``(data, positions)``; ``(None, {})`` when it is empty."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None, {}
        if "*" in text:  # only aliases can make the data bigger than the text
            check_bounds(root, len(text))
        builder = _Builder(loader, label)
        data = builder.build(root, "")
        builder.positions[""] = _position(root)
        return data, builder.positions
    except yaml.MarkedYAMLError as err:
        raise _syntax_error(err, label) from err
    except yaml.reader.ReaderError as err:
        raise _reader_error(err, text, label) from None
    except TooBig as err:
        line, column = _position(err.node)
        raise ConfigError(f"invalid YAML: {err.message}", Location(label, line, column)) from None
    except yaml.YAMLError as err:  # pragma: no cover - PyYAML marks its parse errors
        raise ConfigError(f"invalid YAML: {err}", Location(label)) from err
    finally:
        loader.dispose()


def _position(node: yaml.Node) -> Position:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _syntax_error(err: yaml.MarkedYAMLError, label: str | None) -> ConfigError:
    mark = err.problem_mark or err.context_mark
    text = err.problem or err.context or "syntax error"
    if err.problem and err.context:  # e.g. "... (while parsing a flow sequence started at line 3)"
        started = err.context_mark
        where = (
            f" started at line {started.line + 1}" if started and mark and started.line != mark.line else ""
        )
        text = f"{err.problem} ({err.context}{where})"
    if mark is None:  # pragma: no cover - PyYAML parse errors carry a mark
        return ConfigError(f"invalid YAML: {text}", Location(label))
    return ConfigError(f"invalid YAML: {text}", Location(label, mark.line + 1, mark.column + 1))


def _reader_error(err: yaml.reader.ReaderError, text: str, label: str | None) -> ConfigError:
    """A character YAML does not allow, at its line and column (PyYAML gives an offset)."""
    line, column = line_column(text, err.position)
    char = err.character if isinstance(err.character, str) else chr(err.character)
    return ConfigError(
        f"invalid YAML: character {ord(char):#06x} is not allowed in YAML text",
        Location(label, line, column),
    )


def line_column(text: str, offset: int) -> Position:
    """1-based line and column of ``offset`` in ``text``."""
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


class _Builder:
    """One walk over the node tree, building data and recording positions."""

    def __init__(self, loader: Any, label: str | None) -> None:
        self.loader = loader
        self.label = label
        self.positions: dict[str, Position] = {}
        # Collections being built on the current path: an alias to one of them
        # would make a recursive structure, which no config needs.
        self._open: set[int] = set()

    def build(self, node: yaml.Node, path: str) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        if node.tag not in _PLAIN_COLLECTIONS:  # !!set, !!omap ...: PyYAML builds them, no positions
            check_bounds(node, 0)  # PyYAML recurses: keep it shallow
            return self.loader.construct_object(node, deep=True)
        if id(node) in self._open:
            raise self._error("recursive alias: a node cannot contain itself", node)
        if len(self._open) >= MAX_DEPTH:
            raise self._error(f"nested more than {MAX_DEPTH} levels deep", node)
        self._open.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            assert isinstance(node, yaml.SequenceNode)  # the only other kind of node
            return self._sequence(node, path)
        finally:
            self._open.discard(id(node))

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag in _TEXT_SCALARS:
            return node.value
        try:
            return self.loader.construct_object(node)  # null, bool, int, float; refuses unknown tags
        except ValueError:  # an integer of more than 4300 digits (Python's own limit)
            raise self._error("number too large: more than 4300 digits", node) from None

    def _sequence(self, node: yaml.SequenceNode, path: str) -> list[Any]:
        items = []
        for index, item in enumerate(node.value):
            child = f"{path}.{index}" if path else str(index)
            self.positions[child] = _position(item)
            items.append(self.build(item, child))
        return items

    def _mapping(self, node: yaml.MappingNode, path: str) -> dict[str, Any]:
        self._refuse_duplicates(node)
        if any(key.tag == _MERGE for key, _ in node.value):
            self.loader.flatten_mapping(node)  # merged pairs first, so explicit keys win below
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self._key(key_node)
            child = f"{path}.{key}" if path else key
            self.positions[child] = _position(key_node)
            result[key] = self.build(value_node, child)
        return result

    def _key(self, node: yaml.Node) -> str:
        # Keys are kept as written (``1:`` is the step "1"), as JavaScript objects do.
        if not isinstance(node, yaml.ScalarNode):
            raise self._error("a mapping key must be plain text, not a list or mapping", node)
        return str(node.value)

    def _refuse_duplicates(self, node: yaml.MappingNode) -> None:
        # YAML forbids duplicate keys and Visor's parser rejects them; PyYAML
        # would silently keep the last one (a step defined twice loses the first).
        seen: set[str] = set()
        for key_node, _ in node.value:
            if key_node.tag == _MERGE or not isinstance(key_node, yaml.ScalarNode):
                continue
            if key_node.value in seen:
                raise self._error(f"duplicate key '{key_node.value}'", key_node)
            seen.add(key_node.value)

    def _error(self, message: str, node: yaml.Node) -> ConfigError:
        line, column = _position(node)
        return ConfigError(f"invalid YAML: {message}", Location(self.label, line, column))
