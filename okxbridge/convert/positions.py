# -*- test-case-name: tests.convert.test_positions -*-
"""OKX's positions and funding rates → FMZ's Position and Funding (pure)."""

from __future__ import annotations

from typing import Any

from .numbers import dec, millis
from .symbols import fmz_symbol


def position_from_okx(p: dict[str, Any], alias: str = "") -> dict[str, Any] | None:
    """FMZ Position; None for an empty net position (OKX lists closed ones with ``pos`` 0).
    In net mode the sign of ``pos`` is the direction."""
    pos = dec(p.get("pos"))
    if pos == 0:
        return None
    side = p.get("posSide")
    if side not in ("long", "short"):
        side = "long" if pos > 0 else "short"
    amount = abs(pos)
    available = abs(dec(p.get("availPos"), amount))
    symbol = fmz_symbol(p["instId"], alias)
    return {
        "symbol": symbol,
        "margin_level": dec(p.get("lever")),
        "amount": amount,
        "frozen_amount": max(amount - available, dec(0)),
        "price": dec(p.get("avgPx")),
        "profit": dec(p.get("upl")),
        "type": side,
        "contract_type": symbol.partition(".")[2],
        "margin": dec(p.get("margin"), dec(p.get("imr"))),
        "margin_mode": p.get("mgnMode", ""),
    }


def funding_from_okx(f: dict[str, Any], alias: str = "") -> dict[str, Any]:
    """FMZ Funding: the current period's rate, when it is charged, and the period (ms)."""
    at, following = millis(f.get("fundingTime")), millis(f.get("nextFundingTime"))
    return {
        "symbol": fmz_symbol(f["instId"], alias),
        "rate": dec(f.get("fundingRate")),
        "time": at,
        "interval": following - at if following > at else 8 * 3_600_000,
        "next_time": following,
    }

