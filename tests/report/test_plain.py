"""The text report without rich (stdout not a terminal)."""

from __future__ import annotations

from tests.report.samples import sample_result
from visor_mem.report.plain import render_table


def test_plain_table() -> None:
    assert render_table(sample_result()) == (
        "step              status   runs    time  output\n"
        "init              success     1  0.2 ms  0\n"
        'flaky ×3 (retry)  success     3  1.52 s  {"passed": true}\n'
        "build             failed      1   42 ms  exit 2: make | tee failed\n"
        "deploy            skipped     0       -  dependency 'build' failed\n"
        'greet             success     1   12 ms  {"text": "héllo `x`"}\n'
        "\n"
        "failed: 5 steps (3 success, 1 failed, 1 skipped) in 1.60 s\n"
    )
