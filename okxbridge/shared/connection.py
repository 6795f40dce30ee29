# -*- test-case-name: tests.desk.test_redis -*-
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
from urllib.parse import urlsplit

import attrs
import txredisapi
from twisted.application import service
from twisted.internet.endpoints import TCP4ClientEndpoint
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger


class RedisUnavailable(Exception):
    """Redis did not answer (not connected, or no reply in time)."""


@attrs.frozen
class RedisAddress:
    host: str
    port: int = 6379
    db: int = 0

    def __str__(self) -> str:
        return f"redis://{self.host}:{self.port}/{self.db}"


def parse_redis_url(text: str | RedisAddress) -> RedisAddress:
    """``redis://host[:port][/db]`` → RedisAddress; anything else is a ValueError that
    says what is wrong (passwords in URLs are not supported: they would reach the logs)."""
    if isinstance(text, RedisAddress):
        return text
    parts = urlsplit(text)
    if parts.scheme != "redis" or not parts.hostname:
        raise ValueError(f"{text[:80]!r} is not redis://host:port/db")
    if parts.username or parts.password:
        raise ValueError("a password in the URL is not supported (it would show in logs); "
                         "bind Redis to a private interface")
    db = parts.path.strip("/") or "0"
    if not db.isdigit():
        raise ValueError(f"database {db!r} must be a number")
    try:
        port = parts.port or 6379
    except ValueError:
        raise ValueError(f"bad port in {text[:80]!r}") from None
    return RedisAddress(parts.hostname, port, int(db))


class RedisConnection(service.Service):
    """One pooled, reconnecting connection to ``address``; :meth:`execute` runs a command."""

    log = Logger()

    def __init__(self, reactor: IReactorTime, address: RedisAddress, timeout: float = 1.0, poolsize: int = 2):
        self.reactor = reactor
        self.address = address
        self.timeout = timeout
        self.poolsize = poolsize
        self.factory: txredisapi.RedisFactory | None = None
        self.handler: Any = None
        self.changed_at = reactor.seconds()
        self._was_up = False
        self.failures = 0

    def startService(self) -> None:
        super().startService()
        factory = txredisapi.RedisFactory(str(self.address), self.address.db, self.poolsize, isLazy=True,
                                          replyTimeout=self.timeout, convertNumbers=False)
        factory.initialDelay, factory.maxDelay = 0.2, 2.0  # back within seconds of Redis coming back
        factory.startConnecting(TCP4ClientEndpoint(self.reactor, self.address.host, self.address.port,
                                                   timeout=max(1, int(self.timeout))))
        self.factory, self.handler = factory, factory.handler

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
            raise RedisUnavailable(f"Redis at {self.address} is not reachable")
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
                "since_seconds": round(self.reactor.seconds() - self.changed_at, 3), "failures": self.failures}


def host_name() -> str:
    """The name public (per-IP) budgets are shared under: instances on one host share an IP."""
    return socket.gethostname()
