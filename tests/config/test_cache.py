"""The compiled-config cache: hits skip pydantic, any change is a miss, problems are misses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import write_config
from visor_mem.config.cache import cache_folder, load_config_cached
from visor_mem.errors import ConfigError

CONFIG = """
    version: "1.0"
    output: {}
    steps:
      a: {type: memory, operation: set, key: k, value: 1}
"""


def env(folder: Path) -> dict[str, str]:
    return {"VISOR_CACHE_DIR": str(folder)}


def test_a_second_load_comes_from_the_cache_with_its_warnings(tmp_path: Path) -> None:
    path = write_config(tmp_path, CONFIG)
    first = load_config_cached(path, env(tmp_path / "cache"))
    assert len(list((tmp_path / "cache").glob("*.pickle"))) == 1
    second = load_config_cached(path, env(tmp_path / "cache"))
    assert second == first
    assert second.warnings == first.warnings != ()


def test_an_edited_config_is_loaded_again_and_replaces_its_entry(tmp_path: Path) -> None:
    path = write_config(tmp_path, CONFIG)
    load_config_cached(path, env(tmp_path / "cache"))
    path.write_text(CONFIG.replace("value: 1", "value: 2"))
    loaded = load_config_cached(path, env(tmp_path / "cache"))
    assert loaded.spec.steps["a"].value == 2  # type: ignore[attr-defined]
    assert len(list((tmp_path / "cache").glob("*.pickle"))) == 1


def test_invalid_configs_are_never_cached(tmp_path: Path) -> None:
    path = write_config(tmp_path, "steps:\n  a: {type: nope}\n")
    for _ in range(2):
        with pytest.raises(ConfigError):
            load_config_cached(path, env(tmp_path / "cache"))
    assert not list((tmp_path / "cache").glob("*.pickle"))


def test_a_corrupt_entry_is_a_miss(tmp_path: Path) -> None:
    path = write_config(tmp_path, CONFIG)
    load_config_cached(path, env(tmp_path / "cache"))
    (entry,) = (tmp_path / "cache").glob("*.pickle")
    entry.write_bytes(b"not a pickle")
    assert load_config_cached(path, env(tmp_path / "cache")).spec.steps


def test_a_folder_others_can_write_is_not_trusted(tmp_path: Path) -> None:
    path = write_config(tmp_path, CONFIG)
    folder = tmp_path / "cache"
    load_config_cached(path, env(folder))
    folder.chmod(0o777)
    (entry,) = folder.glob("*.pickle")
    entry.write_bytes(b"planted")  # would raise if it were unpickled
    assert load_config_cached(path, env(folder)).spec.steps


def test_cache_can_be_turned_off() -> None:
    assert cache_folder({"VISOR_NO_CACHE": "1", "VISOR_CACHE_DIR": "/x"}) is None
    assert cache_folder({"XDG_CACHE_HOME": "/c"}) == Path("/c/visor_mem")


def test_a_cached_run_imports_neither_pydantic_nor_yaml(tmp_path: Path) -> None:
    path = write_config(tmp_path, CONFIG)
    code = (
        "import sys; from visor_mem.cli import main; code = main(['run', '-o', 'json', sys.argv[1]]);"
        "print(sorted(m for m in ('pydantic', 'yaml') if m in sys.modules), file=sys.stderr)"
    )
    environ = {**os.environ, **env(tmp_path / "cache")}
    runs = [
        subprocess.run(
            [sys.executable, "-c", code, str(path)], capture_output=True, text=True, env=environ, check=True
        )
        for _ in range(2)
    ]
    assert runs[0].stderr.strip().endswith("['pydantic', 'yaml']")
    assert runs[1].stderr.strip().endswith("[]")
    first, second = (json.loads(run.stdout) for run in runs)
    assert first["memory"] == second["memory"] == {"default": {"k": 1}}


def test_the_cache_keeps_a_bounded_number_of_entries_dropping_the_least_recently_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from visor_mem.config import cache

    monkeypatch.setattr(cache, "MAX_ENTRIES", 3)
    folder = tmp_path / "cache"
    paths = [write_config(tmp_path, CONFIG, f"c{i}.yaml") for i in range(5)]
    for path in paths[:3]:
        load_config_cached(path, env(folder))
        for entry in folder.glob("*.pickle"):  # mtimes a second apart: the order is unambiguous
            os.utime(entry, (entry.stat().st_mtime - 10, entry.stat().st_mtime - 10))
    load_config_cached(paths[0], env(folder))  # a hit: c0 is now the most recently used
    load_config_cached(paths[3], env(folder))  # a fourth entry: the least recently used (c1) goes
    kept = {entry.name.split("-")[0] for entry in folder.glob("*.pickle")}
    assert kept == {
        cache._entry_name(p, p.read_bytes()).split("-")[0] for p in (paths[0], paths[2], paths[3])
    }
    load_config_cached(paths[4], env(folder))
    assert len(list(folder.glob("*.pickle"))) == 3
