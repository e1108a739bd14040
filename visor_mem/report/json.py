"""``-o json``: exactly ``RunResult.to_json()`` as one document on stdout.

A run that cannot start or finish (invalid config, unreadable store,
interrupted) prints :func:`error_document` instead, so a script reading
stdout always gets one JSON document; the one-line message still goes to
stderr and the exit code is the error's.
"""

from __future__ import annotations

import json

from visor_mem.engine.results import RunResult
from visor_mem.errors import VisorError
from visor_mem.report.base import BaseReporter


def render_json(result: RunResult) -> str:
    """The ``-o json`` document (DESIGN.md section 7), indented, UTF-8 kept as is."""
    return json.dumps(result.to_json(), indent=2, ensure_ascii=False)


def error_document(err: VisorError) -> str:
    """``{"ok": false, "error": {...}}``: the message, exit code and where, as one document."""
    where = err.location
    error: dict[str, object] = {"message": str(err), "exit_code": err.exit_code}
    if where is not None:
        error.update(file=where.file, line=where.line, column=where.column, field=where.field)
    return json.dumps({"ok": False, "error": error}, indent=2, ensure_ascii=False)


class JsonReporter(BaseReporter):
    """Writes the JSON document and nothing else on stdout."""

    def render(self, result: RunResult) -> None:
        self.context.out.write(render_json(result) + "\n")
        self.context.out.flush()
