"""Fuzz store files and command output: never exit 70, never a rewrite of a file that did not
parse, ``-o json`` always strict JSON.

* ``store-bytes``: random bytes as a JSON or CSV store, then ``visor run -o json`` (a write);
* ``store-truncated``: a valid store cut at a random byte;
* ``store-json``: JSON-ish documents with NaN, Infinity, 1e999, huge ints, deep nesting;
* ``command-bytes``: random bytes on a command's stdout and stderr.

Bounded by ``tests/hostile/fuzzing.py`` (a few seconds in ``make test``, longer in ``make fuzz``).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tests.hostile.fuzzing import FUZZ, Outcome, check_and_count, visor, write
from tests.store.json_values import dumps
from visor_mem.jsonvalue import MAX_DEPTH, parse_json
from visor_mem.store.csv_codec import CsvCodec
from visor_mem.store.json_codec import JsonCodec

CONFIG = """\
version: "1.0"
memory: {{storage: file, format: {fmt}, file: m.{fmt}}}
steps:
  w: {{type: memory, operation: set, key: fuzz, value: 1}}
"""
CODECS = {"json": JsonCodec(), "csv": CsvCodec()}


def _strict(text: str) -> object:
    def refuse(name: str) -> object:
        raise AssertionError(f"-o json printed {name}")

    return json.loads(text, parse_constant=refuse)


def _run_over_store(fuzzer: str, fmt: str, data: bytes) -> Outcome:
    """Run a writing workflow over the store file ``data``; check what every store input obeys."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        config = write(root, "c.yaml", CONFIG.format(fmt=fmt))
        store = write(root, f"m.{fmt}", data)
        outcome = visor("run", str(config), "-o", "json")
        check_and_count(fuzzer, outcome)
        after = store.read_bytes()
        if outcome.code == 2:
            assert after == data, "a store that did not load was changed"
        else:
            _strict(outcome.out)
            CODECS[fmt].decode(after)  # what was written reads back
        return outcome


@FUZZ
@given(st.sampled_from(["json", "csv"]), st.binary(max_size=300))
def test_fuzz_store_bytes(fmt: str, data: bytes) -> None:
    _run_over_store("store-bytes", fmt, data)


@FUZZ
@given(st.sampled_from(["json", "csv"]), dumps, st.data())
def test_fuzz_store_truncated(fmt: str, dump: dict[str, dict[str, object]], data: st.DataObject) -> None:
    whole = CODECS[fmt].encode(dump)
    cut = data.draw(st.integers(min_value=0, max_value=len(whole)))
    _run_over_store("store-truncated", fmt, whole[:cut])


_NUMBERS = st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1e-999", "9" * 400, "2e308"])
_ATOMS = (
    _NUMBERS | st.integers(min_value=-(2**80), max_value=2**80).map(str) | st.text(max_size=5).map(json.dumps)
)
_TEXTS = st.recursive(
    _ATOMS,
    lambda inner: (
        st.lists(inner, max_size=3).map(lambda xs: "[" + ",".join(xs) + "]")
        | st.dictionaries(st.text(max_size=3), inner, max_size=3).map(
            lambda d: "{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in d.items()) + "}"
        )
        | st.integers(min_value=250, max_value=1200).map(lambda n: "[" * n + "]" * n)
    ),
    max_leaves=6,
)


@FUZZ
@given(_TEXTS)
def test_fuzz_store_json(value: str) -> None:
    data = ('{"default": {"k": ' + value + "}}").encode()
    outcome = _run_over_store("store-json", "json", data)
    try:
        parse_json(data.decode(), MAX_DEPTH + 2)  # the file layout adds two levels
    except ValueError:
        assert outcome.code == 2  # a store the policy refuses is never loaded
    else:
        assert outcome.code == 0


COMMAND = """\
version: "1.0"
steps:
  c: {type: command, exec: "cat out.bin; cat err.bin >&2; exit $(cat code)"}
"""


@FUZZ
@given(st.binary(max_size=400), st.binary(max_size=100), st.sampled_from([0, 3]))
def test_fuzz_command_bytes(out: bytes, err: bytes, code: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        config = write(root, "c.yaml", COMMAND)
        write(root, "out.bin", out)
        write(root, "err.bin", err)
        write(root, "code", str(code))
        outcome = visor("run", str(config), "-o", "json")
        check_and_count("command-bytes", outcome)
        assert outcome.code == (0 if code == 0 else 1), outcome.err
        document = _strict(outcome.out)
        assert isinstance(document, dict)
