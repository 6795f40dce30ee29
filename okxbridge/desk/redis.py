# -*- test-case-name: tests.desk.test_redis -*-
"""The ledger's claims in Redis (``--shared-state``), shared by every instance using it.

Each claim is a hash ``okxbridge:claim:<fingerprint>:<kind>:<nonce>`` written by one Lua
script that checks and creates it atomically (the effect of ``SET NX`` and ``HSET`` in one
step), with a TTL of :data:`RETENTION_SECONDS` (8 days: OKX's 7-day order window plus a
day; Redis drops it then, so the store's size is bounded by what 8 days of orders need).
Take-over and outcome are compare-and-set scripts too, so of two instances racing for one
nonce exactly one sends.

Every instance keeps ``okxbridge:instance:<id>`` alive (refreshed every
:data:`HEARTBEAT_EVERY` s, expiring after :data:`HEARTBEAT_TTL` s): a pending claim whose
owner's key is gone belongs to an instance that died, and is taken over.

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
from .claims import PENDING, RETENTION_SECONDS, Claim, ClaimKey, LedgerUnavailable

PREFIX = "okxbridge:"
HEARTBEAT_EVERY = 1.0
HEARTBEAT_TTL = 4

# KEYS[2] is the claiming instance's heartbeat: refreshed with the claim, so an owner is
# never seen dead between its start and its first beat
CLAIM = """
redis.call('SET', KEYS[2], '1', 'EX', ARGV[2])
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('HGETALL', KEYS[1]) end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('EXPIRE', KEYS[1], ARGV[1])
return false
"""
TAKE_OVER = """
local cur = redis.call('HMGET', KEYS[1], 'state', 'owner')
if cur[1] ~= ARGV[1] or cur[2] ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[3], 'owner', ARGV[4], 'updated', ARGV[5])
return 1
"""
FINISH = """
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
if ARGV[2] == 'absent' then redis.call('DEL', KEYS[1]) return 1 end
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'result', ARGV[3], 'updated', ARGV[4])
return 1
"""


def claim_key(key: ClaimKey) -> str:
    return f"{PREFIX}claim:{key.text()}"


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

    def __init__(self, redis: RedisConnection, instance: str):
        self.redis = redis
        self.instance = instance
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
        try:
            await self.redis.execute("delete", f"{PREFIX}instance:{self.instance}")
        except RedisUnavailable:
            pass

    async def heartbeat(self) -> None:
        try:
            await self.redis.execute("set", f"{PREFIX}instance:{self.instance}", "1", HEARTBEAT_TTL)
        except RedisUnavailable:
            pass  # health shows it; trading calls fail on their own

    async def _eval(self, script: str, keys: list[str], args: list[Any]) -> Any:
        try:
            return await self.redis.execute("eval", script, keys, args)
        except RedisUnavailable as e:
            raise LedgerUnavailable(f"shared state unreachable ({e}): the order was not sent") from None

    async def claim(self, claim: Claim) -> Claim | None:
        flat = [item for pair in claim.fields().items() for item in pair]
        found = as_fields(await self._eval(CLAIM, [claim_key(claim.key), f"{PREFIX}instance:{self.instance}"],
                                           [RETENTION_SECONDS, HEARTBEAT_TTL, *flat]))
        return None if found is None else Claim.from_fields(claim.key, found)

    async def take_over(self, found: Claim, owner: str, now: float) -> bool:
        done = await self._eval(TAKE_OVER, [claim_key(found.key)],
                                [found.state, found.owner, PENDING, owner, repr(now)])
        return int(done) == 1

    async def finish(self, key: ClaimKey, owner: str, state: str, result: str, now: float) -> bool:
        """Record the outcome; an absent one (nothing sent) deletes the claim instead."""
        return int(await self._eval(FINISH, [claim_key(key)], [owner, state, result, repr(now)])) == 1

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
            return int(await self.redis.execute("exists", f"{PREFIX}instance:{owner}")) == 1
        except RedisUnavailable as e:
            raise LedgerUnavailable(f"shared state unreachable ({e})") from None

    def health(self) -> dict[str, Any]:
        return {"kind": self.kind, "durable": True, "ok": self.redis.connected, "instance": self.instance,
                **self.redis.health()}
