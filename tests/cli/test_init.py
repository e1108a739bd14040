"""``visor init``: a starter config that validates against the schema written beside it, and runs."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

import visor_mem
from tests.cli.conftest import Visor
from visor_mem.config.schema import render_schema


def test_init_writes_a_runnable_commented_config_and_its_schema(visor: Visor, tmp_path: Path) -> None:
    outcome = visor("init", str(tmp_path))
    assert outcome.code == 0, outcome.err
    config = (tmp_path / ".visor.yaml").read_text()
    schema = (tmp_path / ".visor.schema.json").read_text()
    assert config.splitlines()[0] == "# yaml-language-server: $schema=./.visor.schema.json"
    assert sum(line.lstrip().startswith("#") or " # " in line for line in config.splitlines()) >= 10
    assert schema == render_schema()
    jsonschema.validate(yaml.safe_load(config), json.loads(schema))
    first = visor_mem.run(tmp_path / ".visor.yaml")
    second = visor_mem.run(tmp_path / ".visor.yaml")
    assert first.ok
    assert second.memory["default"]["runs"] == 2  # the memory is kept between runs


def test_init_defaults_to_the_current_folder(
    visor: Visor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert visor("init").code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [".visor.schema.json", ".visor.yaml"]


def test_init_never_overwrites_without_force(visor: Visor, tmp_path: Path) -> None:
    (tmp_path / ".visor.yaml").write_text("mine\n")
    outcome = visor("init", str(tmp_path))
    assert outcome.code == 2
    assert outcome.err.count("\n") == 1
    assert "already there" in outcome.err
    assert (tmp_path / ".visor.yaml").read_text() == "mine\n"
    assert not (tmp_path / ".visor.schema.json").exists()
    assert visor("init", str(tmp_path), "--force").code == 0
    assert (tmp_path / ".visor.yaml").read_text() != "mine\n"


def test_init_into_an_unwritable_place_is_exit_2(visor: Visor, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    outcome = visor("init", str(tmp_path / "file" / "sub"))
    assert outcome.code == 2
    assert outcome.err.count("\n") == 1
