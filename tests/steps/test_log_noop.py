"""Log and noop steps."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import run_yaml
from visor_mem.engine.events import LogMessage


def test_log_outputs_text_and_emits_a_message(tmp_path: Path) -> None:
    events: list[object] = []
    result = run_yaml(tmp_path, """
        steps:
          say: {type: log, message: "plain words", level: warn}
    """, events=events)
    assert result.steps["say"].output == {"text": "plain words"}
    assert [e for e in events if isinstance(e, LogMessage)] == [LogMessage("say", "warning", "plain words")]


def test_noop_outputs_null(tmp_path: Path) -> None:
    result = run_yaml(tmp_path, "steps:\n  n: {type: noop}\n")
    assert result.steps["n"].output is None and result.steps["n"].status == "success"
