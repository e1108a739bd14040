"""The public Python API of ``visor_mem``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import visor_mem
from tests.helpers import write_config

CONFIG = """\
    steps:
      init:
        type: memory
        operation: set
        key: count
        value: 41
      bump:
        type: memory
        operation: increment
        key: count
        depends_on: init
"""


def test_run_a_path_and_read_the_store_afterwards(tmp_path: Path) -> None:
    result = visor_mem.run(write_config(tmp_path, CONFIG))
    assert result.ok
    assert result.steps["bump"].output == 42
    assert result.store is not None
    assert result.store.get("count", "default") == 42


def test_run_a_mapping_with_options() -> None:
    mapping = {"steps": {"a": {"type": "noop"}, "b": {"type": "noop", "depends_on": "a"}}}
    result = visor_mem.run(mapping, only=("a",))
    assert {name: step.status for name, step in result.steps.items()} == {"a": "success", "b": "skipped"}


def test_an_unknown_option_is_a_usage_error() -> None:
    with pytest.raises(visor_mem.UsageError, match="unexpected keyword argument 'colour'"):
        visor_mem.run({"steps": {"a": {"type": "noop"}}}, colour=True)


def test_an_invalid_config_raises_config_error() -> None:
    with pytest.raises(visor_mem.ConfigError):
        visor_mem.run({"steps": {"a": {"type": "nope"}}})


def test_lazy_names_resolve_and_unknown_names_do_not() -> None:
    assert visor_mem.load_config.__name__ == "load_config"
    assert visor_mem.open_store.__name__ == "open_store"
    assert visor_mem.RunResult.__name__ == "RunResult"
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        visor_mem.nope  # noqa: B018


def test_every_public_name_exists() -> None:
    for name in visor_mem.__all__:
        assert getattr(visor_mem, name) is not None


def test_importing_the_package_is_cheap() -> None:
    code = "import sys, visor_mem; print(sorted({m.split('.')[0] for m in sys.modules} & {'pydantic', 'yaml', 'rich', 'click'}))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"
