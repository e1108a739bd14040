"""Valid configs load: the reference examples, Visor-only keys, aliases and positions."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from visor_mem.config import LoadedConfig, load_config
from visor_mem.config.specs import LogStepSpec, MemoryStepSpec, ScriptStepSpec
from visor_mem.errors import ConfigError

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLES = sorted(FIXTURES.glob("*.yaml"))


def _load(tmp_path: Path, text: str) -> LoadedConfig:
    path = tmp_path / ".visor.yaml"
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return load_config(path)


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_reference_examples_load(example: Path) -> None:
    loaded = load_config(example)
    assert loaded.spec.steps
    assert loaded.warnings == ()
    assert loaded.path == example
    for name in loaded.spec.steps:
        assert loaded.locate(f"steps.{name}").line is not None


def test_examples_are_present() -> None:
    assert len(EXAMPLES) == 7


def test_positions_point_at_keys_and_items(tmp_path: Path) -> None:
    loaded = _load(
        tmp_path,
        """
        version: "1.0"
        steps:
          build:
            type: command
            exec: make
            depends_on: [init, lint]
          init: {type: noop}
          lint: {type: noop}
        """,
    )
    assert loaded.positions["steps.build"] == (3, 3)
    assert loaded.positions["steps.build.exec"] == (5, 5)
    assert loaded.positions["steps.build.depends_on.1"] == (6, 24)
    assert loaded.locate("steps.build.on_fail.goto").line == 3  # falls back to the step


def test_inert_visor_keys_warn_once_each_and_are_dropped(tmp_path: Path) -> None:
    loaded = _load(
        tmp_path,
        """
        version: "1.0"
        max_parallelism: 3
        output:
          pr_comment: {format: markdown}
        steps:
          a: {type: noop, prompt: x}
          b: {type: noop, prompt: y}
        """,
    )
    path = tmp_path / ".visor.yaml"
    assert loaded.spec.max_parallelism == 3
    assert loaded.warnings == (
        f"{path}:3:1: warning: output: Visor key 'output' has no effect here: "
        "PR comment and check-run formatting; ignored",
        f"{path}:6:19: warning: steps.a.prompt: Visor key 'prompt' has no effect here: "
        "AI steps only; ignored (and 1 more)",
    )


def test_extension_keys_are_ignored_everywhere(tmp_path: Path) -> None:
    loaded = _load(
        tmp_path,
        """
        x-defaults: &save {type: memory, operation: set}
        steps:
          a:
            <<: *save
            key: k
            value: {x-kept: 1}
            x-note: ignored
        """,
    )
    step = loaded.spec.steps["a"]
    assert isinstance(step, MemoryStepSpec)
    assert (step.key, step.value) == ("k", {"x-kept": 1})
    assert loaded.warnings == ()


def test_checks_alias_and_logger_type(tmp_path: Path) -> None:
    loaded = _load(
        tmp_path,
        """
        version: 1
        checks:
          say: {type: logger, message: hi}
          run-js: {type: script, script_js: "return 1"}
        """,
    )
    assert loaded.spec.version == "1"
    assert isinstance(loaded.spec.steps["say"], LogStepSpec)
    script = loaded.spec.steps["run-js"]
    assert isinstance(script, ScriptStepSpec)
    assert script.content == "return 1"
    assert loaded.locate("steps.say.message").line == 3


def test_values_keep_yaml_types_and_dates_stay_text(tmp_path: Path) -> None:
    loaded = _load(
        tmp_path,
        """
        steps:
          a: {type: memory, operation: set, key: k, value: [1, 2.5, true, null, 2024-01-31, "007"]}
        """,
    )
    step = loaded.spec.steps["a"]
    assert isinstance(step, MemoryStepSpec)
    assert step.value == [1, 2.5, True, None, "2024-01-31", "007"]


def test_mapping_input(tmp_path: Path) -> None:
    loaded = load_config({"version": "1.0", "output": {}, "steps": {"a": {"type": "noop"}}})
    assert loaded.path is None
    assert list(loaded.spec.steps) == ["a"]
    assert loaded.warnings == (
        "warning: output: Visor key 'output' has no effect here: PR comment and check-run formatting; ignored",
    )


def test_long_chain_has_no_recursion_problem(tmp_path: Path) -> None:
    lines = ["steps:"] + [
        f"  s{i}: {{type: noop, depends_on: [s{i - 1}]}}" if i else "  s0: {type: noop}" for i in range(3000)
    ]
    path = tmp_path / "chain.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert len(load_config(path).spec.steps) == 3000


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("stpes:\n  a: {type: noop}\n", "t.yaml:1:1: stpes: unknown field 'stpes'; did you mean 'steps'?"),
        (
            'version: "1.0"\nchecsk:\n  a: {type: noop}\n',
            "t.yaml:2:1: checsk: unknown field 'checsk'; did you mean 'checks'?",
        ),
        (
            'version: "1.0"\nfoo: 1\n',
            "t.yaml:1:1: steps: required: a mapping of step names to steps (or 'checks')",
        ),
    ],
)
def test_a_misspelt_steps_key_is_named_where_it_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("t.yaml").write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config("t.yaml")
    assert str(caught.value) == message
