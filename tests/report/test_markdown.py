"""``-o markdown`` and the GitHub step summary."""

from __future__ import annotations

import io

import pytest

from tests.report.samples import all_good, sample_result
from visor_mem.report import ReportContext, make_reporter
from visor_mem.report.markdown import cell, code, render_markdown


def test_markdown_report() -> None:
    assert render_markdown(sample_result()) == (
        "### visor run: ❌ failed: 5 steps (3 success, 1 failed, 1 skipped) in 1.60 s\n"
        "\n"
        "| Step | Status | Runs | Time | Output |\n"
        "|---|---|---:|---:|---|\n"
        "| `init` | ✅ success | 1 | 0.2 ms | `0` |\n"
        '| `flaky ×3 (retry)` | ✅ success | 3 | 1.52 s | `{"passed": true}` |\n'
        "| `build` | ❌ failed | 1 | 42 ms | exit 2: make \\| tee failed |\n"
        "| `deploy` | ⏭️ skipped | 0 | - | dependency 'build' failed |\n"
        '| `greet` | ✅ success | 1 | 12 ms | `` {"text": "héllo `x`"} `` |\n'
        "\n"
        "<details><summary>memory after the run</summary>\n"
        "\n"
        "```json\n"
        "{\n"
        '  "default": {\n'
        '    "retry_count": 2,\n'
        '    "name": "café"\n'
        "  }\n"
        "}\n"
        "```\n"
        "\n"
        "</details>\n"
    )


def test_empty_memory_has_no_details_block() -> None:
    text = render_markdown(all_good())
    assert text.startswith("### visor run: ✅ ok: 1 steps")
    assert "<details>" not in text
    assert text.endswith("| `only` | ✅ success | 1 | 3.0 ms |  |\n")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("a|b", "a\\|b"), ("two\nlines", "two lines"), ("", "")],
    ids=["pipe", "newline", "empty"],
)
def test_cell(text: str, expected: str) -> None:
    assert cell(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("x", "`x`"), ("a`b", "`` a`b ``"), ("a|b", "`a\\|b`"), ("", "")],
    ids=["plain", "backtick", "pipe", "empty"],
)
def test_code(text: str, expected: str) -> None:
    assert code(text) == expected


def test_markdown_reporter_writes_stdout_only() -> None:
    out, err = io.StringIO(), io.StringIO()
    reporter = make_reporter("markdown", ReportContext(out, err))
    reporter.finish(sample_result())
    assert out.getvalue() == render_markdown(sample_result())
    assert err.getvalue() == ""
