"""``type: script``: run JavaScript with the memory API; output what it returns.

The sandbox replays the script's memory writes all or nothing, so a script
that throws leaves the store as it was.
"""

from __future__ import annotations

from visor_mem.config.step_models import ScriptStepModel
from visor_mem.steps.base import StepCall
from visor_mem.store.base import JSON


class ScriptStep:
    """Evaluates ``content`` (alias ``script_js``)."""

    def run(self, call: StepCall) -> JSON:
        model = call.model
        assert isinstance(model, ScriptStepModel)
        return call.js("content", model.content)
