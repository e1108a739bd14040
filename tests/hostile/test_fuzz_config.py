"""Fuzz configs: mutated examples, YAML-ish text and random bytes never crash ``visor``.

Three fuzzers, each bounded by ``tests/hostile/fuzzing.py`` (a few seconds in
``make test``, longer in ``make fuzz``):

* ``config-mutation``: an ``examples/`` config with one mutation (a value
  replaced by a hostile one, a key deleted or misspelt, a value wrapped in a
  list), then ``visor validate`` and ``visor run -o json`` (strict JSON out);
* ``yaml-text``: text assembled from YAML's sharp edges (anchors, aliases,
  tags, flow brackets, tabs, NUL, huge numbers), then ``visor validate``;
* ``config-bytes``: random bytes as the config, then ``visor validate``.
"""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from tests.hostile.fuzzing import FUZZ, check_and_count, visor, write

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CONFIGS = {
    path.name: yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted(EXAMPLES.glob("*.yaml"))
}


def _deep(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


HOSTILE: list[Any] = [
    None, "", 0, -1, 0.5, 1e30, math.nan, math.inf, -math.inf, 2**63, 10**400, True, [], {},
    "x" * 5000, "\u202e\u0000", "{{ x", "{{ 'abc' | base64_decode }}", "{% for i in (1..100000000) %}x{% endfor %}",
    "while (true) {}", "throw new Error('x')", "500ms", "1e999", "NaN", "-5m", "memory", "command",
    _deep(300), {"a": _deep(30)}, ["a", 1, None], {"type": "noop"}, "steps", "$(echo hi)",
]  # fmt: skip
"""Values a hostile or careless author might write anywhere."""


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if prefix:
        yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


def _mutate(config: Any, path: tuple[Any, ...], kind: str, hostile: Any) -> None:
    parent = config
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if kind == "replace":
        parent[last] = hostile
    elif kind == "wrap":
        parent[last] = [parent[last]]
    elif kind == "delete":
        del parent[last]
    elif isinstance(parent, dict):  # rename: a typo of the key
        parent[f"{last}x"] = parent.pop(last)


@st.composite
def mutated_configs(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(sorted(CONFIGS)))
    config = json.loads(json.dumps(CONFIGS[name]))  # a deep copy
    paths = list(_paths(config))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths))
        kind = draw(st.sampled_from(["replace", "replace", "wrap", "delete", "rename"]))
        try:
            _mutate(config, path, kind, draw(st.sampled_from(HOSTILE)))
        except (KeyError, IndexError, TypeError):
            pass  # an earlier mutation removed or replaced this path
    return yaml.safe_dump(config, sort_keys=False, allow_unicode=True)


TOKENS = [
    "version: '1'\n", "steps:\n", "checks:\n", "  a:\n", "    type: noop\n", "    type: memory\n",
    "    operation: set\n", "    key: k\n", "    value: ", "    timeout: ", "    depends_on: [a]\n",
    "limits:\n  js_timeout: ", "routing:\n  max_loops: ", "&a ", "*a", "&b [*a, *a, *a, *a]\n", "<<: *a\n",
    "[", "]", "{", "}", ", ", ": ", "- ", "? ", "!!set ", "!!python/object:os.system ", "!custom ", "|\n",
    ">-\n", "'", '"', "\t", "\x00", "\x07", "\ufeff", "\udcff", "\u00e9", "1e999", ".nan", "-.inf",
    "9" * 5000, "0x1F", "0o17", "1_000", "2001-12-14", "~", "%YAML 1.1\n", "---\n", "...\n", "#", "\n", "  ",
]  # fmt: skip
"""Pieces of YAML where parsers and loaders have sharp edges."""


@pytest.fixture(scope="module", autouse=True)
def _isolated() -> Iterator[None]:
    with tempfile.TemporaryDirectory() as state, pytest.MonkeyPatch.context() as patch:
        patch.setenv("VISOR_NO_CACHE", "1")
        patch.setenv("XDG_STATE_HOME", state)  # crash logs, if any, stay out of the home folder
        patch.setenv("NO_COLOR", "1")
        yield


@FUZZ
@given(text=mutated_configs())
def test_mutated_examples_validate_and_run_cleanly(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder), "c.yaml", text)
        check_and_count("config-mutation validate", visor("validate", str(path)))
        ran = visor("run", str(path), "-o", "json", "--js-timeout", "0.2")
        check_and_count("config-mutation run", ran)
        if ran.out.strip():
            json.loads(ran.out, parse_constant=_refuse)


def _refuse(name: str) -> object:
    raise AssertionError(f"-o json printed {name}")


@FUZZ
@given(pieces=st.lists(st.sampled_from(TOKENS), max_size=40))
def test_yaml_ish_text_validates_cleanly(pieces: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder), "c.yaml", "".join(pieces))
        check_and_count("yaml-text validate", visor("validate", str(path)))


@FUZZ
@given(data=st.binary(max_size=300))
def test_random_bytes_validate_cleanly(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder), "c.yaml", data)
        check_and_count("config-bytes validate", visor("validate", str(path)))
