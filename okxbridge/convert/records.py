# -*- test-case-name: tests.convert.test_records -*-
"""Candles: FMZ's period (seconds) → OKX's ``bar``, and OKX rows → FMZ Records.

FMZ's periods are seconds (PERIOD_M1 = 60, PERIOD_D1 = 86400). Day and longer bars use
OKX's UTC variants (``1Dutc``), so a daily bar opens at 00:00 UTC like FMZ's own data,
not at 00:00 Hong Kong time as OKX's plain ``1D`` does.
"""

from __future__ import annotations

from typing import Any

from ..fmz.errors import ProtocolError
from .numbers import dec

BARS = {
    1: "1s", 60: "1m", 180: "3m", 300: "5m", 900: "15m", 1800: "30m",
    3600: "1H", 7200: "2H", 14400: "4H", 21600: "6Hutc", 43200: "12Hutc",
    86400: "1Dutc", 172800: "2Dutc", 259200: "3Dutc", 604800: "1Wutc",
}

#: what one OKX page holds: 300 bars for both (docs get-candlesticks and
#: get-candlesticks-history: limit max 300)
CANDLES_PAGE = 300
HISTORY_PAGE = 300
DEFAULT_LIMIT = 300


UNIT_SECONDS = {"seconds": 1, "minutes": 60}


def okx_bar(period: int, unit: str = "seconds") -> str:
    """OKX's bar for FMZ's ``period`` in ``unit`` (``--records-period-unit``). FMZ's period
    constants are seconds, though one FMZ article calls ``"period":"60"`` 60 minutes; a
    period that is valid only in the other unit (1440 = a day in minutes) is refused with
    an error naming the option, rather than silently read as something else."""
    bar = BARS.get(period * UNIT_SECONDS[unit])
    if bar is not None:
        return bar
    other = "minutes" if unit == "seconds" else "seconds"
    supported = ", ".join(str(p // UNIT_SECONDS[unit]) for p in BARS if p % UNIT_SECONDS[unit] == 0)
    hint = f" (the unit is set by --records-period-unit {unit})"
    if period * UNIT_SECONDS[other] in BARS:
        hint = (f"; {period} is a period in {other}: if the docker sends {other}, start okxbridge "
                f"with --records-period-unit {other}")
    short = "s" if unit == "seconds" else "min"
    raise ProtocolError(f"unsupported period {period}{short}; supported periods ({unit}): {supported}{hint}")


def record_from_okx(row: list[Any]) -> list[Any]:
    """``[ts,o,h,l,c,vol,volCcy,…]`` → ``[seconds, o, h, l, c, volume]``; volume is OKX's
    ``vol``: base currency for spot, contracts for swaps and futures, as FMZ counts contract
    volume (the coin volume ``volCcy`` stays in ``raw``), so spot and contracts read alike."""
    return [int(row[0]) // 1000, dec(row[1]), dec(row[2]), dec(row[3]), dec(row[4]), dec(row[5])]


def merge_candle_pages(pages: list[list[list[Any]]], limit: int) -> list[list[Any]]:
    """OKX pages (each newest first, later pages older) → at most ``limit`` rows, oldest
    first, each bar once (the recent and history endpoints overlap at their seam)."""
    seen: set[str] = set()
    rows = []
    for page in pages:
        for row in page:
            if row[0] not in seen:
                seen.add(row[0])
                rows.append(row)
    rows.sort(key=lambda r: int(r[0]), reverse=True)
    return list(reversed(rows[:limit]))
