"""Bounded YAML: alias bombs, deep nesting and bad characters fail fast, at their line:col."""

from __future__ import annotations

import pytest

from visor_mem.config.loader import decode_config
from visor_mem.config.yaml_limits import MAX_DEPTH, MIN_ALIAS_BUDGET
from visor_mem.config.yaml_source import parse_yaml
from visor_mem.errors import ConfigError

LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)


def _error(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_yaml(text, "f.yaml")
    return str(caught.value)


def test_billion_laughs_is_refused_before_anything_is_built() -> None:
    assert len(LAUGHS) < 600
    assert _error(LAUGHS).startswith("f.yaml:")
    assert "aliases expand this node to more than 8 MB of data" in _error(LAUGHS)


def test_a_big_anchor_aliased_many_times_is_refused() -> None:
    text = 'big: &a "' + "x" * 100_000 + '"\nl: [' + ", ".join(["*a"] * 1000) + "]\n"
    assert _error(text) == "f.yaml:2:4: invalid YAML: aliases expand this node to more than 8 MB of data"


def test_aliases_within_budget_build_shared_data() -> None:
    text = "d: &d {x: 1, y: [1, 2]}\nsteps:\n" + "".join(f"  s{i}: *d\n" for i in range(200))
    data, _ = parse_yaml(text, None)
    assert data["steps"]["s199"] == {"x": 1, "y": [1, 2]}


def test_budget_grows_with_the_file() -> None:
    # 10x the file's size is allowed, so a long config with a big shared default loads.
    block = "v: &v '" + "y" * (MIN_ALIAS_BUDGET // 8) + "'\n"
    text = block + "l: [" + ", ".join(["*v"] * 9) + "]\n"
    data, _ = parse_yaml(text, None)
    assert len(data["l"]) == 9


@pytest.mark.parametrize("style", ["flow", "block"])
def test_nesting_deeper_than_the_limit_is_refused(style: str) -> None:
    depth = MAX_DEPTH + 50
    if style == "flow":
        text = "a: " + "[" * depth + "]" * depth + "\n"
    else:
        text = "".join("  " * i + "k:\n" for i in range(depth)) + "  " * depth + "1\n"
    assert "invalid YAML: nested more than 200 levels deep" in _error(text)


def test_deep_nesting_through_aliases_is_refused() -> None:
    inner = "[" * 150 + "]" * 150
    text = f"a: &a {inner}\nb: " + "[" * 100 + "*a" + "]" * 100 + "\n"
    assert "nested more than 200 levels deep" in _error(text)


def test_nesting_up_to_the_limit_loads() -> None:
    depth = MAX_DEPTH - 1
    data, _ = parse_yaml("a: " + "[" * depth + "]" * depth + "\n", None)
    assert isinstance(data["a"], list)


def test_deep_custom_collections_are_refused_too() -> None:
    depth = MAX_DEPTH + 10
    assert "nested more than" in _error("a: !!set {" + "? [" * depth + "]" * depth + "}\n")


@pytest.mark.parametrize(
    ("text", "where"),
    [("a: 1\nb: x\x00y\n", "f.yaml:2:5:"), ("a: 'x\x07'\n", "f.yaml:1:6:")],
    ids=["nul", "bell"],
)
def test_characters_yaml_forbids_are_located(text: str, where: str) -> None:
    message = _error(text)
    assert message.startswith(where)
    assert "is not allowed in YAML text" in message


def test_a_huge_integer_is_a_config_error() -> None:
    assert (
        _error("a: 1\nb: " + "9" * 5000 + "\n")
        == "f.yaml:2:4: invalid YAML: number too large: more than 4300 digits"
    )


def test_exponent_without_a_dot_is_a_number_as_in_yaml_1_2() -> None:
    data, _ = parse_yaml("a: 1e3\nb: -2E-2\nc: 1e\nd: '1e3'\n", None)
    assert data == {"a": 1000.0, "b": -0.02, "c": "1e", "d": "1e3"}


@pytest.mark.parametrize(
    ("data", "where"),
    [(b"a: 1\nb: caf\xe9\n", "f.yaml:2:7:"), (b"\xff", "f.yaml:1:1:"), (b"a: \xc3\xa9\xff\n", "f.yaml:1:5:")],
    ids=["latin1", "first-byte", "after-multibyte"],
)
def test_non_utf8_bytes_are_located(data: bytes, where: str) -> None:
    with pytest.raises(ConfigError) as caught:
        decode_config(data, "f.yaml")
    assert str(caught.value).startswith(where + " config file is not UTF-8 text: byte 0x")


def test_a_utf8_bom_is_dropped() -> None:
    assert decode_config(b"\xef\xbb\xbfa: 1\n", None) == "a: 1\n"
