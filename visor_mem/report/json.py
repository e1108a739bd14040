"""``-o json``: exactly ``RunResult.to_json()`` as one document on stdout."""

from __future__ import annotations

import json

from visor_mem.engine.results import RunResult
from visor_mem.report.base import BaseReporter


def render_json(result: RunResult) -> str:
    """The ``-o json`` document (DESIGN.md section 7), indented, UTF-8 kept as is."""
    return json.dumps(result.to_json(), indent=2, ensure_ascii=False)


class JsonReporter(BaseReporter):
    """Writes the JSON document and nothing else on stdout."""

    def render(self, result: RunResult) -> None:
        self.context.out.write(render_json(result) + "\n")
        self.context.out.flush()
