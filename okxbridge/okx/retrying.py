# -*- test-case-name: tests.okx.test_retrying -*-
"""The layer that sends a call again when OKX's answer says it is safe to (rules: :mod:`.retry`).

Reads are retried with capped, jittered backoff while the call's deadline allows. A write
is sent again only when OKX refused it before acting: once after ``50102`` (timestamp
expired; the clock is re-measured, ``resync``, and the same request is signed afresh), and
after a rate-limit refusal (429/``50011``, ``50061``) as often as the call's deadline leaves
time — the pacing layer below paused the bucket, so the resend waits there for a slot. Only
when the deadline is spent does the caller see the refusal, naming the limit.
"""

from __future__ import annotations

from random import Random
from typing import Any, Awaitable, Callable, TypeVar

import attrs
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.internet.task import deferLater
from twisted.logger import Logger

from .call import OkxCall, OkxLayer
from .counting import COUNT_NOTHING, RequestCounts
from .envelope import OkxReply
from .errors import OkxError, OkxThrottled
from .rate_rules import rule_for
from .retry import TIMESTAMP_EXPIRED, Backoff, refused_before_acting, retryable_read

T = TypeVar("T")

#: a resend needs at least this much of the call's deadline left to be worth sending
MIN_RESEND_TIME = 0.2


def limit_spent(call: OkxCall, error: OkxError, tries: int) -> OkxError:
    """The refusal as the strategy sees it once the deadline is spent: which limit, how
    often it was tried, and that nothing was placed."""
    rule = rule_for(call.verb, call.path, call.signed)
    return OkxError(error.code, f"{error.msg} — OKX's limit of {rule.describe()} for {call.verb} {call.path} "
                    f"(sent {tries} times within the call's deadline; OKX refused each before acting, "
                    "nothing was done)", error.verb or call.verb, error.path or call.path,
                    error.http_status, error.raw)


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
        return Deferred.fromCoroutine(self.run(call, lambda: self.inner.send(call)))

    async def run(self, call: OkxCall, attempt: Callable[[], Awaitable[T]]) -> T:
        """``await attempt()`` — one try of ``call`` — as often as the rules above allow."""
        tries, resynced = 0, False
        refused: OkxError | None = None  # OKX's last rate-limit refusal of this write
        while True:
            tries += 1
            try:
                return await attempt()
            except OkxThrottled:
                if refused is not None:  # the resend found no slot in time: OKX's refusal stands
                    raise limit_spent(call, refused, tries - 1) from None
                raise
            except OkxError as e:
                if e.code == TIMESTAMP_EXPIRED and call.signed and not resynced:
                    resynced = True  # OKX refused before acting: safe to resend, even a write
                    await self._resync_or_raise(e)
                    self.metrics.retry(call.path)
                    continue
                if call.verb != "GET" and refused_before_acting(e):
                    refused = e
                    await self._wait_to_resend(call, e, tries)
                    continue
                delay = self._delay_before_next(call, e, tries)
                if delay is None:
                    raise
                self.log.info("okx {verb} {path} failed ({error}); try {next} in {delay:.2f}s",
                              verb=call.verb, path=call.path, error=str(e), next=tries + 1, delay=delay)
                self.metrics.retry(call.path)
                await deferLater(self.clock, delay)

    async def _wait_to_resend(self, call: OkxCall, refusal: OkxError, tries: int) -> None:
        """A short backoff before a write refused by a rate limit is sent again (the pacing
        layer below then holds it until its paused bucket has a slot), or the refusal naming
        the limit when the call's deadline leaves no time."""
        delay = self.backoff.delay(tries, self.random)
        if self.clock.seconds() + delay + MIN_RESEND_TIME >= call.deadline:
            raise limit_spent(call, refusal, tries) from None
        self.log.info("okx {label} refused by OKX's rate limit ({error}); sending it again when the bucket "
                      "allows", label=call.label, error=str(refusal))
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
