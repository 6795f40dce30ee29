# -*- test-case-name: tests.e2e.test_tls_and_secrets, tests.test_layers -*-
"""Log output for operators: one JSON object per line (``--log-format json``).

Only the event's formatted text and its plain scalar fields are written; none of the
bridge's events carry secrets (credentials are attrs values whose ``repr`` hides them).
"""

from __future__ import annotations

import json
import re
import sys
from typing import IO

from twisted.logger import FileLogObserver, formatEvent

# C0 and C1 controls, DEL and the Unicode line/paragraph separators: each could end a text log
# line early or rewrite the terminal showing it; lone surrogates (JSON's "\ud800") cannot be
# written to a UTF-8 log at all, and the failing write would silence the log observer; bidi
# embeddings, overrides and isolates (U+202A–E, U+2066–9, U+200E/F) reorder what a reader sees
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{ord(char):02x}" if ord(char) < 256 else f"\\u{ord(char):04x}"


def log_field(value: object, limit: int) -> str:
    """A caller-controlled value as a log line may carry it: at most ``limit`` characters (the
    rest replaced by how many were cut) and control characters escaped (``\\n``, ``\\x1b``),
    so a method name cannot forge a second line in a text log or grow the log by megabytes."""
    text = str(value)
    if len(text) > limit:
        text = f"{text[:limit]}…(+{len(text) - limit} chars)"
    return _CONTROL.sub(_escape, text)


_SKIP = {"log_format", "log_logger", "log_source", "log_io", "log_failure", "log_time", "log_level",
         "log_namespace", "log_system", "log_trace", "log_flattened", "format", "message", "isError"}


def event_as_json(event: dict) -> str:
    record = {
        "time": round(event.get("log_time", 0), 3),
        "level": getattr(event.get("log_level"), "name", "info"),
        "namespace": event.get("log_namespace", ""),
        "text": formatEvent(event),
    }
    for key, value in event.items():
        if key not in _SKIP and not key.startswith("_") and isinstance(value, (str, int, float, bool)):
            record[key] = value
    failure = event.get("log_failure")
    if failure is not None:
        record["error"] = f"{failure.type.__name__}: {failure.value}"
    return json.dumps(record, ensure_ascii=False) + "\n"


def json_observer(out: IO[str] | None = None) -> FileLogObserver:
    return FileLogObserver(out or sys.stdout, event_as_json)
