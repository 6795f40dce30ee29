# -*- test-case-name: tests.test_layers -*-
"""JSON as okxbridge writes it, to FMZ and to OKX alike: one content type, one rule for Decimals.

Money is ``Decimal`` inside the daemon; on the wire it becomes a JSON number. A whole
value below 2**53 is written as an integer (exact in any JSON reader, FMZ's JavaScript
included); anything else as a float, which every reader can parse (orjson refuses
integers past 64 bits).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

JSON_CONTENT_TYPE = b"application/json; charset=utf-8"


def json_default(value: Any) -> Any:
    """orjson's ``default`` hook: Decimals as numbers; anything else is a bug, named."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 2**53 else float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
