# -*- test-case-name: tests.sim.test_sim_ws -*-
"""The emulator's WebSocket API: OKX's ``/ws/v5/public`` and ``/ws/v5/business`` on the
REST port (autobahn's Twisted server, inside the same twisted.web tree).

Modelled on docs #overview-websocket-subscribe / -unsubscribe / -connect and
#error-code-websocket-public (spec okx-ws.md §3, §5, §8):

- ``{"op":"subscribe","args":[…]}`` → one ``event:"subscribe"`` ack per arg (``id`` echoed,
  ``connId`` added), then the channel's current data at once (ccxt.pro resolves a watch on
  data, not on the ack); ``unsubscribe`` likewise;
- errors as ``{"event":"error","code":…,"msg":…,"connId":…}``: 60012 a request that is not
  JSON or lacks fields, 60018 an unknown channel or instrument or a channel of the other
  path (candles live on /business only), 60019 an unknown ``op``;
- text ``ping`` → text ``pong``; RFC 6455 pings are answered by autobahn;
- OKX's limits (3 new connections a second per IP, 480 subscribe/unsubscribe/login requests
  per connection-hour, the 30 s idle close) are :mod:`okxbridge.sim.ws_limits`;
- pushes come from :mod:`okxbridge.sim.ws_feeds`, checked every ``interval`` seconds of the
  emulator's clock and at once after ``/__sim__/price``.

``/ws/v5/private`` (login, account channels, order operations) is
:mod:`okxbridge.sim.ws_private`; the server side (autobahn, the paths) is :mod:`okxbridge.sim.ws_server`.

Fault controls (``POST /__sim__/ws``): ``drop`` closes every connection, ``silence`` stops
every outgoing frame (pushes, acks and pongs) until ``resume``, ``skip_seq`` loses the
next update of every subscribed ``books`` feed, ``delay`` holds pushes ``seconds`` back,
``books_snapshot`` with ``"on": false`` subscribes ``books`` without the initial snapshot
(OKX's changelog 2026-02-12) and ``"on": true`` restores it;
for /private, ``reject_login`` refuses the next ``times`` logins (60009), ``lose_answer``
executes the next ``times`` order operations and drops the connection before answering,
``skip_push`` loses the next ``times`` private pushes.
"""

import collections
import itertools
import json

import attrs
from twisted.internet import task
from twisted.logger import Logger

from okxbridge.sim import prices
from okxbridge.sim.ws_algo import CHANNEL as ALGO_CHANNEL
from okxbridge.sim.ws_algo import AlgoChannel
from okxbridge.sim.ws_feeds import BOOK_CHANNELS, BUSINESS_CHANNELS, PUBLIC_CHANNELS, BookFeed, candle_bar, make_feed
from okxbridge.sim.ws_limits import LIMITED_OPS, TOO_FREQUENT, WsLimits
from okxbridge.sim.ws_private import PrivateChannels

WS_ACTIONS = ("drop", "silence", "resume", "skip_seq", "delay", "reject_login", "lose_answer", "skip_push",
              "books_snapshot")
log = Logger()


@attrs.define(eq=False)
class WsHub:
    emu: object
    interval: float = 0.1
    legacy_checksum: bool = False
    #: send the ``books`` snapshot on subscribe; OKX's changelog (2026-02-12) drops it
    books_snapshot: bool = True
    #: connections of one account per private channel (OKX: 30, docs #overview-websocket-connection-count-limit)
    channel_conns: int = 30
    conns: dict = attrs.field(factory=dict)        # protocol -> set of (channel, instId)
    feeds: dict = attrs.field(factory=dict)        # (channel, instId) -> feed
    silent: bool = False
    delay: float = 0.0
    held: dict = attrs.field(factory=dict)         # protocol -> deque of (due, text) while delayed
    connections_made: int = 0
    _ids: object = attrs.field(factory=lambda: itertools.count(0x1A2B3C4D))
    _loop: object = None
    private: PrivateChannels = attrs.field(init=False)
    algo: AlgoChannel = attrs.field(init=False)
    #: OKX's connection, operation and idle limits (the emulator's --ws-conn-rate, --ws-ops-per-hour, --ws-idle)
    limits: WsLimits = attrs.field(init=False)
    limit_figures: dict = attrs.field(factory=dict)

    def __attrs_post_init__(self):
        self.private = PrivateChannels(self)
        self.algo = AlgoChannel(self)
        self.limits = WsLimits(self.emu.clock, **self.limit_figures)

    def new_conn_id(self):
        return format(next(self._ids) & 0xFFFFFFFF, "08x")

    # -- connections ----------------------------------------------------------
    def opened(self, conn):
        self.connections_made += 1
        self.conns[conn] = set()
        self.limits.opened(conn)
        if conn.endpoint == "private":
            self.private.opened(conn, conn.demo)

    def closed(self, conn):
        self.conns.pop(conn, None)
        self.held.pop(conn, None)
        self.limits.closed(conn)
        self.private.closed(conn)
        self.algo.closed(conn)
        self._forget_unwatched()

    def subscription_count(self, conn):
        sessions = (self.private.sessions.get(conn), self.algo.sessions.get(conn))
        return len(self.conns.get(conn, ())) + sum(len(s.subs) for s in sessions if s is not None)

    def received(self, conn, text):
        if text == "ping":
            self.send(conn, "pong")
            return
        try:
            request = json.loads(text)
            if not isinstance(request, dict):
                raise ValueError
        except ValueError:
            self.error(conn, "60012", f"Invalid request: {text}", None)
            return
        if request.get("op") in LIMITED_OPS and not self.limits.take_op(conn):
            self.error(conn, *TOO_FREQUENT, request.get("id"))  # OKX's 480 per connection-hour: not done
            return
        self._dispatch(conn, request, text)
        if conn in self.conns:
            self.limits.subscriptions(conn, self.subscription_count(conn))

    def _dispatch(self, conn, request, text):
        if conn.endpoint == "private":
            self.private.received(conn, request, text)
            return
        op, args, req_id = request.get("op"), request.get("args"), request.get("id")
        if op == "login" and conn.endpoint == "business":  # /business logs in for orders-algo
            self.algo.login(conn, args)
            return
        if op not in ("subscribe", "unsubscribe"):
            if op == "login":
                self.error(conn, "60012", f"Invalid request: {text}", req_id)  # login comes with /private
            else:
                self.error(conn, "60019", f"Invalid op: op :{op}", req_id)
            return
        if not isinstance(args, list) or not args or not all(isinstance(a, dict) for a in args):
            self.error(conn, "60012", f"Invalid request: {text}", req_id)
            return
        for arg in args:
            self.subscribe(conn, arg, req_id) if op == "subscribe" else self.unsubscribe(conn, arg, req_id)

    def _channel_error(self, conn, arg):
        channel, inst_id = arg.get("channel"), arg.get("instId")
        if not isinstance(channel, str) or not isinstance(inst_id, str):
            return "60012"
        business = candle_bar(channel) is not None or channel in BUSINESS_CHANNELS
        known = channel in PUBLIC_CHANNELS or business
        if not known or (business != (conn.endpoint == "business")) or self.emu.instrument(inst_id) is None:
            return "60018"
        return None

    def subscribe(self, conn, arg, req_id):
        if conn.endpoint == "business" and arg.get("channel") == ALGO_CHANNEL:
            self.algo.subscribe(conn, arg, req_id, "subscribe")
            return
        code = self._channel_error(conn, arg)
        if code is not None:
            msg = (f"Wrong URL or channel:{arg.get('channel')},instId:{arg.get('instId')} doesn't exist. "
                   "Please use the correct URL, channel and parameters referring to API document.")
            self.error(conn, code, msg if code == "60018" else f"Invalid request: {json.dumps(arg)}", req_id)
            return
        key = (arg["channel"], arg["instId"])
        self.publish()  # existing subscribers first, so the snapshot and their updates agree
        feed = self.feeds.get(key)
        if feed is None:
            feed = make_feed(self.emu.walk, self.emu.instrument(arg["instId"]), arg["channel"], self.legacy_checksum)
            self.feeds[key] = feed
        self.conns.setdefault(conn, set()).add(key)
        ack = {"event": "subscribe", "arg": {"channel": key[0], "instId": key[1]}, "connId": conn.conn_id}
        self.send(conn, json.dumps(_with_id(ack, req_id)))
        if self.books_snapshot or not (isinstance(feed, BookFeed) and feed.incremental):
            self.push(conn, feed.snapshot(self.emu.now()))
        self._ensure_loop()

    def rest_book(self, inst, now, depth):
        """GET /market/books ``data[0]`` with the ``seqId`` of the ``books`` feed at ``now``.

        Subscribers get the updates owed so far first, so the snapshot's ``seqId`` is the
        last one they were sent. A book nobody subscribes to has no feed: its sequence
        starts where a new feed's would (okxsim's inference; OKX's runs for ever)."""
        feed = self.feeds.get(("books", inst.inst_id))
        if feed is not None:
            self.publish()
        book = prices.book(self.emu.walk, inst, now, depth)
        # a string, as every number of OKX's REST answers (spec okx-v5.md §7; its type on REST is inferred)
        return {**book, "seqId": str(feed.seq if feed is not None else BookFeed.seq_start)}

    def unsubscribe(self, conn, arg, req_id):
        if conn.endpoint == "business" and arg.get("channel") == ALGO_CHANNEL:
            self.algo.subscribe(conn, arg, req_id, "unsubscribe")
            return
        code = self._channel_error(conn, arg)
        if code is not None:
            self.error(conn, code, f"Invalid request: {json.dumps(arg)}", req_id)
            return
        key = (arg["channel"], arg["instId"])
        self.conns.get(conn, set()).discard(key)
        ack = {"event": "unsubscribe", "arg": {"channel": key[0], "instId": key[1]}, "connId": conn.conn_id}
        self.send(conn, json.dumps(_with_id(ack, req_id)))
        self._forget_unwatched()

    def error(self, conn, code, msg, req_id):
        self.send(conn, json.dumps(_with_id({"event": "error", "code": code, "msg": msg, "connId": conn.conn_id},
                                            req_id)))

    # -- pushing ----------------------------------------------------------------
    def publish(self):
        """Push whatever changed since the last check to everyone subscribed to it."""
        self.private.publish()
        self.algo.publish()
        if not self.feeds:
            return
        now = self.emu.now()
        watchers = {}
        for conn, keys in self.conns.items():
            for key in keys:
                watchers.setdefault(key, []).append(conn)
        for key, feed in list(self.feeds.items()):
            for message in feed.advance(now):
                for conn in watchers.get(key, ()):
                    self.push(conn, message)

    def push(self, conn, message):
        self.send(conn, json.dumps(message))

    def send(self, conn, text):
        """Send now, or ``delay`` seconds later; a connection's frames stay in order either
        way (a frame queued behind delayed ones waits for them)."""
        if self.silent or conn not in self.conns:
            return
        queue = self.held.get(conn)
        if self.delay <= 0 and not queue:
            self.limits.sent(conn)
            conn.sendMessage(text.encode(), isBinary=False)
            return
        due = self.emu.clock.seconds() + max(self.delay, 0.0)
        self.held.setdefault(conn, collections.deque()).append((due, text))
        self.emu.clock.callLater(max(self.delay, 0.0), self._release, conn)

    def _release(self, conn):
        queue = self.held.get(conn)
        now = self.emu.clock.seconds()
        while queue and queue[0][0] <= now:
            _, text = queue.popleft()
            if conn in self.conns and not self.silent:
                self.limits.sent(conn)
                conn.sendMessage(text.encode(), isBinary=False)
        if not queue:
            self.held.pop(conn, None)

    def _ensure_loop(self):
        if self._loop is None or not self._loop.running:
            self._loop = task.LoopingCall(self.publish)
            self._loop.clock = self.emu.clock
            self._loop.start(self.interval, now=False)

    def _forget_unwatched(self):
        watched = set().union(*self.conns.values()) if self.conns else set()
        for key in list(self.feeds):
            if key not in watched:
                del self.feeds[key]
        private = self.private.subscribed() or self.algo.subscribed()
        if not self.feeds and not private and self._loop is not None and self._loop.running:
            self._loop.stop()

    def stop(self):
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        self.limits.stop()
        for conn in list(self.conns):
            conn.dropConnection(abort=True)

    # -- faults ------------------------------------------------------------------
    def fault(self, spec):
        action = spec.get("action")
        if action not in WS_ACTIONS:
            raise ValueError(f"action must be one of {', '.join(WS_ACTIONS)}")
        if action == "drop":
            for conn in list(self.conns):
                conn.dropConnection(abort=True)
        elif action == "silence":
            self.silent = True
        elif action == "resume":
            self.silent, self.delay = False, 0.0
        elif action == "skip_seq":
            for (channel, _), feed in self.feeds.items():
                if isinstance(feed, BookFeed) and channel == "books":
                    feed.skip += 1
        elif action in ("reject_login", "lose_answer", "skip_push"):
            times = int(spec.get("times", 1))
            if times < 0:
                raise ValueError("times must not be negative")
            attr = {"reject_login": "reject_logins", "lose_answer": "lose_answers", "skip_push": "skip_pushes"}[action]
            setattr(self.private, attr, times)
        elif action == "books_snapshot":
            self.books_snapshot = bool(spec.get("on", True))
        elif action == "delay":
            self.delay = float(spec.get("seconds", 0))
            if self.delay < 0:
                raise ValueError("seconds must not be negative")
        log.info("okxsim ws fault {action}", action=action)

    def stats(self):
        return {"connections": len(self.conns), "connections_made": self.connections_made,
                "subscriptions": sum(len(keys) for keys in self.conns.values()),
                "feeds": sorted("/".join(key) for key in self.feeds), "silent": self.silent, "delay": self.delay,
                "private_sessions": sum(1 for s in self.private.sessions.values() if s.account is not None),
                "private_subscriptions": sum(len(s.subs) for s in self.private.sessions.values()),
                "algo_subscriptions": sum(len(s.subs) for s in self.algo.sessions.values()),
                "refused": dict(self.limits.refused)}


def _with_id(message, req_id):
    return {"id": req_id, **message} if req_id is not None else message


__all__ = ["WsHub", "BOOK_CHANNELS", "WS_ACTIONS"]
