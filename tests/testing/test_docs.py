"""docs/testing.md shows real files and real output: its walkthrough runs as printed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.cli.conftest import Visor

DOC = Path(__file__).resolve().parents[2] / "docs" / "testing.md"
TIMINGS = re.compile(r"\(\d+ ms\)|in \d+\.\d+s")


def block_after(marker: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(re.escape(marker) + r"\n```\w*\n(.*?)```", text, re.S)
    assert match, marker
    return match.group(1)


def test_walkthrough_output_is_real(visor: Visor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("release.yaml", "release.tests.yaml"):
        (tmp_path / name).write_text(block_after(f"<!-- file: {name} -->"), encoding="utf-8")
    command, *shown = block_after("<!-- output: first run -->").splitlines()
    assert command == "$ visor test release.tests.yaml"
    outcome = visor("test", "release.tests.yaml")
    assert outcome.code == 1
    assert TIMINGS.sub("", outcome.out).splitlines() == TIMINGS.sub("", "\n".join(shown)).splitlines()
    workflow = tmp_path / "release.yaml"
    workflow.write_text(workflow.read_text(encoding="utf-8").replace("< 2 ?", "< 3 ?"), encoding="utf-8")
    assert visor("test", "release.tests.yaml").code == 0
