"""okxbridge/desk/redis.py: the ledger's Redis store keeps the same rules, against a real
redis-server (started by the suite, tests/redis_server.py); instances' heartbeats."""

import pytest_twisted

from okxbridge.desk.redis import RedisLedger
from okxbridge.shared.connection import RedisConnection, parse_redis_url
from tests.desk.store_rules import exercise


async def connected(reactor, url, instance):
    redis = RedisConnection(reactor, parse_redis_url(url))
    redis.startService()
    assert await redis.wait_connected(5)
    ledger = RedisLedger(redis, instance)
    ledger.startService()
    return redis, ledger


async def stop(redis, ledger):
    await ledger.stopService()
    await redis.stopService()


@pytest_twisted.ensureDeferred
async def test_redis_store_keeps_the_same_rules(reactor, redis_url):
    redis, ledger = await connected(reactor, redis_url, "me")
    try:
        await exercise(ledger, now=reactor.seconds())
    finally:
        await stop(redis, ledger)


@pytest_twisted.ensureDeferred
async def test_an_instance_is_alive_while_its_heartbeat_is(reactor, redis_url):
    redis_a, a = await connected(reactor, redis_url, "instance-a")
    redis_b, b = await connected(reactor, redis_url, "instance-b")
    try:
        assert await b.owner_alive("instance-a")
        await stop(redis_a, a)
        assert not await b.owner_alive("instance-a")
    finally:
        await stop(redis_b, b)
