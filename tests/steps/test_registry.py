"""The step registry and the config models agree on the step types."""

from __future__ import annotations

import typing

from visor_mem.config.step_models import STEP_MODELS
from visor_mem.steps import STEP_KINDS, new_kinds


def test_every_model_type_has_an_implementation_and_back() -> None:
    assert set(STEP_KINDS) == set(STEP_MODELS)


def test_model_type_literals_match_their_registry_names() -> None:
    for name, model in STEP_MODELS.items():
        (literal,) = typing.get_args(model.model_fields["type"].annotation)
        assert literal == name


def test_each_run_gets_fresh_instances() -> None:
    assert new_kinds()["command"] is not new_kinds()["command"]
