"""Which steps a run selects: ``--only``, tags, ``tag_filter`` and ``on:`` events, as Visor.

Visor's rules (``src/state-machine/states/plan-ready.ts``, ``src/event-mapper.ts``):

- Tags: the filter is ``--tags`` / ``--exclude-tags`` when either is given, else the
  config's ``tag_filter``.  Without any filter only untagged steps run.  With one, a
  step carrying an excluded tag is left out, and when ``include`` is not empty a
  tagged step needs one of its tags; untagged steps always pass.
- Events: the event is ``--event NAME`` (``all``: none); without it, under GitHub
  Actions, the event Visor maps from ``GITHUB_EVENT_NAME`` and the payload's
  ``action``; else none.  With an event, a step whose ``on:`` does not list it is
  left out; without one nothing is filtered by event.
- Without a tag filter, a step whose dependency was left out is left out too (for
  an any-of group ``a|b``: when every option was); with a tag filter such
  dependencies are soft (the step runs without them).

The result maps each left-out step to the reason the report shows.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from visor_mem.config.specs import VISOR_EVENTS, ConfigSpec, StepSpec, split_any_of
from visor_mem.engine.options import RunOptions
from visor_mem.errors import UsageError

NO_EVENT = "all"
"""``--event all``: no event filtering (Visor's CLI default)."""
GITHUB_EVENTS: dict[str, dict[str | None, str]] = {
    "pull_request": {"opened": "pr_opened", "synchronize": "pr_updated", "edited": "pr_updated",
                     "closed": "pr_closed"},
    "issues": {"opened": "issue_opened"},
    "pull_request_review": {None: "pr_updated"},
    "schedule": {None: "schedule"},
    "workflow_dispatch": {None: "schedule"},
}  # fmt: skip
"""GitHub event name → payload action → Visor event (``None``: any action); issue_comment aside."""
FALLBACK_EVENT = "manual"
"""The event when GitHub's event maps to none of Visor's (a push, an unhandled action)."""


@dataclass(frozen=True)
class TagFilter:
    """The tags that select steps."""

    include: frozenset[str]
    exclude: frozenset[str]
    source: str

    def reason(self, tags: Iterable[str]) -> str | None:
        """Why a step with ``tags`` is left out, or None."""
        tags = set(tags)
        if tags & self.exclude:
            return f"excluded by {self.source}"
        if tags and self.include and not tags & self.include:
            return f"not included by {self.source}"
        return None


def tag_filter(config: ConfigSpec, options: RunOptions) -> TagFilter | None:
    """The filter in force: the command line's, else the config's ``tag_filter``, else none."""
    if options.tags or options.exclude_tags:
        return TagFilter(_split(options.tags), _split(options.exclude_tags), "--tags/--exclude-tags")
    if config.tag_filter is not None:
        wanted = config.tag_filter
        return TagFilter(frozenset(wanted.include), frozenset(wanted.exclude), "tag_filter")
    return None


def _split(values: Iterable[str]) -> frozenset[str]:
    return frozenset(tag.strip() for value in values for tag in value.split(",") if tag.strip())


def event_in_force(options: RunOptions, environ: Mapping[str, str]) -> str | None:
    """The event steps are filtered by, or None for no event filtering."""
    if options.event:
        if options.event not in (*VISOR_EVENTS, NO_EVENT):
            raise UsageError(
                f"unknown event '{options.event}'; expected one of: {', '.join(VISOR_EVENTS)}, all"
            )
        return None if options.event == NO_EVENT else options.event
    if environ.get("GITHUB_ACTIONS") == "true" and environ.get("GITHUB_EVENT_NAME"):
        return github_event(environ["GITHUB_EVENT_NAME"], event_payload(environ) or {})
    return None


def github_event(name: str, payload: Mapping[str, object]) -> str:
    """Visor's event for a GitHub event ``name`` and its payload (``mapGitHubEventToTrigger``)."""
    if name == "issue_comment":
        issue = payload.get("issue")
        return "pr_updated" if isinstance(issue, dict) and issue.get("pull_request") else "issue_comment"
    actions = GITHUB_EVENTS.get(name, {})
    action = payload.get("action")
    return actions.get(action if isinstance(action, str) else None) or actions.get(None) or FALLBACK_EVENT


PAYLOAD_LIMIT = 16 * 1024 * 1024
"""Largest GitHub event payload read (GitHub's own webhook limit is 25 MB; ours only needs a few fields)."""


def event_payload(env: Mapping[str, str]) -> dict[str, Any] | None:
    """The GitHub event payload (``$GITHUB_EVENT_PATH``) under Actions; None when absent or unreadable."""
    path = env.get("GITHUB_EVENT_PATH")
    if not path or not env.get("GITHUB_ACTIONS"):
        return None
    try:
        with open(path, "rb") as handle:
            data = json.loads(handle.read(PAYLOAD_LIMIT + 1)[:PAYLOAD_LIMIT])
    except (OSError, ValueError, RecursionError):
        return None  # the payload only refines the event and permissions; Visor also carries on
    return data if isinstance(data, dict) else None


def excluded_steps(
    config: ConfigSpec,
    deps: Mapping[str, tuple[str, ...]],
    options: RunOptions,
    environ: Mapping[str, str],
) -> dict[str, str]:
    """Every step the run leaves out, with the reason."""
    steps = config.steps
    out: dict[str, str] = {}
    if options.only:
        selected = _closure(options.only, steps, deps)
        out.update({n: "not selected by --only" for n in steps if n not in selected})
    tags, event = tag_filter(config, options), event_in_force(options, environ)
    for name, step in steps.items():
        reason = None if name in out else _filter_reason(step, tags, event)
        if reason:
            out[name] = reason
    if tags is None:
        _drop_orphans(steps, out)
    return out


def _filter_reason(step: StepSpec, tags: TagFilter | None, event: str | None) -> str | None:
    if event is not None and step.on is not None and event not in step.on:
        return f"not triggered by event '{event}' (on: {', '.join(step.on) or 'nothing'})"
    if tags is None:
        return "tagged: runs only with --tags or tag_filter" if step.tags else None
    return tags.reason(step.tags)


def _drop_orphans(steps: Mapping[str, StepSpec], out: dict[str, str]) -> None:
    """Leave out, transitively, the steps whose dependency was left out (Visor: no tag filter)."""
    dependents: dict[str, list[str]] = {}
    for name, step in steps.items():
        for dep in step.needs:
            dependents.setdefault(dep, []).append(name)
    queue = deque(out)
    while queue:
        for child in dependents.get(queue.popleft(), ()):
            if child not in out and (missing := _missing_dependency(steps[child], out)):
                out[child] = f"dependency '{missing}' is not selected"
                queue.append(child)


def _missing_dependency(step: StepSpec, out: Mapping[str, str]) -> str | None:
    for token in step.depends_on:
        if all(option in out for option in split_any_of(token)):
            return token
    return None


def _closure(
    names: Iterable[str], steps: Mapping[str, StepSpec], deps: Mapping[str, tuple[str, ...]]
) -> set[str]:
    """The named steps and everything they depend on."""
    selected: set[str] = set()
    queue = deque(names)
    while queue:
        name = queue.popleft()
        if name not in steps:
            raise UsageError(f"--only {name}: no such step{_did_you_mean(name, steps)}")
        if name not in selected:
            selected.add(name)
            queue.extend(deps[name])
    return selected


def _did_you_mean(name: str, choices: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""
