# -*- test-case-name: tests.e2e.test_abuse -*-
"""The protocol's HTTP server: what a connection may cost the daemon, and no more.

Every limit here answers in the protocol's own shape — a JSON ``{"error"}`` body — and then
closes the connection, so a careless client reads why, and a hostile one holds nothing:

- a body **announced** over ``--max-body`` (``Content-Length``) gets HTTP 413 at once, unread;
  a chunked body growing past the cap is dropped as it arrives, with the same error;
- a request must arrive within ``--read-timeout`` seconds of the connection (of the first
  byte, on a kept-alive one), else HTTP 408: a header line every few seconds resets
  ``twisted.web``'s idle timer forever, and a socket that sends nothing would hold its place;
- at most ``--max-connections`` are open; past that the one idle longest (no request in
  flight, idle :data:`EVICT_IDLE` s or more) is closed to admit the new one, else it gets 503;
- a request ``twisted.web`` cannot parse gets HTTP 400 with a JSON body (its own has none).

A connection with no request under way is closed after :data:`IDLE_TIMEOUT` seconds.
"""

from __future__ import annotations

import json
from typing import BinaryIO, cast

from twisted.internet.interfaces import IAddress, IDelayedCall, IReactorTime, ITCPTransport, ITransport
from twisted.internet.protocol import Protocol, connectionDone
from twisted.logger import Logger
from twisted.python.failure import Failure
from twisted.web import http
from twisted.web.http import HTTPChannel
from twisted.web.resource import IResource
from twisted.web.server import Request, Site

#: FMZ calls are a few hundred bytes; an IO batch of 20 orders about 4 kB. The cap also bounds
#: the time one body may take to parse (linear, about 6 ms for 64 kB of numbers, the worst case)
DEFAULT_MAX_BODY = 64 * 1024
DEFAULT_READ_TIMEOUT = 10.0
DEFAULT_MAX_CONNECTIONS = 1000
#: idle keep-alive connections: longer than Go's http.Transport default (90 s), so the docker,
#: a Go program, closes an idle connection before we do and never sends a call into a closing one
IDLE_TIMEOUT = 120.0
#: after a refusal (413, 408), the rest of what the client sends is read and dropped this long,
#: so the answer is not lost to a TCP reset; then the connection is cut
LINGER = 2.0
OVERFLOW_LINGER = 0.5
#: at the cap, one idle this long is closed for a new one (a burst of new ones still gets 503s)
EVICT_IDLE = 5.0

log = Logger()


def connected(transport: ITransport | None) -> ITCPTransport:
    """A connected protocol's transport. Twisted types ``Protocol.transport`` as optional (it is
    None only before ``makeConnection``); ours are TCP, or TLS over TCP, which are ITCPTransports."""
    return cast(ITCPTransport, transport)


def json_response(status: int, reason: str, message: str) -> bytes:
    """A complete HTTP/1.1 response carrying ``{"error": message}``, closing the connection."""
    body = json.dumps({"error": message}).encode()
    return (f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body


class BoundedRequest(Request):
    max_body = DEFAULT_MAX_BODY
    body_too_large = False

    @property
    def body(self) -> BinaryIO:
        # Twisted's Request declares ``content = None`` until gotLength makes the file
        return cast(BinaryIO, self.content)

    def write(self, data: bytes) -> None:
        # no ``Server: TwistedWeb/<version>`` banner: it tells a scanner which CVEs to try
        if not self.startedWriting:
            self.responseHeaders.removeHeader(b"server")
        super().write(data)

    def gotLength(self, length: int | None) -> None:
        if length is not None and length > self.max_body:
            self.body_too_large = True
        super().gotLength(length if not self.body_too_large else 0)

    def handleContentChunk(self, data: bytes) -> None:
        if self.body_too_large:
            return
        if self.body.tell() + len(data) > self.max_body:
            self.body_too_large = True
            self.body.seek(0)
            self.body.truncate()
            return
        super().handleContentChunk(data)


def too_large_message(max_body: int) -> str:
    return f"request body too large (limit {max_body} bytes)"


class BridgeChannel(HTTPChannel):
    """``HTTPChannel`` with the read deadline, the 413 and the JSON 400 (see the module)."""

    _read_deadline: IDelayedCall | None = None
    _linger: IDelayedCall | None = None
    _refused = False

    @property
    def limits(self) -> BridgeSite:
        return cast(BridgeSite, self.factory)  # Site.buildProtocol sets it: untyped in Twisted

    def connectionMade(self) -> None:
        self.limits.opened(self)
        super().connectionMade()
        # from the connection, not its first byte: a socket that never sends would otherwise
        # hold its place until the 120 s idle timeout (1000 of them locked every caller out)
        self._read_deadline = self.callLater(self.limits.read_timeout, self._too_slow)

    def dataReceived(self, data: bytes) -> None:
        if self._refused:
            return
        self.limits.busy(self)
        if self._read_deadline is None and not self._handlingRequest:
            self._read_deadline = self.callLater(self.limits.read_timeout, self._too_slow)
        super().dataReceived(data)

    def requestDone(self, request: Request) -> None:
        super().requestDone(request)
        if self.persistent and not self._handlingRequest and not self._dataBuffer:
            self.limits.idle(self)

    def lineReceived(self, line: bytes) -> None:
        # after a refusal the rest of the request (even of the same read) is dropped unparsed
        if not self._refused:
            super().lineReceived(line)

    def rawDataReceived(self, data: bytes) -> None:
        if not self._refused:
            super().rawDataReceived(data)

    def allHeadersReceived(self) -> None:
        length = self.length
        if length is not None and length > self.limits.max_body:
            # refused before a byte of the body is read (and before any 100-continue)
            self._refuse(413, "Request Entity Too Large", too_large_message(self.limits.max_body))
            return
        super().allHeadersReceived()

    def allContentReceived(self) -> None:
        self._stop_deadline()
        super().allContentReceived()

    def _too_slow(self) -> None:
        self._read_deadline = None
        log.info("closing a connection from {peer}: its request did not arrive within {seconds:g}s",
                 peer=str(self.peer()), seconds=self.limits.read_timeout)
        self._refuse(408, "Request Timeout",
                     f"request not received within {self.limits.read_timeout:g}s (--read-timeout)")

    def peer(self) -> IAddress:
        return connected(self.transport).getPeer()

    def _respondToBadRequestAndDisconnect(self) -> None:
        # twisted.web's own answer is a bare "400 Bad Request" without a body
        self._refuse(400, "Bad Request", "malformed HTTP request")

    def lineLengthExceeded(self, line: bytes) -> None:
        # a request or header line over 16 kB: LineReceiver would just drop the connection
        self._refuse(400, "Bad Request", "malformed HTTP request: a header line is too long")

    def _refuse(self, status: int, reason: str, message: str) -> None:
        if self._refused:
            return
        self._refused = True
        self._stop_deadline()
        self.setTimeout(None)
        transport = connected(self.transport)
        transport.write(json_response(status, reason, message))
        half_close = getattr(transport, "loseWriteConnection", None)  # TCP, unix; not every TLS
        (half_close or transport.loseConnection)()
        self._linger = self.callLater(LINGER, transport.abortConnection)

    def _stop_deadline(self) -> None:
        if self._read_deadline is not None:
            if self._read_deadline.active():
                self._read_deadline.cancel()
            self._read_deadline = None

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        self._stop_deadline()
        if self._linger is not None and self._linger.active():
            self._linger.cancel()
        self.limits.closed(self)
        super().connectionLost(reason)


class OverCapacity(Protocol):
    """The answer to a connection past ``--max-connections``: 503 and close.

    Its request is read and dropped for a moment (closing with it unread would send a TCP
    reset that can destroy the 503 on its way), but only while few such connections linger."""

    def __init__(self, site: BridgeSite):
        self.site = site
        self.linger: IDelayedCall | None = None

    def connectionMade(self) -> None:
        transport = connected(self.transport)
        transport.write(json_response(
            503, "Service Unavailable",
            f"okxbridge has {self.site.max_connections} connections open (--max-connections); try again shortly"))
        if self.site.lingering >= self.site.max_connections:  # at most twice the cap in all
            transport.loseConnection()
            return
        self.site.lingering += 1
        half_close = getattr(transport, "loseWriteConnection", None)
        (half_close or transport.loseConnection)()
        self.linger = self.site.reactor.callLater(OVERFLOW_LINGER, transport.abortConnection)

    def dataReceived(self, data: bytes) -> None:
        pass

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        if self.linger is not None:
            self.site.lingering -= 1
            if self.linger.active():
                self.linger.cancel()


class BridgeSite(Site):
    # Twisted types HTTPFactory.protocol as a factory of its private _GenericHTTPChannelProtocol
    # wrapper; any HTTPChannel subclass is what Site builds and drives
    protocol = BridgeChannel  # type: ignore[assignment]

    def __init__(self, resource: IResource, *, max_body: int, read_timeout: float, max_connections: int,
                 reactor: IReactorTime | None = None):
        request_class = type("BoundedRequest", (BoundedRequest,), {"max_body": max_body})
        # bodies are JSON, never forms: parsing every POST's Content-Type for form decoding cost
        # 4 % of the daemon's CPU in the benchmark's profile
        super().__init__(resource, requestFactory=request_class, timeout=IDLE_TIMEOUT, reactor=reactor,
                         parsePOSTFormSubmission=False)
        self.max_body = max_body
        self.read_timeout = read_timeout
        self.max_connections = max_connections
        self.open_connections = 0
        self.lingering = 0  # refused (503) connections still being drained
        self.displayTracebacks = False
        self._full = False
        #: connections without a request in flight, longest idle first, and since when
        self._idle: dict[BridgeChannel, float] = {}
        self.evicted = 0

    # past the cap the answer is a plain Protocol (OverCapacity), not one of Twisted's HTTP channels
    def buildProtocol(self, addr: IAddress | None) -> Protocol | None:  # type: ignore[override]
        if self.open_connections >= self.max_connections and not self._evict_idle():
            if not self._full:
                self._full = True
                log.warn("okxbridge has {n} connections open (--max-connections): refusing new ones",
                         n=self.open_connections)
            return OverCapacity(self)
        channel: Protocol | None = super().buildProtocol(addr)
        return channel

    def opened(self, channel: BridgeChannel) -> None:
        self.open_connections += 1
        self.idle(channel)

    def idle(self, channel: BridgeChannel) -> None:
        """``channel`` waits for a request (new, or kept alive after an answer)."""
        self._idle.pop(channel, None)
        self._idle[channel] = self.reactor.seconds()

    def busy(self, channel: BridgeChannel) -> None:
        self._idle.pop(channel, None)

    def _evict_idle(self) -> bool:
        """At the cap, close the connection idle longest — one with no request in flight,
        idle at least :data:`EVICT_IDLE` seconds — to admit the new one: silent sockets
        cannot lock callers out, and a burst of fresh connections still gets its 503s."""
        channel, since = next(iter(self._idle.items()), (None, 0.0))
        if channel is None or self.reactor.seconds() - since < EVICT_IDLE:
            return False
        del self._idle[channel]
        connected(channel.transport).loseConnection()
        self.evicted += 1
        return True

    def closed(self, channel: BridgeChannel) -> None:
        self.open_connections -= 1
        self._idle.pop(channel, None)
        if self._full and self.open_connections < self.max_connections:
            self._full = False

    def log(self, request: http.Request) -> None:
        """No access log: the protocol logs one richer line per call (method, symbol, OKX
        requests, time), and a second line per request cost 5 % of the daemon's CPU."""


def bounded_site(resource: IResource, max_body: int = DEFAULT_MAX_BODY, read_timeout: float = DEFAULT_READ_TIMEOUT,
                 max_connections: int = DEFAULT_MAX_CONNECTIONS, reactor: IReactorTime | None = None) -> Site:
    return BridgeSite(resource, max_body=max_body, read_timeout=read_timeout, max_connections=max_connections,
                      reactor=reactor)
