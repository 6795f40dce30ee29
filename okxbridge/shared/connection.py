# -*- test-case-name: tests.shared.test_connection -*-
"""A long-lived Redis connection as a Twisted service (txredisapi over ``ClientService``).

txredisapi reconnects on its own, with backoff, for as long as the service runs. What this
adds is failing fast: a command issued while Redis is away fails at once with
:class:`RedisUnavailable` (instead of queueing until Redis is back), and every command has
a short reply timeout, so a trading call never hangs on Redis. ``state`` and the time of
the last change are what ``/health`` shows.
"""

from __future__ import annotations

import socket
from typing import Any

import txredisapi
from OpenSSL import SSL
from service_identity import VerificationError
from twisted.application import service
from twisted.internet import defer
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from .address import RedisAddress, RedisPassword, parse_redis_url, redis_endpoint

__all__ = ["RedisAddress", "RedisConnection", "RedisUnavailable", "parse_redis_url"]


class RedisUnavailable(Exception):
    """Redis did not answer (not connected, or no reply in time)."""


def describe(reason: Any) -> str:
    """Why a connection attempt failed, short, for /health and the trading call's error: a TLS
    failure names OpenSSL's reason (``certificate verify failed``), others their message."""
    value = getattr(reason, "value", reason)
    if isinstance(value, VerificationError):
        return f"TLS: the server's certificate is not for this host ({value.errors})"[:200]
    if isinstance(value, SSL.Error) and value.args and isinstance(value.args[0], list):
        return "TLS handshake failed: " + "; ".join(str(item[-1]) for item in value.args[0] if item)
    text = reason.getErrorMessage() if hasattr(reason, "getErrorMessage") else str(value)
    return f"{type(value).__name__}: {text}"[:200]


class ReportingProtocol(txredisapi.RedisProtocol):
    """txredisapi's protocol, telling its factory why a connection died before it was usable
    (a TLS handshake refused, the server gone), and whether its first command (AUTH, SELECT)
    failed because Redis refused it or only because the connection failed."""

    def auth(self, password: str, username: str | None = None) -> Any:
        return self._first(super().auth(password, username))

    def select(self, index: int) -> Any:
        return self._first(super().select(index))

    def _first(self, d: Any) -> Any:
        if not self._ready:
            d.addErrback(self._note_failure)
        return d

    def _note_failure(self, failure: Any) -> Any:
        # runs just before txredisapi's connectionMade calls factory.stopTrying()
        self.factory.transient = not failure.check(txredisapi.ResponseError)
        return failure

    def connectionLost(self, why: Any) -> None:
        if not self._ready and not self.factory.stopped:
            self.factory.lost = describe(why)
            self.factory.report(self.factory.lost)
        super().connectionLost(why)


class ReportingFactory(txredisapi.RedisFactory):
    """txredisapi gives up for good when a connection's first command fails. That is right
    when Redis refused it (a wrong password: retrying cannot help and would hammer Redis), not
    when the connection failed under it (a refused certificate an operator then fixes, a Redis
    restarting): then the connection is retried with the usual backoff. ``lost`` names why."""

    protocol = ReportingProtocol

    def __init__(self, *args: Any, report: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.report = report
        self.lost: str | None = None
        self.transient = False

    def buildProtocol(self, addr: Any) -> Any:
        self.lost = None
        return super().buildProtocol(addr)

    def stopTrying(self) -> Any:
        if self.transient:
            self.transient = False
            return defer.succeed(None)
        return super().stopTrying()

    def connectionError(self, why: str) -> None:
        self.report(self.lost or why)
        super().connectionError(why)


class RedisConnection(service.Service):
    """One pooled, reconnecting connection to ``address``; :meth:`execute` runs a command."""

    log = Logger()

    def __init__(self, reactor: IReactorTime, address: RedisAddress, timeout: float = 1.0, poolsize: int = 2,
                 password: RedisPassword | None = None, trust_root: Any = None):
        self.reactor = reactor
        self.address = address
        self.password = password
        self.trust_root = trust_root
        self.problem: str | None = None  # why the last attempt failed, until one succeeds
        self.timeout = timeout
        self.poolsize = poolsize
        self.factory: txredisapi.RedisFactory | None = None
        self.handler: Any = None
        self.changed_at = reactor.seconds()
        self._was_up = False
        self.failures = 0

    def startService(self) -> None:
        super().startService()
        factory = ReportingFactory(str(self.address), self.address.db, self.poolsize, isLazy=True,
                                   replyTimeout=self.timeout, convertNumbers=False, report=self.report,
                                   password=self.password.value if self.password else None,
                                   username=self.address.user)
        factory.initialDelay, factory.maxDelay = 0.2, 2.0  # back within seconds of Redis coming back
        factory.startConnecting(redis_endpoint(self.reactor, self.address, self.trust_root,
                                               timeout=max(1, int(self.timeout))))
        self.factory, self.handler = factory, factory.handler

    def report(self, why: str) -> None:
        """A failed attempt: logged when the reason changes, shown by /health and in errors."""
        if self.password is not None:
            why = why.replace(self.password.value, "***")  # Redis never echoes it; in case one does
        if why != self.problem:
            self.log.warn("shared state {address}: {why}", address=str(self.address), why=why)
        self.problem = why

    def stopService(self):
        super().stopService()
        factory, self.factory = self.factory, None
        if factory is not None:
            return factory.disconnect()

    @property
    def connected(self) -> bool:
        up = self.factory is not None and self.factory.size > 0
        if up != self._was_up:
            self._was_up, self.changed_at = up, self.reactor.seconds()
            if up:
                self.problem = None
                self.log.info("shared state {address}: connected", address=str(self.address))
            else:
                self.log.warn("shared state {address}: not connected", address=str(self.address))
        return up

    async def wait_connected(self, timeout: float) -> bool:
        """True once connected (at once if already), False after ``timeout`` seconds."""
        from twisted.internet.task import deferLater

        deadline = self.reactor.seconds() + timeout
        while not self.connected and self.reactor.seconds() < deadline:
            await deferLater(self.reactor, 0.02, lambda: None)
        return self.connected

    async def execute(self, method: str, *args: Any) -> Any:
        if not self.connected:
            self.failures += 1
            why = f": {self.problem}" if self.problem else ""
            raise RedisUnavailable(f"Redis at {self.address} is not reachable{why}")
        d = getattr(self.handler, method)(*args)
        d.addTimeout(self.timeout, self.reactor)
        try:
            return await d
        except txredisapi.ResponseError:
            raise
        except Exception as e:
            self.failures += 1
            raise RedisUnavailable(f"Redis at {self.address} did not answer ({type(e).__name__})") from None

    def health(self) -> dict[str, Any]:
        return {"url": str(self.address), "connected": self.connected,
                "since_seconds": round(self.reactor.seconds() - self.changed_at, 3), "failures": self.failures,
                "error": self.problem}


def host_name() -> str:
    """The name public (per-IP) budgets are shared under: instances on one host share an IP."""
    return socket.gethostname()
