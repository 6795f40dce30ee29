# -*- test-case-name: tests.convert.test_precision -*-
"""Rounding prices and sizes to an instrument's grid, in Decimal (never float).

Prices round towards the passive side (a buy never pays more than asked, a sell never
gets less than asked); sizes round down (never more than the strategy asked for).
Tick sizes are not always powers of ten (OKX has ticks like 5 or 0.5), so rounding is to
a multiple of the step, not to a number of decimals.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal


def round_to_step(value: Decimal, step: Decimal, rounding: str) -> Decimal:
    if step <= 0:
        return value
    units = (value / step).to_integral_value(rounding=rounding)
    exponent = step.as_tuple().exponent
    if not isinstance(exponent, int):  # "n", "N" or "F": a NaN or infinite step is no grid
        raise ValueError(f"cannot round to a step of {step}")
    return (units * step).quantize(step) if exponent < 0 else units * step


def round_price(price: Decimal, tick: Decimal, side: str) -> Decimal:
    """Buy prices round down, sell prices up, to a multiple of ``tick``."""
    return round_to_step(price, tick, ROUND_FLOOR if side == "buy" else ROUND_CEILING)


def round_size(size: Decimal, lot: Decimal) -> Decimal:
    return round_to_step(size, lot, ROUND_FLOOR)


def round_cost(cost: Decimal, tick: Decimal) -> Decimal:
    """A quote-currency amount (a spot market buy's ``sz`` with ``tgtCcy=quote_ccy``)
    truncated to the price grid: OKX documents no precision for it, and ccxt's
    ``cost_to_precision`` truncates to the price precision (``tickSz``), never rounding up
    what the strategy spends (123.456789123 USDT on a 0.1 tick → 123.4)."""
    return round_to_step(cost, tick, ROUND_FLOOR)


def decimals(step: Decimal) -> int:
    """How many decimals a step shows (0.0001 → 4, 5 → 0, 0.5 → 1)."""
    exponent = step.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def okx_number(value: Decimal) -> str:
    """A plain decimal string (no exponent), as OKX expects in ``px``/``sz``."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"
