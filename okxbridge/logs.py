"""Log output for operators: one JSON object per line (``--log-format json``).

Only the event's formatted text and its plain scalar fields are written; none of the
bridge's events carry secrets (credentials are attrs values whose ``repr`` hides them).
"""

from __future__ import annotations

import json
import sys
from typing import IO

from twisted.logger import FileLogObserver, formatEvent

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
