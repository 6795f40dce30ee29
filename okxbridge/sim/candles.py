# -*- test-case-name: tests.sim.test_sim_markets -*-
"""Candlesticks for every OKX ``bar``, generated on demand from the price walk.

Bars from 6H up open on Hong Kong (UTC+8) boundaries unless suffixed ``utc``
(docs #order-book-trading-market-data-get-candlesticks). Rows are
``[ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]``, newest first, with
``confirm`` "0" for the bar still open. Paging: ``after`` = older than,
``before`` = newer than (spec §4).
"""

import datetime
import math
from decimal import Decimal

from okxbridge.sim.numbers import floor_to, fmt, round_to
from okxbridge.sim.prices import unit

HOUR = 3600
DAY = 86400
HK = 8 * HOUR
UTC = datetime.timezone.utc

FIXED = {
    "1s": 1, "1m": 60, "3m": 180, "5m": 300, "15m": 900, "30m": 1800,
    "1H": HOUR, "2H": 2 * HOUR, "4H": 4 * HOUR,
    "6H": 6 * HOUR, "12H": 12 * HOUR, "1D": DAY, "2D": 2 * DAY, "3D": 3 * DAY, "1W": 7 * DAY,
}
MONTHS = {"1M": 1, "3M": 3}
RECENT_BARS = 1440
SAMPLES = 8


class UnknownBar(ValueError):
    """An unknown ``bar`` parameter: OKX answers 51000 "Parameter bar error"."""


def parse_bar(bar):
    """``(seconds or None, months or None, utc offset seconds)`` for an OKX bar name."""
    name, offset = bar, 0
    if bar.endswith("utc"):
        name = bar[:-3]
        if name not in ("6H", "12H", "1D", "2D", "3D", "1W", "1M", "3M"):
            raise UnknownBar(bar)
    elif bar in ("6H", "12H", "1D", "2D", "3D", "1W", "1M", "3M"):
        offset = HK
    if name in FIXED:
        return FIXED[name], None, offset
    if name in MONTHS:
        return None, MONTHS[name], offset
    raise UnknownBar(bar)


def bar_open(seconds, bar):
    """Open time (seconds) of the bar containing ``seconds``."""
    length, months, offset = parse_bar(bar)
    if length is not None:
        # Weekly bars open on Mondays; the Unix epoch was a Thursday (4 days before a Monday).
        shift = 4 * DAY if length == 7 * DAY else 0
        return ((int(seconds) + offset - shift) // length) * length + shift - offset
    local = datetime.datetime.fromtimestamp(int(seconds) + offset, UTC)
    month = ((local.month - 1) // months) * months + 1
    start = datetime.datetime(local.year, month, 1, tzinfo=UTC)
    return int(start.timestamp()) - offset


def bar_step(open_seconds, bar, steps):
    """The open of the bar ``steps`` bars after (negative: before) the one at ``open_seconds``."""
    length, months, offset = parse_bar(bar)
    if length is not None:
        return open_seconds + steps * length
    local = datetime.datetime.fromtimestamp(open_seconds + offset, UTC)
    index = local.year * 12 + (local.month - 1) + steps * months
    start = datetime.datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)
    return int(start.timestamp()) - offset


def candle(walk, inst, bar, open_seconds, now):
    """One row for the bar opening at ``open_seconds``, as seen at ``now``."""
    close_at = bar_step(open_seconds, bar, 1)
    confirmed = close_at <= now
    end = close_at if confirmed else now
    span = max(end - open_seconds, 0)
    points = [walk.price(inst, open_seconds + span * i / SAMPLES) for i in range(SAMPLES + 1)]
    tick = inst.tick_sz
    o, c = (round_to(Decimal(repr(p)), tick) for p in (points[0], points[-1]))
    h = round_to(Decimal(repr(max(points))), tick)
    low = round_to(Decimal(repr(min(points))), tick)
    u = unit(walk.seed, inst.inst_id, bar, open_seconds)
    per_second = (0.05 if inst.is_spot else 20.0) * (0.5 + u)
    vol = floor_to(Decimal(repr(per_second * max(span, 1))), inst.lot_sz)
    mid = (o + c) / 2
    if inst.is_spot:
        vol_ccy = vol * mid
        quote_vol = vol_ccy
    elif inst.is_inverse:
        vol_ccy = vol * inst.ct_val / mid
        quote_vol = vol * inst.ct_val
    else:
        vol_ccy = vol * inst.ct_val
        quote_vol = vol_ccy * mid
    return [
        str(open_seconds * 1000), fmt(o), fmt(h), fmt(low), fmt(c), fmt(vol),
        fmt(round(vol_ccy, 8)), fmt(round(quote_vol, 8)), "1" if confirmed else "0",
    ]


def candles(walk, inst, bar, now, after=None, before=None, limit=100, history=False):
    """GET /market/candles (recent ``RECENT_BARS`` bars) or /market/history-candles (since listing).

    ``after``/``before`` are ms timestamps; rows with ``ts < after`` and ``ts > before``.
    """
    newest = bar_open(now, bar)
    oldest = bar_open(inst.list_time / 1000, bar) if history else bar_step(newest, bar, -(RECENT_BARS - 1))
    oldest = max(oldest, bar_open(inst.list_time / 1000, bar))
    start = newest
    if after is not None:
        start = min(newest, bar_open(math.ceil(after / 1000) - 1, bar))
        while start * 1000 >= after:
            start = bar_step(start, bar, -1)
    rows = []
    current = start
    while current >= oldest and len(rows) < limit:
        if before is not None and current * 1000 <= before:
            break
        rows.append(candle(walk, inst, bar, current, now))
        current = bar_step(current, bar, -1)
    return rows
