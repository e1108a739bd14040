"""YAML parsing with positions: data as safe_load gives it, plus 1-based node positions."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from visor_mem.config.yaml_source import _Loader, parse_yaml
from visor_mem.errors import ConfigError

DOCUMENTS = [
    "a: 1\nb: [x, {c: null}]\n",
    "base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n",
    "list:\n- 1.5\n- true\n- ~\n- !!str 12\n",
    "'quoted key': \"v\"\n",
]


@pytest.mark.parametrize("text", DOCUMENTS, ids=["nested", "merge", "scalars", "quoted"])
def test_data_matches_safe_load(text: str) -> None:
    data, _ = parse_yaml(text, "f.yaml")
    assert data == yaml.safe_load(text)


def test_positions() -> None:
    _, positions = parse_yaml("a:\n  b: [x, y]\n  c:\n    - 1\n", None)
    assert positions == {
        "": (1, 1),
        "a": (1, 1),
        "a.b": (2, 3),
        "a.b.0": (2, 7),
        "a.b.1": (2, 10),
        "a.c": (3, 3),
        "a.c.0": (4, 7),
    }


def test_merge_keys_keep_explicit_values_and_positions() -> None:
    data, positions = parse_yaml("base: &b {x: 1}\nuse:\n  <<: *b\n  x: 2\n", None)
    assert data["use"] == {"x": 2}
    assert positions["use.x"] == (4, 3)


def test_keys_are_text_as_written() -> None:
    data, _ = parse_yaml("1: a\ntrue: b\n", None)
    assert data == {"1": "a", "true": "b"}


def test_empty_document() -> None:
    assert parse_yaml("# only a comment\n", None) == (None, {})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 1\na: 2\n", "f.yaml:2:1: invalid YAML: duplicate key 'a'"),
        ("a: &x [*x]\n", "f.yaml:1:4: invalid YAML: recursive alias: a node cannot contain itself"),
        ("? [a]\n: 1\n", "f.yaml:1:3: invalid YAML: a mapping key must be plain text, not a list or mapping"),
        (
            "a: !custom x\n",
            "f.yaml:1:4: invalid YAML: could not determine a constructor for the tag '!custom'",
        ),
        ("a: 1\n b: 2\n", "f.yaml:2:3: invalid YAML: mapping values are not allowed in this context"),
        (
            "a: 1\n---\nb: 2\n",
            "f.yaml:2:1: invalid YAML: but found another document (expected a single document in the stream started at line 1)",
        ),
    ],
    ids=["duplicate", "recursive", "complex-key", "unknown-tag", "indentation", "two-documents"],
)
def test_errors_are_one_line_with_position(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_yaml(text, "f.yaml")
    assert str(caught.value) == expected


SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
KEYS = st.text(alphabet="abcxyz-_ ", min_size=1, max_size=6)
DATA = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=20,
)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # CI machines are shared
@given(data=st.dictionaries(KEYS, DATA, max_size=5), flow=st.booleans())
def test_any_dumped_document_parses_like_safe_load(data: dict[str, object], flow: bool) -> None:
    text = yaml.safe_dump(data, default_flow_style=flow, sort_keys=False)
    parsed, positions = parse_yaml(text, None)
    # PyYAML dumps the string '0E0' unquoted (a string in YAML 1.1); like js-yaml we read YAML 1.2's 0.0.
    assert parsed == yaml.load(text, Loader=_Loader)  # noqa: S506 - the safe loader plus one float rule
    for path in positions:
        assert _lookup(parsed, path) is not _MISSING
        assert positions[path] >= (1, 1)


_MISSING = object()


def _lookup(data: object, path: str) -> object:
    node = data
    for part in path.split(".") if path else []:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return node
