"""Every workflow in examples/ runs end to end and gives its checked-in JSON result.

Each example runs in a fresh temporary folder (file stores and counter files
start empty).  ``duration_ms`` is the only field left out of the comparison.
Regenerate the expected files with ``python -m tests.examples.regenerate``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from visor_mem.config import load_config
from visor_mem.engine import RunOptions, run_config

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NAMES = sorted(p.stem for p in EXAMPLES.glob("*.yaml"))


def without_durations(document: dict[str, Any]) -> dict[str, Any]:
    """The JSON result with the one timing-dependent field removed."""
    for step in document["steps"].values():
        step.pop("duration_ms", None)
    return document


def run_example(name: str, folder: Path) -> dict[str, Any]:
    """Copy an example into ``folder``, run it, return its JSON document."""
    config = folder / f"{name}.yaml"
    shutil.copy(EXAMPLES / f"{name}.yaml", config)
    result = run_config(load_config(config), RunOptions(max_parallel=2))
    return without_durations(json.loads(json.dumps(result.to_json())))


def test_there_are_examples() -> None:
    assert len(NAMES) >= 7


@pytest.mark.parametrize("name", NAMES)
def test_example_gives_its_expected_result(tmp_path: Path, name: str) -> None:
    expected = json.loads((EXAMPLES / "expected" / f"{name}.json").read_text(encoding="utf-8"))
    assert run_example(name, tmp_path) == expected
