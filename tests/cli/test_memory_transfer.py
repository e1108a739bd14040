"""``visor memory import`` / ``export`` under load: one atomic batch whatever its size, the
backend, or another client writing or reading meanwhile."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_memory import CONFIG, fails, ok
from visor_mem.errors import MemoryOperationError, StoreError
from visor_mem.store.base import Dump

HARD: Dump = {
    "uni": {
        "é☃ key": "x\u2028y\U0001f600",
        "long": "\u00e9" * 50_000,  # 100 kB of UTF-8
        "nested": {"a": [[], {}, [1.5, None, True]], "": "empty key"},
        'a,b\n"c"': ["a,b\n", '"', ""],
    },
    "empty": {},
    "numbers": {"big": 10**30, "neg": -0.5, "zero": 0, "one-item": [1]},
}
"""Values every file format must carry exactly (Unicode, 100 kB, CSV's special characters)."""


def _store_url(kind: str, folder: Path, redis_url: str) -> str:
    urls = {
        "sqlite": f"sqlite:///{folder / 'store.db'}",
        "file-json": f"file:///{folder / 'store.json'}",
        "redis": redis_url,
    }
    return urls[kind]


@pytest.fixture(params=["sqlite", "file-json", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    redis_url = request.getfixturevalue("redis_url") if request.param == "redis" else ""
    return _store_url(request.param, tmp_path, redis_url)


def _json_file(path: Path, dump: Dump) -> str:
    path.write_text(json.dumps(dump, ensure_ascii=False), encoding="utf-8")
    return str(path)


def _dump(url: str) -> Dump:
    result: Dump = json.loads(ok("dump", "--store", url))
    return result


@pytest.mark.parametrize("extension", ["json", "csv", "db"])
def test_hard_values_round_trip_through_every_file_format(store: str, tmp_path: Path, extension: str) -> None:
    source = _json_file(tmp_path / "hard.json", HARD)
    ok("import", source, "--store", store)
    assert _dump(store) == HARD
    exported = str(tmp_path / f"out.{extension}")
    ok("export", exported, "--store", store)
    ok("clear", "--all", "--store", store)
    ok("import", exported, "--store", store)
    assert json.dumps(_dump(store)) == json.dumps(HARD)  # order too


def test_an_import_replaces_every_namespace_or_merges_into_them(store: str, tmp_path: Path) -> None:
    ok("set", "old", "1", "-n", "uni", "--store", store)
    ok("set", "kept", "1", "-n", "theirs", "--store", store)
    source = _json_file(tmp_path / "hard.json", HARD)
    ok("import", source, "--store", store, "--merge")
    assert _dump(store) == {**HARD, "uni": {"old": 1, **HARD["uni"]}, "theirs": {"kept": 1}}
    ok("import", source, "--store", store)
    assert json.dumps(_dump(store)) == json.dumps(HARD)


STORE_LINES = "storage: sqlite\n  file: state/m.db\n"
assert STORE_LINES in CONFIG


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"ci": {"a": 1, "b": 2, "c": 3}}, "already holds 2 keys"),
        ({"other": {"fine": 1}, "ci": {"big": "x" * 30}}, "bytes"),
    ],
    ids=["too-many-keys", "value-too-large"],
)
def test_a_refused_import_writes_nothing(store: str, tmp_path: Path, content: Dump, message: str) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG.replace(STORE_LINES, _memory_section(store)))
    ok("set", "a", "1", "-c", str(config))
    before = _dump(store)
    source = _json_file(tmp_path / "refused.json", {"new": {str(i): i for i in range(500)}, **content})
    for merge in ([], ["--merge"]):
        error = fails(MemoryOperationError, "import", source, "-c", str(config), *merge)
        assert message in str(error)
        assert _dump(store) == before


def _memory_section(url: str) -> str:
    if url.startswith("sqlite:///"):
        return f"storage: sqlite\n  file: {url.removeprefix('sqlite:///')}\n"
    if url.startswith("file:///"):
        return f"storage: file\n  format: json\n  file: {url.removeprefix('file:///')}\n"
    return f"storage: redis\n  url: {url}\n"


def test_an_unreadable_import_file_writes_nothing(store: str, tmp_path: Path) -> None:
    ok("set", "a", "1", "--store", store)
    before = _dump(store)
    broken = tmp_path / "broken.json"
    broken.write_text('{"ns": {"ok": 1, "bad": NaN}}')
    fails(StoreError, "import", str(broken), "--store", store)
    assert _dump(store) == before


WRITER = """
import sys
from visor_mem.store.redis import RedisStore
store = RedisStore(sys.argv[1])
print("ready", flush=True)
for _ in range(int(sys.argv[2])):
    store.increment("n", 1, "other")
store.close()
"""

READER = """
import json, sys
from pathlib import Path
from visor_mem.store.redis import RedisStore
store = RedisStore(sys.argv[1])
seen = set()
print("ready", flush=True)
while not Path(sys.argv[2]).exists():
    keys = store.keys("big")
    seen.add(len(keys))
store.close()
print(json.dumps(sorted(seen)))
"""


def _spawn(script: str, *args: str) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, "-c", script, *args], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    assert process.stdout.readline() == "ready\n"
    return process


BIG: Dump = {"big": {f"key {i} é": {"i": i} for i in range(20_000)}, **HARD}


def test_a_large_import_into_redis_leaves_a_concurrent_writer_s_namespace_alone(
    redis_url: str, tmp_path: Path
) -> None:
    source = _json_file(tmp_path / "big.json", BIG)
    ok("set", "n", "0", "-n", "other", "--store", redis_url)
    writer = _spawn(WRITER, redis_url, "400")
    ok("import", source, "--store", redis_url, "--merge")
    assert writer.wait(timeout=120) == 0
    dump = _dump(redis_url)
    assert dump.pop("other") == {"n": 400}  # every increment, none undone
    assert json.dumps(dump) == json.dumps(BIG)


def test_a_reader_sees_an_import_whole_or_not_at_all(redis_url: str, tmp_path: Path) -> None:
    source = _json_file(tmp_path / "big.json", BIG)
    ok("set", "first", "1", "-n", "big", "--store", redis_url)
    done = tmp_path / "done"
    reader = _spawn(READER, redis_url, str(done))
    ok("import", source, "--store", redis_url)
    done.touch()
    out, _ = reader.communicate(timeout=120)
    assert set(json.loads(out)) <= {1, 20_000}  # never a namespace half cleared or half filled
    assert len(_dump(redis_url)["big"]) == 20_000
