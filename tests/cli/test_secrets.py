"""Secrets are masked in everything `visor run` prints (JSON, text, logs, errors, annotations)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Visor
from tests.helpers import write_config

TOKEN = "ghp_s3cr3t-Value"
PASSWORD = 'pa"ss\\word'

CONFIG = """\
steps:
  show:
    type: log
    message: "token={{ env.API_TOKEN }} pw={{ env.DB_PASSWORD }} user={{ env.USER_NAME }}"
  keep:
    type: memory
    operation: set
    key: token
    value: "{{ env.API_TOKEN }}"
  cmd:
    type: command
    exec: "echo $API_TOKEN; echo oops $DB_PASSWORD >&2; exit 3"
  script:
    type: script
    content: "log('js sees', env.GITHUB_TOKEN); return {pw: env.DB_PASSWORD}"
"""


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("API_TOKEN", TOKEN)
    monkeypatch.setenv("DB_PASSWORD", PASSWORD)
    monkeypatch.setenv("GITHUB_TOKEN", "gho_another-one")
    monkeypatch.setenv("USER_NAME", "alice")
    monkeypatch.setenv("SHORT_KEY", "ab")


def test_json_result_and_stderr_never_show_a_secret(visor: Visor, tmp_path: Path, secret_env: None) -> None:
    config = write_config(tmp_path, CONFIG)
    outcome = visor("run", str(config), "-o", "json")
    for secret in (TOKEN, "gho_another-one", 'pa\\"ss\\\\word', PASSWORD):
        assert secret not in outcome.out
        assert secret not in outcome.err
    document = json.loads(outcome.out)
    steps = document["steps"]
    assert steps["show"]["output"] == {"text": "token=*** pw=*** user=alice"}
    assert steps["script"]["output"] == {"pw": "***"}
    assert document["memory"]["default"]["token"] == "***"
    assert "js sees ***" in outcome.err
    assert outcome.code == 1


def test_text_report_log_lines_and_annotations_are_masked(
    visor: Visor, tmp_path: Path, secret_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    outcome = visor("run", str(write_config(tmp_path, CONFIG)))
    text = outcome.out + outcome.err + summary.read_text(encoding="utf-8")
    assert TOKEN not in text
    assert PASSWORD not in text
    assert "token=*** pw=***" in outcome.err
    assert "::error" in outcome.err


def test_the_run_itself_uses_the_real_values(visor: Visor, tmp_path: Path, secret_env: None) -> None:
    config = write_config(
        tmp_path,
        """\
        memory: {storage: file, file: m.json}
        steps:
          keep: {type: memory, operation: set, key: t, value: "{{ env.API_TOKEN }}"}
          cmd: {type: command, exec: "test \\"$API_TOKEN\\" = 'ghp_s3cr3t-Value' && echo same"}
        """,
    )
    outcome = visor("run", str(config), "-o", "json")
    assert json.loads(outcome.out)["steps"]["cmd"]["output"] == "same"
    assert json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))["default"]["t"] == TOKEN


def test_error_lines_are_masked(visor: Visor, tmp_path: Path, secret_env: None) -> None:
    config = write_config(tmp_path, f"steps:\n  a: {{type: noop, depends_on: {TOKEN}}}\n")
    outcome = visor("run", str(config))
    assert outcome.code == 2
    assert TOKEN not in outcome.err
    assert "***" in outcome.err


def test_short_values_are_not_masked(visor: Visor, tmp_path: Path, secret_env: None) -> None:
    outcome = visor("run", str(write_config(tmp_path, "steps:\n  a: {type: log, message: 'ab cab'}\n")))
    assert "ab cab" in outcome.err


def test_visor_memory_prints_stored_data_as_it_is(visor: Visor, tmp_path: Path, secret_env: None) -> None:
    store = tmp_path / "m.json"
    store.write_text(json.dumps({"default": {"t": TOKEN}}), encoding="utf-8")
    outcome = visor("memory", "get", "t", "--store", f"file:{store}")
    assert TOKEN in outcome.out
