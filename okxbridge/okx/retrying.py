# -*- test-case-name: tests.okx.test_retrying -*-
"""The layer that sends a call again when OKX's answer says it is safe to (rules: :mod:`.retry`).

Reads are retried with capped, jittered backoff while the call's deadline allows; a write
never is, except once after ``50102`` (timestamp expired), which OKX answers before acting:
the clock is re-measured (``resync``) and the same request is signed afresh.
"""

from __future__ import annotations

from random import Random
from typing import Any, Callable

import attrs
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.internet.task import deferLater
from twisted.logger import Logger

from .call import OkxCall, OkxLayer
from .counting import COUNT_NOTHING, RequestCounts
from .envelope import OkxReply
from .errors import OkxError
from .retry import TIMESTAMP_EXPIRED, Backoff, retryable_read


@attrs.define
class Retrying:
    inner: OkxLayer
    clock: IReactorTime
    #: re-measure OKX's clock (:meth:`.client.OkxClient.sync_time`)
    resync: Callable[[], Deferred[Any]]
    backoff: Backoff = attrs.Factory(Backoff)
    random: Random = attrs.Factory(Random)
    metrics: RequestCounts = COUNT_NOTHING
    log = Logger()

    def send(self, call: OkxCall) -> Deferred[OkxReply]:
        return Deferred.fromCoroutine(self._send(call))

    async def _send(self, call: OkxCall) -> OkxReply:
        tries, resynced = 0, False
        while True:
            tries += 1
            try:
                return await self.inner.send(call)
            except OkxError as e:
                if e.code == TIMESTAMP_EXPIRED and call.signed and not resynced:
                    resynced = True  # OKX refused before acting: safe to resend, even a write
                    await self._resync_or_raise(e)
                    self.metrics.retry(call.path)
                    continue
                delay = self._delay_before_next(call, e, tries)
                if delay is None:
                    raise
                self.log.info("okx {verb} {path} failed ({error}); try {next} in {delay:.2f}s",
                              verb=call.verb, path=call.path, error=str(e), next=tries + 1, delay=delay)
                self.metrics.retry(call.path)
                await deferLater(self.clock, delay)

    def _delay_before_next(self, call: OkxCall, error: OkxError, tries: int) -> float | None:
        """Seconds to wait before trying again, or ``None``: give up and raise ``error``."""
        if call.verb != "GET" or not retryable_read(error) or tries >= self.backoff.attempts:
            return None
        delay = self.backoff.delay(tries, self.random)
        return None if self.clock.seconds() + delay >= call.deadline else delay

    async def _resync_or_raise(self, error: OkxError) -> None:
        try:
            await self.resync()
        except OkxError as e:
            self.log.warn("okx time resync after 50102 failed: {error}", error=str(e))
            raise error from None
