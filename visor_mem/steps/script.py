"""``type: script``: run JavaScript with the memory API; output what it returns.

The sandbox replays the script's memory writes all or nothing, so a script
that throws leaves the store as it was.
"""

from __future__ import annotations

from visor_mem.config.specs import ScriptStepSpec
from visor_mem.steps.base import StepCall
from visor_mem.store.base import JSON


class ScriptStep:
    """Evaluates ``content`` (alias ``script_js``)."""

    def run(self, call: StepCall) -> JSON:
        spec = call.spec
        assert isinstance(spec, ScriptStepSpec)
        return call.js("content", spec.content)
