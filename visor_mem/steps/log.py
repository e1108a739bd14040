"""``type: log``: render a message, show it, and output ``{"text": ...}``."""

from __future__ import annotations

from visor_mem.config.step_models import LogStepModel
from visor_mem.steps.base import StepCall
from visor_mem.steps.memory import has_liquid
from visor_mem.store.base import JSON

LEVELS = {"debug": "debug", "info": "info", "warn": "warning", "warning": "warning", "error": "error"}


class LogStep:
    """Shows the message through the run's reporter (stderr in ``-o json``)."""

    def run(self, call: StepCall) -> JSON:
        model = call.model
        assert isinstance(model, LogStepModel)
        text = model.message
        if has_liquid(text):
            text = call.render("message", text)
        call.log(LEVELS[model.level], text)
        return {"text": text}
