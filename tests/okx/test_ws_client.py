"""okx/ws_client.py's login as ClientService's ``prepareConnection`` hook, and the named
states of a connection (okx/ws_link.Link), on a task.Clock: a real ``ClientService`` over
an endpoint whose connections are in memory, with a stand-in for autobahn's protocol. A
loss of the connection is delivered synchronously, so a state the service cannot handle
(automat's ``NoTransition``) would fail the test where it happens."""

from __future__ import annotations

import json
from typing import Any

from twisted.application.internet import ClientService, backoffPolicy
from twisted.internet import protocol
from twisted.internet.defer import Deferred, succeed
from twisted.internet.error import ConnectionAborted, ConnectionDone
from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.logger import globalLogPublisher
from twisted.python.failure import Failure

from okxbridge.okx.ws_client import WsStream
from okxbridge.okx.ws_link import Link

LOGIN = {"op": "login", "args": [{"apiKey": "k", "passphrase": "p4ss", "timestamp": "1", "sign": "c2ln"}]}
ORDERS = {"channel": "orders", "instType": "ANY"}


class Transport(StringTransport):
    """Closing it closes the connection at once (as the reactor would, a little later)."""

    def loseConnection(self) -> None:
        self._close(ConnectionDone())

    def abortConnection(self) -> None:
        self._close(ConnectionAborted())

    def _close(self, reason: Exception) -> None:
        if not self.disconnecting:
            self.disconnecting = True
            self.protocol.connectionLost(Failure(reason))


class Wire(protocol.Protocol):
    """What autobahn's protocol is to WsStream: open, messages and close go to the stream."""

    def __init__(self, stream: WsStream) -> None:
        self.stream, self.sent = stream, []

    def open(self) -> None:
        self.stream.connected(self)

    def hear(self, message: dict[str, Any]) -> None:
        self.stream.received(self, json.dumps(message))

    def sendMessage(self, payload: bytes, isBinary: bool = False) -> None:
        self.sent.append(json.loads(payload))

    def dropConnection(self, abort: bool = False) -> None:
        self.transport.abortConnection()

    def connectionLost(self, reason: Failure | None = None) -> None:
        self.stream.disconnected(self, 1006, "lost")


class Endpoint:
    """Every connection attempt succeeds at once, in memory."""

    def __init__(self, stream: WsStream) -> None:
        self.stream, self.wires = stream, []

    def connect(self, factory: protocol.Factory) -> Deferred:
        proxy = factory.buildProtocol(None)  # ClientService's proxy, around a Wire
        transport = Transport()
        transport.protocol = proxy
        proxy.makeConnection(transport)
        self.wires.append(proxy._protocol)
        return succeed(proxy)


def make(private: bool = True, **kwargs: Any) -> tuple[MemoryReactorClock, WsStream, Endpoint, list]:
    clock, logins, resets = MemoryReactorClock(), [], []
    stream = WsStream("ws://okx.test:1/ws/v5/private", clock, clock, on_push=lambda m: None,
                      on_reset=lambda: resets.append(clock.seconds()), on_rejected=lambda a, c, m: None,
                      login=(lambda: LOGIN) if private else None,
                      on_login=lambda ok, code, msg: logins.append((ok, code, msg)), **kwargs)
    endpoint = Endpoint(stream)
    factory = protocol.Factory()
    factory.buildProtocol = lambda addr: Wire(stream)
    stream.service = ClientService(endpoint, factory, retryPolicy=backoffPolicy(1.0, 30.0, jitter=lambda: 0.0),
                                   clock=clock, prepareConnection=stream.prepare)
    stream.wanted[("orders", "")] = ORDERS
    return clock, stream, endpoint, logins


def test_a_private_connection_counts_as_made_only_once_okx_answered_the_login():
    clock, stream, endpoint, logins = make()
    assert stream.state is Link.DISCONNECTED
    stream.start()
    made = stream.service.whenConnected()
    [wire] = endpoint.wires
    assert stream.state is Link.CONNECTING and not stream.is_connected and not made.called
    wire.open()
    assert stream.state is Link.LOGGING_IN and stream.is_connected and not stream.is_ready
    assert wire.sent == [LOGIN] and not made.called  # the login first, no subscription yet
    wire.hear({"event": "login", "code": "0", "msg": "", "connId": "1"})
    assert made.called and stream.state is Link.READY and stream.is_ready and stream.logged_in
    assert logins == [(True, "0", "")]
    assert wire.sent[1:] == [{"op": "subscribe", "args": [ORDERS]}]
    assert stream._gate.timer is None  # the login's deadline is cancelled


def test_a_refused_login_is_reported_without_secrets_dropped_and_made_again_with_backoff():
    clock, stream, endpoint, logins = make()
    events: list[dict] = []
    globalLogPublisher.addObserver(events.append)
    try:
        stream.start()
        endpoint.wires[0].open()
        quoted = f"Invalid request: {json.dumps(LOGIN)}"
        endpoint.wires[0].hear({"event": "error", "code": "60012", "msg": quoted, "connId": "1"})
    finally:
        globalLogPublisher.removeObserver(events.append)
    [(ok, code, msg)] = logins
    assert (ok, code) == (False, "60012") and "p4ss" not in msg and "c2ln" not in msg
    assert not any("p4ss" in repr(e) or "c2ln" in repr(e) for e in events)
    assert stream.state is Link.DISCONNECTED and len(endpoint.wires) == 1
    clock.advance(1.49)
    assert len(endpoint.wires) == 1
    clock.advance(0.02)  # 1.5 s: the first retry after a made connection was lost, as before the hook
    assert len(endpoint.wires) == 2 and stream.state is Link.CONNECTING


def test_no_answer_to_the_login_within_its_deadline_drops_the_connection():
    clock, stream, endpoint, logins = make(login_timeout=4.0)
    stream.start()
    endpoint.wires[0].open()
    clock.advance(3.9)
    assert stream.state is Link.LOGGING_IN
    clock.advance(0.2)
    assert stream.state is Link.DISCONNECTED and endpoint.wires[0].transport.disconnecting
    assert logins == []  # not a refusal: OKX said nothing
    clock.advance(1.5)
    assert len(endpoint.wires) == 2


def test_a_connection_lost_before_it_opened_is_retried_and_is_no_reset():
    clock, stream, endpoint, logins = make()
    resets = []
    stream.on_reset = lambda: resets.append(1)
    stream.start()
    endpoint.wires[0].transport.loseConnection()  # the WebSocket handshake never completed
    assert stream.state is Link.DISCONNECTED and resets == []
    clock.advance(1.5)
    assert len(endpoint.wires) == 2


def test_stopping_while_logging_in_closes_the_connection_and_the_service():
    clock, stream, endpoint, logins = make()
    stream.start()
    endpoint.wires[0].open()
    stopped = stream.stop()
    assert stopped.called and stream.state is Link.DISCONNECTED
    assert endpoint.wires[0].transport.disconnecting
    clock.advance(60)
    assert len(endpoint.wires) == 1  # stopped: not made again


def test_a_refusal_whose_handler_stops_the_stream_closes_it_for_good():
    clock, stream, endpoint, logins = make()
    stream.on_login = lambda ok, code, msg: stream.stop()  # as a refused credential does (BAD_CREDENTIAL)
    stream.start()
    endpoint.wires[0].open()
    endpoint.wires[0].hear({"event": "error", "code": "60005", "msg": "Invalid OK-ACCESS-KEY", "connId": "1"})
    assert stream.state is Link.DISCONNECTED and not stream.service.running
    clock.advance(60)
    assert len(endpoint.wires) == 1


def test_a_public_connection_is_ready_once_open_and_subscribes_at_once():
    clock, stream, endpoint, logins = make(private=False)
    stream.start()
    made = stream.service.whenConnected()
    wire = endpoint.wires[0]
    assert not made.called
    wire.open()
    assert made.called and stream.state is Link.READY and not stream.logged_in
    assert wire.sent == [{"op": "subscribe", "args": [ORDERS]}]


def test_a_ping_goes_within_20_seconds_of_silence_whatever_freshness_is_asked():
    """OKX closes a connection with nothing pushed for 30 s (okxsim: 4004): a quiet channel
    stays up only if the keep-alive asks for a pong before then."""
    clock, stream, endpoint, _ = make(private=False, ping_after=60.0, pong_timeout=60.0)
    assert stream.ping_after == 20.0
    stream.start()
    [wire] = endpoint.wires
    texts: list[bytes] = []
    wire.sendMessage = lambda payload, isBinary=False: texts.append(payload)
    wire.open()
    clock.advance(19.0)
    assert b"ping" not in texts
    clock.pump([0.5] * 4)
    assert texts[-1] == b"ping"  # on the keep-alive tick at 20 s of silence
    stream.stop()
