# -*- test-case-name: tests.e2e.test_shutdown -*-
"""The OKX side's long-lived resources as Twisted services, so the daemon's service tree
starts and stops them in its documented order (:func:`okxbridge.service.build_daemon`)."""

from __future__ import annotations

from twisted.application import service
from twisted.internet.defer import Deferred
from twisted.web.client import HTTPConnectionPool

from .account_streams import PrivateStreams
from .market_streams import MarketStreams


class PoolService(service.Service):
    """Closes the OKX connection pool on shutdown so no connection is left half-open."""

    def __init__(self, pool: HTTPConnectionPool):
        self.pool = pool

    def stopService(self):
        super().stopService()
        return self.pool.closeCachedConnections()


class StreamsService(service.Service):
    """OKX WebSocket connections, market data (:class:`MarketStreams`: connected when a
    symbol is first asked for) or private (:class:`PrivateStreams`: one per working key):
    their timers run while the daemon runs, and they are closed with it."""

    def __init__(self, streams: MarketStreams | PrivateStreams):
        self.streams = streams

    def startService(self):
        super().startService()
        self.streams.start()

    def stopService(self):
        super().stopService()
        return Deferred.fromCoroutine(self.streams.stop())
