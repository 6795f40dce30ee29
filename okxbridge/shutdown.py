# -*- test-case-name: tests.test_shutdown -*-
"""Stopping without cutting calls off: stop listening, let calls in flight finish, then close.

``twistd`` stops a ``MultiService``'s children all at once, so closing the OKX pool would
race the calls still using it — an order placed with nobody left to report it. Here the
children stop one after another, last added first, each waiting for the one before.
"""

from __future__ import annotations

from twisted.application import service
from twisted.internet.defer import Deferred, DeferredList, maybeDeferred
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from twisted.web.resource import IResource, Resource

from .fmz.answer import encode_error
from .jsonwire import JSON_CONTENT_TYPE
from .okx.inflight import InFlight


class StopInOrder(service.MultiService):
    """A MultiService whose children stop in turn (reverse order of adding), not together."""

    def stopService(self) -> Deferred[None]:
        service.Service.stopService(self)
        return Deferred.fromCoroutine(self._stop_each())

    log = Logger()

    async def _stop_each(self) -> None:
        for child in reversed(list(self)):
            try:
                await maybeDeferred(child.stopService)
            except Exception:  # the rest must still stop: a pool left open leaks connections
                self.log.failure("stopping {child!r} failed", child=child)


class DrainService(service.Service):
    """On stop, waits until every counter is idle, at most ``timeout`` seconds."""

    log = Logger()

    def __init__(self, clock: IReactorTime, counters: list[InFlight], timeout: float = 10.0):
        self.clock = clock
        self.counters = counters
        self.timeout = timeout

    def stopService(self) -> Deferred[None]:
        super().stopService()
        return Deferred.fromCoroutine(self._drain())

    async def _drain(self) -> None:
        busy = sum(c.count for c in self.counters)
        if not busy:
            return
        self.log.info("okxbridge stopping: waiting up to {timeout:g}s for {busy} calls in flight",
                      timeout=self.timeout, busy=busy)
        waits = DeferredList([c.idle() for c in self.counters])
        waits.addTimeout(self.timeout, self.clock)
        try:
            await waits
        except Exception:
            left = sum(c.count for c in self.counters)
            self.log.warn("okxbridge stopping with {left} calls still in flight after {timeout:g}s",
                          left=left, timeout=self.timeout)


class CountingResource(Resource):
    """Counts requests from arrival until their answer is written; once ``closing``, new
    ones (on kept-alive connections) get an ``{"error"}`` instead of starting work nobody
    will finish."""

    isLeaf = True

    def __init__(self, inner: IResource, inflight: InFlight):
        super().__init__()
        self.inner = inner
        self.inflight = inflight
        self.closing = False

    def render(self, request):
        if self.closing:
            # the protocol answers every call with HTTP 200 and a JSON object; the docker
            # shows the error line in the strategy's log
            request.setHeader(b"Content-Type", JSON_CONTENT_TYPE)
            return encode_error("okxbridge is shutting down; try again shortly")
        leave = self.inflight.enter()
        request.notifyFinish().addBoth(lambda _: leave())
        try:
            return self.inner.render(request)
        except BaseException:
            leave()
            raise


class CloseDoors(service.Service):
    """Stopped right after the listening port: turns away requests on open connections."""

    def __init__(self, resource: CountingResource):
        self.resource = resource

    def stopService(self):
        super().stopService()
        self.resource.closing = True
