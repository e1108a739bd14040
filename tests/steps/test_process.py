"""The command runner: real shells, real process groups, real pipes held by grandchildren."""

from __future__ import annotations

import math
import os
import threading
import time
from pathlib import Path

import pytest

from visor_mem.steps.process import LiveGroups, run_process

BOUND_S = 20.0
"""A generous bound: every command below would take 30 s or more if the runner waited on it."""


def _sh(command: str, folder: Path, timeout: float | None = None, live: LiveGroups | None = None):  # noqa: ANN202
    return run_process(["/bin/sh", "-c", command], folder, dict(os.environ), timeout, live)


def _gone(pid: int) -> bool:
    """Dead: no such process, or a zombie nobody reaped yet."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")


def _wait_gone(pid: int) -> bool:
    deadline = time.monotonic() + BOUND_S
    while not _gone(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_output_that_is_not_utf8_is_decoded_with_replacement(tmp_path: Path) -> None:
    done = _sh(r"printf 'caf\351'; printf '\377\376' >&2", tmp_path)
    assert (done.exit_code, done.stdout, done.stderr) == (0, "caf\ufffd", "\ufffd\ufffd")


def test_background_children_die_with_a_successful_command(tmp_path: Path) -> None:
    done = _sh("sleep 60 & echo $! > bg.pid; echo hi", tmp_path)
    assert (done.exit_code, done.stdout) == (0, "hi\n")
    assert _wait_gone(int((tmp_path / "bg.pid").read_text()))


def test_an_escaped_grandchild_holding_the_pipe_does_not_hold_the_step(tmp_path: Path) -> None:
    began = time.monotonic()
    done = _sh("setsid sleep 60 & echo done", tmp_path)
    assert (done.exit_code, done.stdout) == (0, "done\n")
    assert time.monotonic() - began < BOUND_S


def test_a_timeout_kills_the_group_and_does_not_wait_on_the_pipe(tmp_path: Path) -> None:
    began = time.monotonic()
    done = _sh("echo $$ > sh.pid; setsid sleep 60 & sleep 100", tmp_path, timeout=0.5)
    assert time.monotonic() - began < BOUND_S
    assert done.timed_out
    assert done.exit_code is None
    assert _wait_gone(int((tmp_path / "sh.pid").read_text()))


@pytest.mark.parametrize("timeout", [math.inf, math.nan, 1e30, None])
def test_timeouts_no_clock_reaches_mean_no_timeout(tmp_path: Path, timeout: float | None) -> None:
    done = _sh("echo ok", tmp_path, timeout=timeout)
    assert (done.exit_code, done.stdout, done.timed_out) == (0, "ok\n", False)


@pytest.mark.parametrize("timeout", [0.0, -1.0])
def test_a_timeout_already_passed_kills_at_once(tmp_path: Path, timeout: float) -> None:
    done = _sh("sleep 60", tmp_path, timeout=timeout)
    assert done.timed_out


def test_kill_all_stops_running_groups_and_later_ones(tmp_path: Path) -> None:
    live = LiveGroups()
    results = []
    worker = threading.Thread(
        target=lambda: results.append(_sh("touch started; sleep 100", tmp_path, live=live))
    )
    worker.start()
    deadline = time.monotonic() + BOUND_S
    while not (tmp_path / "started").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    live.kill_all()
    worker.join(BOUND_S)
    assert not worker.is_alive()
    assert results[0].exit_code == -9
    late = _sh("sleep 60", tmp_path, live=live)  # a run being stopped starts nothing
    assert (late.exit_code, late.stderr) == (None, "not started: the run is stopping")


def test_a_command_that_cannot_start_is_exit_127(tmp_path: Path) -> None:
    done = run_process(["/no/such/shell"], tmp_path, {}, None)
    assert done.exit_code == 127
    assert "cannot start command" in done.stderr


def test_large_output_on_both_pipes_is_read_whole(tmp_path: Path) -> None:
    done = _sh("head -c 300000 /dev/zero | tr '\\0' a; head -c 200000 /dev/zero | tr '\\0' b >&2", tmp_path)
    assert (len(done.stdout), len(done.stderr)) == (300000, 200000)


@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_output_past_the_limit_stops_the_group_and_keeps_the_limit(tmp_path: Path, stream: str) -> None:
    """``yes`` would fill the memory; the runner keeps max_output bytes and kills the group."""
    redirect = " >&2" if stream == "stderr" else ""
    began = time.monotonic()
    done = run_process(
        ["/bin/sh", "-c", f"echo $$ > sh.pid; yes{redirect}"], tmp_path, dict(os.environ), 60.0, None, 100_000
    )
    assert time.monotonic() - began < BOUND_S
    assert done.overflow == stream
    assert done.exit_code is None
    assert not done.timed_out
    assert len(getattr(done, stream)) == 100_000
    assert _wait_gone(int((tmp_path / "sh.pid").read_text()))


def test_output_of_exactly_the_limit_is_no_overflow(tmp_path: Path) -> None:
    done = run_process(["/bin/sh", "-c", "head -c 100000 /dev/zero"], tmp_path, {}, None, None, 100_000)
    assert (done.exit_code, done.overflow, len(done.stdout)) == (0, None, 100_000)
