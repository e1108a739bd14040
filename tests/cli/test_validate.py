"""``visor validate``: success line on stdout, warnings on stderr, ConfigError for the error boundary."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from visor_mem.cli.validate import validate
from visor_mem.errors import ConfigError

FIXTURES = Path(__file__).resolve().parents[1] / "config" / "fixtures"


def test_valid_config(tmp_path: Path) -> None:
    config = tmp_path / "flow.yaml"
    shutil.copy(FIXTURES / "state-machine.yaml", config)
    result = CliRunner().invoke(validate, [str(config)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"✓ {config} is valid: 11 steps\n"
    assert result.stderr == ""


def test_default_config_is_dot_visor_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".visor.yaml").write_text("steps:\n  only: {type: noop}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(validate, [])
    assert result.exit_code == 0, result.output
    assert result.stdout == "✓ .visor.yaml is valid: 1 step\n"


def test_warnings_go_to_stderr(tmp_path: Path) -> None:
    config = tmp_path / ".visor.yaml"
    config.write_text("output: {}\nsteps:\n  a: {type: noop}\n  b: {type: noop}\n", encoding="utf-8")
    result = CliRunner().invoke(validate, [str(config)])
    assert result.exit_code == 0
    assert result.stderr.startswith(f"{config}:1:1: warning: output: Visor key 'output' has no effect here")
    assert result.stderr.count("\n") == 1
    assert result.stdout == f"✓ {config} is valid: 2 steps\n"


def test_invalid_config_raises_config_error_for_the_cli_boundary(tmp_path: Path) -> None:
    config = tmp_path / ".visor.yaml"
    config.write_text("steps:\n  a:\n    type: noop\n    depends_on: [b]\n", encoding="utf-8")
    result = CliRunner().invoke(validate, [str(config)])
    assert isinstance(result.exception, ConfigError)
    assert result.exception.exit_code == 2
    assert str(result.exception) == f"{config}:4:18: steps.a.depends_on.0: unknown step 'b'; steps are: a"
    assert result.stdout == ""


def test_missing_config_raises_config_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(validate, [str(tmp_path / "absent.yaml")])
    assert isinstance(result.exception, ConfigError)
    assert "config file not found" in str(result.exception)
