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


@pytest_twisted.ensureDeferred
async def test_a_never_accepted_credentials_claim_lives_its_short_time_unless_done(reactor, redis_url):
    import attrs

    from okxbridge.desk.claims import DONE, ORDER, RETENTION_SECONDS, ClaimKey, Unproven
    from okxbridge.desk.redis import claim_key
    from tests.desk.store_rules import claim

    redis, ledger = await connected(reactor, redis_url, "me")
    try:
        rule = Unproven(cap=5, seconds=30.0)
        pending, done, stranger = (attrs.evolve(claim(created=reactor.seconds()), key=ClaimKey(who * 64, ORDER, str(n)))
                                   for who, n in (("u", 1), ("u", 2), ("v", 3)))
        for item in (pending, done, stranger):
            assert await ledger.claim(item, unproven=rule) is None
        assert 0 < int(await redis.execute("ttl", claim_key(pending.key))) <= 30  # Redis forgets it then
        assert await ledger.finish(done.key, "me", DONE, "BTC-USDT,2", reactor.seconds())
        assert int(await redis.execute("ttl", claim_key(done.key))) > RETENTION_SECONDS - 60  # kept 8 days
        # OKX accepted the credential: its other unresolved claim is kept 8 days too, a stranger's not
        assert int(await redis.execute("ttl", claim_key(pending.key))) > RETENTION_SECONDS - 60
        assert 0 < int(await redis.execute("ttl", claim_key(stranger.key))) <= 30
    finally:
        await stop(redis, ledger)
