# -*- test-case-name: tests.okx.test_market_streams, tests.e2e.test_stream -*-
"""Local market state from OKX's public pushes: the last ticker, the order book, recent
trades and the candles of each subscribed bar, per (channel, instId).

Each :class:`Entry` knows whether it may be served: it has data from the current
connection (``ready``) and is not known to be wrong (``broken``). A lost connection resets
every entry of that connection (:meth:`MarketState.reset`); a book that fails its sequence
or checksum is broken until a fresh snapshot arrives.

Books without OKX's initial snapshot (changelog 2026-02-12): when a subscription's first
book push is an update, its updates are buffered and a REST snapshot is asked for
(``on_need_snapshot``); :meth:`MarketState.seed_book` joins it by OKX's rule. Such a book
mends a later gap the same way, without resubscribing (OKX would send no snapshot). A
snapshot that does arrive is used as it always was; after a gap on a book that had one,
the fresh snapshot is awaited for ``SNAPSHOT_PATIENCE`` updates, then REST is asked. Staleness in time is the caller's
rule (see ``okxbridge.okx.market_streams``).
"""

from __future__ import annotations

import collections
from typing import Any, Callable

import attrs

from .books import Book, BookBroken, apply, crossed, from_rest, sync

#: trades kept per instrument: OKX's REST ``/market/trades`` gives at most 500
TRADES_KEPT = 500
#: candles kept per (instrument, bar) from pushes and REST seeds
CANDLES_KEPT = 1500
#: book updates buffered while waiting for a snapshot (10 s at OKX's 100 ms)
PENDING_KEPT = 100
#: updates awaited for a resubscribe's snapshot before a REST snapshot is taken instead (5 s at
#: OKX's 100 ms; a resubscribe normally answers well inside that)
SNAPSHOT_PATIENCE = 50
#: seconds between two REST snapshots asked for one book (OKX: 40 requests / 2 s per IP)
SNAPSHOT_RETRY = 1.0


@attrs.define(eq=False)
class Entry:
    channel: str
    inst_id: str
    ready: bool = False
    broken: str = ""
    #: the last push (what an answer's ``raw`` carries)
    raw: Any = None
    updated: float | None = None
    ticker: dict[str, Any] | None = None
    book: Book | None = None
    #: updates waiting for a snapshot; ``rest_sync`` once this subscription had none from OKX
    pending: list[dict[str, Any]] = attrs.Factory(list)
    rest_sync: bool = False
    snapshot_asked_at: float | None = None
    crossed: bool = False
    #: tradeId → trade item, kept in arrival order; ``complete`` once a REST page taken after
    #: the subscription was live joined them (no hole between history and pushes)
    trades: "collections.OrderedDict[str, dict[str, Any]]" = attrs.Factory(collections.OrderedDict)
    trades_complete: bool = False
    #: bar open ts (ms text) → row
    candles: dict[str, list[Any]] = attrs.Factory(dict)
    candles_complete: bool = False
    #: bumped by every reset: a REST page asked for before a reset must not be joined after it
    epoch: int = 0

    def reset(self) -> None:
        self.epoch += 1
        self.ready, self.broken = False, ""
        self.book = None
        self.pending, self.rest_sync, self.snapshot_asked_at, self.crossed = [], False, None, False
        self.trades.clear()
        self.trades_complete = False
        self.candles.clear()
        self.candles_complete = False

    def servable(self) -> bool:
        return self.ready and not self.broken


@attrs.define(eq=False)
class MarketState:
    clock: Any
    #: called with (entry, reason) when a book breaks: the owner resubscribes
    on_broken: Callable[[Entry, str], None]
    #: called with the entry when its book needs a REST snapshot (``seed_book`` takes it)
    on_need_snapshot: Callable[[Entry], None] = lambda entry: None
    entries: dict[tuple[str, str], Entry] = attrs.Factory(dict)
    broken_counts: collections.Counter = attrs.Factory(collections.Counter)

    def entry(self, channel: str, inst_id: str) -> Entry:
        key = (channel, inst_id)
        found = self.entries.get(key)
        if found is None:
            found = self.entries[key] = Entry(channel, inst_id)
        return found

    def forget(self, channel: str, inst_id: str) -> None:
        self.entries.pop((channel, inst_id), None)

    def reset(self, keys) -> None:
        for key in keys:
            entry = self.entries.get(key)
            if entry is not None:
                entry.reset()

    def push(self, message: dict[str, Any]) -> None:
        arg = message.get("arg") or {}
        entry = self.entries.get((arg.get("channel", ""), arg.get("instId", "")))
        data = message.get("data")
        if entry is None or not isinstance(data, list) or not data:
            return  # an unsubscribed channel's last pushes, or nothing in it
        channel = entry.channel
        if channel == "tickers":
            entry.ticker = data[-1]
        elif channel == "books":
            self._book(entry, message.get("action", "snapshot"), data[0])
            if entry.broken:
                return
        elif channel in ("trades", "trades-all"):
            for item in data:
                entry.trades[str(item.get("tradeId", ""))] = item
            while len(entry.trades) > TRADES_KEPT:
                entry.trades.popitem(last=False)
        elif channel.startswith("candle"):
            for row in data:
                entry.candles[str(row[0])] = row
            while len(entry.candles) > CANDLES_KEPT:
                del entry.candles[min(entry.candles, key=int)]
        entry.raw, entry.updated, entry.ready = message, self.clock.seconds(), True

    def _book(self, entry: Entry, action: str, data: dict[str, Any]) -> None:
        if action == "snapshot":
            entry.pending, entry.rest_sync = [], False
            self._set_book(entry, apply(None, action, data), data)
        elif entry.book is None:
            self._buffer(entry, data)
        else:
            self._set_book(entry, apply(entry.book, action, data), data)

    def _buffer(self, entry: Entry, data: dict[str, Any]) -> None:
        """An update with no book to apply it to: kept for the snapshot, REST's if OKX sends none."""
        entry.pending = [*entry.pending[-(PENDING_KEPT - 1):], data]
        if not entry.broken or len(entry.pending) > SNAPSHOT_PATIENCE:
            entry.rest_sync = True  # a fresh subscription began with an update: no snapshot is coming
        if entry.rest_sync:
            self._ask_snapshot(entry)

    def _ask_snapshot(self, entry: Entry) -> None:
        now = self.clock.seconds()
        if entry.snapshot_asked_at is None or now - entry.snapshot_asked_at >= SNAPSHOT_RETRY:
            entry.snapshot_asked_at = now
            self.on_need_snapshot(entry)

    def _set_book(self, entry: Entry, result: Book | BookBroken, data: dict[str, Any] | None) -> None:
        if isinstance(result, BookBroken):
            entry.book, entry.broken = None, result.reason
            self.broken_counts[result.reason] += 1
            if entry.rest_sync and data is not None:
                entry.pending = [data]  # OKX's sequence goes on: a REST snapshot mends the book
                self._ask_snapshot(entry)
            else:
                self.on_broken(entry, result.detail)
            return
        entry.book, entry.broken, entry.crossed = result, "", crossed(result)

    def seed_book(self, entry: Entry, epoch: int, rest_data: Any) -> None:
        """Join a REST snapshot asked for in ``epoch`` to the buffered updates (None: it failed)."""
        if entry.epoch != epoch or entry.book is not None or rest_data is None:
            return  # reset since, or a pushed snapshot came first; a failure: the next update asks again
        snapshot = from_rest(rest_data)
        result = snapshot if isinstance(snapshot, BookBroken) else sync(snapshot, entry.pending)
        if result is None:
            entry.snapshot_asked_at = None  # older than the buffer: the next update asks again
            return
        entry.pending, entry.snapshot_asked_at = [], None  # pacing is for failures; this one is answered
        if isinstance(result, BookBroken):
            entry.broken = result.reason
            self.broken_counts[result.reason] += 1
            return
        entry.book, entry.broken, entry.crossed = result, "", crossed(result)
        entry.ready = True

    # -- seeding from REST ---------------------------------------------------------
    def seed_trades(self, entry: Entry, epoch: int, rest_items: list[dict[str, Any]]) -> None:
        """Join a REST page (newest first) asked for while the subscription was live, in
        ``epoch``; if the stream was reset since, pushes may be missing after the page."""
        if entry.epoch != epoch or not entry.servable():
            return
        merged = collections.OrderedDict((str(t.get("tradeId", "")), t) for t in reversed(rest_items))
        merged.update(entry.trades)
        ordered = sorted(merged.items(), key=lambda kv: (int(kv[1].get("ts") or 0), _id_order(kv[0])))
        entry.trades = collections.OrderedDict(ordered[-TRADES_KEPT:])
        entry.trades_complete = True

    def seed_candles(self, entry: Entry, epoch: int, rest_rows: list[list[Any]]) -> None:
        """Bars from a REST page asked for while live in ``epoch``; pushed bars are newer and win."""
        if entry.epoch != epoch or not entry.servable():
            return
        for row in rest_rows:
            entry.candles.setdefault(str(row[0]), row)
        while len(entry.candles) > CANDLES_KEPT:
            del entry.candles[min(entry.candles, key=int)]
        entry.candles_complete = True


def _id_order(trade_id: str) -> tuple[int, str]:
    return (int(trade_id), trade_id) if trade_id.isdigit() else (0, trade_id)
