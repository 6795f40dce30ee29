# -*- test-case-name: tests.sim.test_sim_engine, tests.sim.test_sim_http -*-
"""A seeded, clock-driven market: price walk, synthetic market maker, trade tape.

Nothing here is stored: the price at any time is a pure function of (seed,
underlying, time), so candles for any past bar, the ticker and the book agree
with each other and are identical across runs with the same seed and clock.
The walk is computed in float (it is noise, not money) and becomes Decimal
the moment it is rounded to the instrument's tick.
"""

import hashlib
import math
import struct
from decimal import Decimal

import attrs

from okxbridge.sim.numbers import floor_to, fmt, ms_text

BASE_PRICES = {"BTC": 60000.0, "ETH": 3000.0, "LTC": 80.0, "OKB": 50.0}

# (period seconds, amplitude of log-price): slow trends plus minute-scale wiggle.
WAVES = ((97.0, 0.0008), (1013.0, 0.002), (10799.0, 0.006), (129600.0, 0.02), (1728000.0, 0.06))
NOISE = 0.0002


def unit(seed, *parts):
    """A deterministic uniform number in [0, 1) for (seed, parts)."""
    text = "|".join(str(p) for p in (seed,) + parts).encode()
    digest = hashlib.blake2b(text, digest_size=8).digest()
    return struct.unpack(">Q", digest)[0] / 2.0**64


@attrs.define
class PriceWalk:
    """Log-price = sum of seeded waves + per-second noise, times any forced moves.

    ``force`` (the /__sim__/price control) rescales the walk from that moment on,
    so the market continues from the forced price instead of snapping back.
    """

    seed: int
    #: instIds whose book is crossed, as in OKX's pre-open / call auction (POST /__sim__/book)
    crossed: set = attrs.field(factory=set)
    _phases: dict = attrs.field(factory=dict)
    _anchors: dict = attrs.field(factory=dict)  # inst_id -> [(seconds, factor)]

    def raw(self, underlying, seconds):
        phases = self._phases.get(underlying)
        if phases is None:
            phases = [unit(self.seed, underlying, "phase", i) * 2 * math.pi for i in range(len(WAVES))]
            self._phases[underlying] = phases
        log = 0.0
        for (period, amplitude), phase in zip(WAVES, phases, strict=True):
            log += amplitude * math.sin(2 * math.pi * seconds / period + phase)
        log += NOISE * (2 * unit(self.seed, underlying, "noise", int(seconds)) - 1)
        return BASE_PRICES.get(underlying, 100.0) * math.exp(log)

    def factor(self, inst_id, seconds):
        factor = 1.0
        for when, value in self._anchors.get(inst_id, ()):
            if when <= seconds:
                factor = value
        return factor

    def price(self, inst, seconds):
        """The instrument's fair price (float) at ``seconds``."""
        return self.raw(inst.base, seconds) * self.factor(inst.inst_id, seconds)

    def force(self, inst, seconds, price):
        """Make the price ``price`` at ``seconds``; the walk continues from there."""
        raw = self.raw(inst.base, seconds)
        self._anchors.setdefault(inst.inst_id, []).append((seconds, float(price) / raw))


@attrs.frozen
class Quote:
    """Top of the synthetic book: what a marketable order trades against."""

    bid: Decimal
    ask: Decimal
    last: Decimal


def quote(walk, inst, seconds):
    """Best bid/ask one tick apart around the fair price; last trades at the bid or ask."""
    fair = Decimal(repr(walk.price(inst, seconds)))
    bid = floor_to(fair, inst.tick_sz)
    if bid <= 0:
        bid = inst.tick_sz
    ask = bid + inst.tick_sz
    last = ask if unit(walk.seed, inst.inst_id, "last", int(seconds)) < 0.5 else bid
    return Quote(bid=bid, ask=ask, last=last)


def _level_size(seed, inst, seconds, side, level):
    """Depth at one level: base ccy (spot) or whole contracts (derivatives), never 0."""
    u = unit(seed, inst.inst_id, side, level, int(seconds))
    if inst.is_spot:
        notional = 200 + u * 40000  # quote units
        size = Decimal(repr(notional / max(inst_price_hint(inst), 1e-9)))
        size = floor_to(size, inst.lot_sz)
        return max(size, inst.min_sz)
    contracts = Decimal(int(1 + u * 3000))
    return max(floor_to(contracts, inst.lot_sz), inst.min_sz)


def inst_price_hint(inst):
    return BASE_PRICES.get(inst.base, 100.0)


def book(walk, inst, seconds, depth):
    """GET /market/books data[0]: ``[px, sz, "0", numOrders]`` rows, numbers as strings."""
    top = quote(walk, inst, seconds)
    best_ask, best_bid = top.ask, top.bid
    if inst.inst_id in walk.crossed:
        # docs (market-data "Get order book" / books channel): "best ask price may be lower than
        # the best bid price during the pre-open period": the sides overlap by two ticks
        best_ask, best_bid = top.bid - inst.tick_sz, top.ask + inst.tick_sz
    asks, bids = [], []
    for level in range(depth):
        gap = inst.tick_sz * (level * (level + 1) // 2)
        ask_px = best_ask + gap
        bid_px = best_bid - gap
        orders = str(1 + int(unit(walk.seed, inst.inst_id, "n", level, int(seconds)) * 12))
        asks.append([fmt(ask_px), fmt(_level_size(walk.seed, inst, seconds, "ask", level)), "0", orders])
        if bid_px > 0:
            bids.append([fmt(bid_px), fmt(_level_size(walk.seed, inst, seconds, "bid", level)), "0", orders])
    return {"asks": asks, "bids": bids, "ts": ms_text(seconds)}


#: a taker order of okxsim's tape fills against 1..MAX_FILLS maker orders at one price
MAX_FILLS = 3
#: tradeIds per second of the tape (room for every fill of its taker order)
IDS_PER_SECOND = 4
TAPE_EPOCH = 1_500_000_000


def fills_at(walk, inst, second):
    """The trades of the tape's taker order in ``second``, newest (highest ``tradeId``) first.

    OKX's REST ``/market/trades`` lists one row per trade (match) and its public ``trades``
    channel folds one taker order's trades at one price into one push with ``count``
    (docs #order-book-trading-market-data-ws-trades-channel): the tape has one taker order a
    second, which fills 1–3 makers at one price, so both granularities show."""
    u = unit(walk.seed, inst.inst_id, "trade", second)
    side = "buy" if u < 0.5 else "sell"
    top = quote(walk, inst, second)
    n = 1 + int(unit(walk.seed, inst.inst_id, "fills", second) * MAX_FILLS)
    total = floor_to(_level_size(walk.seed, inst, second, "trade", 0) * Decimal(repr(0.01 + u / 4)), inst.lot_sz)
    part = max(floor_to(total / n, inst.lot_sz), inst.min_sz)
    first = (second - TAPE_EPOCH) * IDS_PER_SECOND
    return [{
        "instId": inst.inst_id,
        "side": side,
        "sz": fmt(part),
        "px": fmt(top.ask if side == "buy" else top.bid),
        "source": "0",
        "tradeId": str(first + j),
        "ts": str(second * 1000 + int(u * 999)),
    } for j in reversed(range(n))]


def last_trade_id(walk, inst, second):
    """The ``tradeId`` of the newest trade of ``second``: the one a ``trades`` push carries."""
    return fills_at(walk, inst, second)[0]["tradeId"]


def trades(walk, inst, seconds, limit):
    """GET /market/trades: the newest ``limit`` trades of the tape, newest first."""
    rows = []
    second = int(seconds)
    while len(rows) < limit:
        rows += fills_at(walk, inst, second)[:limit - len(rows)]
        second -= 1
    return rows


def taker_orders(walk, inst, after, upto):
    """The taker orders of seconds ``after`` < s <= ``upto``, oldest first: each its fills
    newest first, as :func:`fills_at` lists them."""
    return [fills_at(walk, inst, second) for second in range(after + 1, upto + 1)]
