# -*- test-case-name: tests.okx.test_ws_pacing -*-
"""New WebSocket connections paced to OKX's limit: 3 per second per IP, across every stream.

OKX counts connection requests per IP (docs #overview-websocket-connect: "3 requests per
second (based on IP)"); a restart with many keys, or a reconnect of every stream at once,
would open them all in the same instant and have some refused. One :class:`ConnectionPacer`
is shared by the public, business and private streams of a daemon; each stream's endpoint is
wrapped in a :class:`PacedEndpoint`, so ``ClientService`` connects through it unchanged.
It paces this daemon only: several daemons on one IP share OKX's limit without knowing it.
"""

from __future__ import annotations

import collections
from typing import Any

import attrs
from twisted.internet import task
from twisted.internet.defer import Deferred

#: OKX's figure: connection requests per second per IP
PER_SECOND = 3
#: a second, and 0.1 s more: OKX counts a connection when its upgrade request arrives, which is
#: a TCP and TLS handshake after the slot (that varies); okxsim refuses a 4th within 1.0 s
WINDOW = 1.1


@attrs.define(eq=False)
class ConnectionPacer:
    clock: Any
    per_window: int = PER_SECOND
    window: float = WINDOW
    #: the times the last ``per_window`` connections were (or will be) opened
    slots: collections.deque = attrs.Factory(collections.deque)
    delayed: int = 0

    def reserve(self) -> float:
        """Seconds until a new connection may be opened; the slot is taken now."""
        now = self.clock.seconds()
        slot = now
        if len(self.slots) >= self.per_window:
            slot = max(now, self.slots[-self.per_window] + self.window)
        self.slots.append(slot)
        while len(self.slots) > self.per_window:
            self.slots.popleft()
        self.delayed += slot > now
        return slot - now


@attrs.frozen
class PacedEndpoint:
    """An IStreamClientEndpoint whose ``connect`` waits for the pacer's slot."""

    endpoint: Any
    pacer: ConnectionPacer

    def connect(self, factory: Any) -> Deferred:
        delay = self.pacer.reserve()
        if delay <= 0:
            return self.endpoint.connect(factory)
        return task.deferLater(self.pacer.clock, delay, self.endpoint.connect, factory)
