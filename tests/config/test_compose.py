"""extends / include / imports: Visor's merge rules, errors at the right file and line."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from visor_mem.config import load_config
from visor_mem.config.cache import load_config_cached
from visor_mem.config.specs import CommandStepSpec, LogStepSpec, MemoryStepSpec
from visor_mem.engine import run_config
from visor_mem.errors import ConfigError


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


BASE = """
version: "1.0"
env: {A: "1", B: "2"}
memory: {namespace: base, storage: memory}
routing: {max_loops: 4}
steps:
  hello:
    type: log
    message: hello from base
    tags: [x]
    on: [pr_opened]
  count: {type: memory, operation: increment, key: n}
  lint: {type: command, exec: "true", env: {P: "1", Q: "2"}, depends_on: [count]}
"""


def test_child_values_win_mappings_merge_lists_are_replaced(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", BASE)
    child = write(
        tmp_path,
        "child.yaml",
        """
        extends: ./base.yaml
        env: {B: "3", C: "4"}
        memory: {namespace: child}
        steps:
          hello: {message: hello from child, tags: null}
          lint: {env: {Q: null, R: "3"}, depends_on: []}
          extra: {type: noop}
        """,
    )
    spec = load_config(child).spec
    assert list(spec.steps) == ["hello", "count", "lint", "extra"]  # parent order, new steps after
    assert dict(spec.env) == {"A": "1", "B": "3", "C": "4"}
    assert (spec.memory.namespace, spec.routing.max_loops) == ("child", 4)
    hello, lint = spec.steps["hello"], spec.steps["lint"]
    assert isinstance(hello, LogStepSpec)
    assert isinstance(lint, CommandStepSpec)
    assert (hello.message, hello.tags, hello.on) == ("hello from child", (), ("pr_opened",))
    assert (dict(lint.env), lint.depends_on) == ({"P": "1", "R": "3"}, ())


def test_steps_without_on_become_manual_and_empty_on_disables(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", BASE)
    child = write(tmp_path, "child.yaml", "extends: base.yaml\nsteps:\n  hello: {on: []}\n  lint: {on: []}\n")
    spec = load_config(child).spec
    assert list(spec.steps) == ["count"]
    assert spec.steps["count"].on == ("manual",)  # Visor's mergeChecks default


def test_parents_merge_left_to_right_relative_to_the_file_naming_them(tmp_path: Path) -> None:
    write(tmp_path, "shared/one.yaml", "include: two.yaml\nsteps:\n  s: {type: log, message: one}\n")
    write(tmp_path, "shared/two.yaml", "steps:\n  s: {type: log, message: two}\n  t: {type: noop}\n")
    write(tmp_path, "three.yaml", "checks:\n  s: {type: log, message: three}\n  u: {type: noop}\n")
    child = write(
        tmp_path, "sub/c.yaml", "extends: [../shared/one.yaml, ../three.yaml]\nsteps:\n  v: {type: noop}\n"
    )
    spec = load_config(child).spec
    s = spec.steps["s"]
    assert isinstance(s, LogStepSpec)
    assert s.message == "three"  # steps and checks united, checks winning
    assert set(spec.steps) == {"s", "t", "u", "v"}


def test_an_error_in_a_parent_step_names_the_parent_file(tmp_path: Path) -> None:
    base = write(tmp_path, "base.yaml", "steps:\n  bad:\n    type: memory\n    operation: set\n    key: k\n")
    child = write(tmp_path, "child.yaml", "extends: base.yaml\nsteps:\n  ok: {type: noop}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(child)
    assert str(caught.value).startswith(f"{base.resolve()}:2:3: steps.bad.value: ")


def test_a_run_time_error_in_a_parent_step_names_the_parent_file(tmp_path: Path) -> None:
    base = write(
        tmp_path, "base.yaml", "steps:\n  boom:\n    type: script\n    content: throw new Error('x')\n"
    )
    child = write(tmp_path, "child.yaml", "extends: base.yaml\nsteps:\n  ok: {type: noop}\n")
    result = run_config(load_config(child))
    error = result.steps["boom"].error or ""
    assert str(base.resolve()) in error


def test_a_child_override_is_located_in_the_child(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", BASE)
    child = write(tmp_path, "child.yaml", "extends: base.yaml\nsteps:\n  count:\n    key: 5\n")
    with pytest.raises(ConfigError, match=rf"^{child}:4:5: steps.count.key: expected a string"):
        load_config(child)


@pytest.mark.parametrize(
    ("files", "fragment", "where"),
    [
        ({"c.yaml": "extends: missing.yaml\n"}, "file not found: ", "c.yaml:1:1: extends"),
        ({"c.yaml": "extends: [a.yaml]\n", "a.yaml": "extends: c.yaml\n"}, "extends cycle: ", "a.yaml:1:1"),
        ({"c.yaml": "extends: c.yaml\n"}, "extends cycle: ", "c.yaml:1:1"),
        ({"c.yaml": "extends: default\n"}, "bundled AI review config", "c.yaml:1:1"),
        ({"c.yaml": "include: https://x.test/a.yaml\n"}, "remote configs are not supported", "c.yaml:1:1"),
        ({"c.yaml": "extends: [1]\n"}, "expected a file path (string)", "c.yaml:1:11: extends.0"),
        ({"c.yaml": "extends: {a: 1}\n"}, "expected a file path or a list", "c.yaml:1:1"),
        ({"c.yaml": "extends: a.yaml\n", "a.yaml": "- 1\n"}, "does not hold a config mapping", "c.yaml:1:1"),
        ({"c.yaml": "extends: a.yaml\n", "a.yaml": "steps: [\n"}, "invalid YAML", "a.yaml:2:1"),
        ({"c.yaml": "extends: sub\n", "sub/x": ""}, "not a regular file", "c.yaml:1:1"),
        ({"c.yaml": "imports: [w.yaml]\nsteps: {a: {type: noop}}\n"}, "file not found", "c.yaml:1:11: imports.0"),
        (
            {"c.yaml": "imports: [w.yaml]\nsteps: {a: {type: noop}}\n", "w.yaml": "id: w\nsteps: {a: {type: noop}}\n"},
            "is not a reusable workflow (Visor requires name)",
            "c.yaml:1:11",
        ),
        (
            {
                "c.yaml": "imports: [w.yaml]\nsteps: {a: {type: noop}}\n",
                "w.yaml": "id: w\nname: W\nimports: [c.yaml]\nsteps: {a: {type: noop}}\n",
            },
            "imports cycle",
            "w.yaml:3:11",
        ),
    ],
    ids=[
        "missing", "cycle", "self", "default", "remote", "not-a-path", "not-a-list", "not-a-mapping",
        "parent-yaml-error", "folder", "import-missing", "import-not-a-workflow", "import-cycle",
    ],
)  # fmt: skip
def test_composition_errors_are_config_errors_at_their_line(
    tmp_path: Path, files: dict[str, str], fragment: str, where: str
) -> None:
    for name, text in files.items():
        write(tmp_path, name, text)
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "c.yaml")
    rendered = str(caught.value)
    assert fragment in rendered
    assert where in rendered.split(": ", 2)[0] + ": " + rendered.split(": ", 2)[1]


def test_a_chain_longer_than_ten_files_is_refused(tmp_path: Path) -> None:
    for index in range(12):
        write(tmp_path, f"c{index}.yaml", f"extends: c{index + 1}.yaml\n")
    write(tmp_path, "c12.yaml", "steps: {a: {type: noop}}\n")
    with pytest.raises(ConfigError, match="extends chain longer than 10 files"):
        load_config(tmp_path / "c0.yaml")


def test_a_fifo_parent_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    write(tmp_path, "c.yaml", "extends: pipe.yaml\nsteps: {a: {type: noop}}\n")
    with pytest.raises(ConfigError, match="not a regular file"):
        load_config(tmp_path / "c.yaml")


def test_imports_are_checked_and_not_merged(tmp_path: Path) -> None:
    write(tmp_path, "wf/w.yaml", "id: w\nname: W\nsteps:\n  inner: {type: noop}\n")
    child = write(tmp_path, "c.yaml", "imports: [wf/w.yaml]\nsteps:\n  a: {type: noop}\n")
    loaded = load_config(child)
    assert list(loaded.spec.steps) == ["a"]
    assert [Path(name).name for name, _ in loaded.sources] == ["w.yaml"]


def test_the_cache_follows_the_parent_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = {"VISOR_CACHE_DIR": str(tmp_path / "cache")}
    base = write(tmp_path, "base.yaml", "steps:\n  s: {type: memory, operation: set, key: k, value: 1}\n")
    child = write(tmp_path, "child.yaml", "extends: base.yaml\n")
    first = load_config_cached(child, cache)
    assert load_config_cached(child, cache) == first  # a hit
    base.write_text("steps:\n  s: {type: memory, operation: set, key: k, value: 2}\n", encoding="utf-8")
    step = load_config_cached(child, cache).spec.steps["s"]
    assert isinstance(step, MemoryStepSpec)
    assert step.value == 2
    base.unlink()
    with pytest.raises(ConfigError, match="file not found"):
        load_config_cached(child, cache)
