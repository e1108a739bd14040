"""The ``visor`` group and its one error boundary."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click
import pytest

import visor_mem
from tests.cli.conftest import Visor
from visor_mem.cli import COMMANDS, LazyGroup, main
from visor_mem.cli.boundary import ReaderGone, guarded, sigterm_as_interrupt, write_crash_log
from visor_mem.errors import ConfigError, Interrupted, Location, StepFailed, StoreError, UsageError

VISOR = Path(sys.executable).with_name("visor")


def test_help_lists_the_commands(visor: Visor) -> None:
    outcome = visor("--help")
    assert outcome.code == 0
    assert outcome.out.startswith("Usage: visor [OPTIONS] COMMAND")
    assert "Exit codes" in outcome.out
    for name in COMMANDS:
        assert f"  {name} " in outcome.out


def test_version(visor: Visor) -> None:
    assert visor("--version") == visor("-V")
    assert visor("--version").out == f"visor {visor_mem.__version__}\n"


@pytest.mark.parametrize(
    "argv",
    [[], ["frobnicate"], ["run", "--no-such-option"]],
    ids=["none", "unknown-command", "unknown-option"],
)
def test_bad_usage_exits_2_with_usage_on_stderr(visor: Visor, argv: list[str]) -> None:
    outcome = visor(*argv)
    assert outcome.code == 2
    assert outcome.out == ""
    assert "Usage: visor" in outcome.err


def test_main_reads_sys_argv_by_default(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["visor", "--version"])
    assert main() == 0
    assert capsys.readouterr().out.startswith("visor ")


def test_every_registered_command_imports_as_a_click_command() -> None:
    group = LazyGroup(lazy_commands=COMMANDS)
    context = click.Context(group)
    for name in COMMANDS:
        assert isinstance(group.get_command(context, name), click.Command)
    assert group.get_command(context, "nope") is None


def test_a_registry_entry_that_is_not_a_command_is_a_bug() -> None:
    group = LazyGroup(lazy_commands={"bad": "visor_mem.cli:main"})
    with pytest.raises(TypeError, match="is not a click command"):
        group.get_command(click.Context(group), "bad")


# -- the error boundary ------------------------------------------------------


@dataclass(frozen=True)
class Case:
    id: str
    error: BaseException
    code: int
    stderr: str


def _raise(error: BaseException) -> Callable[[], int]:
    def command() -> int:
        raise error

    return command


BOUNDARY = [
    Case(
        "config",
        ConfigError("expected a mapping", Location("a.yaml", 3, 5, "steps.x")),
        2,
        "a.yaml:3:5: steps.x: expected a mapping\n",
    ),
    Case("store", StoreError("cannot parse m.json: line 1"), 2, "cannot parse m.json: line 1\n"),
    Case("usage", UsageError("--only nope: no such step"), 2, "--only nope: no such step\n"),
    Case("step-failed", StepFailed("build failed"), 1, "build failed\n"),
    Case(
        "interrupted-by-engine",
        Interrupted("interrupted; committed steps are kept"),
        130,
        "interrupted; committed steps are kept\n",
    ),
    Case("keyboard-interrupt", KeyboardInterrupt(), 130, "interrupted\n"),
    Case("click-abort", click.Abort(), 130, "interrupted\n"),
    Case("click-usage", click.UsageError("no such option: --x"), 2, "Error: no such option: --x\n"),
    Case("reader-gone", ReaderGone(), 141, ""),
]


@pytest.mark.parametrize("case", BOUNDARY, ids=[c.id for c in BOUNDARY])
def test_boundary_maps_each_error_to_one_line_and_an_exit_code(
    case: Case, capsys: pytest.CaptureFixture[str]
) -> None:
    assert guarded(_raise(case.error)) == case.code
    captured = capsys.readouterr()
    assert captured.err == case.stderr
    assert captured.out == ""


def test_boundary_passes_the_command_exit_code_through() -> None:
    assert guarded(lambda: 1) == 1


def test_unexpected_error_is_one_line_plus_a_log_with_the_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert guarded(_raise(RuntimeError("boom\nsecond line"))) == 70
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    prefix = "visor: internal error: RuntimeError: boom (details in "
    assert err.startswith(prefix)
    log = Path(err[len(prefix) : -len(")\n")])
    assert log.parent == tmp_path / "visor"
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text
    assert "RuntimeError: boom" in text


def test_crash_log_falls_back_to_the_temp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("")  # a file where the state folder should be: mkdir fails
    (tmp_path / "tmp").mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    monkeypatch.setattr("tempfile.tempdir", None)
    path = write_crash_log(ValueError("x"), {"XDG_STATE_HOME": str(blocked)})
    assert path.parent == tmp_path / "tmp" / "visor"
    assert "ValueError: x" in path.read_text(encoding="utf-8")


def _terminate_self() -> None:
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(5)  # the handler interrupts this at once


def test_sigterm_raises_keyboard_interrupt_inside_and_is_restored_after() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with sigterm_as_interrupt(), pytest.raises(KeyboardInterrupt):
        _terminate_self()
    assert signal.getsignal(signal.SIGTERM) is before


def test_sigterm_handling_is_skipped_outside_the_main_thread() -> None:
    seen: list[object] = []

    def worker() -> None:
        with sigterm_as_interrupt():
            seen.append(signal.getsignal(signal.SIGTERM))

    before = signal.getsignal(signal.SIGTERM)
    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == [before]


# -- the console script ------------------------------------------------------


def test_console_script_exits_with_main_exit_code(tmp_path: Path) -> None:
    done = subprocess.run(
        [VISOR, "run", str(tmp_path / "missing.yaml")], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert "missing.yaml" in done.stderr


def test_help_imports_no_heavy_module() -> None:
    code = (
        "import sys; from visor_mem.cli import main; main(['--help']); main(['run', '--help']);"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'rich', 'pydantic', 'quickjs', 'liquid', 'yaml'}),"
        " file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr == "[]\n"


def test_every_command_has_a_summary_for_help() -> None:
    from visor_mem.cli import COMMANDS, SUMMARIES

    assert set(SUMMARIES) == set(COMMANDS)


@pytest.mark.parametrize(("typed", "meant"), [("runn", "run"), ("memroy", "memory"), ("grpah", "graph")])
def test_a_mistyped_sub_command_gets_a_suggestion(visor: Visor, typed: str, meant: str) -> None:
    outcome = visor(typed)
    assert outcome.code == 2
    assert f"No such command '{typed}'. Did you mean '{meant}'?" in outcome.err


def test_an_unknown_sub_command_far_from_all_gets_none(visor: Visor) -> None:
    outcome = visor("zzzz")
    assert outcome.code == 2
    assert "Did you mean" not in outcome.err
