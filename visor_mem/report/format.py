"""Cell texts shared by the text and markdown reports."""

from __future__ import annotations

import json
from collections import Counter

from visor_mem.engine.results import RunResult, StepResult
from visor_mem.store.base import JSON

PREVIEW_WIDTH = 60
STATUSES = ("success", "failed", "skipped")


def preview(value: JSON, width: int = PREVIEW_WIDTH) -> str:
    """One line of compact JSON, cut to ``width`` characters with an ellipsis; '' for null."""
    if value is None:
        return ""
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=repr)
    return clip(text, width)


def clip(text: str, width: int = PREVIEW_WIDTH) -> str:
    """``text`` on one line, at most ``width`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


def duration(ms: float) -> str:
    """A human duration: ``0.4 ms``, ``12 ms``, ``1.25 s``."""
    if ms < 10:
        return f"{ms:.1f} ms"
    if ms < 1000:
        return f"{ms:.0f} ms"
    return f"{ms / 1000:.2f} s"


def step_time(step: StepResult) -> str:
    """The step's time, or ``-`` when it never ran."""
    return duration(step.duration_ms) if step.runs else "-"


def route_summary(route: tuple[str, ...]) -> str:
    """The kinds of routing that re-ran a step, in first-seen order: ``retry, goto from x``."""
    return ", ".join(dict.fromkeys(route))


def step_label(step: StepResult) -> str:
    """The step's name, plus ``×N (route)`` when it ran more than once, or its forEach item counts."""
    if step.items is not None:
        return f"{step.name} [{item_counts(step.items)}]"
    if step.runs <= 1:
        return step.name
    route = route_summary(step.route)
    return f"{step.name} ×{step.runs}" + (f" ({route})" if route else "")


def item_counts(items: dict[str, int]) -> str:
    """``3/4 items ok, 1 failed``: a map step's items at a glance."""
    text = f"{items['success']}/{items['items']} items ok"
    extra = [f"{items[k]} {k}" for k in ("failed", "skipped") if items.get(k)]
    return ", ".join([text, *extra])


def detail(step: StepResult, width: int = PREVIEW_WIDTH) -> str:
    """What to show beside the status: the error, the skip reason, or the output."""
    if step.status == "failed":
        return clip(step.error or "failed", width)
    if step.status == "skipped":
        return clip(step.reason or "", width)
    if step.issues:
        severity, text = step.issues[0]
        return clip(f"{severity}: {text}", width)
    return preview(step.output, width)


def summary_line(result: RunResult) -> str:
    """``ok: 5 steps (4 success, 0 failed, 1 skipped) in 12 ms``."""
    counts: Counter[str] = Counter(step.status for step in result.steps.values())
    parts = ", ".join(f"{counts[status]} {status}" for status in STATUSES)
    verdict = "ok" if result.ok else "failed"
    return f"{verdict}: {len(result.steps)} steps ({parts}) in {duration(result.duration_ms)}"
