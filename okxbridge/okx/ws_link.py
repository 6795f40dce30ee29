# -*- test-case-name: tests.okx.test_private_account, tests.okx.test_ws_client -*-
"""What one OKX WebSocket connection is made of below :class:`.ws_client.WsStream`: the
endpoint, autobahn's protocol, the named states of the connection (:class:`Link`) and the
``prepareConnection`` hook's Deferred (:class:`Gate`).

Why the hook never *fails* (Twisted's ``ClientService``, as installed): a failed
``prepareConnection`` leaves the transport open (the service does not close a connection it
rejected), counts as a failed attempt (so a refused login would back off longer than a lost
connection does), and the service has no transition for a connection lost while it is still
preparing or after the hook failed (automat raises ``NoTransition`` out of ``connectionLost``).
So the gate opens — the connection counts as made — once OKX has *answered* the login, either
way, or once the connection is gone (from inside ``connectionLost``, before the service hears
of the loss), or when the stream stops; a refusal is handled by closing the connection, which
the service then makes again with its backoff, exactly as it would after any lost connection.
"""

from __future__ import annotations

import enum
from typing import Any, Callable
from urllib.parse import urlsplit

import attrs
from autobahn.twisted.websocket import WebSocketClientFactory, WebSocketClientProtocol
from twisted.internet import endpoints, ssl
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall

from .ws_pacing import ConnectionPacer, PacedEndpoint


class Link(enum.Enum):
    """Where a stream's connection stands; only :attr:`READY` may carry subscriptions and operations."""

    #: no connection (between attempts, or stopped)
    DISCONNECTED = "disconnected"
    #: TCP (and TLS) up, the WebSocket handshake under way
    CONNECTING = "connecting"
    #: the WebSocket is open, the login sent, OKX has not answered it yet
    LOGGING_IN = "logging in"
    #: OKX refused the login; the connection is being closed (and made again with backoff)
    REFUSED = "login refused"
    #: open and, for a private stream, logged in
    READY = "ready"


#: the states with an open WebSocket (``WsStream.is_connected``)
OPEN = frozenset({Link.LOGGING_IN, Link.REFUSED, Link.READY})


@attrs.define(eq=False)
class Gate:
    """The Deferred ``ClientService`` waits on while one connection opens and logs in, and the
    login's deadline on the injected clock. See the module docstring for why it only ever
    succeeds."""

    clock: Any
    pending: Deferred | None = None
    timer: IDelayedCall | None = None

    def hold(self, drop: Callable[[], None]) -> Deferred:
        """A new connection: the service waits on the returned Deferred. Cancelling it (the service
        stopped from outside :meth:`WsStream.stop`) closes the connection rather than leaving it open."""
        self.release()
        self.pending = Deferred(lambda _: drop())
        return self.pending

    def arm(self, seconds: float, expired: Callable[[], None]) -> None:
        """Call ``expired`` unless :meth:`release` comes within ``seconds`` (the login's deadline)."""
        self.disarm()

        def fire() -> None:
            self.timer = None
            expired()

        self.timer = self.clock.callLater(seconds, fire)

    def disarm(self) -> None:
        if self.timer is not None and self.timer.active():
            self.timer.cancel()
        self.timer = None

    def release(self) -> None:
        """The connection counts as made (answered, gone or stopping): the service may go on."""
        self.disarm()
        pending, self.pending = self.pending, None
        if pending is not None and not pending.called:
            pending.callback(None)

    @property
    def waiting(self) -> bool:
        return self.pending is not None and not self.pending.called


class StreamFactory(WebSocketClientFactory):
    """autobahn's factory, carrying the stream its connections report to."""

    stream: Any = None


class OkxWsProtocol(WebSocketClientProtocol):
    """autobahn's protocol, handing every event to the factory's :class:`.ws_client.WsStream`."""

    def onOpen(self) -> None:
        self.factory.stream.connected(self)

    def onMessage(self, payload: bytes, isBinary: bool) -> None:
        self.factory.stream.received(self, payload.decode("utf-8", "replace"))

    def onClose(self, wasClean: bool, code: int | None, reason: str | None) -> None:
        self.factory.stream.disconnected(self, code, reason)


def ws_endpoint(reactor: Any, url: str, trust_root: Any = None, pacer: ConnectionPacer | None = None) -> Any:
    """A client endpoint for ``ws://`` or ``wss://`` (TLS verified, against ``trust_root``
    when given — the ``--okx-ca`` bundle — else the system's roots), paced by ``pacer``."""
    endpoint = _endpoint(reactor, url, trust_root)
    return endpoint if pacer is None else PacedEndpoint(endpoint, pacer)


def _endpoint(reactor: Any, url: str, trust_root: Any) -> Any:
    parts = urlsplit(url)
    secure = parts.scheme == "wss"
    host = parts.hostname or ""
    port = parts.port or (443 if secure else 80)
    plain = endpoints.HostnameEndpoint(reactor, host, port)
    if not secure:
        return plain
    options = ssl.optionsForClientTLS(host, trustRoot=trust_root) if trust_root else ssl.optionsForClientTLS(host)
    return endpoints.wrapClientTLS(options, plain)
