"""GitHub Actions annotations and step summary."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.report.samples import all_good, sample_result
from visor_mem.report import github
from visor_mem.report.markdown import render_markdown


@pytest.mark.parametrize(
    ("text", "data", "prop"),
    [
        ("plain", "plain", "plain"),
        ("50%", "50%25", "50%25"),
        ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
        ("k: v, w", "k: v, w", "k%3A v%2C w"),
        ("%0A", "%250A", "%250A"),
    ],
    ids=["plain", "percent", "crlf", "colon-comma", "already-escaped-looking"],
)
def test_escape(text: str, data: str, prop: str) -> None:
    assert github.escape(text) == data
    assert github.escape(text, github.PROPERTY_ESCAPES) == prop


def test_one_annotation_per_failed_step() -> None:
    assert github.annotation_lines(sample_result()) == [
        "::error title=visor%3A step build failed::exit 2: make | tee%0Afailed"
    ]
    assert github.annotation_lines(all_good()) == []


def test_report_appends_the_summary(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("before\n", encoding="utf-8")
    err = io.StringIO()
    github.report(sample_result(), err, {"GITHUB_STEP_SUMMARY": str(summary)})
    github.report(all_good(), err, {"GITHUB_STEP_SUMMARY": str(summary)})
    expected = "before\n" + render_markdown(sample_result()) + "\n" + render_markdown(all_good()) + "\n"
    assert summary.read_text(encoding="utf-8") == expected
    assert err.getvalue().count("::error") == 1


def test_an_unwritable_summary_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    err = io.StringIO()
    github.report(all_good(), err, {"GITHUB_STEP_SUMMARY": str(tmp_path / "no" / "such" / "dir")})
    assert err.getvalue().startswith("warning: cannot write GITHUB_STEP_SUMMARY ")


def test_no_summary_variable_writes_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    github.report(all_good(), io.StringIO(), {})
    assert list(tmp_path.iterdir()) == []
