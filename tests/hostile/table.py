"""One row per hostile input: what is in the folder, the command, what must come out.

Every ``tests/hostile/test_*.py`` module builds a list of :class:`Case` and runs each
with :func:`run_case` against the venv's ``visor`` console script, in a fresh folder.
A row states the exit code, a fragment of the message and the files that must stay
byte-identical; :func:`check` also enforces what holds for every hostile input:
never exit 70, never a traceback, stdout strict JSON when ``-o json`` was asked.

Rows may need things bytes cannot express (a FIFO, a symlink, a chmod): ``setup``
runs in the folder after ``files`` are written and before the command.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

VISOR = Path(sys.executable).parent / "visor"
TIMEOUT_S = 30.0
"""No row may take longer: a hang is a failure of the row, not of the suite."""


@dataclass(frozen=True)
class Case:
    """One hostile input and what visor must do with it."""

    id: str
    argv: tuple[str, ...]  # arguments after `visor`; run in the case's folder
    exit_code: int
    message: str  # a fragment that must appear in stderr (case-sensitive); "" = no check
    files: Mapping[str, bytes | str] = field(default_factory=dict)  # written before the run
    unchanged: tuple[str, ...] = ()  # files (relative) whose bytes must not change
    setup: Callable[[Path], None] | None = None  # FIFOs, symlinks, chmod ...
    stdin: bytes = b""
    env: Mapping[str, str] = field(default_factory=dict)
    timeout: float = TIMEOUT_S
    stdout: str | None = None  # a fragment that must appear in stdout, if given
    absent: tuple[str, ...] = ()  # fragments that must appear in neither stdout nor stderr (secrets)


@dataclass(frozen=True)
class Outcome:
    """What one run of a row produced."""

    code: int
    stdout: str
    stderr: str


def prepare(case: Case, folder: Path) -> dict[str, bytes | None]:
    """Write the case's files, run its setup, and snapshot the files that must not change."""
    for name, data in case.files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            path.write_text(textwrap.dedent(data), encoding="utf-8")
        else:
            path.write_bytes(data)
    if case.setup is not None:
        case.setup(folder)
    return {name: _read(folder / name) for name in case.unchanged}


def _read(path: Path) -> bytes | None:
    """The bytes of a regular file, or None when it is missing or not a regular file."""
    if not path.is_file():  # never open a FIFO: that would block the test
        return None
    try:
        return path.read_bytes()
    except OSError:
        return None


def run_case(case: Case, folder: Path) -> Outcome:
    """Run the row's command with the venv's console script in ``folder``."""
    env = {**os.environ, "NO_COLOR": "1", **case.env}
    ran = subprocess.run(
        [str(VISOR), *case.argv],
        cwd=folder,
        input=case.stdin,
        capture_output=True,
        timeout=case.timeout,
        env=env,
        check=False,
    )
    out = ran.stdout.decode("utf-8", "replace")
    return Outcome(ran.returncode, out, ran.stderr.decode("utf-8", "replace"))


def check(case: Case, folder: Path, before: Mapping[str, bytes | None], outcome: Outcome) -> None:
    """Assert the row's expectations and the rules every hostile input obeys."""
    said = f"exit {outcome.code}\nstdout: {outcome.stdout[-800:]}\nstderr: {outcome.stderr[-1500:]}"
    assert outcome.code != 70, said
    assert "Traceback" not in outcome.stderr, said
    assert outcome.code == case.exit_code, said
    assert case.message in outcome.stderr, said
    if case.stdout is not None:
        assert case.stdout in outcome.stdout, said
    for secret in case.absent:
        assert secret not in outcome.stdout + outcome.stderr, said
    if "json" in case.argv and "-o" in case.argv and outcome.stdout.strip():
        json.loads(outcome.stdout, parse_constant=_refuse_constant)
    for name, data in before.items():
        assert _read(folder / name) == data, f"{name} changed\n{said}"


def _refuse_constant(name: str) -> object:
    raise AssertionError(f"-o json printed {name}: not strict JSON")


def run_and_check(case: Case, folder: Path) -> Outcome:
    """The whole row: prepare, run, check; returns the outcome for extra asserts."""
    before = prepare(case, folder)
    outcome = run_case(case, folder)
    check(case, folder, before, outcome)
    return outcome
