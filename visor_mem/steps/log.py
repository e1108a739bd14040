"""``type: log``: render a message, show it, and output ``{"text": ...}``."""

from __future__ import annotations

from visor_mem.config.specs import LogStepSpec
from visor_mem.steps.base import StepCall
from visor_mem.steps.memory import has_liquid
from visor_mem.store.base import JSON

LEVELS = {"debug": "debug", "info": "info", "warn": "warning", "warning": "warning", "error": "error"}


class LogStep:
    """Shows the message through the run's reporter (stderr in ``-o json``)."""

    def run(self, call: StepCall) -> JSON:
        spec = call.spec
        assert isinstance(spec, LogStepSpec)
        text = spec.message
        if has_liquid(text):
            text = call.render("message", text)
        call.log(LEVELS[spec.level], text)
        return {"text": text}
