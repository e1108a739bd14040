"""Reports: what a run looks like to people (text, markdown) and programs (json).

``REPORTERS`` maps each ``-o`` format to the class that renders it, by import
path, so choosing ``-o json`` never imports rich.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module

from visor_mem.report.base import ReportContext, Reporter

REPORTERS: Mapping[str, str] = {
    "text": "visor_mem.report.text:TextReporter",
    "json": "visor_mem.report.json:JsonReporter",
    "markdown": "visor_mem.report.markdown:MarkdownReporter",
}
"""``-o`` value → ``module:Class`` of its reporter."""


def make_reporter(output_format: str, context: ReportContext) -> Reporter:
    """The reporter for ``output_format`` (a key of ``REPORTERS``)."""
    module, _, name = REPORTERS[output_format].partition(":")
    reporter: Reporter = getattr(import_module(module), name)(context)
    return reporter


__all__ = ["REPORTERS", "ReportContext", "Reporter", "make_reporter"]
