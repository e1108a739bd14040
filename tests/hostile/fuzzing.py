"""Shared parts of the hostile-input fuzzers: their budget, an in-process ``visor``, the tally.

Each fuzzer is a hypothesis test that feeds ``visor`` generated input and
asserts what every hostile input must give: never exit 70, never a
traceback, a known exit code.  In ``make test`` each runs
:data:`DEFAULT_EXAMPLES` examples (a few seconds); ``make fuzz`` sets
``VISOR_FUZZ_EXAMPLES`` higher and prints :data:`TALLY`, what was tried
and how it ended, per fuzzer (``tests/hostile/conftest.py``).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, settings

from visor_mem.cli import main

DEFAULT_EXAMPLES = 25
EXAMPLES = int(os.environ.get("VISOR_FUZZ_EXAMPLES") or DEFAULT_EXAMPLES)
KNOWN_EXIT_CODES = frozenset({0, 1, 2})

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # a shared CI machine is slow now and then; a hang is caught by the run's bounds
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    derandomize=EXAMPLES == DEFAULT_EXAMPLES,  # make test: the same examples every time (no flaky runs)
    database=None,
)
"""hypothesis settings of every fuzzer."""

TALLY: Counter[tuple[str, str]] = Counter()
"""(fuzzer, outcome) -> how many examples ended so."""


@dataclass(frozen=True)
class Outcome:
    """What one in-process ``visor`` call did."""

    code: int
    out: str
    err: str


def visor(*argv: str) -> Outcome:
    """``visor ARGV`` in this process (``main`` is the console script's body)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return Outcome(code, out.getvalue(), err.getvalue())


def check_and_count(fuzzer: str, outcome: Outcome) -> None:
    """The rules every hostile input obeys; then count the outcome under ``fuzzer``."""
    said = f"exit {outcome.code}\nstderr: {outcome.err[-1500:]}"
    assert outcome.code != 70, said
    assert "Traceback" not in outcome.err, said
    assert outcome.code in KNOWN_EXIT_CODES, said
    TALLY[(fuzzer, describe(outcome))] += 1


_LOCATION = re.compile(r"^(?:warning: )?[^\s:]*(?::\d+)*: ")
_DETAILS = re.compile(r"'[^']*'|\"[^\"]*\"|\(got [^)]*\)|0x[0-9a-f]+|(?<![\w-])\d+(?:\.\d+)?")


def describe(outcome: Outcome) -> str:
    """``exit 2: invalid YAML: mapping values are not allowed ...``: the message without its details."""
    lines = [line for line in outcome.err.splitlines() if line and not line.startswith("warning:")]
    if not lines:
        return f"exit {outcome.code}"
    text = _LOCATION.sub("", lines[-1])
    text = re.sub(r"^(?:steps|checks)\.[^:]*: |^[\w.]+: (?=expected|unknown|required)", "", text)
    text = _DETAILS.sub("_", text)
    return f"exit {outcome.code}: {text[:70]}"


def write(folder: Path, name: str, data: str | bytes) -> Path:
    """Write a generated file (text as UTF-8, with surrogates escaped rather than refused)."""
    path = folder / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogateescape"))
    return path
