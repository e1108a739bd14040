"""``visor memory`` on real stores, invoked in-process with click's CliRunner.

Errors are VisorErrors raised to the top-level boundary (``visor_mem.cli.main``),
so these tests look at ``result.exception`` and its exit code.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from visor_mem.cli.memory import memory
from visor_mem.errors import MemoryOperationError, StoreError, UsageError, VisorError
from visor_mem.store import BACKENDS


def run(*args: str) -> Result:
    return CliRunner().invoke(memory, list(args))


def ok(*args: str) -> str:
    result = run(*args)
    assert result.exception is None, result.exception
    assert result.exit_code == 0
    return result.stdout


def fails(error: type[VisorError], *args: str) -> VisorError:
    result = run(*args)
    assert isinstance(result.exception, error), result.exception
    assert "\n" not in str(result.exception)
    return result.exception


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A store URL of a fresh SQLite file holding two namespaces."""
    url = f"sqlite:///{tmp_path / 'm.db'}"
    ok("set", "count", "2", "--store", url)
    ok("set", "name", '"visor"', "--store", url)
    ok("set", "items", '[1, {"a": null}]', "--store", url, "-n", "other")
    return url


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...]
    text: str
    json: object


CASES = [
    Case("get-number", ("get", "count"), "2\n", 2),
    Case("get-string", ("get", "name"), "visor\n", "visor"),
    Case("get-missing", ("get", "nope"), "null\n", None),
    Case(
        "get-other-namespace",
        ("get", "items", "-n", "other"),
        '[\n  1,\n  {\n    "a": null\n  }\n]\n',
        [1, {"a": None}],
    ),
    Case("list", ("list",), "count\nname\n", ["count", "name"]),
    Case("list-unknown-namespace", ("list", "-n", "ghost"), "\n", []),
    Case("namespaces", ("namespaces",), "default\nother\n", ["default", "other"]),
    Case("delete-present", ("delete", "count"), "true\n", True),
    Case("delete-missing", ("delete", "nope"), "false\n", False),
    Case("set-object", ("set", "k", '{"b": 1, "a": 2}'), '{\n  "b": 1,\n  "a": 2\n}\n', {"b": 1, "a": 2}),
    Case("increment-default", ("increment", "count"), "3\n", 3),
    Case("increment-amount", ("increment", "count", "0.5"), "2.5\n", 2.5),
    Case("increment-negative", ("increment", "fresh", "-4"), "-4\n", -4),
    Case("set-negative", ("set", "k", "-1.5"), "-1.5\n", -1.5),
    Case(
        "append-to-list",
        ("append", "items", "-2", "-n", "other"),
        '[\n  1,\n  {\n    "a": null\n  },\n  -2\n]\n',
        [1, {"a": None}, -2],
    ),
    Case("append-to-scalar", ("append", "name", '"x"'), '[\n  "visor",\n  "x"\n]\n', ["visor", "x"]),
    Case("clear-namespace", ("clear", "-n", "other"), "cleared 1 namespace(s): other\n", ["other"]),
    Case("clear-all", ("clear", "--all"), "cleared 2 namespace(s): default, other\n", ["default", "other"]),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_command_text_output(db: str, case: Case) -> None:
    assert ok(*case.args, "--store", db) == case.text


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_command_json_output_is_one_document(db: str, case: Case) -> None:
    assert json.loads(ok(*case.args, "--store", db, "-o", "json")) == case.json


def test_dump_is_the_whole_store_in_order(db: str) -> None:
    expected = {"default": {"count": 2, "name": "visor"}, "other": {"items": [1, {"a": None}]}}
    assert json.loads(ok("dump", "--store", db)) == expected
    assert list(json.loads(ok("dump", "--store", db, "-o", "json"))) == ["default", "other"]


def test_writes_persist_between_commands(db: str) -> None:
    ok("delete", "count", "--store", db)
    ok("clear", "-n", "other", "--store", db)
    assert json.loads(ok("dump", "--store", db)) == {"default": {"name": "visor"}}


def test_ttl_makes_a_key_expire(db: str) -> None:
    ok("set", "short", "1", "--ttl", "0.2", "--store", db)
    time.sleep(0.3)
    assert ok("get", "short", "--store", db, "-o", "json") == "null\n"


# -- config files ---------------------------------------------------------------------

CONFIG = """\
version: "1.0"
memory:
  storage: sqlite
  file: state/m.db
  namespace: ci
  limits:
    ci: {max_keys: 2, max_value_bytes: 20}
steps:
  noop: {type: noop}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "config.yaml").write_text(CONFIG)
    return folder


def test_config_store_is_relative_to_the_config_and_uses_its_namespace(project: Path) -> None:
    ok("set", "k", "1", "-c", str(project / "config.yaml"))
    assert (project / "state" / "m.db").is_file()
    assert json.loads(ok("dump", "-c", str(project / "config.yaml"))) == {"ci": {"k": 1}}


def test_default_config_is_dot_visor_yaml(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / ".visor.yaml").write_text(CONFIG)
    monkeypatch.chdir(project)
    ok("set", "k", "1")
    assert json.loads(ok("dump")) == {"ci": {"k": 1}}


def test_missing_default_config_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    error = fails(VisorError, "list")
    assert ".visor.yaml" in str(error)
    assert error.exit_code == 2


def test_config_quotas_apply(project: Path) -> None:
    config = str(project / "config.yaml")
    ok("set", "a", "1", "-c", config)
    ok("set", "b", "2", "-c", config)
    fails(MemoryOperationError, "set", "c", "3", "-c", config)
    fails(MemoryOperationError, "set", "a", '"' + "x" * 30 + '"', "-c", config)
    assert json.loads(ok("dump", "-c", config)) == {"ci": {"a": 1, "b": 2}}


# -- usage errors ---------------------------------------------------------------------

USAGE = [
    ("bad-json", ("set", "k", "not json", "--store", "memory:"), "value is not JSON"),
    ("both-sources", ("list", "--store", "memory:", "-c", "x.yaml"), "either --config or --store"),
    ("bad-url", ("list", "--store", "mysql://x"), "bad store URL"),
    ("clear-without-namespace", ("clear", "--store", "memory:"), "clear needs --namespace"),
    (
        "unknown-extension",
        ("export", "out.txt", "--store", "sqlite:///never-created.db"),
        "unknown file type",
    ),
]


@pytest.mark.parametrize(("label", "args", "message"), USAGE, ids=[u[0] for u in USAGE])
def test_usage_errors(label: str, args: tuple[str, ...], message: str) -> None:
    error = fails(UsageError, *args)
    assert message in str(error)
    assert error.exit_code == 2


def test_unreachable_redis_names_the_url() -> None:
    error = fails(StoreError, "list", "--store", "redis://127.0.0.1:1/0")
    assert "redis://127.0.0.1:1/0" in str(error)


# -- export and import ------------------------------------------------------------------

FILE_FORMATS = ["json", "csv", "db"]


def _need_backend(extension: str) -> None:
    if extension in ("json", "csv") and "file" not in BACKENDS:
        pytest.skip("storage 'file' is not registered in BACKENDS yet")


@pytest.mark.parametrize("extension", FILE_FORMATS)
def test_export_then_import_round_trips(db: str, tmp_path: Path, extension: str) -> None:
    _need_backend(extension)
    out = str(tmp_path / f"out.{extension}")
    ok("delete", "items", "-n", "other", "--store", db)  # leaves "other" empty
    ok("set", "values", '[null, true, 1.5, "a,b\\n", [], [1], {}]', "--store", db)
    exported = json.loads(ok("export", out, "--store", db, "-o", "json"))
    assert exported == {"namespaces": 2, "keys": 3, "file": out}
    copy = f"sqlite:///{tmp_path / 'copy.db'}"
    ok("import", out, "--store", copy)
    expected = json.loads(ok("dump", "--store", db))
    # Empty namespaces survive CSV too: the file store keeps them in its sidecar.
    assert ok("dump", "--store", copy) == json.dumps(expected, indent=2) + "\n"


def test_import_replaces_unless_merge(db: str, tmp_path: Path) -> None:
    source = f"sqlite:///{tmp_path / 'source.db'}"
    ok("set", "count", "10", "--store", source)
    ok("set", "fresh", "1", "-n", "new", "--store", source)
    ok("import", str(tmp_path / "source.db"), "--store", db, "--merge")
    assert json.loads(ok("dump", "--store", db)) == {
        "default": {"count": 10, "name": "visor"},
        "other": {"items": [1, {"a": None}]},
        "new": {"fresh": 1},
    }
    ok("import", str(tmp_path / "source.db"), "--store", db)
    assert json.loads(ok("dump", "--store", db)) == {"default": {"count": 10}, "new": {"fresh": 1}}


def test_export_replaces_unless_merge(db: str, tmp_path: Path) -> None:
    target = tmp_path / "target.db"
    ok("set", "kept", "1", "-n", "theirs", "--store", f"sqlite:///{target}")
    ok("export", str(target), "--store", db, "--merge")
    assert ok("namespaces", "--store", f"sqlite:///{target}") == "theirs\ndefault\nother\n"
    ok("export", str(target), "--store", db)
    assert ok("namespaces", "--store", f"sqlite:///{target}") == "default\nother\n"


def test_import_from_redis_to_sqlite_and_back(db: str, tmp_path: Path, redis_url: str) -> None:
    ok("export", str(tmp_path / "snapshot.db"), "--store", db)
    ok("import", str(tmp_path / "snapshot.db"), "--store", redis_url)
    assert ok("dump", "--store", redis_url) == ok("dump", "--store", db)


def test_import_over_quota_changes_nothing(project: Path, tmp_path: Path) -> None:
    config = str(project / "config.yaml")
    ok("set", "a", "1", "-c", config)
    source = tmp_path / "big.db"
    for key in "xyz":
        ok("set", key, "1", "-n", "ci", "--store", f"sqlite:///{source}")
    fails(MemoryOperationError, "import", str(source), "-c", config)
    assert json.loads(ok("dump", "-c", config)) == {"ci": {"a": 1}}


def test_import_of_a_missing_file_is_a_store_error(db: str, tmp_path: Path) -> None:
    error = fails(StoreError, "import", str(tmp_path / "nope.db"), "--store", db)
    assert "nope.db: no such file" in str(error)
    assert not (tmp_path / "nope.db").exists()


# -- check ------------------------------------------------------------------------------


def test_check_reports_a_healthy_store(db: str) -> None:
    assert ok("check", "--store", db) == "ok: sqlite store, 2 namespace(s), 3 key(s)\n"
    report = json.loads(ok("check", "--store", db, "-o", "json"))
    assert report == {"ok": True, "storage": "sqlite", "namespaces": 2, "keys": 3}


def test_check_names_the_reason_of_a_broken_store(tmp_path: Path) -> None:
    broken = tmp_path / "broken.db"
    broken.write_text('{"default": {}}')
    error = fails(StoreError, "check", "--store", f"sqlite:///{broken}")
    assert str(error) == f"{broken}: not a SQLite database (file is not a database)"
    assert error.exit_code == 2
    assert broken.read_text() == '{"default": {}}'


def test_check_does_not_create_a_missing_store(tmp_path: Path) -> None:
    error = fails(StoreError, "check", "--store", f"sqlite:///{tmp_path / 'none.db'}")
    assert "no such store file" in str(error)
    assert list(tmp_path.iterdir()) == []


# -- stores that cannot be inspected, and looking without touching -----------------------


@pytest.mark.parametrize("command", [("set", "x", "1"), ("get", "x"), ("dump",), ("check",)])
def test_an_in_memory_config_is_refused_with_a_hint(tmp_path: Path, command: tuple[str, ...]) -> None:
    config = tmp_path / "mem.yaml"
    config.write_text("steps:\n  a:\n    type: noop\n")  # no memory section: storage memory
    error = fails(UsageError, *command, "-c", str(config))
    assert "in-memory" in str(error)
    assert "--store" in str(error)
    assert error.exit_code == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mem.yaml"]


def test_an_in_memory_store_url_is_refused() -> None:
    error = fails(UsageError, "set", "x", "1", "--store", "memory:")
    assert "--store memory:" in str(error)


READ_ONLY = [("get", "x"), ("list",), ("namespaces",), ("dump",), ("check",)]
STORE_FILES = ["file:///nope.json", "csv:///nope.csv", "sqlite:///nope.db"]


@pytest.mark.parametrize("url", STORE_FILES)
@pytest.mark.parametrize("command", READ_ONLY, ids=lambda c: c[0])
def test_read_only_commands_create_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, command: tuple[str, ...]
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(*command, "--store", url)
    if command == ("check",):
        assert isinstance(result.exception, StoreError)  # a missing store is not healthy
    else:
        assert result.exception is None, result.exception
    assert list(tmp_path.iterdir()) == []


def test_reading_a_missing_store_shows_it_empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert ok("get", "x", "--store", "sqlite:///nope.db") == "null\n"
    assert ok("dump", "--store", "sqlite:///nope.db", "-o", "json") == "{}\n"
    assert ok("list", "--store", "file:///nope.json") == "\n"


def test_export_of_a_missing_store_creates_only_the_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    ok("export", "out.db", "--store", "sqlite:///nope.db")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.db"]
