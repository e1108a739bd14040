"""Every workflow in examples/ has a `visor test` suite beside it, and the suite passes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.examples.test_examples import EXAMPLES, NAMES
from visor_mem.cli import main


def test_every_example_has_a_suite() -> None:
    assert [name for name in NAMES if not (EXAMPLES / f"{name}.tests.yaml").is_file()] == []


@pytest.mark.parametrize("name", NAMES)
def test_example_suite_passes_through_visor_test(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # nothing may be written beside the examples, or here
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    junit = tmp_path / "junit.xml"
    code = main(["test", str(EXAMPLES / f"{name}.tests.yaml"), "-o", "json", "--junit", str(junit)])
    document = json.loads(capsys.readouterr().out)
    failing = [case for case in document["cases"] if case["status"] != "passed"]
    assert (code, failing) == (0, [])
    assert document["summary"]["passed"] >= 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junit.xml"]
