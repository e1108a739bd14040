"""Store URLs as they may be shown: the password replaced by ``***``.

Redis URLs carry credentials (``redis://user:secret@host/0``,
``redis://:secret@host``, ``?password=secret``); every message that names a
store URL goes through :func:`redact_url`, so no error echoes a password.
"""

from __future__ import annotations

import re

_USERINFO = re.compile(r"(?<=//)([^/?#@]*)@")
_QUERY_PASSWORD = re.compile(r"(?i)([?&]password=)[^&#]*")


def redact_url(url: str) -> str:
    """``url`` with any password (and a lone user-info part, which may be one) hidden."""
    return _QUERY_PASSWORD.sub(r"\1***", _USERINFO.sub(_hide, url))


def _hide(match: re.Match[str]) -> str:
    user, colon, _ = match.group(1).partition(":")
    return f"{user}:***@" if colon else "***@"
