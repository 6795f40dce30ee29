# -*- test-case-name: tests.test_check_client -*-
"""``okxbridge-call check``: the daemon's ``POST /check`` asked about the caller's key, and its
findings printed one a line (:mod:`okxbridge.convert.key_check` wrote them).

The key travels as in every protocol call (the same body fields), so the check sees exactly
what FMZ will send; the answer holds only the key's short form and plain words.
"""

from __future__ import annotations

import urllib.parse
from typing import Any, Mapping

from .convert.key_check import Finding, describe


def check_url(protocol_url: str) -> str:
    """``/check`` on the protocol's host and port (without ``--admin-port`` one port serves both)."""
    parts = urllib.parse.urlsplit(protocol_url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/check", "", ""))


def show_check(answer: Mapping[str, Any]) -> int:
    """Prints the findings; the exit status: 0 when the key is usable, 1 when not or on an error."""
    text, status = check_text(answer)
    print(text)
    return status


def check_text(answer: Mapping[str, Any]) -> tuple[str, int]:
    """(text to print, exit status) of a ``/check`` answer."""
    if "error" in answer:
        return f"okxbridge-call: {answer['error']}", 1
    data = answer.get("data") or {}
    findings = [Finding(f.get("level", "note"), str(f.get("text", ""))) for f in data.get("findings", ())
                if isinstance(f, dict) and f.get("level") in ("ok", "note", "warning", "error")]
    head = f"key {data.get('key', '?')}: {'usable' if data.get('usable') else 'NOT usable'}"
    return head + "\n" + describe(findings), 0 if data.get("usable") else 1
