"""Fixtures for CLI tests: call ``main`` in-process and capture what it wrote."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from visor_mem.cli import main

AMBIENT = ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "NO_COLOR", "FORCE_COLOR")
"""Variables of the machine running the tests that would change what visor prints."""


@dataclass(frozen=True)
class Outcome:
    """What one ``visor`` invocation did."""

    code: int
    out: str
    err: str


Visor = Callable[..., Outcome]


@pytest.fixture
def visor(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Visor:
    """``visor(*argv)`` runs ``main`` in-process; crash logs go under tmp_path."""
    for name in AMBIENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))

    def call(*argv: str) -> Outcome:
        code = main(list(argv))
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return call
