# -*- test-case-name: tests.convert.test_records -*-
"""Candles: FMZ's period (minutes on the wire by default) → OKX's ``bar``, and OKX rows → FMZ Records.

FMZ's strategy constants are seconds (PERIOD_M1 = 60), but the docker converts: FMZ's own
published REST plugin (CoinPark, fmz.com/strategy/101399) maps ``period`` 1, 3, 5 … 10080 to
1 minute … 1 week, and FMZ's article comments ``"period":"60"`` as 60 minutes — so minutes is
the default and seconds stays an option (spec/fmz-protocol.md "Records"). Day and longer bars
use OKX's UTC variants (``1Dutc``), so a daily bar opens at 00:00 UTC like FMZ's own data,
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
#: the unit of ``period`` unless ``--records-period-unit`` says otherwise
DEFAULT_UNIT = "minutes"
#: OKX's monthly bar by minute count (30 days); only the minutes reading has it, since 43200
#: in seconds is already 12 hours and 2592000 s was never an FMZ period
MONTH_MINUTES = 43200
#: bar length in the unit → OKX bar: every OKX bar from 1 minute to 1 month in minutes
BARS_BY_UNIT = {
    "seconds": BARS,
    "minutes": {**{s // 60: bar for s, bar in BARS.items() if s % 60 == 0}, MONTH_MINUTES: "1Mutc"},
}


def bar_seconds(period: int, unit: str = DEFAULT_UNIT) -> int:
    """The length of the bar in seconds (a month counts as its 30 days)."""
    return period * UNIT_SECONDS[unit]


def okx_bar(period: int, unit: str = DEFAULT_UNIT) -> str:
    """OKX's bar for FMZ's ``period`` in ``unit`` (``--records-period-unit``); a period that is
    valid only in the other unit (86400 = a day in seconds) is refused with an error naming
    the option, rather than silently read as something else."""
    bar = BARS_BY_UNIT[unit].get(period)
    if bar is not None:
        return bar
    other = "minutes" if unit == "seconds" else "seconds"
    supported = ", ".join(str(p) for p in BARS_BY_UNIT[unit])
    hint = f" (the unit is set by --records-period-unit {unit})"
    if period in BARS_BY_UNIT[other]:
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
