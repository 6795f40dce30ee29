# -*- test-case-name: tests.sim.test_sim_ws_limits -*-
"""OKX's WebSocket limits, as the emulator enforces them (docs #overview-websocket-connect,
#overview-websocket-subscribe, #error-code-websocket-public; spec okx-ws.md §5, okx-v5.md §10):

- **connections**: "3 requests per second (based on IP)". A 4th upgrade request from one IP
  within any 1 s is refused with HTTP 429 "Too Many Requests" — OKX documents the limit, not
  its answer; 429 is okxsim's inference from OKX's REST limits (spec okx-v5.md §4);
- **operations**: "480 'subscribe'/'unsubscribe'/'login' requests per connection per hour";
  past it a request is answered ``{"event":"error","code":"60014","msg":"Requests too
  frequent"}`` (OKX's code for it in the WebSocket error table) and not executed;
- **idle**: "The connection will break automatically if the subscription is not established
  or data has not been pushed for more than 30 seconds": a connection with no subscription
  for 30 s, or sent nothing (a ``pong`` counts) for 30 s, is closed with close code 4004
  "No data received in 30s." (the close code's text is OKX's; that this close uses it is
  the spec's reading).

Each figure is the emulator's default and can be changed (0: off) only by asking for it
(``--ws-conn-rate``, ``--ws-ops-per-hour``, ``--ws-idle``): tests about something else that
open many connections at once say so.
"""

import collections

import attrs
from twisted.internet import task

CONN_RATE = 3          # new connections per second per IP
CONN_WINDOW = 1.0
OPS_PER_HOUR = 480     # subscribe/unsubscribe/login requests per connection-hour
HOUR = 3600.0
IDLE = 30.0            # seconds without a subscription, or without anything sent
LIMITED_OPS = ("subscribe", "unsubscribe", "login")
TOO_FREQUENT = ("60014", "Requests too frequent")
IDLE_CLOSE = (4004, "No data received in 30s.")


@attrs.define(eq=False)
class WsLimits:
    clock: object
    conn_rate: int = CONN_RATE
    ops_per_hour: int = OPS_PER_HOUR
    idle: float = IDLE
    refused: collections.Counter = attrs.field(factory=collections.Counter)
    _opened: dict = attrs.field(factory=dict)       # ip -> deque of connection times
    _ops: dict = attrs.field(factory=dict)          # conn -> deque of op times
    _last_sent: dict = attrs.field(factory=dict)    # conn -> time anything was last sent
    _empty_since: dict = attrs.field(factory=dict)  # conn -> time it was last seen without a subscription
    _sweeper: object = None

    # -- connections ----------------------------------------------------------
    def admit(self, ip):
        """Whether a new connection from ``ip`` may open now (it is counted when it may)."""
        if self.conn_rate <= 0:
            return True
        now = self.clock.seconds()
        times = self._opened.setdefault(ip, collections.deque())
        while times and now - times[0] >= CONN_WINDOW:
            times.popleft()
        if len(times) >= self.conn_rate:
            self.refused["connections"] += 1
            return False
        times.append(now)
        return True

    def opened(self, conn):
        now = self.clock.seconds()
        self._ops[conn] = collections.deque()
        self._last_sent[conn] = self._empty_since[conn] = now
        if self.idle > 0 and (self._sweeper is None or not self._sweeper.running):
            self._sweeper = task.LoopingCall(self.sweep)
            self._sweeper.clock = self.clock
            self._sweeper.start(min(1.0, self.idle / 4), now=False)

    def closed(self, conn):
        for table in (self._ops, self._last_sent, self._empty_since):
            table.pop(conn, None)
        if not self._ops and self._sweeper is not None and self._sweeper.running:
            self._sweeper.stop()

    def stop(self):
        if self._sweeper is not None and self._sweeper.running:
            self._sweeper.stop()

    # -- operations -----------------------------------------------------------
    def take_op(self, conn):
        """Count one subscribe/unsubscribe/login request; False past OKX's hourly figure."""
        if self.ops_per_hour <= 0:
            return True
        now = self.clock.seconds()
        times = self._ops.setdefault(conn, collections.deque())
        while times and now - times[0] >= HOUR:
            times.popleft()
        if len(times) >= self.ops_per_hour:
            self.refused["ops"] += 1
            return False
        times.append(now)
        return True

    # -- idle connections -----------------------------------------------------
    def sent(self, conn):
        self._last_sent[conn] = self.clock.seconds()

    def subscriptions(self, conn, count):
        """The connection holds ``count`` subscriptions now."""
        if count:
            self._empty_since.pop(conn, None)
        else:
            self._empty_since.setdefault(conn, self.clock.seconds())

    def idle_conns(self):
        """The connections OKX would close now: no subscription, or nothing sent, for ``idle`` s."""
        now = self.clock.seconds()
        return [conn for conn, sent in list(self._last_sent.items())
                if now - sent >= self.idle or now - self._empty_since.get(conn, now) >= self.idle]

    def sweep(self):
        if self.idle <= 0:
            return
        for conn in self.idle_conns():
            self.refused["idle"] += 1
            self.closed(conn)
            conn.sendClose(code=IDLE_CLOSE[0], reason=IDLE_CLOSE[1])
