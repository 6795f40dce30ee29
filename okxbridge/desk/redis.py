# -*- test-case-name: tests.desk.test_redis -*-
"""The ledger's claims in Redis (``--shared-state``), shared by every instance using it.

Each claim is a hash ``okxbridge:claim:<fingerprint>:<kind>:<nonce>`` written by one Lua
script that checks and creates it atomically (the effect of ``SET NX`` and ``HSET`` in one
step), with a TTL of :data:`RETENTION_SECONDS` (8 days: OKX's 7-day order window plus a
day; Redis drops it then, so the store's size is bounded by what 8 days of orders need).
Take-over and outcome are compare-and-set scripts too, so of two instances racing for one
nonce exactly one sends.

Every instance keeps ``okxbridge:instance:<id>`` alive (refreshed every
:data:`HEARTBEAT_EVERY` s, expiring after :data:`HEARTBEAT_TTL` s; :mod:`okxbridge.shared.instances`,
which also counts the instances for the budgets' fallback): a pending claim whose owner's key is
gone belongs to an instance that died, and is taken over.

When Redis is unreachable every operation raises :class:`LedgerUnavailable`: the trading
call fails with that message and nothing is sent.
"""

from __future__ import annotations

from typing import Any

from twisted.application import service
from twisted.internet.defer import Deferred
from twisted.internet.task import LoopingCall
from twisted.logger import Logger

from ..shared.connection import RedisConnection, RedisUnavailable
from ..shared.instances import HEARTBEAT_EVERY, HEARTBEAT_TTL, Instances, heartbeat_key
from .claims import PENDING, RETENTION_SECONDS, Claim, ClaimKey, LedgerUnavailable, Unproven, UnprovenCapReached

PREFIX = "okxbridge:"

# KEYS[2] is the claiming instance's heartbeat: refreshed with the claim, so an owner is
# never seen dead between its start and its first beat; KEYS[3] ('' if none) the call's key
# before identities were full hashes: a claim there is moved to KEYS[1] (its TTL kept).
# ARGV[3] > 0 (the cap) for a credential OKX never accepted, unless KEYS[5] (its accepted
# mark) exists: KEYS[4], its access key's unresolved claims scored by when they are forgotten,
# may hold fewer than the cap, and the claim lives ARGV[4] s (8 days once done: FINISH).
CLAIM = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
redis.call('SET', KEYS[2], '1', 'EX', ARGV[2])
if KEYS[3] ~= '' and redis.call('EXISTS', KEYS[1]) == 0 and redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('RENAME', KEYS[3], KEYS[1])
end
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('HGETALL', KEYS[1]) end
local ttl = ARGV[1]
if tonumber(ARGV[3]) > 0 and redis.call('EXISTS', KEYS[5]) == 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
  if redis.call('ZCARD', KEYS[4]) >= tonumber(ARGV[3]) then return 'capped' end
  ttl = math.ceil(tonumber(ARGV[4]))
  redis.call('ZADD', KEYS[4], now + ttl, KEYS[1])
  redis.call('EXPIRE', KEYS[4], ttl + 1)
end
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
redis.call('EXPIRE', KEYS[1], ttl)
return false
"""
TAKE_OVER = """
local cur = redis.call('HMGET', KEYS[1], 'state', 'owner')
if cur[1] ~= ARGV[1] or cur[2] ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[3], 'owner', ARGV[4], 'updated', ARGV[5])
return 1
"""
# KEYS[2]: the credential's accepted mark, set by a done outcome (which also gives the claim
# its whole retention, ARGV[5] s, in case it was a never-accepted credential's short one). The
# access key's set of unresolved claims is named from the claim's own api_key field (ARGV[6]
# its prefix): a key computed in the script, which a single Redis (not a cluster) allows.
FINISH = """
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
local unproven = ARGV[6] .. redis.call('HGET', KEYS[1], 'api_key')
redis.call('ZREM', unproven, KEYS[1])
if ARGV[2] == 'absent' then redis.call('DEL', KEYS[1]) return 1 end
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'result', ARGV[3], 'updated', ARGV[4])
if ARGV[2] == 'done' then
  redis.call('EXPIRE', KEYS[1], ARGV[5])
  redis.call('SET', KEYS[2], '1', 'EX', ARGV[5])
  -- OKX accepted the credential: its other unresolved claims are kept their 8 days too
  local mine = ARGV[7]
  for _, other in ipairs(redis.call('ZRANGE', unproven, 0, -1)) do
    if string.sub(other, 1, string.len(mine)) == mine then
      redis.call('EXPIRE', other, ARGV[5])
      redis.call('ZREM', unproven, other)
    end
  end
end
return 1
"""


def claim_key(key: ClaimKey) -> str:
    return f"{PREFIX}claim:{key.text()}"


UNPROVEN = f"{PREFIX}unproven:"


def accepted_key(account: str) -> str:
    return f"{PREFIX}accepted:{account}"


def as_fields(reply: Any) -> dict[str, str] | None:
    """HGETALL's reply (a dict, or a flat list from a script) as a dict; None when empty."""
    if not reply:
        return None
    if isinstance(reply, dict):
        return reply
    return dict(zip(reply[::2], reply[1::2], strict=True))  # HGETALL: field, value, …


class RedisLedger(service.Service):
    kind = "redis"
    log = Logger()

    def __init__(self, redis: RedisConnection, instance: str, instances: Instances | None = None):
        self.redis = redis
        self.instance = instance
        self.instances = instances or Instances(redis, instance)
        self._beat = LoopingCall(lambda: Deferred.fromCoroutine(self.heartbeat()))
        self._beat.clock = redis.reactor

    def startService(self) -> None:
        super().startService()
        self._beat.start(HEARTBEAT_EVERY, now=True)

    def stopService(self):
        super().stopService()
        if self._beat.running:
            self._beat.stop()
        return Deferred.fromCoroutine(self._forget_me())

    async def _forget_me(self) -> None:
        await self.instances.forget()

    async def heartbeat(self) -> None:
        await self.instances.beat()  # unreachable: health shows it; trading calls fail on their own

    async def _eval(self, script: str, keys: list[str], args: list[Any]) -> Any:
        try:
            return await self.redis.execute("eval", script, keys, args)
        except RedisUnavailable as e:
            raise LedgerUnavailable(f"shared state unreachable ({e}): the order was not sent") from None

    async def claim(self, claim: Claim, legacy: ClaimKey | None = None,
                    unproven: Unproven | None = None) -> Claim | None:
        flat = [item for pair in claim.fields().items() for item in pair]
        keys = [claim_key(claim.key), heartbeat_key(self.instance), claim_key(legacy) if legacy else "",
                UNPROVEN + claim.api_key, accepted_key(claim.key.account)]
        cap, seconds = (unproven.cap, unproven.seconds) if unproven is not None else (0, 0.0)
        reply = await self._eval(CLAIM, keys, [RETENTION_SECONDS, HEARTBEAT_TTL, cap, seconds, *flat])
        if reply == "capped" and unproven is not None:
            raise UnprovenCapReached(claim.api_key, unproven.cap, unproven.seconds)
        found = as_fields(reply)
        return None if found is None else Claim.from_fields(claim.key, found)

    async def take_over(self, found: Claim, owner: str, now: float) -> bool:
        done = await self._eval(TAKE_OVER, [claim_key(found.key)],
                                [found.state, found.owner, PENDING, owner, repr(now)])
        return int(done) == 1

    async def finish(self, key: ClaimKey, owner: str, state: str, result: str, now: float) -> bool:
        """Record the outcome; an absent one (nothing sent) deletes the claim instead."""
        return int(await self._eval(FINISH, [claim_key(key), accepted_key(key.account)],
                                    [owner, state, result, repr(now), RETENTION_SECONDS, UNPROVEN,
                                     f"{PREFIX}claim:{key.account}:"])) == 1

    async def get(self, key: ClaimKey) -> Claim | None:
        try:
            found = as_fields(await self.redis.execute("hgetall", claim_key(key)))
        except RedisUnavailable as e:
            raise LedgerUnavailable(f"shared state unreachable ({e})") from None
        return None if found is None else Claim.from_fields(key, found)

    liveness_exact = False

    async def owner_alive(self, owner: str) -> bool:
        if owner == self.instance:
            return True
        try:
            return int(await self.redis.execute("exists", heartbeat_key(owner))) == 1
        except RedisUnavailable as e:
            raise LedgerUnavailable(f"shared state unreachable ({e})") from None

    def health(self) -> dict[str, Any]:
        return {"kind": self.kind, "durable": True, "ok": self.redis.connected, "instance": self.instance,
                "instances_seen": self.instances.seen,
                **self.redis.health()}
