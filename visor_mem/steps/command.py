"""``type: command``: run a shell command through ``/bin/sh -c``.

The command runs in its own process group so a timeout (or Ctrl-C) kills the
whole tree, not just the shell.  Stdout that is JSON becomes a structured
output; otherwise the trimmed text is the output.  A non-zero exit or a
timeout fails the step with Visor's failure shape plus ``stderr``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from visor_mem.config.specs import CommandStepSpec
from visor_mem.errors import StepFailed
from visor_mem.steps.base import StepCall
from visor_mem.steps.env_refs import expand_env_refs
from visor_mem.steps.memory import has_liquid
from visor_mem.store.base import JSON

SHELL = "/bin/sh"


@dataclass(frozen=True)
class Completed:
    """What the process did."""

    exit_code: int | None
    stdout: str
    stderr: str
    timed_out: bool = False


def parse_stdout(text: str) -> JSON:
    """JSON stdout becomes a value; anything else the trimmed text."""
    trimmed = text.strip()
    if not trimmed:
        return ""
    try:
        return json.loads(trimmed)
    except ValueError:
        return trimmed


def failure_output(done: Completed, timeout: float | None) -> dict[str, JSON]:
    """Visor's failure shape (``error``, ``exit_code``, ``message``, ``text``) plus stderr."""
    if done.timed_out:
        message = f"Command timed out after {timeout:g}s"
        text = message
    else:
        message = done.stderr or f"Command exited with code {done.exit_code}"
        text = f"Command failed with exit code {done.exit_code}: {message}"
    output: dict[str, JSON] = {
        "error": True,
        "exit_code": done.exit_code,
        "stdout": done.stdout.strip(),
        "stderr": done.stderr,
        "message": message,
        "text": text,
    }
    if done.timed_out:
        output["timeout"] = True
    return output


class CommandStep:
    """Runs commands; one instance per run keeps track of live processes."""

    def __init__(self) -> None:
        self._live: set[subprocess.Popen[str]] = set()
        self._lock = threading.Lock()

    def launch(self, call: StepCall) -> Callable[[], Completed]:
        spec = call.spec
        assert isinstance(spec, CommandStepSpec)
        command = spec.exec
        if has_liquid(command):
            command = call.render("exec", command)
        cwd = call.base_dir / spec.cwd if spec.cwd else call.base_dir
        env = {**call.env, **{k: expand_env_refs(_env_text(v), call.env) for k, v in spec.env.items()}}
        return lambda: self._execute(command, cwd, env, call.timeout)

    def finish(self, call: StepCall, raw: Completed) -> JSON:
        spec = call.spec
        assert isinstance(spec, CommandStepSpec)
        if raw.timed_out or raw.exit_code != 0:
            output = failure_output(raw, call.timeout)
            raise StepFailed(str(output["text"]).strip(), output=output)
        value = parse_stdout(raw.stdout)
        if spec.transform is not None:
            rendered = call.render("transform", spec.transform, output=value)
            value = parse_stdout(rendered)
        if spec.transform_js is not None:
            value = call.js("transform_js", spec.transform_js, output=value)
        return value

    def terminate_all(self) -> None:
        """Kill every command still running (Ctrl-C, SIGTERM)."""
        with self._lock:
            live = list(self._live)
        for process in live:
            _kill_group(process)

    def _execute(self, command: str, cwd: Path, env: dict[str, str], timeout: float | None) -> Completed:
        try:
            process = subprocess.Popen(
                [SHELL, "-c", command],
                cwd=cwd,
                env=env,
                text=True,
                start_new_session=True,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except OSError as err:
            return Completed(exit_code=127, stdout="", stderr=f"cannot start command: {err}")
        with self._lock:
            self._live.add(process)
        try:
            return _wait(process, timeout)
        finally:
            with self._lock:
                self._live.discard(process)


def _wait(process: subprocess.Popen[str], timeout: float | None) -> Completed:
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        stdout, stderr = process.communicate()
        return Completed(None, stdout, stderr, timed_out=True)
    return Completed(process.returncode, stdout, stderr)


def _kill_group(process: subprocess.Popen[str]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _env_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
