"""What a run knows about its GitHub context, shaped as Visor's expressions expect it.

Visor's ``if`` / ``fail_if`` / routing expressions and its Liquid filters see
the event, the branches, the changed files, the workflow inputs and the
author's permissions (``src/failure-condition-evaluator.ts``,
``src/utils/author-permissions.ts``).  Outside GitHub Actions Visor runs in
*local mode*: every permission helper answers true except ``isFirstTimer()``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from visor_mem.store.base import JSON

PERMISSIONS = (
    "OWNER", "MEMBER", "COLLABORATOR", "CONTRIBUTOR", "FIRST_TIME_CONTRIBUTOR", "FIRST_TIMER", "NONE",
)  # fmt: skip
"""GitHub author associations, most privileged first (Visor's PERMISSION_HIERARCHY)."""


@dataclass(frozen=True)
class VisorInfo:
    """The run's GitHub context."""

    event_name: str = "manual"
    action: str | None = None
    repository: str | None = None
    branch: str = "unknown"
    base_branch: str = "main"
    files_changed: tuple[str, ...] = ()
    association: str | None = None
    local: bool = True
    inputs: Mapping[str, JSON] = field(default_factory=dict)

    def event(self) -> dict[str, JSON]:
        """``event``: Visor's ``if`` shape (event_name, action, repository) plus routing's ``name``."""
        return {
            "event_name": self.event_name,
            "name": self.event_name,
            "action": self.action,
            "repository": self.repository,
        }

    def globals(self) -> dict[str, JSON]:
        """The run-wide names of Visor's expression context."""
        return {
            "event": self.event(),
            "branch": self.branch,
            "baseBranch": self.base_branch,
            "filesChanged": list(self.files_changed),
            "filesCount": len(self.files_changed),
            "inputs": dict(self.inputs),
        }

    # -- permissions (author-permissions.ts) --------------------------------------

    def has_min_permission(self, level: object, association: object = None) -> bool:
        """The author's association is at least ``level`` (always true in local mode)."""
        if self.local:
            return True
        return _rank(association or self.association) <= _rank(level)

    def is_exactly(self, *names: str, association: object = None) -> bool:
        """The association is one of ``names`` (isOwner, isFirstTimer)."""
        if self.local:
            return "OWNER" in names
        value = association or self.association
        return isinstance(value, str) and value.upper() in names


def _rank(association: object) -> int:
    if not isinstance(association, str) or association.upper() not in PERMISSIONS:
        return len(PERMISSIONS)
    return PERMISSIONS.index(association.upper())


def from_environment(
    env: Mapping[str, str],
    pr: Mapping[str, JSON],
    payload: Mapping[str, JSON] | None,
    inputs: Mapping[str, JSON],
    event_name: str,
) -> VisorInfo:
    """The GitHub context from the environment, the ``pr`` object and the event payload.

    ``event_name`` is decided by the engine (``engine/select.py``), the one place that maps GitHub's
    events to Visor's, so that step selection and expressions always agree on it.
    """
    files = pr.get("files")
    names = (
        tuple(str(f.get("filename")) if isinstance(f, dict) else str(f) for f in files if f is not None)
        if isinstance(files, list)
        else ()
    )
    action = payload.get("action") if payload else None
    return VisorInfo(
        event_name=event_name,
        action=action if isinstance(action, str) else None,
        repository=env.get("GITHUB_REPOSITORY") or None,
        branch=_branch(env, pr),
        base_branch=str(env.get("GITHUB_BASE_REF") or pr.get("base") or "main"),
        files_changed=names,
        association=_association(payload),
        local=not env.get("GITHUB_ACTIONS"),
        inputs=dict(inputs),
    )


def _branch(env: Mapping[str, str], pr: Mapping[str, JSON]) -> str:
    """The head branch: GitHub's, else the ``pr`` object's (its standalone ``HEAD`` says nothing)."""
    head = pr.get("head")
    named = head if isinstance(head, str) and head not in ("", "HEAD") else None
    return env.get("GITHUB_HEAD_REF") or env.get("GITHUB_REF_NAME") or named or "unknown"


def _association(payload: Mapping[str, JSON] | None) -> str | None:
    """Visor's resolveAssociationFromEvent: comment, then issue, then pull request."""
    for key in ("comment", "issue", "pull_request"):
        item = payload.get(key) if payload else None
        if isinstance(item, dict) and isinstance(item.get("author_association"), str):
            return str(item["author_association"])
    return None
