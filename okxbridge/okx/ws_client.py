# -*- test-case-name: tests.okx.test_ws_client -*-
"""One WebSocket connection to OKX (a public or business endpoint), kept up as a service.

Built on autobahn's Twisted client inside a ``ClientService``: reconnect with backoff, and on
every (re)connection one ``subscribe`` with every channel still wanted (not one per symbol).
OKX asks (docs #overview-websocket-connect, -connection-count-limit; spec okx-ws.md §5):

- keep-alive: after ``ping_after`` seconds without any message the client sends text
  ``ping``; with no ``pong`` (or any message) ``pong_timeout`` seconds later the connection
  is taken for dead, dropped and made again;
- at most 480 ``subscribe``/``unsubscribe`` requests per connection-hour: past :data:`OPS_PER_HOUR`
  (under OKX's figure) new subscriptions are refused (REST answers) until the hour has room;
- 3 new connections per second per IP: the backoff starts at 1 s, one connection per endpoint.

Nothing here knows FMZ: pushes go to ``on_push(message)``, losses of the stream to
``on_reset()``, rejections of an arg to ``on_rejected(arg, code, msg)``.

A private stream (``/ws/v5/private``) gives ``login``, a function building the login request.
Logging in is the connection's ``prepareConnection`` hook (:meth:`WsStream.prepare`): the
service counts a connection as made once the WebSocket is open and OKX answered the login,
sent first on every connection; subscriptions go out once OKX answered ``event:"login"``
(``on_login(True, "0", "")``); a refusal (``event:"error"`` before it) calls
``on_login(False, code, msg)`` and drops the connection, made again with backoff, as is one
with no answer within ``login_timeout`` s. :attr:`WsStream.state` is a :class:`~.ws_link.Link`.
Answers to operations go to ``on_answer(message)``; OKX ending a private subscription
(``channel-conn-count-error``, or an ``unsubscribe`` the bridge never asks for there) goes to
``on_rejected(arg, event, msg)``.
"""

from __future__ import annotations

import collections
import json
from typing import Any, Callable

import attrs
from twisted.application.internet import ClientService, backoffPolicy
from twisted.internet import task
from twisted.internet.defer import Deferred, succeed
from twisted.logger import Logger

from .ws_link import OPEN, Gate, Link, OkxWsProtocol, StreamFactory, ws_endpoint

OPS_PER_HOUR = 400
PING_WITHIN = 20.0  # seconds: OKX's "N less than 30" (docs #overview-websocket-connect)
HOUR = 3600.0
ENDED = ("channel-conn-count-error", "unsubscribe")  # OKX ends a private subscription

log = Logger()


def withheld(msg: str) -> str:
    """OKX quotes a request it could not read in its error (``Invalid request: {…}``); when
    that request was a login, the quote holds the passphrase and signature: never shown."""
    if '"passphrase"' in msg or '"sign"' in msg:
        return msg.split(":", 1)[0] + ": (the request is withheld: it carries credentials)"
    return msg


def arg_key(arg: dict[str, str]) -> tuple[str, str]:
    return arg["channel"], arg.get("instId", "")


@attrs.define(eq=False)
class WsStream:
    """The wanted subscriptions of one endpoint and the connection that carries them."""

    url: str
    reactor: Any
    clock: Any
    on_push: Callable[[dict[str, Any]], None]
    on_reset: Callable[[], None]
    on_rejected: Callable[[dict[str, str], str, str], None]
    #: OKX closes a connection with nothing pushed for 30 s: ping within 20 s whatever ``--stream-fresh`` says
    ping_after: float = attrs.field(default=2.5, converter=lambda seconds: min(float(seconds), PING_WITHIN))
    pong_timeout: float = 2.5
    trust_root: Any = None
    pacer: Any = None  # the daemon's .ws_pacing.ConnectionPacer: 3 new connections a second
    login: Callable[[], dict[str, Any]] | None = None
    on_login: Callable[[bool, str, str], None] | None = None
    on_answer: Callable[[dict[str, Any]], None] | None = None
    #: extra headers of the upgrade request (``x-simulated-trading`` for a demo key)
    headers: dict[str, str] | None = None
    #: seconds OKX has to answer the login before the connection is dropped and made again
    login_timeout: float = 10.0
    state: Link = Link.DISCONNECTED
    wanted: dict[tuple[str, str], dict[str, str]] = attrs.Factory(dict)
    protocol: Any = None
    last_heard: float | None = None
    ping_sent_at: float | None = None
    connects: int = 0
    messages: collections.Counter = attrs.Factory(collections.Counter)
    ops: collections.deque = attrs.Factory(collections.deque)
    service: ClientService = attrs.field(init=False)
    _keepalive: task.LoopingCall = attrs.field(init=False)
    _gate: Gate = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        factory = StreamFactory(self.url, headers=self.headers)
        factory.protocol = OkxWsProtocol
        factory.stream = self
        factory.noisy = False
        # OKX wants its own text ping; autobahn answers OKX's control pings by itself
        factory.setProtocolOptions(autoPingInterval=0, openHandshakeTimeout=10, closeHandshakeTimeout=2)
        endpoint = ws_endpoint(self.reactor, self.url, self.trust_root, self.pacer)
        self._gate = Gate(self.clock)
        self.service = ClientService(endpoint, factory, retryPolicy=backoffPolicy(initialDelay=1.0, maxDelay=30.0),
                                     clock=self.clock, prepareConnection=self.prepare)
        self._keepalive = task.LoopingCall(self.keep_alive)
        self._keepalive.clock = self.clock

    # -- service ----------------------------------------------------------------
    def start(self) -> None:
        if not self.service.running:
            self.service.startService()
            self._keepalive.start(min(self.ping_after, self.pong_timeout) / 2, now=False)

    def stop(self) -> Deferred | None:
        if self._keepalive.running:
            self._keepalive.stop()
        # a connection still opening counts as made, so that the service closes it (see .ws_link)
        self._gate.release()
        if self.service.running:
            return self.service.stopService()
        return None

    def prepare(self, protocol: Any) -> Deferred:
        """``ClientService``'s ``prepareConnection``: TCP (and TLS) is up; the connection counts as
        made — ``whenConnected()`` fires — once the WebSocket is open and, on a private stream, OKX
        has answered the login (:class:`~.ws_link.Gate` says why a refusal is not a failed hook)."""
        if self.state in (Link.READY, Link.REFUSED):  # opened and answered before the service asked
            return succeed(None)
        if self.state is Link.DISCONNECTED:
            self.state = Link.CONNECTING
        return self._gate.hold(lambda: protocol.dropConnection(abort=True))

    @property
    def is_connected(self) -> bool:
        """A WebSocket is open (logged in or not)."""
        return self.state in OPEN

    @property
    def is_ready(self) -> bool:
        """Connected and, for a private stream, logged in: subscriptions and operations may go."""
        return self.state is Link.READY

    @property
    def logged_in(self) -> bool:
        return self.login is not None and self.state is Link.READY

    def heard_within(self, seconds: float) -> bool:
        return (self.is_connected and self.last_heard is not None
                and self.clock.seconds() - self.last_heard <= seconds)

    # -- subscriptions ------------------------------------------------------------
    def subscribe(self, arg: dict[str, str]) -> bool:
        """Want ``arg``; False when OKX's per-hour request limit leaves no room now."""
        key = arg_key(arg)
        if key in self.wanted:
            return True
        if self.is_connected and not self._room():
            return False
        self.wanted[key] = arg
        self.start()
        if self.is_ready:
            self._send_op("subscribe", [arg])
        return True

    def unsubscribe(self, arg: dict[str, str]) -> None:
        if self.wanted.pop(arg_key(arg), None) is not None and self.is_connected and self._room():
            self._send_op("unsubscribe", [arg])

    def subscribe_again(self, arg: dict[str, str]) -> None:  # a wanted arg OKX ended
        if self.is_ready and arg_key(arg) in self.wanted and self._room():
            self._send_op("subscribe", [arg])

    def resubscribe(self, arg: dict[str, str]) -> None:
        """Ask again for a fresh snapshot (after a sequence gap or a checksum mismatch)."""
        if self.is_connected and self._room():
            self._send_op("unsubscribe", [arg])
            self._send_op("subscribe", [arg])
        elif self.is_connected:
            self.protocol.dropConnection(abort=True)  # a new connection resubscribes everything

    def _room(self) -> bool:
        now = self.clock.seconds()
        while self.ops and now - self.ops[0] > HOUR:
            self.ops.popleft()
        return len(self.ops) < OPS_PER_HOUR

    def _send_op(self, op: str, args: list[dict[str, str]]) -> None:
        self.ops.append(self.clock.seconds())
        self.send(json.dumps({"op": op, "args": args}))

    def send(self, text: str) -> None:
        if self.protocol is not None:
            self.protocol.sendMessage(text.encode(), isBinary=False)

    # -- connection events ----------------------------------------------------------
    def connected(self, protocol: Any) -> None:
        self.protocol = protocol
        self.connects += 1
        self.ops.clear()  # OKX counts requests per connection
        self.last_heard, self.ping_sent_at = self.clock.seconds(), None
        log.info("okx ws connected {url} ({n} subscriptions)", url=self.url, n=len(self.wanted))
        if self.login is not None:
            self.state = Link.LOGGING_IN
            self.ops.append(self.clock.seconds())
            self.send(json.dumps(self.login()))
            self._gate.arm(self.login_timeout, self._login_expired)
            return
        self.state = Link.READY
        self._gate.release()
        if self.wanted:
            self._send_op("subscribe", list(self.wanted.values()))

    def disconnected(self, protocol: Any, code: int | None, reason: str | None) -> None:
        if self.protocol is not None and protocol is not self.protocol:
            return  # an earlier connection's late close
        opened, self.protocol, self.state = self.protocol is not None, None, Link.DISCONNECTED
        # inside connectionLost, before the service hears of the loss: it finds the connection made
        self._gate.release()
        if opened:
            log.info("okx ws closed {url} code={code} reason={reason}", url=self.url, code=code, reason=reason)
            self.on_reset()

    def received(self, protocol: Any, text: str) -> None:
        if protocol is not self.protocol:
            return
        self.last_heard, self.ping_sent_at = self.clock.seconds(), None
        if text == "pong":
            return
        try:
            message = json.loads(text)
        except ValueError:
            log.warn("okx ws {url}: unreadable message {text!r}", url=self.url, text=text[:200])
            return
        if not isinstance(message, dict):
            return
        event = message.get("event")
        if event is None and "op" in message and "arg" not in message:
            if self.on_answer is not None:
                self.on_answer(message)
        elif event == "login" or (event == "error" and self.state in (Link.LOGGING_IN, Link.REFUSED)
                                  and str(message.get("code", "")) != "60011"):
            self._login_answer(message)
        elif event is None:
            arg = message.get("arg") or {}
            self.messages[arg.get("channel", "?")] += 1
            self.on_push(message)
        elif event in ENDED and self.login is not None:
            msg = withheld(str(message.get("msg", "")))
            self.on_rejected(message.get("arg") or {"channel": str(message.get("channel", ""))}, event, msg)
        elif event == "error":
            self._rejected(message)
        elif event == "notice":
            # 64008: OKX restarts this server soon; a new connection lands on another
            log.info("okx ws notice {code} {msg}", code=message.get("code"), msg=message.get("msg"))
            if self.protocol is not None:
                self.protocol.dropConnection(abort=False)

    def _login_answer(self, message: dict[str, Any]) -> None:
        code, msg = str(message.get("code", "")), withheld(str(message.get("msg", "")))
        ok = message.get("event") == "login" and code in ("0", "")
        self.state = Link.READY if ok else Link.REFUSED
        # answered: the connection counts as made before on_login, which may stop the service
        self._gate.release()
        if self.on_login is not None:
            self.on_login(ok, code, msg)
        if ok:
            if self.wanted:
                self._send_op("subscribe", list(self.wanted.values()))
        else:
            log.warn("okx ws login refused on {url}: {code} {msg}", url=self.url, code=code, msg=msg[:200])
            if self.protocol is not None:
                self.protocol.dropConnection(abort=True)

    def _login_expired(self) -> None:
        if self.state is Link.LOGGING_IN and self.protocol is not None:
            log.warn("okx ws {url}: no answer to the login in {s:g}s, reconnecting", url=self.url, s=self.login_timeout)
            self.protocol.dropConnection(abort=True)

    def _rejected(self, message: dict[str, Any]) -> None:
        code, msg = str(message.get("code", "")), withheld(str(message.get("msg", "")))
        log.warn("okx ws error {code} {msg}", code=code, msg=msg[:300])
        for key, arg in list(self.wanted.items()):
            # OKX quotes the rejected arg in its message; drop those so a bad symbol is not retried forever
            if f'"{key[1]}"' in msg or f"instId:{key[1]}" in msg:
                del self.wanted[key]
                self.on_rejected(arg, code, msg)

    def keep_alive(self) -> None:
        if self.protocol is None or self.last_heard is None:
            return
        now = self.clock.seconds()
        if self.ping_sent_at is not None:
            if now - self.ping_sent_at >= self.pong_timeout:
                log.warn("okx ws {url}: no pong in {s}s, reconnecting", url=self.url, s=self.pong_timeout)
                self.protocol.dropConnection(abort=True)
        elif now - self.last_heard >= self.ping_after:
            self.ping_sent_at = now
            self.send("ping")
