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

#: what one OKX page holds: recent candles up to 300, history-candles up to 100
CANDLES_PAGE = 300
HISTORY_PAGE = 100
DEFAULT_LIMIT = 300


def okx_bar(period: int) -> str:
    bar = BARS.get(period)
    if bar is None:
        supported = ", ".join(str(p) for p in BARS)
        raise ProtocolError(f"unsupported period {period}s; supported periods (seconds): {supported}")
    return bar


def record_from_okx(row: list[Any], contract: bool) -> list[Any]:
    """``[ts,o,h,l,c,vol,volCcy,…]`` → ``[seconds, o, h, l, c, volume]``; volume in the base
    currency (a contract's ``vol`` counts contracts, its ``volCcy`` is base)."""
    volume = row[6] if contract else row[5]
    return [int(row[0]) // 1000, dec(row[1]), dec(row[2]), dec(row[3]), dec(row[4]), dec(volume)]


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
