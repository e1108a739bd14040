"""``type: command``: run a shell command through ``/bin/sh -c``.

The process itself is :func:`visor_mem.steps.process.run_process`'s business
(its own process group, killed whole on exit, timeout or signal; output decoded
with replacement).  Stdout that is strict JSON (:mod:`visor_mem.jsonvalue`:
no NaN, no Infinity, bounded depth) becomes a structured output; otherwise the
trimmed text is the output.  A non-zero exit or a
timeout fails the step with Visor's failure shape plus ``stderr``; so does output past
``limits.command_output_mb`` on either stream (the command is stopped there).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from visor_mem.config.bounds import MIB
from visor_mem.config.specs import CommandStepSpec
from visor_mem.errors import StepFailed
from visor_mem.expr.js_visor import SMART
from visor_mem.jsonvalue import JsonValueError, parse_json
from visor_mem.steps.base import StepCall
from visor_mem.steps.env_refs import expand_env_refs
from visor_mem.steps.memory import has_liquid
from visor_mem.steps.process import Completed, LiveGroups, run_process
from visor_mem.store.base import JSON

SHELL = "/bin/sh"

__all__ = ["CommandStep", "Completed", "failure_output", "parse_stdout"]


def parse_stdout(text: str) -> JSON:
    """Strict JSON stdout becomes a value; anything else (NaN, 1e999, too deep) the trimmed text."""
    trimmed = text.strip()
    if not trimmed:
        return ""
    try:
        return parse_json(trimmed)
    except JsonValueError:
        return trimmed


def failure_output(done: Completed, timeout: float | None, max_output: int | None = None) -> dict[str, JSON]:
    """Visor's failure shape (``error``, ``exit_code``, ``message``, ``text``) plus stderr."""
    if done.timed_out:
        message = f"Command timed out after {timeout:g}s"
        text = message
    elif done.overflow:
        size = f"{(max_output or 0) / MIB:g} MiB on {done.overflow}"
        message = f"Command printed more than {size} (limits.command_output_mb); it was stopped"
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


TAIL_LINES = 5
TAIL_CHARS = 500
"""How much of stdout a failure shows when stderr is empty: the end, where the reason usually is."""


def error_line(done: Completed, output: dict[str, JSON]) -> str:
    """The step's error: Visor's ``text`` when stderr says why; else the exit code and stdout's tail.

    Visor's text for a silent failure repeats itself ("Command failed with exit
    code 1: Command exited with code 1") and hides stdout, often the only clue.
    """
    if done.timed_out or done.overflow or done.stderr.strip():
        return str(output["text"]).strip()
    lines = [line.strip() for line in done.stdout.strip().splitlines()[-TAIL_LINES:]]
    tail = " | ".join(lines)[-TAIL_CHARS:]  # one line: an error is shown on one line
    return f"Command failed with exit code {done.exit_code}" + (f"; stdout ends: {tail}" if tail else "")


class CommandStep:
    """Runs commands; one instance per run keeps track of live processes."""

    def __init__(self) -> None:
        self._live = LiveGroups()

    def launch(self, call: StepCall) -> Callable[[], Completed]:
        spec = call.spec
        assert isinstance(spec, CommandStepSpec)
        command = spec.exec
        if has_liquid(command):
            command = call.render("exec", command)
        cwd = call.base_dir / spec.cwd if spec.cwd else call.base_dir
        env = {**call.env, **{k: expand_env_refs(_env_text(v), call.env) for k, v in spec.env.items()}}
        return lambda: self._execute(command, cwd, env, call.timeout, call.max_output)

    def finish(self, call: StepCall, raw: Completed) -> JSON:
        spec = call.spec
        assert isinstance(spec, CommandStepSpec)
        if raw.timed_out or raw.overflow or raw.exit_code != 0:
            output = failure_output(raw, call.timeout, call.max_output)
            raise StepFailed(error_line(raw, output), output=output)
        text = raw.stdout
        value = parse_stdout(text)
        if spec.transform is not None:
            text = call.render("transform", spec.transform, output=value)
            value = parse_stdout(text)
        if spec.transform_js is not None:
            # Visor's JSON-aware string: `output.trim()` and, for JSON, `output.items` both work.
            smart: dict[str, JSON] = {SMART: ["output"]}
            value = call.js("transform_js", spec.transform_js, output=text.strip(), **smart)
        return value

    def terminate_all(self) -> None:
        """Kill every command still running, and any about to start (a signal stops the run)."""
        self._live.kill_all()

    def _execute(
        self, command: str, cwd: Path, env: dict[str, str], timeout: float | None, max_output: int | None
    ) -> Completed:
        return run_process([SHELL, "-c", command], cwd, env, timeout, self._live, max_output)


def _env_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
