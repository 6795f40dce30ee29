"""okxbridge/shared/instances.py: instances counted by their heartbeats in a real Redis, and
the share of a budget each takes while Redis cannot be asked."""

import pytest
import pytest_twisted

from okxbridge.okx.rate_rules import Rule
from okxbridge.shared.connection import RedisConnection, parse_redis_url
from okxbridge.shared.instances import Instances, share_of


@pytest.mark.parametrize("instances, requests", [(1, 60), (2, 30), (3, 20), (4, 15), (7, 8), (100, 1)])
def test_n_instances_each_take_a_share_that_together_stays_inside_the_rule(instances, requests):
    share = share_of(Rule(60, 2, "user+instId"), instances)
    assert share == Rule(requests, 2, "user+instId")
    assert share.requests * instances <= 60 or share.requests == 1  # one a window at least


@pytest_twisted.ensureDeferred
async def test_each_beat_counts_the_instances_that_beat_and_a_stopped_one_is_not_counted(reactor, redis_url):
    redis = RedisConnection(reactor, parse_redis_url(redis_url))
    redis.startService()
    try:
        assert await redis.wait_connected(5)
        a, b, c = (Instances(redis, name) for name in ("a", "b", "c"))
        assert a.seen == 1  # nothing counted yet
        await a.beat()
        await b.beat()
        await c.beat()
        assert (a.seen, c.seen) == (1, 3)
        await a.beat()
        assert a.seen == 3
        await c.forget()
        await a.beat()
        assert a.seen == 2
        assert int(await redis.execute("exists", "okxbridge:instance:c")) == 0  # its claims' owner is gone
    finally:
        await redis.stopService()


@pytest_twisted.ensureDeferred
async def test_with_redis_away_the_count_last_seen_stays(reactor, redis_url):
    from bench.procs import free_port

    redis = RedisConnection(reactor, parse_redis_url(f"redis://127.0.0.1:{free_port()}/0"))
    redis.startService()
    try:
        instances = Instances(redis, "a", seen=3)
        await instances.beat()
        assert instances.seen == 3
    finally:
        await redis.stopService()
