"""Shell completion of ``--only``: the step names of the config, through the real console script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

VISOR = Path(sys.executable).with_name("visor")

STEPS = "steps:\n  build:\n    type: noop\n  bump:\n    type: noop\n  test:\n    type: noop\n"


def complete(folder: Path, words: str) -> list[str]:
    """What bash completion offers for the last word of ``words``."""
    env = {**os.environ, "_VISOR_COMPLETE": "bash_complete", "COMP_WORDS": words}
    env["COMP_CWORD"] = str(len(words.split(" ")) - 1)
    done = subprocess.run([str(VISOR)], cwd=folder, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return [line.partition(",")[2] for line in done.stdout.splitlines() if line]


@pytest.mark.parametrize(
    ("words", "offered"),
    [
        ("visor run --only b", ["build", "bump"]),
        ("visor run --only ", ["build", "bump", "test"]),
        ("visor run other.yaml --only ", ["lint"]),
        ("visor run --only x", []),
    ],
)
def test_only_completes_step_names(tmp_path: Path, words: str, offered: list[str]) -> None:
    (tmp_path / ".visor.yaml").write_text(STEPS)
    (tmp_path / "other.yaml").write_text("steps:\n  lint:\n    type: noop\n")
    assert complete(tmp_path, words) == offered


@pytest.mark.parametrize("config", ["steps: [", "steps:\n  a:\n    type: nope\n", None])
def test_a_broken_or_missing_config_completes_nothing_quietly(tmp_path: Path, config: str | None) -> None:
    if config is not None:
        (tmp_path / ".visor.yaml").write_text(config)
    assert complete(tmp_path, "visor run --only ") == []
