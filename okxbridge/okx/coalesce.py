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
