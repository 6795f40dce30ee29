# -*- test-case-name: tests.okx.test_layers, tests.test_shutdown -*-
"""Counting work in flight, so shutdown can wait for it instead of cutting it off.

A call cut off mid-way is the worst case for a trader: an order may be placed with
nobody left to report it. On SIGTERM the daemon stops listening, then waits (bounded)
until these counters reach zero, and only then closes the connection pool.
"""

from __future__ import annotations

from typing import Any, Callable

import attrs
from twisted.internet.defer import Deferred, succeed

from .call import OkxCall, OkxLayer
from .envelope import OkxReply


@attrs.define
class InFlight:
    count: int = 0
    _idle: list[Deferred] = attrs.Factory(list)

    def enter(self) -> Callable[[], None]:
        """Count one unit of work; call the returned function (once) when it is done."""
        self.count += 1
        done = False

        def leave() -> None:
            nonlocal done
            if done:
                return
            done = True
            self.count -= 1
            if self.count == 0:
                waiters, self._idle = self._idle, []
                for d in waiters:
                    d.callback(None)
        return leave

    def track(self, d: Deferred) -> Deferred:
        leave = self.enter()

        def passthrough(result: Any) -> Any:
            leave()
            return result
        return d.addBoth(passthrough)

    def idle(self) -> Deferred[None]:
        """Fires when nothing is in flight (at once if nothing is now)."""
        if self.count == 0:
            return succeed(None)
        d: Deferred[None] = Deferred(lambda d: self._idle.remove(d) if d in self._idle else None)
        self._idle.append(d)
        return d


@attrs.define
class Tracked:
    """The layer that counts each upstream call in flight until its last try is done."""

    inner: OkxLayer
    inflight: InFlight = attrs.Factory(InFlight)

    def send(self, call: OkxCall) -> Deferred[OkxReply]:
        return self.inflight.track(self.inner.send(call))
