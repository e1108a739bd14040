"""The README's Tour as a script: its files and console blocks, run in order in an empty folder.

A fenced block right after ``<!-- file: NAME -->`` is written to NAME; a
``console`` block holds ``$ command`` lines, each followed by its output.
The commands of a block run in one bash (so ``echo $?`` sees the command
before it), stderr merged into stdout, with the ``visor`` of this
interpreter first on PATH.  Outputs compare after :func:`normalise` (times
and the spaces that align table columns).

    python -m tests.readme          rewrite the README's outputs from a real run
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"(?:<!-- file: (?P<name>\S+) -->\n)?```(?P<lang>\w*)\n(?P<body>.*?)```\n", re.S)
TIME = re.compile(r"\b\d+(?:\.\d+)? (?:ms|s)\b")
DURATION = re.compile(r'"duration_ms": [0-9.e+-]+')
MARK = "\x1e@@readme-command-done@@\x1e"
COMMAND_TIMEOUT_S = 120


@dataclass(frozen=True)
class Command:
    line: str
    output: str


@dataclass(frozen=True)
class Block:
    """One fenced block of the Tour: a file to write, or console commands; where it sits."""

    start: int
    end: int
    file: str | None = None
    text: str = ""
    commands: tuple[Command, ...] = ()


def tour(text: str) -> tuple[int, int]:
    """Where the Tour section starts and ends in the README."""
    start = text.index("## Tour\n")
    end = text.index("\n## ", start + 1)
    return start, end


def blocks(text: str) -> list[Block]:
    """The file and console blocks of the Tour, in order."""
    start, end = tour(text)
    found = []
    for match in BLOCK.finditer(text, start, end):
        if match["name"]:
            found.append(Block(match.start(), match.end(), file=match["name"], text=match["body"]))
        elif match["lang"] == "console":
            found.append(Block(match.start("body"), match.end("body"), commands=_commands(match["body"])))
    return found


def _commands(body: str) -> tuple[Command, ...]:
    commands: list[Command] = []
    for chunk in re.split(r"^\$ ", body, flags=re.M)[1:]:
        line, _, output = chunk.partition("\n")
        commands.append(Command(line, output))
    return tuple(commands)


def run_block(block: Block, folder: Path, env: dict[str, str]) -> list[str]:
    """Run a console block's commands in one bash; the output of each."""
    script = "exec 2>&1\n" + "".join(
        f"{command.line}\n__rc=$?; printf '%s'; (exit $__rc)\n" % MARK for command in block.commands
    )
    done = subprocess.run(
        ["bash", "-c", script], cwd=folder, env=env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S
    )
    outputs = done.stdout.split(MARK)
    return outputs[: len(block.commands)]


def environment(folder: Path) -> dict[str, str]:
    """What a user's shell would have, minus what changes visor's output (CI, colour, cache)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "VISOR_")) and k != "CI"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["NO_COLOR"] = "1"
    env["VISOR_CACHE_DIR"] = str(folder.parent / "visor-cache")
    return env


def normalise(output: str) -> str:
    """Times as <time>, runs of spaces as one, no trailing spaces: what a run may change."""
    output = DURATION.sub('"duration_ms": <ms>', TIME.sub("<time>", output))
    return "\n".join(re.sub(r" {2,}", " ", line).rstrip() for line in output.splitlines())


def play(text: str, folder: Path) -> list[tuple[Block, list[str]]]:
    """Write the files and run the console blocks of the Tour in ``folder``; each block's outputs."""
    env = environment(folder)
    ran = []
    for block in blocks(text):
        if block.file is not None:
            (folder / block.file).write_text(block.text, encoding="utf-8")
        else:
            ran.append((block, run_block(block, folder, env)))
    return ran


def regenerate() -> None:
    """Rewrite every console block's outputs with what the commands print now."""
    text = README.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "tour"
        folder.mkdir()
        ran = play(text, folder)
    for block, outputs in reversed(ran):
        body = "".join(f"$ {c.line}\n{out}" for c, out in zip(block.commands, outputs, strict=True))
        text = text[: block.start] + body + text[block.end :]
    README.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    regenerate()
