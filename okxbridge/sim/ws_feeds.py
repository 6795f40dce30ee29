# -*- test-case-name: tests.sim.test_sim_ws -*-
"""What the emulator's public WebSocket channels push, built from the same market the REST
routes read (the price walk), so a push and a REST answer at the same instant agree.

One :class:`Feed` per (channel, instId), shared by every subscriber, as OKX's sequence
numbers are per book, not per connection. ``advance(now)`` returns the pushes owed since the
last call (nothing when the market did not change); ``snapshot(now)`` is what a new
subscriber gets at once. Rules modelled (docs #order-book-trading-market-data-ws-…):

- tickers: pushed only when the last trade or best bid/ask changed (ticker-channel);
- books: a ``snapshot`` (``prevSeqId`` -1) then ``update`` increments whose ``prevSeqId`` is
  the previous ``seqId``; a level with ``sz`` "0" is deleted (order-book-channel). The
  ``checksum`` field is 0, as OKX sends it since June 2026 ("Order Book Channels Checksum
  Field Deprecation"); ``legacy_checksum`` restores the CRC32 of the top 25 levels;
- books5 / bbo-tbt: the whole 5 / 1 level book whenever it changed;
- trades: one push per taker order, ``count`` the trades folded in, ``sz`` their sum and
  ``tradeId`` the last (trades channel); okxsim's tape fills 1–3 makers per taker order;
- trades-all (/business): one push per trade, the same fields without ``count``/``seqId``
  (all-trades channel), as REST ``/market/trades`` lists them;
- candle{bar}: the open bar when it changed, at most once a second, and the closed bar
  (``confirm`` "1") when a new bar opens (candlesticks-channel).
"""

import zlib

import attrs

from okxbridge.sim import candles as candle_rules
from okxbridge.sim import market_data, prices
from okxbridge.sim.numbers import Decimal, fmt

BOOK_CHANNELS = {"books": 400, "books5": 5, "bbo-tbt": 1}
PUBLIC_CHANNELS = ("tickers", "trades", *BOOK_CHANNELS)
#: /ws/v5/business channels besides candles: every trade, one per push (all-trades channel)
BUSINESS_CHANNELS = ("trades-all",)
#: how many missed tape prints one push may catch up with (a clock jumped far ahead)
MAX_CATCH_UP = 100


def legacy_checksum(bids, asks):
    """OKX's CRC32 over ``bid1px:bid1sz:ask1px:ask1sz:…`` of the top 25 levels, signed."""
    parts = []
    for i in range(25):
        if i < len(bids):
            parts += bids[i][:2]
        if i < len(asks):
            parts += asks[i][:2]
    crc = zlib.crc32(":".join(parts).encode())
    return crc - (1 << 32) if crc >= 1 << 31 else crc


def candle_bar(channel):
    """``candle1m`` → ``1m``; None when the name is not a candle channel OKX has."""
    if not channel.startswith("candle"):
        return None
    bar = channel[len("candle"):]
    try:
        candle_rules.parse_bar(bar)
    except candle_rules.UnknownBar:
        return None
    return bar


def make_feed(walk, inst, channel, legacy=False):
    if channel == "tickers":
        return TickerFeed(walk, inst)
    if channel in ("trades", "trades-all"):
        return TradesFeed(walk, inst, channel)
    if channel in BOOK_CHANNELS:
        return BookFeed(walk, inst, channel, legacy=legacy)
    return CandleFeed(walk, inst, channel, candle_bar(channel))


def _push(channel, inst, data, **extra):
    return {"arg": {"channel": channel, "instId": inst.inst_id}, **extra, "data": data}


@attrs.define
class TickerFeed:
    walk: object
    inst: object
    key: tuple = ()

    def _key(self, now):
        top = prices.quote(self.walk, self.inst, now)
        return top.last, top.bid, top.ask, int(now)  # sizes change with the second

    def snapshot(self, now):
        self.key = self._key(now)
        return _push("tickers", self.inst, [market_data.ticker(self.walk, self.inst, now)])

    def advance(self, now):
        if self._key(now) == self.key:
            return []
        return [self.snapshot(now)]


@attrs.define
class BookFeed:
    walk: object
    inst: object
    channel: str
    legacy: bool = False
    seq_start = 1000
    seq: int = seq_start
    asks: list = attrs.field(factory=list)
    bids: list = attrs.field(factory=list)
    ts: str = ""
    key: tuple = ()
    #: the next update is lost on the way (the /__sim__/ws skip_seq fault)
    skip: int = 0

    @property
    def depth(self):
        return BOOK_CHANNELS[self.channel]

    @property
    def incremental(self):
        return self.channel == "books"

    def _refresh(self, now):
        """Recompute the book when its inputs (best prices, the second) changed; the
        levels it had before, or None when it did not change."""
        top = prices.quote(self.walk, self.inst, now)
        key = (top.bid, top.ask, int(now), self.inst.inst_id in self.walk.crossed)
        if key == self.key:
            return None
        self.key = key
        book = prices.book(self.walk, self.inst, now, self.depth)
        old = (self.asks, self.bids)
        if book["asks"] == self.asks and book["bids"] == self.bids:
            return None
        self.asks, self.bids, self.ts = book["asks"], book["bids"], book["ts"]
        return old

    def _data(self, asks, bids, prev):
        data = {"asks": asks, "bids": bids, "ts": self.ts,
                "checksum": legacy_checksum(self.bids, self.asks) if self.legacy else 0,
                "prevSeqId": prev, "seqId": self.seq}
        if not self.incremental:
            data = {"asks": asks, "bids": bids, "instId": self.inst.inst_id, "ts": self.ts, "seqId": self.seq}
            if self.channel == "bbo-tbt":
                del data["instId"]
        return data

    def snapshot(self, now):
        if not self.asks:
            self._refresh(now)
        data = self._data(self.asks, self.bids, -1)
        if self.incremental:
            return _push(self.channel, self.inst, [data], action="snapshot")
        return _push(self.channel, self.inst, [data])

    def advance(self, now):
        if not self.asks:
            self._refresh(now)
            return []
        old = self._refresh(now)
        if old is None:
            return []
        prev = self.seq
        self.seq += 1
        if not self.incremental:
            return [_push(self.channel, self.inst, [self._data(self.asks, self.bids, prev)])]
        old_asks, old_bids = old
        changes = self._data(diff(old_asks, self.asks), diff(old_bids, self.bids), prev)
        update = _push(self.channel, self.inst, [changes], action="update")
        if self.skip:
            self.skip -= 1
            return []
        return [update]


def diff(old, new):
    """The levels to send so that ``old`` becomes ``new``: changed or new levels, and
    removed ones with size "0"."""
    before = {level[0]: level for level in old}
    after = {level[0]: level for level in new}
    changes = [level for px, level in after.items() if before.get(px) != level]
    changes += [[px, "0", "0", "0"] for px in before if px not in after]
    return changes


def aggregated(fills):
    """One ``trades`` push item for a taker order's trades at one price (newest first):
    ``sz`` their sum, ``count`` how many, ``tradeId`` and ``seqId`` the last one's (docs
    #order-book-trading-market-data-ws-trades-channel: "count — the number of trades
    aggregated", "tradeId — the last trade ID in the trades aggregation")."""
    last = fills[0]
    total = sum((Decimal(f["sz"]) for f in fills), Decimal(0))
    return {**last, "sz": fmt(total), "count": str(len(fills)), "seqId": int(last["tradeId"])}


@attrs.define
class TradesFeed:
    """``trades``: one push per taker order (its trades folded in); ``trades-all``: one push
    per trade (docs #order-book-trading-market-data-ws-all-trades-channel)."""

    walk: object
    inst: object
    channel: str = "trades"
    second: int = -1

    def _pushes(self, fills):
        if self.channel == "trades-all":
            return [_push(self.channel, self.inst, [dict(fill)]) for fill in reversed(fills)]
        return [_push(self.channel, self.inst, [aggregated(fills)])]

    def snapshot(self, now):
        self.second = max(self.second, int(now))
        return self._pushes(prices.fills_at(self.walk, self.inst, int(now)))[-1]

    def advance(self, now):
        if self.second < 0:
            self.second = int(now)
            return []
        missed = int(now) - self.second
        if missed <= 0:
            return []
        after, self.second = max(self.second, int(now) - MAX_CATCH_UP), int(now)
        return [push for fills in prices.taker_orders(self.walk, self.inst, after, int(now))
                for push in self._pushes(fills)]


@attrs.define
class CandleFeed:
    walk: object
    inst: object
    channel: str
    bar: str
    row: list = attrs.field(factory=list)
    pushed_at: float = -1.0

    def _row(self, now):
        return candle_rules.candle(self.walk, self.inst, self.bar, candle_rules.bar_open(now, self.bar), now)

    def snapshot(self, now):
        self.row = self._row(now)
        self.pushed_at = now
        return _push(self.channel, self.inst, [self.row])

    def advance(self, now):
        if not self.row:
            self.row = self._row(now)
            return []
        opened = candle_rules.bar_open(now, self.bar)
        pushes = []
        if int(self.row[0]) // 1000 != opened:
            closed = candle_rules.candle(self.walk, self.inst, self.bar, int(self.row[0]) // 1000, now)
            pushes.append(_push(self.channel, self.inst, [closed]))
            self.row = []
        elif int(now) == int(self.pushed_at):
            return []  # OKX: at most one push a second (here: one per clock second)
        row = self._row(now)
        if row != self.row:
            self.row = row
            self.pushed_at = now
            pushes.append(_push(self.channel, self.inst, [row]))
        return pushes
