# -*- test-case-name: tests.okx.test_timesync -*-
"""Keeping the signer's clock within OKX's 30 s window (spec §2: else ``50102``).

A host clock that drifts, or a VM resumed from suspend, makes every signed call fail.
The offset is measured against ``GET /api/v5/public/time``: the server's time minus the
local time at the *midpoint* of the request, so half the round trip is not counted as
drift. It is measured at start, every ``interval`` seconds, and on demand when OKX
answers 50102 (see :meth:`OkxClient.sync_time`).
"""

from __future__ import annotations

from typing import Any, Protocol

from twisted.application.service import Service
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.internet.task import LoopingCall
from twisted.logger import Logger


def clock_offset(sent: float, received: float, server_ms: int | str) -> float:
    """Seconds to add to the local clock to read OKX's (server − local at the midpoint)."""
    return int(server_ms) / 1000 - (sent + received) / 2


class ClockSyncing(Protocol):
    """What :class:`TimeSync` needs of the OKX client (named here so this module imports none)."""

    clock: IReactorTime

    def sync_time(self) -> Deferred[Any]: ...


class TimeSync(Service):
    """Re-measures the offset every ``interval`` seconds on the client's clock."""

    log = Logger()

    def __init__(self, client: ClockSyncing, interval: float = 60.0):
        self.client = client
        self.interval = interval
        self.loop: LoopingCall | None = None

    def startService(self) -> None:
        super().startService()
        self.loop = LoopingCall(self.sync)
        self.loop.clock = self.client.clock
        self.loop.start(self.interval, now=True)

    def stopService(self):
        super().stopService()
        if self.loop is not None and self.loop.running:
            self.loop.stop()

    async def _sync(self) -> None:
        try:
            await self.client.sync_time()
        except Exception as e:  # OKX unreachable now; signed calls resync on 50102 anyway
            self.log.warn("okx time sync failed: {error}", error=str(e))

    def sync(self) -> Deferred[None]:
        return Deferred.fromCoroutine(self._sync())
