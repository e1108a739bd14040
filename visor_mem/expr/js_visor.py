"""Visor's JavaScript context: the globals and helper functions of its expressions.

As ``src/failure-condition-evaluator.ts`` defines them: the GitHub context
(``event``, ``branch``, ``baseBranch``, ``filesChanged``, ``filesCount``,
``inputs``), the helpers ``always()``, ``success()``, ``failure()``,
``contains()``, ``startsWith()``, ``endsWith()`` (case-insensitive),
``length()``, ``hasIssue()``, ``countIssues()``, ``hasFileMatching()`` (and
the aliases ``hasIssueWith`` / ``hasFileWith``), and the permission helpers
``hasMinPermission()``, ``isOwner()``, ``isMember()``, ``isCollaborator()``,
``isContributor()``, ``isFirstTimer()``.

Per evaluation, the failure-condition contexts (``if``, ``assume``,
``guarantee``, ``fail_if``, ``failure_conditions``) also get ``checkName``,
``issues`` (the output's ``issues`` list, else ``[]``), ``metadata`` and the
issue counters (:func:`condition_extras`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from visor_mem.expr.visor_info import PERMISSIONS, VisorInfo
from visor_mem.store.base import JSON

HELPERS: dict[str, str] = {
    "always": "() => true",
    "success": "() => true",
    "failure": "() => false",
    "contains": "(s, v) => String(s).toLowerCase().includes(String(v).toLowerCase())",
    "startsWith": "(s, v) => String(s).toLowerCase().startsWith(String(v).toLowerCase())",
    "endsWith": "(s, v) => String(s).toLowerCase().endsWith(String(v).toLowerCase())",
    "length": (
        "(v) => typeof v === 'string' || Array.isArray(v) ? v.length"
        " : v && typeof v === 'object' ? Object.keys(v).length : 0"
    ),
    "hasIssue": "(issues, field, value) => Array.isArray(issues) && issues.some((i) => i?.[field] === value)",
    "countIssues": (
        "(issues, field, value) => Array.isArray(issues)"
        " ? issues.filter((i) => i?.[field] === value).length : 0"
    ),
    "hasFileMatching": (
        "(issues, pattern) => Array.isArray(issues)"
        " && issues.some((i) => i && typeof i.file === 'string' && i.file.includes(pattern))"
    ),
}
HELPERS["__visorJsonSmart"] = """(raw) => {
  if (typeof raw !== "string") return raw;
  let parsed;
  try { parsed = JSON.parse(raw); } catch { return raw; }
  if (parsed === null || typeof parsed !== "object") return raw;
  const boxed = new String(raw);
  const own = (key) => typeof key === "string" && Object.prototype.hasOwnProperty.call(parsed, key);
  return new Proxy({}, {
    get(_t, key) {
      if (key === "toString" || key === "valueOf" || key === Symbol.toPrimitive) return () => raw;
      if (key === "toJSON") return () => parsed;
      if (own(key)) return parsed[key];
      const value = boxed[key];
      return typeof value === "function" ? value.bind(boxed) : value;
    },
    has: (_t, key) => key in parsed,
    ownKeys: () => Reflect.ownKeys(parsed),
    getOwnPropertyDescriptor(_t, key) {
      const desc = Reflect.getOwnPropertyDescriptor(parsed, key);
      if (desc) desc.configurable = true;
      return desc;
    },
  });
}"""
"""Visor's makeJsonSmart (command-check-provider.ts): a command's output text whose string
methods work and, when it is a JSON object or array, whose fields do too."""
SMART = "__smart"
"""The extra that lists which other extras are JSON-aware strings (js_prelude.js)."""
HELPERS["hasIssueWith"] = HELPERS["hasIssue"]
HELPERS["hasFileWith"] = HELPERS["hasFileMatching"]


def permission_helpers(info: VisorInfo) -> dict[str, str]:
    """The permission helpers, with the run's association and local mode baked in."""
    local = "true" if info.local else "false"
    assoc = json.dumps(info.association.upper() if info.association else None)
    order = json.dumps(list(PERMISSIONS))
    lowest = len(PERMISSIONS)
    rank = f"((a) => {{ const i = {order}.indexOf(String(a).toUpperCase()); return i < 0 ? {lowest} : i; }})"
    at_least = f"(level) => {local} || {rank}({assoc}) <= {rank}(level)"
    return {
        "hasMinPermission": at_least,
        "isOwner": f"() => {local} || {assoc} === 'OWNER'",
        "isMember": f"() => ({at_least})('MEMBER')",
        "isCollaborator": f"() => ({at_least})('COLLABORATOR')",
        "isContributor": f"() => ({at_least})('CONTRIBUTOR')",
        "isFirstTimer": f"() => !{local} && ['FIRST_TIME_CONTRIBUTOR', 'FIRST_TIMER'].includes({assoc})",
    }


def helpers(info: VisorInfo) -> dict[str, str]:
    """Every helper function, by global name (JS source of one expression each)."""
    return {**HELPERS, **permission_helpers(info)}


SEVERITIES = ("critical", "error", "warning", "info")
COUNTERS = ("criticalIssues", "errorIssues", "warningIssues", "infoIssues", "totalIssues")


def condition_extras(step: str, output: JSON, group: str | None = None) -> dict[str, JSON]:
    """``checkName``, ``issues``, ``metadata`` and the counters for one step's condition."""
    issues = _issues(output)
    counts = {
        s: sum(1 for i in issues if isinstance(i, Mapping) and i.get("severity") == s) for s in SEVERITIES
    }
    extras: dict[str, JSON] = {
        "checkName": step,
        "issues": issues,
        "criticalIssues": counts["critical"],
        "errorIssues": counts["error"],
        "warningIssues": counts["warning"],
        "infoIssues": counts["info"],
        "totalIssues": len(issues),
    }
    extras["metadata"] = {
        "checkName": step,
        "schema": "",
        "group": group or "",
        **{
            key: extras[key]
            for key in ("criticalIssues", "errorIssues", "warningIssues", "infoIssues", "totalIssues")
        },
    }
    return extras


def _issues(output: JSON) -> list[JSON]:
    found = output.get("issues") if isinstance(output, dict) else None
    if isinstance(found, str):
        try:
            found = json.loads(found)
        except ValueError:
            found = None
    return found if isinstance(found, list) else []
