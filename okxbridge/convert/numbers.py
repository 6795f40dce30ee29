# -*- test-case-name: tests.convert.test_orders, tests.convert.test_balances -*-
"""OKX sends every number as a string, and "" where it has none (okx-v5.md §7)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

ZERO = Decimal(0)


def dec(value: Any, default: Decimal = ZERO) -> Decimal:
    if value is None or value == "":
        return default
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return default


def millis(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
