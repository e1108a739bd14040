"""One option table: ``visor run --opt`` and ``visor_mem.run(opt=...)`` parse alike and run alike."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import visor_mem
from tests.helpers import write_config
from visor_mem.cli import main
from visor_mem.options import OPTIONS, click_options, run_fields


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str


@pytest.fixture
def visor(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """``visor(*argv)``: ``main`` in-process, outside GitHub Actions."""
    for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)

    def call(*argv: str) -> Outcome:
        code = main(list(argv))
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return call


CONFIG = """\
    memory:
      storage: sqlite
      file: config-store.db
    steps:
      greet:
        type: memory
        operation: set
        key: greeting
        value: "{{ vars.who }} #{{ pr.number }}"
      fast:
        type: memory
        operation: increment
        key: fast
        tags: [fast]
        depends_on: greet
      slow:
        type: memory
        operation: increment
        key: slow
        tags: [slow]
      lint:
        type: noop
        tags: [lint]
"""


@dataclass(frozen=True)
class Same:
    """The same options, spelled for the command line and for Python."""

    id: str
    argv: tuple[str, ...]
    kwargs: dict[str, Any]


SAME = [
    Same("none", (), {}),
    Same("only-string", ("--only", "fast"), {"only": "fast"}),
    Same("only-list", ("--only", "fast", "--only", "slow"), {"only": ["fast", "slow"]}),
    Same("tags-comma-string", ("--tags", "fast,slow"), {"tags": "fast,slow"}),
    Same("tags-list", ("--tags", "fast", "--tags", "lint"), {"tags": ["fast", "lint"]}),
    Same(
        "exclude",
        ("--tags", "fast,slow", "--exclude-tags", "slow"),
        {"tags": "fast,slow", "exclude_tags": "slow"},
    ),
    Same("var-list", ("--var", "who=me", "--var", "x=a=b"), {"var": ["who=me", "x=a=b"]}),
    Same("var-string", ("--var", "who=you"), {"var": "who=you"}),
    Same("var-mapping", ("--var", "who=them"), {"var": {"who": "them"}}),
    Same("event", ("--event", "manual"), {"event": "manual"}),
    Same("pr-path", ("--pr", "pr.json"), {"pr": "pr.json"}),
    Same("pr-mapping", ("--pr", "pr.json"), {"pr": {"number": 7}}),
    Same("store", ("--store", "sqlite:///other.db"), {"store": "sqlite:///other.db"}),
    Same("store-json", ("--store", "file:///other.json"), {"store": "file:///other.json"}),
    Same(
        "numbers-and-flags",
        ("--max-parallel", "1", "--js-timeout", "2", "--lock-timeout", "0", "--fail-fast", "--debug"),
        {"max_parallel": 1, "js_timeout": 2, "lock_timeout": 0, "fail_fast": True, "debug": True},
    ),
]


def _folder(base: Path, name: str) -> Path:
    """A fresh project: the config and pr.json; each run gets its own, so stores start empty."""
    folder = base / name
    folder.mkdir()
    write_config(folder, CONFIG)
    (folder / "pr.json").write_text(json.dumps({"number": 7}))
    return folder


def _comparable(document: dict[str, Any]) -> dict[str, Any]:
    for step in document["steps"].values():
        step.pop("duration_ms")
    return document


@pytest.mark.parametrize("case", SAME, ids=[c.id for c in SAME])
def test_the_cli_and_the_api_run_alike(
    visor: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: Same
) -> None:
    monkeypatch.chdir(_folder(tmp_path, "cli"))
    outcome = visor("run", ".visor.yaml", "-o", "json", *case.argv)
    assert outcome.code == 0, outcome.err
    by_cli = _comparable(json.loads(outcome.out))
    monkeypatch.chdir(_folder(tmp_path, "api"))
    result = visor_mem.run(".visor.yaml", **case.kwargs)
    assert _comparable(result.to_json()) == by_cli
    assert result.store is not None
    assert result.store.dump() == by_cli["memory"]  # still readable: the store was closed


def test_the_cases_cover_every_option() -> None:
    given = {name for case in SAME for name in case.kwargs}
    assert given == {option.name for option in OPTIONS}


@dataclass(frozen=True)
class Bad:
    id: str
    argv: tuple[str, ...]
    kwargs: dict[str, Any]
    message: str


BAD = [
    Bad("var-no-equals", ("--var", "who"), {"var": ["who"]}, "expected KEY=VALUE, got 'who'"),
    Bad("event", ("--event", "push"), {"event": "push"}, "unknown event 'push'; expected one of: pr_opened"),
    Bad("pr-missing", ("--pr", "nope.json"), {"pr": "nope.json"}, "cannot read nope.json"),
    Bad(
        "pr-not-object",
        ("--pr", "list.json"),
        {"pr": "list.json"},
        "list.json must hold a JSON object, not list",
    ),
    Bad("pr-bad-json", ("--pr", "bad.json"), {"pr": "bad.json"}, "bad.json:1:2: not a JSON value"),
    Bad("store-url", ("--store", "mysql://x"), {"store": "mysql://x"}, "bad store URL 'mysql://x'"),
    Bad("parallel-zero", ("--max-parallel", "0"), {"max_parallel": 0}, "from 1 to 1024"),
    Bad("parallel-text", ("--max-parallel", "many"), {"max_parallel": "many"}, "expected a whole number"),
    Bad("js-nan", ("--js-timeout", "nan"), {"js_timeout": float("nan")}, "expected a finite number"),
]


@pytest.mark.parametrize("case", BAD, ids=[c.id for c in BAD])
def test_bad_values_are_refused_alike(
    visor: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: Bad
) -> None:
    monkeypatch.chdir(_folder(tmp_path, "project"))
    Path("list.json").write_text("[1]")
    Path("bad.json").write_text("{,}")
    outcome = visor("run", ".visor.yaml", "-o", "json", *case.argv)
    assert outcome.code == 2
    assert case.message in outcome.err
    if case.id == "store-url":
        assert outcome.err.count("\n") == 1  # one line, as every visor error
    with pytest.raises(visor_mem.UsageError, match="run\\(\\): ") as caught:
        visor_mem.run(".visor.yaml", **case.kwargs)
    assert case.message in str(caught.value)
    assert not Path("config-store.db").exists()  # refused before anything ran


API_ONLY_BAD = [
    ("only", 3, "expected a string or a list of strings, got int"),
    ("tags", [1, 2], "expected a string or a list of strings, got list"),
    ("pr", 7, "expected a JSON file path or a mapping, got int"),
    ("fail_fast", "yes", "expected true or false, got 'yes'"),
    ("max_parallel", 2.5, "expected a whole number"),
    ("var", {"k": 1}, "expected KEY=VALUE strings"),
]


@pytest.mark.parametrize(("name", "value", "message"), API_ONLY_BAD, ids=[b[0] for b in API_ONLY_BAD])
def test_python_values_of_the_wrong_type_are_usage_errors(name: str, value: Any, message: str) -> None:
    with pytest.raises(visor_mem.UsageError, match="run\\(\\): " + name) as caught:
        run_fields({name: value})
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_every_option_is_a_click_option_under_its_name() -> None:
    import click

    @click.command()
    @click_options
    def command(**fields: Any) -> None:
        pass

    flags = {opt for param in command.params for opt in param.opts}
    assert flags == {"--" + option.name.replace("_", "-") for option in OPTIONS}


BACKENDS = ["memory", "file", "sqlite", "redis"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_result_store_is_readable_after_the_run(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    memory = {"storage": backend}
    if backend in ("file", "sqlite"):
        memory["file"] = str(tmp_path / f"m.{backend}")
    if backend == "redis":
        memory["url"] = request.getfixturevalue("redis_url")
    steps = {"a": {"type": "memory", "operation": "set", "key": "k", "value": [1, "two"], "namespace": "ns"}}
    result = visor_mem.run({"memory": memory, "steps": steps})
    assert result.store is not None
    assert result.store.get("k", "ns") == [1, "two"]
    assert result.store.dump() == result.memory == {"ns": {"k": [1, "two"]}}
    assert os.environ.get("VISOR_CACHE_DIR")  # the autouse fixture kept the cache private
