"""Every workflow in examples/ runs end to end and gives its checked-in JSON result.

Each example runs in a fresh temporary folder (file stores and counter files
start empty).  ``duration_ms`` is the only field left out of the comparison.
Regenerate the expected files with ``python -m tests.examples.regenerate``.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from visor_mem.config import load_config
from visor_mem.engine import RunOptions, run_config

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NAMES = sorted(p.stem for p in EXAMPLES.glob("*.yaml") if not p.name.endswith(".tests.yaml"))
"""The workflows; each `NAME.tests.yaml` beside one is its `visor test` suite (tests/examples/test_suites.py)."""


def without_durations(document: dict[str, Any]) -> dict[str, Any]:
    """The JSON result with the one timing-dependent field removed."""
    for step in document["steps"].values():
        step.pop("duration_ms", None)
    return document


def run_example(name: str, folder: Path) -> dict[str, Any]:
    """Copy an example into ``folder``, run it, return its JSON document."""
    config = folder / f"{name}.yaml"
    shutil.copy(EXAMPLES / f"{name}.yaml", config)
    # Outside GitHub Actions whatever runs the tests: the GitHub context is part of some results.
    environ = {name: value for name, value in os.environ.items() if not name.startswith("GITHUB_")}
    result = run_config(load_config(config), RunOptions(max_parallel=2, environ=environ))
    return without_durations(json.loads(json.dumps(result.to_json())))


def test_there_are_examples() -> None:
    assert len(NAMES) >= 7


@pytest.mark.parametrize("name", NAMES)
def test_example_gives_its_expected_result(tmp_path: Path, name: str) -> None:
    expected = json.loads((EXAMPLES / "expected" / f"{name}.json").read_text(encoding="utf-8"))
    assert run_example(name, tmp_path) == expected


def test_session_scratch_persists_memory_but_not_the_session(tmp_path: Path) -> None:
    run_example("session-scratch", tmp_path)
    second = run_example("session-scratch", tmp_path)
    assert second["steps"]["show"]["output"] == {"runs": 2, "request": "req-2", "persisted": False}
    assert json.loads((tmp_path / ".visor" / "state.json").read_text(encoding="utf-8")) == {
        "default": {"runs": 2}
    }


def test_state_machine_records_the_failed_state(tmp_path: Path) -> None:
    config = tmp_path / "state-machine.yaml"
    text = (EXAMPLES / "state-machine.yaml").read_text(encoding="utf-8")
    config.write_text(
        text.replace(
            'exec: "true"\n    depends_on: [set-state-built]',
            'exec: "false"\n    depends_on: [set-state-built]',
        )
    )
    result = run_config(load_config(config))
    assert result.memory == {"deployment": {"state": "test_failed"}}
    assert result.steps["deploy"].reason == "dependency 'set-state-tested' never ran"
    assert not result.ok
    saved = json.loads((tmp_path / ".visor" / "workflow.json").read_text(encoding="utf-8"))
    assert saved == {"deployment": {"state": "test_failed"}}


def test_error_collection_appends_each_error_exactly_once(tmp_path: Path) -> None:
    document = run_example("error-collection", tmp_path)
    assert document["memory"]["default"]["errors"] == ["lint: unused import"]
    assert document["steps"]["collect-lint-error"]["runs"] == 1
    assert (tmp_path / ".visor" / "errors.json").read_text(encoding="utf-8") == (
        '{\n  "default": {\n    "errors": [\n      "lint: unused import"\n    ]\n  }\n}'
    )


def test_running_every_example_twice_leaves_git_status_clean(tmp_path: Path) -> None:
    """As a user would: from the root of a clone, `visor run examples/X.yaml`, twice."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    shutil.copy(root / ".gitignore", tmp_path / ".gitignore")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(tmp_path)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "examples"], check=True)
    visor = Path(sys.executable).with_name("visor")
    said = []
    for name in NAMES:
        for _ in range(2):
            done = subprocess.run(
                [visor, "run", f"examples/{name}.yaml"], cwd=tmp_path, capture_output=True, text=True
            )
            said.append(done.stderr)
    status = subprocess.run([*git, "status", "--porcelain"], capture_output=True, text=True, check=True)
    assert status.stdout == ""
    retries = [line for text in said for line in text.splitlines() if "Tests passed after" in line]
    assert retries == ["[report] Tests passed after 2 retries"] * 2  # the second run too
