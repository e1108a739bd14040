"""End-to-end tests: real ``visor`` processes (the venv's console script) on real stores."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

VISOR = Path(sys.executable).parent / "visor"
TIMEOUT_S = 60.0
"""No visor process a test starts may outlive this (every wait passes a timeout)."""

HOLD_LOCK = """\
    version: "1.0"
    memory: {{storage: file, format: {fmt}, file: {file}}}
    steps:
      hold:
        type: command
        exec: "touch {marker} && sleep 30"
"""
"""A run that holds the file store's lock (and changes nothing) until it is stopped."""


def visor(*args: str | Path, cwd: Path, timeout: float = TIMEOUT_S) -> subprocess.CompletedProcess[str]:
    """Run the console script to its end."""
    command = [str(VISOR), *map(str, args)]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)


def start_visor(*args: str | Path, cwd: Path, err: Path) -> subprocess.Popen[str]:
    """Start the console script in the background, its stderr into ``err``, stdout discarded."""
    with err.open("w") as stderr:
        return subprocess.Popen(
            [str(VISOR), *map(str, args)], cwd=cwd, stdout=subprocess.DEVNULL, stderr=stderr, text=True
        )


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def wait_until(
    condition: Callable[[], bool],
    what: str,
    process: subprocess.Popen[str] | None = None,
    err: Path | None = None,
) -> None:
    """Poll ``condition`` for up to TIMEOUT_S; fail (naming ``what``, showing ``err``) if it never holds."""
    deadline = time.monotonic() + TIMEOUT_S
    while not condition():
        if process is not None and process.poll() is not None:
            said = err.read_text()[-500:] if err is not None else ""
            raise AssertionError(f"{what}: the process exited with {process.returncode} first: {said}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {TIMEOUT_S} s")
        time.sleep(0.02)


def stop(process: subprocess.Popen[str]) -> int:
    """SIGTERM ``process`` (if still running) and return its exit code."""
    if process.poll() is None:
        process.terminate()
    try:
        return process.wait(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise


@contextmanager
def lock_held(folder: Path, file: str = "m.json", fmt: str = "json") -> Iterator[subprocess.Popen[str]]:
    """A ``visor run`` holding the lock of the file store ``folder/file`` while inside."""
    marker = folder / "holding"
    config = write(folder, "hold.yaml", HOLD_LOCK.format(fmt=fmt, file=file, marker=marker))
    holder = start_visor("run", config, cwd=folder, err=folder / "hold.err")
    try:
        wait_until(marker.exists, "the holder started its command", holder, folder / "hold.err")
        yield holder
    finally:
        stop(holder)
        marker.unlink(missing_ok=True)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file in ``folder`` (hidden sidecars included) and its bytes."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}
