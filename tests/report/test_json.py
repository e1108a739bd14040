"""``-o json``: exactly RunResult.to_json() as one document."""

from __future__ import annotations

import io
import json

from tests.report.samples import sample_result
from visor_mem.engine.events import LogMessage
from visor_mem.report import ReportContext, make_reporter
from visor_mem.report.json import render_json


def test_render_json_is_the_contract_document_indented_with_unicode_kept() -> None:
    text = render_json(sample_result())
    assert json.loads(text) == sample_result().to_json()
    assert text.startswith('{\n  "ok": false,\n  "steps": {\n    "init": {\n      "status": "success",')
    assert '"café"' in text


def test_json_reporter_keeps_stdout_for_the_document() -> None:
    out, err = io.StringIO(), io.StringIO()
    reporter = make_reporter("json", ReportContext(out, err, environ={"GITHUB_ACTIONS": "true"}))
    with reporter.running():
        reporter.on_event(LogMessage("say", "info", "hello"))
    reporter.finish(sample_result())
    assert json.loads(out.getvalue()) == sample_result().to_json()
    assert out.getvalue().count("\n") == render_json(sample_result()).count("\n") + 1
    assert err.getvalue().splitlines() == [
        "[say] hello",
        "::error title=visor%3A step build failed::exit 2: make | tee%0Afailed",
    ]
