# -*- test-case-name: tests.okx.test_layers, tests.test_metrics -*-
"""Sharing one upstream request among identical reads in flight at the same moment.

N strategies polling one ticker each round cost OKX one request per round, and OKX's
per-IP public limits stay far away. Only reads whose answer does not depend on who asks
(public market data) may be shared.
"""

from __future__ import annotations

from typing import Any, Callable, Hashable

import attrs
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from .call import OkxCall, OkxLayer
from .envelope import OkxReply


@attrs.define
class Coalescer:
    _inflight: dict[Hashable, list[Deferred]] = attrs.Factory(dict)
    started: int = 0  # upstream requests actually made
    joined: int = 0   # calls answered by another call's request

    def run(self, key: Hashable, start: Callable[[], Deferred]) -> Deferred:
        waiter: Deferred = Deferred()
        waiters = self._inflight.get(key)
        if waiters is not None:
            waiters.append(waiter)
            self.joined += 1
            return waiter
        waiters = self._inflight[key] = [waiter]
        self.started += 1

        def finish(result: Any) -> None:
            del self._inflight[key]
            for w in waiters:
                if isinstance(result, Failure):
                    w.errback(result)
                else:
                    w.callback(result)

        start().addBoth(finish)
        return waiter


@attrs.define
class Coalescing:
    """The layer that lets identical public reads in flight share one request (and so spend
    one rate-limit token for all of them); every other call passes straight down."""

    inner: OkxLayer
    coalescer: Coalescer = attrs.Factory(Coalescer)

    def send(self, call: OkxCall) -> Deferred[OkxReply]:
        if not call.shareable:
            return self.inner.send(call)
        return self.coalescer.run(call.share_key, lambda: self.inner.send(call))
