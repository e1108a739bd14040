"""Bounds on what a YAML document may expand to, checked before anything is built.

A YAML alias (``*a``) is a pointer: a 530-byte file of nested aliases (the
"billion laughs") describes gigabytes of data, and a 1 MB anchor aliased a
thousand times describes a gigabyte.  PyYAML composes such a document
quickly, as a graph of shared nodes; building the data is what explodes.  So
the graph is measured first, each shared node once, and refused when its
expansion passes :data:`ALIAS_BUDGET_FACTOR` times the file's size (or
:data:`MIN_ALIAS_BUDGET`, whichever is larger) or when it nests deeper than
:data:`MAX_DEPTH`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

MAX_DEPTH = 200
"""Deepest nesting of lists and mappings in a config (Python recursion stays far away)."""
MIN_ALIAS_BUDGET = 8 << 20
"""Expanded size (characters plus one per node) always allowed, whatever the file's size."""
ALIAS_BUDGET_FACTOR = 10
"""A document may expand to this many times its own size through aliases."""


class TooBig(Exception):
    """The document passes a bound; ``node`` is where it was noticed."""

    def __init__(self, message: str, node: yaml.Node) -> None:
        super().__init__(message)
        self.message = message
        self.node = node


@dataclass
class _Measure:
    budget: int
    # id(node) -> (expanded size, height); (0, 0) while a node is being measured,
    # so a recursive alias counts once (the builder refuses it with its own message).
    seen: dict[int, tuple[int, int]] = field(default_factory=dict)

    def measure(self, node: yaml.Node, depth: int) -> tuple[int, int]:
        known = self.seen.get(id(node))
        if known is not None:
            self._check_depth(depth + known[1], node)
            return known
        self._check_depth(depth, node)
        self.seen[id(node)] = (0, 0)
        size, height = 1, 0
        if isinstance(node, yaml.ScalarNode):
            size += len(node.value)
        else:
            for child in _children(node):
                child_size, child_height = self.measure(child, depth + 1)
                size += child_size
                height = max(height, child_height + 1)
        if size > self.budget:
            raise TooBig(f"aliases expand this node to more than {_mb(self.budget)} of data", node)
        self.seen[id(node)] = (size, height)
        return size, height

    def _check_depth(self, depth: int, node: yaml.Node) -> None:
        if depth > MAX_DEPTH:
            raise TooBig(f"nested more than {MAX_DEPTH} levels deep", node)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [item for pair in node.value for item in pair]
    assert isinstance(node, yaml.SequenceNode)  # the only other kind of node
    return list(node.value)


def _mb(size: int) -> str:
    return f"{round(size / (1 << 20))} MB"


def check_bounds(root: yaml.Node, text_size: int) -> None:
    """Raise :class:`TooBig` if ``root`` nests too deep or expands too much through aliases."""
    budget = max(MIN_ALIAS_BUDGET, ALIAS_BUDGET_FACTOR * text_size)
    _Measure(budget).measure(root, 0)
