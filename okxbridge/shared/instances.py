# -*- test-case-name: tests.shared.test_instances -*-
"""Which instances share one Redis (``--shared-state``): each one's heartbeat, and how many beat.

Every instance keeps ``okxbridge:instance:<id>`` alive (the ledger reads it to tell a dead
claim owner from a live one) and its id in the sorted set ``okxbridge:instances``, scored by
Redis's clock at its last beat. One Lua script does both and answers how many ids beat within
the heartbeat's TTL: :attr:`Instances.seen`, the count last seen.

Why the count: while Redis is unreachable each instance paces OKX's budgets by its own
limiter, and N instances each on the whole budget together send N times what OKX allows (the
soak in docs/reliability.md saw a 50011 reach a strategy that way). During the outage each
takes ``1/seen`` of every budget instead (:func:`share_of`), ``seen`` being what Redis said
last — the best knowledge there is while it cannot be asked.
"""

from __future__ import annotations

import attrs
from twisted.logger import Logger

from ..okx.rate_rules import Rule
from .connection import RedisConnection, RedisUnavailable

PREFIX = "okxbridge:"
MEMBERS = PREFIX + "instances"
#: seconds between beats, and how long an instance's beat counts
HEARTBEAT_EVERY = 1.0
HEARTBEAT_TTL = 4

# KEYS: this instance's heartbeat, the set of members; ARGV: its id, the TTL (s)
BEAT = """
local now = tonumber(redis.call('TIME')[1])
local ttl = tonumber(ARGV[2])
redis.call('SET', KEYS[1], '1', 'EX', ttl)
redis.call('ZADD', KEYS[2], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - ttl)
redis.call('EXPIRE', KEYS[2], ttl * 4)
return redis.call('ZCARD', KEYS[2])
"""


def heartbeat_key(instance: str) -> str:
    return f"{PREFIX}instance:{instance}"


def share_of(rule: Rule, instances: int) -> Rule:
    """This instance's part of ``rule`` when ``instances`` share it and cannot coordinate:
    at least one request per window, so a lone call still goes out."""
    if instances <= 1:
        return rule
    return attrs.evolve(rule, requests=max(1, rule.requests // instances))


@attrs.define
class Instances:
    """This instance's beat, and :attr:`seen`: how many instances Redis had at the last beat
    that got an answer (1 until one does)."""

    redis: RedisConnection
    instance: str
    seen: int = 1
    log = Logger()

    async def beat(self) -> None:
        try:
            count = int(await self.redis.execute("eval", BEAT, [heartbeat_key(self.instance), MEMBERS],
                                                 [self.instance, HEARTBEAT_TTL]))
        except RedisUnavailable:
            return  # health shows it; the count stays what Redis said last
        if count != self.seen:
            self.log.info("{count} okxbridge instances share {address}", count=count,
                          address=str(self.redis.address))
        self.seen = max(1, count)

    async def forget(self) -> None:
        """Stopping: no longer counted, and a claim of ours is seen as its dead owner's."""
        try:
            await self.redis.execute("delete", heartbeat_key(self.instance))
            await self.redis.execute("zrem", MEMBERS, self.instance)
        except RedisUnavailable:
            pass
