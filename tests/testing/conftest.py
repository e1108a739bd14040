"""Helpers for the ``visor test`` tests: write a suite, load it, run it in-process."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.cli.conftest import visor  # noqa: F401  (the fixture, for tests of visor test's output)
from visor_mem.testing.runner import SuiteResult, run_suite
from visor_mem.testing.suite import Suite, load_suite

RETRY_FLOW = """\
    version: "1.0"
    steps:
      init:
        type: memory
        operation: set
        key: retry_count
        value: 0
      lint:
        type: command
        exec: "touch LINT_RAN; exit 1"
        depends_on: [init]
        on_fail:
          run: [bump]
          goto_js: "memory.get('retry_count') < 3 ? 'lint' : null"
      bump:
        type: memory
        operation: increment
        key: retry_count
      publish:
        type: log
        depends_on: [lint]
        message: "published after {{ 'retry_count' | memory_get }}"
"""
"""A retry/goto workflow whose real command would leave a file behind and fail."""


def write_suite(folder: Path, text: str, name: str = ".visor.yaml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def with_cases(config: str, cases: str) -> str:
    """A config (dedented) followed by a ``tests:`` block holding ``cases`` (dedented)."""
    return textwrap.dedent(config) + "tests:\n  cases:\n" + textwrap.indent(textwrap.dedent(cases), "    ")


def run_text(folder: Path, text: str, jobs: int = 1) -> SuiteResult:
    suite = load(folder, text)
    return run_suite(suite, suite.cases, jobs)


def load(folder: Path, text: str) -> Suite:
    return load_suite(write_suite(folder, text))
