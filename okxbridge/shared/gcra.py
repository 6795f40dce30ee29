# -*- test-case-name: tests.shared.test_gcra -*-
"""OKX's request budgets kept in Redis as GCRA, shared by every instance (``--shared-state``).

One Lua script checks all of a request's buckets (per account, per account+instrument, per
host for public data) against Redis's own clock and, only if every one conforms, spends
them all — atomically, so N instances on any number of hosts together stay inside one
account's limits.

GCRA (the generic cell rate algorithm) keeps one number per bucket, its theoretical
arrival time. With emission interval ``T`` and tolerance ``tau = (b-1)·T`` it lets through
a burst of ``b`` and then one request per ``T``; in any span ``L`` at most ``b + L/T``
requests conform. OKX counts N requests per window W, so ``T = (W + slack) / (N - b)``
keeps every window (widened by ``slack`` for network jitter) at N or fewer. The price
against the local windowed limiter: a burst of ``b = N/4`` at once instead of N, and a
sustained rate of 3N/4 per window. Nothing here is ever refused by OKX with 50011.

When Redis is unreachable, reads (and every request) fall back to this process's own
limiter (:class:`okxbridge.okx.limits.RateLimiter`) with a logged warning; trading calls
fail earlier, at the ledger, before anything is sent. Each instance then takes ``1/N`` of
every budget, N being the instances Redis last counted (:mod:`.instances`): on its whole
budget each, N instances together would send N times what OKX allows.
"""

from __future__ import annotations

from typing import Any, Hashable

import attrs
from twisted.internet.defer import Deferred
from twisted.internet.task import deferLater
from twisted.logger import Logger

from ..okx.errors import OkxThrottled
from ..okx.limits import RateLimiter, Rule
from ..okx.rate_rules import BucketKey
from .connection import RedisConnection, RedisUnavailable
from .instances import Instances, share_of

PREFIX = "okxbridge:budget:"
SLACK = 0.1

# KEYS: buckets; ARGV[1]: "take" or "pause"; then per bucket T, tau, pause (microseconds).
# Answers 0 when every bucket conformed (and spent them), else microseconds to wait.
SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local wait, tats = 0, {}
for i, key in ipairs(KEYS) do
  local T = tonumber(ARGV[i * 3 - 1])
  local tau = tonumber(ARGV[i * 3])
  local tat = tonumber(redis.call('GET', key) or '0')
  if tat < now then tat = now end
  if ARGV[1] == 'pause' then
    tats[i] = math.max(tat, now + tau + tonumber(ARGV[i * 3 + 1]))
  else
    local w = tat - now - tau
    if w > wait then wait = w end
    tats[i] = tat + T
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  redis.call('SET', key, string.format('%.0f', tats[i]), 'PX', math.ceil((tats[i] - now) / 1000) + 1000)
end
return 0
"""


def gcra_params(rule: Rule, slack: float = SLACK) -> tuple[int, int]:
    """(T, tau) in microseconds for ``rule`` (see the module's text)."""
    burst = max(1, rule.requests // 4)
    interval = int((rule.window + slack) / max(1, rule.requests - burst) * 1e6) + 1  # +1 µs: strictly inside
    return interval, (burst - 1) * interval


def redis_key(key: BucketKey, rule: Rule, host: str) -> str:
    parts: list[str] = []

    def flat(item: Any) -> None:
        if isinstance(item, tuple):
            for inner in item:
                flat(inner)
        else:
            parts.append(str(item))
    flat(key)
    if rule.scope.startswith("ip"):
        parts.insert(0, host)  # per IP: instances on one host share it
    return PREFIX + "|".join(parts)


@attrs.define(eq=False)
class SpentToken:
    """GCRA needs no return: the bucket refills by the clock."""

    def done(self, now: float) -> None:
        pass


@attrs.define
class SharedLimiter:
    """The client's limiter (same ``acquire``/``slow_down`` as :class:`RateLimiter`)."""

    redis: RedisConnection
    local: RateLimiter
    host: str
    #: how many instances Redis last counted, for the fallback's share (1: none counted)
    instances: Instances | None = None
    slack: float = SLACK
    fallbacks: int = 0
    _warned: bool = False
    log = Logger()

    def acquire(self, key: BucketKey, rule: Rule, max_wait: float, verb: str = "", path: str = "",
                owner: Hashable | None = None) -> Deferred:
        """``owner`` (a credential fingerprint) counts for the queue share only when pacing
        locally: the shared budget has no queue, each caller waits on its own."""
        if not self.redis.connected:
            return self._local(key, rule, max_wait, verb, path, "not connected", owner)
        return Deferred.fromCoroutine(self._take(key, rule, max_wait, verb, path, owner))

    async def _take(self, key: BucketKey, rule: Rule, max_wait: float, verb: str, path: str, owner=None):
        clock = self.redis.reactor
        give_up = clock.seconds() + max_wait
        interval, tau = gcra_params(rule, self.slack)
        name = redis_key(key, rule, self.host)
        while True:
            try:
                wait_us = int(await self.redis.execute("eval", SCRIPT, [name], ["take", interval, tau, 0]))
            except RedisUnavailable as e:
                return await self._local(key, rule, give_up - clock.seconds(), verb, path, str(e), owner)
            if wait_us <= 0:
                self._warned = False
                return SpentToken()
            wait = wait_us / 1e6
            if clock.seconds() + wait > give_up:
                raise OkxThrottled("throttled", f"OKX's limit of {rule.describe()} (shared by all instances) is "
                                   f"used up; the next free slot is {wait:.1f}s away, past this call's budget",
                                   verb, path)
            await deferLater(clock, wait, lambda: None)

    def _local(self, key, rule, max_wait, verb, path, why, owner=None) -> Deferred:
        self.fallbacks += 1
        sharing = self.instances.seen if self.instances is not None else 1
        if not self._warned:
            self._warned = True
            self.log.warn("shared budgets unavailable ({why}): pacing OKX requests by this instance's own "
                          "limits, 1/{sharing} of each budget ({sharing} instances last seen in Redis), "
                          "until Redis is back", why=why, sharing=sharing)
        return self.local.acquire(key, share_of(rule, sharing), max(0.0, max_wait), verb, path, owner)

    def slow_down(self, key: BucketKey, rule: Rule, label: str = "") -> None:
        """OKX said 50011 anyway: pause the bucket for every instance, one window from now."""
        self.local.slow_down(key, rule, label)
        if self.redis.connected:
            interval, tau = gcra_params(rule, self.slack)
            d = Deferred.fromCoroutine(self.redis.execute(
                "eval", SCRIPT, [redis_key(key, rule, self.host)],
                ["pause", interval, tau, int((rule.window + self.slack) * 1e6)]))
            d.addErrback(lambda _: None)

    def __len__(self) -> int:
        return len(self.local)
