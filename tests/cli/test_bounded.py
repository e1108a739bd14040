"""Numeric options are checked against the same bounds as the config fields."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import Visor


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "c.yaml"
    path.write_text("version: '1'\nsteps:\n  a:\n    type: noop\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("option", "value", "fragment"),
    [
        (
            "--js-timeout",
            "nan",
            "expected a finite number greater than 0 and at most 3600 seconds (got the number nan)",
        ),
        ("--js-timeout", "1e13", "at most 3600 seconds (got the number 1e+13)"),
        ("--js-timeout", "0", "greater than 0"),
        ("--js-timeout", "soon", "expected a number greater than 0 and at most 3600 seconds (got 'soon')"),
        ("--lock-timeout", "inf", "expected a finite number from 0 to 604800 seconds"),
        ("--lock-timeout", "-1", "from 0 to 604800 seconds (got the number -1)"),
        ("--max-parallel", "0", "from 1 to 1024 (got the number 0)"),
        ("--max-parallel", "1e9", "expected a whole number from 1 to 1024 (got '1e9')"),
    ],
)
def test_bad_numbers_exit_2_with_the_range(
    visor: Visor, config: Path, option: str, value: str, fragment: str
) -> None:
    outcome = visor("run", str(config), option, value)
    assert outcome.code == 2
    assert fragment in outcome.err


@pytest.mark.parametrize(
    ("option", "value"), [("--js-timeout", "2.5"), ("--lock-timeout", "0"), ("--max-parallel", "3")]
)
def test_good_numbers_run(visor: Visor, config: Path, option: str, value: str) -> None:
    assert visor("run", str(config), "-o", "json", option, value).code == 0
