# -*- test-case-name: tests.okx.test_market_streams -*-
"""Which market calls are answered from OKX's WebSocket pushes, and when that is allowed.

The rule (docs/streaming.md, "Streaming market data"):

- The first ``ticker``/``depth``/``trades``/``records`` call for a symbol subscribes to its
  channel and is answered by REST; later calls are answered from the local state while it
  is **fresh**: the subscription has data from the current connection, its book (for
  ``depth``) is intact, and the connection was heard from (a push, or a ``pong`` to the
  keep-alive ``ping`` sent after ``fresh/2`` s of silence) within ``--stream-fresh`` seconds.
  Otherwise the call goes to REST, transparently.
- ``trades`` and ``records`` need history the stream never had: the first REST answer
  taken while the subscription is live is joined to the pushes, after which a call is
  answered locally when the state holds the ``limit`` asked for (older bars: REST).
- A subscription not asked for during ``--stream-idle`` seconds is unsubscribed.
- At most :data:`BOOKS_PER_CONNECTION` (OKX's 30) ``books`` on one connection: more open others.
- A ``books`` subscription OKX starts without a snapshot (changelog 2026-02-12) is synced
  from one ``GET /market/books?sz=400``, asked with the key whose call confirmed it
  (unsigned: the key only says live or demo); see :mod:`okxbridge.okx.market_state`.

OKX sends tickers only when the last trade or best bid/ask changes, so a quiet market
pushes nothing: freshness is the connection's, proven by the keep-alive.
"""

from __future__ import annotations

import collections
import itertools
from typing import Any, Callable

import attrs
from twisted.internet import task
from twisted.internet.defer import Deferred
from twisted.logger import Logger

from . import paths
from .books import Book
from .market_state import Entry, MarketState
from .ws_client import WsStream

log = Logger()

#: the only book the bridge keeps: 400 levels, OKX's incremental ``books`` channel
BOOK_CHANNEL = "books"
#: one push per trade (``trades`` folds a taker order's trades into one push with ``count``,
#: which joined to REST's one row per trade would list the trades at the seam twice)
TRADES_CHANNEL = "trades-all"
#: OKX discourages more than 30 ``books`` on one connection (a full buffer closes it, 4005; spec okx-v5.md §10)
BOOKS_PER_CONNECTION = 30


def endpoint_of(channel: str) -> str:
    """OKX serves candles and ``trades-all`` on /business only (docs "Changes to V5 API
    WebSocket subscription", all-trades channel)."""
    return "business" if channel.startswith("candle") or channel == TRADES_CHANNEL else "public"


@attrs.frozen
class Streamed:
    """What local state answers with: OKX-shaped data and the push it came from."""

    data: Any
    raw: Any


@attrs.define(eq=False)
class MarketStreams:
    reactor: Any
    clock: Any
    #: (demo) → base URL, e.g. ``wss://ws.okx.com:8443``
    urls: dict[bool, str]
    fresh: float = 5.0
    idle: float = 300.0
    trust_root: Any = None
    #: shared with the private streams: OKX's 3 new connections per second per IP
    pacer: Any = None
    #: subscriptions held at most, live and demo together (``--max-subscriptions``): past it,
    #: REST answers — OKX's 400 subscribe ops per connection-hour reset on every reconnect
    max_subscriptions: int = 500
    #: (demo, name) → connection; name is the endpoint, or ``public-2``, ``public-3``… for the
    #: further connections books are spread over
    streams: dict[tuple[bool, str], WsStream] = attrs.Factory(dict)
    #: (demo, channel, instId) → the name of the connection that carries it
    homes: dict[tuple[bool, str, str], str] = attrs.Factory(dict)
    states: dict[bool, MarketState] = attrs.Factory(dict)
    asked: dict[tuple[bool, str, str], float] = attrs.Factory(dict)
    answers: collections.Counter = attrs.Factory(collections.Counter)
    resubscribes: collections.Counter = attrs.Factory(collections.Counter)
    rejected: collections.Counter = attrs.Factory(collections.Counter)
    #: REST book snapshots taken (OKX sent none, or a gap), and how many failed
    rest_snapshots: collections.Counter = attrs.Factory(collections.Counter)
    #: demo → a public REST getter (path, params) → Deferred[OkxReply], from a confirming call
    public: dict[bool, Callable[[str, dict[str, Any]], Deferred]] = attrs.Factory(dict)
    _sweeper: Any = None

    # -- service life ---------------------------------------------------------------
    def start(self) -> None:
        self._sweeper = task.LoopingCall(self.sweep_idle)
        self._sweeper.clock = self.clock
        self._sweeper.start(max(self.idle / 4, 0.05), now=False)

    async def stop(self) -> None:
        if self._sweeper is not None and self._sweeper.running:
            self._sweeper.stop()
        for stopping in [stream.stop() for stream in self.streams.values()]:
            if stopping is not None:
                await stopping

    def sweep_idle(self) -> None:
        now = self.clock.seconds()
        for (demo, channel, inst_id), at in list(self.asked.items()):
            if now - at >= self.idle:
                del self.asked[(demo, channel, inst_id)]
                self._stream(demo, channel, inst_id).unsubscribe({"channel": channel, "instId": inst_id})
                self.homes.pop((demo, channel, inst_id), None)
                self._state(demo).forget(channel, inst_id)
                log.info("okx ws unsubscribed {channel} {inst_id} after {idle}s unused", channel=channel,
                         inst_id=inst_id, idle=self.idle)
        self._close_empty()

    def _close_empty(self) -> None:
        """OKX closes a connection left without a subscription for 30 s (and the service would
        make it again, in a loop): the bridge closes it first; the next subscription opens one."""
        for key, stream in list(self.streams.items()):
            if not stream.wanted and stream.service.running:
                del self.streams[key]
                stopping = stream.stop()
                if stopping is not None:
                    stopping.addErrback(lambda failure: log.failure("closing an unused market stream", failure))
                log.info("okx ws {url} closed: no subscription left", url=stream.url)

    # -- plumbing -----------------------------------------------------------------------
    def _state(self, demo: bool) -> MarketState:
        state = self.states.get(demo)
        if state is None:
            state = self.states[demo] = MarketState(self.clock, lambda entry, why: self._broken(demo, entry, why),
                                                    lambda entry: self._need_snapshot(demo, entry))
        return state

    def _home(self, demo: bool, channel: str, inst_id: str) -> str:
        """The connection that carries (or will carry) this subscription: its endpoint's, but a
        ``books`` channel goes to the first public connection with room under OKX's 30."""
        home = self.homes.get((demo, channel, inst_id))
        if home is not None or channel != BOOK_CHANNEL:
            return home or endpoint_of(channel)
        held = collections.Counter(name for (d, ch, _), name in self.homes.items() if (d, ch) == (demo, BOOK_CHANNEL))
        names = ("public" if n == 1 else f"public-{n}" for n in itertools.count(1))
        return next(name for name in names if held[name] < BOOKS_PER_CONNECTION)

    def _stream(self, demo: bool, channel: str, inst_id: str = "") -> WsStream:
        name = self._home(demo, channel, inst_id)
        stream = self.streams.get((demo, name))
        if stream is None:
            state = self._state(demo)
            stream = WsStream(
                f"{self.urls[demo]}/ws/v5/{endpoint_of(channel)}", self.reactor, self.clock, on_push=state.push,
                on_reset=lambda: self._reset(demo, name),
                on_rejected=lambda arg, code, msg: self._rejected(demo, arg, code),
                ping_after=self.fresh / 2, pong_timeout=self.fresh / 2, trust_root=self.trust_root,
                pacer=self.pacer)
            self.streams[(demo, name)] = stream
        return stream

    def _reset(self, demo: bool, name: str) -> None:
        state = self._state(demo)
        state.reset([key for key in state.entries if self._home(demo, *key) == name])

    def _broken(self, demo: bool, entry: Entry, why: str) -> None:
        self.resubscribes[entry.broken] += 1
        log.warn("okx ws {channel} {inst_id} broken ({why}): resubscribing", channel=entry.channel,
                 inst_id=entry.inst_id, why=why)
        arg = {"channel": entry.channel, "instId": entry.inst_id}
        self._stream(demo, entry.channel, entry.inst_id).resubscribe(arg)

    def _need_snapshot(self, demo: bool, entry: Entry) -> None:
        public = self.public.get(demo)
        if public is not None:
            Deferred.fromCoroutine(self._rest_snapshot(demo, entry, public))

    async def _rest_snapshot(self, demo: bool, entry: Entry, public: Callable[..., Deferred]) -> None:
        epoch, data = entry.epoch, None
        self.rest_snapshots["taken"] += 1
        try:
            reply = await public(paths.BOOKS, {"instId": entry.inst_id, "sz": "400"})
            data = reply.data[0] if reply.data else None
        except Exception as e:  # any failure: the book stays unsynced and the next update asks again
            self.rest_snapshots["failed"] += 1
            log.warn("okx ws books {inst_id}: REST snapshot failed: {error}", inst_id=entry.inst_id, error=repr(e))
        self._state(demo).seed_book(entry, epoch, data)

    def _rejected(self, demo: bool, arg: dict[str, str], code: str) -> None:
        self.rejected[code] += 1
        self.asked.pop((demo, arg["channel"], arg.get("instId", "")), None)
        self.homes.pop((demo, arg["channel"], arg.get("instId", "")), None)
        self._state(demo).forget(arg["channel"], arg.get("instId", ""))
        self._close_empty()

    def lookup(self, demo: bool, channel: str, inst_id: str) -> Entry | None:
        """The entry when it may be served now; otherwise None (REST answers, and
        :meth:`confirm` starts the subscription once it has)."""
        entry = self._state(demo).entries.get((channel, inst_id))
        if entry is None:
            return None
        self.asked[(demo, channel, inst_id)] = self.clock.seconds()
        if entry.servable() and self._stream(demo, channel, inst_id).heard_within(self.fresh):
            return entry
        return None

    def confirm(self, demo: bool, channel: str, inst_id: str,
                public: Callable[[str, dict[str, Any]], Deferred] | None = None) -> None:
        """OKX answered a REST read of ``inst_id``: the instrument exists, so its stream may
        start. Only then: a caller spelling junk symbols must not spend the connection's
        subscribe budget (OKX's ops per hour) nor grow the subscription list. ``public``
        (a public REST getter of this environment) is kept for books' REST snapshots."""
        if public is not None:
            self.public.setdefault(demo, public)
        self.asked[(demo, channel, inst_id)] = self.clock.seconds()
        state = self._state(demo)
        if (channel, inst_id) not in state.entries:
            if sum(len(st.entries) for st in self.states.values()) >= self.max_subscriptions:
                self.answers[("subscribe", "cap")] += 1
                return
            name = self._home(demo, channel, inst_id)
            if self._stream(demo, channel, inst_id).subscribe({"channel": channel, "instId": inst_id}):
                self.homes[(demo, channel, inst_id)] = name
                state.entry(channel, inst_id)

    def count(self, method: str, source: str) -> None:
        self.answers[(method, source)] += 1

    # -- what the handlers ask ---------------------------------------------------------
    def ticker(self, demo: bool, inst_id: str) -> Streamed | None:
        entry = self.lookup(demo, "tickers", inst_id)
        if entry is None or entry.ticker is None:
            return None
        return Streamed(entry.ticker, entry.raw)

    def book(self, demo: bool, inst_id: str) -> Streamed | None:
        entry = self.lookup(demo, BOOK_CHANNEL, inst_id)
        if entry is None or not isinstance(entry.book, Book):
            return None
        return Streamed(entry.book, entry.raw)

    def trades(self, demo: bool, inst_id: str, limit: int) -> Streamed | None:
        """Newest first, as REST lists them; None until history and pushes are joined."""
        entry = self.lookup(demo, TRADES_CHANNEL, inst_id)
        if entry is None or not entry.trades_complete or len(entry.trades) < limit:
            return None
        items = list(entry.trades.values())[-limit:]
        items.reverse()
        return Streamed(items, entry.raw)

    def trades_entry(self, demo: bool, inst_id: str) -> tuple[Entry, int] | None:
        """The live entry a REST page asked for now may be joined to, with its epoch."""
        return self._live(demo, TRADES_CHANNEL, inst_id)

    def _live(self, demo: bool, channel: str, inst_id: str) -> tuple[Entry, int] | None:
        entry = self._state(demo).entries.get((channel, inst_id))
        stream = self.streams.get((demo, self._home(demo, channel, inst_id)))
        if entry is None or not entry.servable() or stream is None or not stream.heard_within(self.fresh):
            return None
        return entry, entry.epoch

    def candles(self, demo: bool, bar: str, inst_id: str, limit: int, period: int) -> Streamed | None:
        """The newest ``limit`` bars newest first, when held without a hole."""
        channel = "candle" + bar
        entry = self.lookup(demo, channel, inst_id)
        if entry is None or not entry.candles_complete or len(entry.candles) < limit:
            return None
        stamps = sorted((int(ts) for ts in entry.candles), reverse=True)[:limit]
        if any(a - b != period * 1000 for a, b in zip(stamps, stamps[1:], strict=False)):  # neighbours
            return None
        return Streamed([entry.candles[str(ts)] for ts in stamps], entry.raw)

    def candles_entry(self, demo: bool, bar: str, inst_id: str) -> tuple[Entry, int] | None:
        return self._live(demo, "candle" + bar, inst_id)

    def seed_trades(self, demo: bool, live: tuple[Entry, int], items: list[dict[str, Any]]) -> None:
        self._state(demo).seed_trades(*live, items)

    def seed_candles(self, demo: bool, live: tuple[Entry, int], rows: list[list[Any]]) -> None:
        self._state(demo).seed_candles(*live, rows)

    # -- reading for /health, /status.json and /metrics ---------------------------------------
    def report(self) -> dict[str, Any]:
        now = self.clock.seconds()
        return {
            "enabled": True,
            "fresh_seconds": self.fresh,
            "idle_seconds": self.idle,
            "connections": [{
                "url": s.url, "demo": demo, "connected": s.is_connected, "subscriptions": len(s.wanted),
                "heard_seconds_ago": None if s.last_heard is None else round(now - s.last_heard, 3),
                "fresh": s.heard_within(self.fresh), "connects": s.connects,
            } for (demo, _), s in sorted(self.streams.items(), key=lambda kv: (kv[0][0], kv[0][1]))],
            "broken_books": sum(1 for st in self.states.values() for e in st.entries.values() if e.broken),
            "crossed_books": sum(1 for st in self.states.values() for e in st.entries.values() if e.crossed),
            "rest_book_snapshots": dict(self.rest_snapshots),
        }
