"""Hostile command output and process trees under `visor run` (issue 10, "Commands")."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.hostile.table import VISOR, Case, run_and_check


def _config(command: str, timeout: float | None = None) -> str:
    limit = "" if timeout is None else f", timeout: {timeout}"
    return f'version: "1.0"\nsteps:\n  c: {{type: command, exec: {json.dumps(command)}{limit}}}\n'


def _row(
    id: str, command: str, code: int, output: str, timeout: float | None = None, message: str = ""
) -> Case:
    """Run ``command`` as the one step; ``output`` is a fragment of the -o json document."""
    files = {
        "c.yaml": _config(command, timeout),
        "deep.json": "[" * 1000 + "]" * 1000,
        "nan.json": '{"a": NaN}',
    }
    return Case(id, ("run", "c.yaml", "-o", "json"), code, message, files, stdout=output, timeout=20)


CASES = [
    _row("latin-1 stdout", r"printf 'caf\351'", 0, '"output": "caf\ufffd"'),
    _row("latin-1 stderr of a failure", r"printf 'bad \377' >&2; exit 3", 1, '"stderr": "bad \ufffd"'),
    _row("NaN stdout stays text", "echo NaN", 0, '"output": "NaN"'),
    _row("Infinity stdout stays text", "echo -Infinity", 0, '"output": "-Infinity"'),
    _row("1e999 stdout stays text", "echo 1e999", 0, '"output": "1e999"'),
    _row("NaN inside an object stays text", "cat nan.json", 0, '"output": "{\\"a\\": NaN}"'),
    _row("nesting 1000 deep stays text", "cat deep.json", 0, '"output": "[[[['),
    _row("a 5000-digit number stays text", "printf '9%.0s' $(seq 5000)", 0, '"output": "9999'),
    _row("a background child does not hold the step", "sleep 60 & echo hi", 0, '"output": "hi"'),
    _row("an escaped grandchild does not hold the step", "setsid sleep 60 & echo hi", 0, '"output": "hi"'),
    _row("setsid grandchild + timeout", "setsid sleep 30 & sleep 100", 1, '"timeout": true', timeout=1),
    _row("strict JSON stays structured", "echo '{\"n\": [1, 2.5e3]}'", 0, '"n": [\n'),
]


FLOOD = Case(
    "endless output stops at the limit",
    ("run", "c.yaml", "-o", "json"),
    1,
    "",
    {"c.yaml": 'version: "1.0"\nlimits: {command_output_mb: 1}\nsteps:\n  c: {type: command, exec: "yes"}\n'},
    stdout="Command printed more than 1 MiB on stdout (limits.command_output_mb); it was stopped",
    timeout=20,
)


@pytest.mark.parametrize("case", [*CASES, FLOOD], ids=lambda c: c.id)
def test_hostile_command_output(case: Case, tmp_path: Path) -> None:
    run_and_check(case, tmp_path)


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT], ids=lambda s: s.name)
def test_a_signal_ends_the_run_and_every_command_of_it(tmp_path: Path, signum: signal.Signals) -> None:
    (tmp_path / "c.yaml").write_text(_config("echo $$ > sh.pid; sleep 100 & setsid sleep 100 & sleep 100"))
    run = subprocess.Popen(
        [str(VISOR), "run", "c.yaml"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 20
        while not (tmp_path / "sh.pid").exists() or not (tmp_path / "sh.pid").read_text().strip():
            assert time.monotonic() < deadline, "the command never started"
            time.sleep(0.02)
        run.send_signal(signum)
        _, err = run.communicate(timeout=20)  # the escaped `setsid sleep` holds no one up
    finally:
        run.kill()
        run.wait()
    assert run.returncode == 130
    assert b"interrupted" in err
    shell = int((tmp_path / "sh.pid").read_text())
    deadline = time.monotonic() + 20
    while not _gone(shell):
        assert time.monotonic() < deadline, "the command outlived the run"
        time.sleep(0.02)
