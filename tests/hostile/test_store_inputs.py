"""Hostile store files: what `visor run` and `visor memory check` do with them (issue 10).

Every row: exit 2 naming the file (and line when there is one), nothing rewritten.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.hostile.table import Case, run_and_check
from visor_mem.store.journal import digest

CONFIG = """\
    version: "1.0"
    memory: {{storage: file, format: {fmt}, file: m.{fmt}}}
    steps:
      w: {{type: memory, operation: set, key: a, value: 1}}
"""
GOOD_JSON = b'{\n  "default": {\n    "a": 0\n  }\n}'
CSV_HEAD = b"namespace,key,value,type\n"
DEEP = "[" * 300 + "]" * 300
VERY_DEEP = "[" * 100_000 + "]" * 100_000


def _journal(*lines: bytes) -> bytes:
    header = json.dumps({"base": digest(GOOD_JSON)}).encode()
    return b"\n".join([header, *lines]) + b"\n"


def _meta(text: str) -> bytes:
    return ('{"base": "' + digest(GOOD_JSON) + '", ' + text + "}").encode()


def _rows(name: str, fmt: str, files: dict[str, bytes], culprit: str, message: str) -> list[Case]:
    """The same bad folder under `visor run` (naming the file) and `visor memory check` (saying why)."""
    everything = {"c.yaml": CONFIG.format(fmt=fmt), **files}
    unchanged = tuple(files)
    return [
        Case(f"{name} / run", ("run", "c.yaml", "-o", "json"), 2, culprit, everything, unchanged),
        Case(
            f"{name} / memory check", ("memory", "check", "-c", "c.yaml"), 2, message, everything, unchanged
        ),
    ]


JSON_STORE = [
    ("1e999", b'{"default": {"x": 1e999}}', "m.json:1: ", "1e999 is out of range"),
    ("NaN", b'{"default": {"x": NaN}}', "m.json:1: ", "NaN is not a JSON value"),
    ("-Infinity", b'{"default":\n {"x": -Infinity}}', "m.json:2: ", "Infinity is not a JSON value"),
    ("big int", b'{"default": {"x": ' + b"7" * 5000 + b"}}", "m.json:1: ", "out of range"),
    ("BOM", b'\xef\xbb\xbf{"default": {}}', "m.json:1: ", "byte order mark"),
    ("depth 300", b'{"default": {"x": ' + DEEP.encode() + b"}}", "m.json:1: ", "nested deeper than 256"),
    ("depth 100000", b'{"default": {"x": ' + VERY_DEEP.encode() + b"}}", "m.json:1: ", "nested deeper"),
    ("lone surrogate", b'{"default": {"x": "\\udc80"}}', "m.json:1: ", "lone surrogate"),
    ("latin-1", b'{"default": {"x": "caf\xe9"}}', "m.json:1: ", "not UTF-8"),
    ("not an object", b'["default"]', "m.json: ", "not an object of namespaces"),
]

CSV_STORE = [
    ("csv 1e999", CSV_HEAD + b"default,x,1e999,number\n", "m.csv:2: ", "1e999 is out of range"),
    ("csv NaN", CSV_HEAD + b"default,x,NaN,number\n", "m.csv:2: ", "'NaN' is not a number"),
    (
        "csv deep array",
        CSV_HEAD + b'default,x,"' + DEEP.encode() + b'",array\n',
        "m.csv:2: ",
        "nested deeper",
    ),
    (
        "csv NaN in object",
        CSV_HEAD + b'default,x,"{""a"":NaN}",object\n',
        "m.csv:2: ",
        "NaN is not a JSON value",
    ),
    ("csv BOM", b"\xef\xbb\xbf" + CSV_HEAD, "m.csv:1: ", "byte order mark"),
    ("csv latin-1", CSV_HEAD + b"default,x,caf\xe9,string\n", "m.csv:2: ", "not UTF-8"),
    (
        "csv rows deeper together",
        CSV_HEAD + b'default,x,"' + ("[" * 256 + "]" * 256).encode() + b'",array\ndefault,x,1,number\n',
        "m.csv: ",
        "nested deeper",
    ),
]

JOURNAL = [
    ("journal non-string names", b'[["set",1,2,3,null]]', "not an operation record"),
    ("journal NaN value", b'[["set","default","b",NaN,null]]', "NaN is not a JSON value"),
    ("journal 1e999 expiry", b'[["set","default","b",1,1e999]]', "out of range"),
    ("journal string expiry", b'[["set","default","b",1,"soon"]]', "must be a finite number of seconds"),
    ("journal deep", b'[["set","default","b",' + DEEP.encode() + b",null]]", "nested deeper"),
    ("journal very deep", VERY_DEEP.encode(), "nested deeper"),
    ("journal short change", b'[["set","default"]]', "needs a key"),
    ("journal reset with args", b'[["reset",1]]', "not an operation record"),
]

META = [
    ("meta NaN expiry", _meta('"expires": {"default": {"a": NaN}}'), "NaN is not a JSON value"),
    (
        "meta string expiry",
        _meta('"expires": {"default": {"a": "x"}}'),
        "expiry of default.a is not a number",
    ),
    ("meta expires not an object", _meta('"expires": "soon"'), '"expires" must be'),
    ("meta namespace list of numbers", _meta('"expires": {}, "namespaces": [1, 2]'), '"namespaces" must be'),
    ("meta without base", b'{"expires": {}}', "unreadable metadata"),
    ("meta BOM", b"\xef\xbb\xbf" + _meta('"expires": {}'), "byte order mark"),
]

CASES = [
    *(
        row
        for name, data, culprit, why in JSON_STORE
        for row in _rows(name, "json", {"m.json": data}, culprit, why)
    ),
    *(
        row
        for name, data, culprit, why in CSV_STORE
        for row in _rows(name, "csv", {"m.csv": data}, culprit, why)
    ),
    *(
        row
        for name, line, why in JOURNAL
        for row in _rows(
            name, "json", {"m.json": GOOD_JSON, ".m.json.journal": _journal(line)}, ".m.json.journal:2: ", why
        )
    ),
    *(
        row
        for name, data, why in META
        for row in _rows(name, "json", {"m.json": GOOD_JSON, ".m.json.meta": data}, ".m.json.meta", why)
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_hostile_store_file(case: Case, tmp_path: Path) -> None:
    outcome = run_and_check(case, tmp_path)
    assert len(outcome.stderr.splitlines()) == 1, outcome.stderr


BIG = "x" * 200_000


def test_a_csv_value_past_the_csv_modules_field_limit_round_trips(tmp_path: Path) -> None:
    """Written by one run, read whole by the next (the csv default limit is 131,072)."""
    write = Case(
        "big csv value",
        ("run", "w.yaml"),
        0,
        "",
        {
            "w.yaml": CONFIG.format(fmt="csv").replace("value: 1", f"value: {BIG}"),
            "r.yaml": READ.format(fmt="csv"),
        },
    )
    run_and_check(write, tmp_path)
    read = Case("read it back", ("run", "r.yaml", "-o", "json"), 0, "")
    outcome = run_and_check(read, tmp_path)
    assert json.loads(outcome.stdout)["steps"]["r"]["output"] == BIG


READ = """\
    version: "1.0"
    memory: {{storage: file, format: {fmt}, file: m.{fmt}}}
    steps:
      r: {{type: memory, operation: get, key: a}}
"""


DEEPEST = "[" * 256 + "]" * 256
"""The deepest value the policy admits: every store layout must write it and read it back."""


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_the_deepest_admitted_value_round_trips_through_the_file(tmp_path: Path, fmt: str) -> None:
    write = CONFIG.format(fmt=fmt).replace("value: 1", f"value_js: 'return {DEEPEST}'")
    run_and_check(Case("write deepest", ("run", "w.yaml"), 0, "", {"w.yaml": write}), tmp_path)
    read = Case("read deepest", ("run", "r.yaml", "-o", "json"), 0, "", {"r.yaml": READ.format(fmt=fmt)})
    outcome = run_and_check(read, tmp_path)
    assert '"status": "success"' in outcome.stdout
