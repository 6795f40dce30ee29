"""--shared-state against a real redis-server (started by the suite, tests/redis_server.py):
two and four instances sharing one nonce and one account's budgets, and what happens when
Redis is away (the Redis store's own rules: tests/desk/test_redis.py)."""

import pytest
import pytest_twisted
import treq
from twisted.internet.defer import Deferred, gatherResults

from bench.procs import free_port
from okxbridge.desk.claims import ORDER, PENDING
from okxbridge.okx.signer import Credentials
from okxbridge.sim.testing import start_emulator
from okxbridge.testing import start_bridge

MARKET_BUY = {"symbol": "LTC_USDT", "type": "buy", "price": -1, "amount": 10}
NONCE = 1730275031047002000


async def bridges(reactor, sim_url, redis_url, count, *args):
    started = [await start_bridge(reactor, sim_url, "--shared-state", redis_url, *args) for _ in range(count)]
    for bridge in started:
        assert await bridge.desk.ledger.redis.wait_connected(5)
    return started


@pytest_twisted.ensureDeferred
async def test_the_same_nonce_to_two_instances_at_once_places_one_order(reactor, redis_url):
    running = await start_emulator(reactor, seed=7)
    a, b = await bridges(reactor, running.url, redis_url, 2)
    try:
        running.emulator.add_fault("/api/v5/trade/order", "delay_answer", method="POST", seconds=0.3)
        answers = await gatherResults([Deferred.fromCoroutine(x.call("trade", MARKET_BUY, nonce=NONCE))
                                       for x in (a, b)])
        [order] = [o for o in running.emulator.orders() if o["clOrdId"] == f"fmz{NONCE}"]
        assert [x["data"]["id"] for x in answers] == [f"LTC-USDT,{order['ordId']}"] * 2
        # a wrong secret through the other instance sees nothing of it
        wrong = await b.call("trade", MARKET_BUY, nonce=NONCE, secret_key="wrong,okxsim-demo-pass")
        assert "50113" in wrong["error"]
        assert running.emulator.request_counts()["/api/v5/trade/order"] == 2  # the order, and the refused one
    finally:
        for x in (a, b):
            await x.stop()
        await running.stop()


@pytest.mark.parametrize("took_it", [True, False])
@pytest_twisted.ensureDeferred
async def test_a_dead_instances_unfinished_claim_is_looked_up_before_sending(reactor, redis_server, redis_url,
                                                                              took_it):
    running = await start_emulator(reactor, seed=7)
    [bridge] = await bridges(reactor, running.url, redis_url, 1)
    try:
        # took_it: the dead instance's order reached OKX; else it never did (the claim is
        # copied from another nonce's, so OKX has no order with this nonce's clOrdId)
        placed = NONCE if took_it else NONCE + 1
        first = await bridge.call("trade", MARKET_BUY, nonce=placed)
        assert "data" in first, first
        # as if the instance that wrote the claim had died before recording the outcome
        identity = Credentials("okxsim-demo-key", "okxsim-demo-secret", "okxsim-demo-pass").identity
        key = f"okxbridge:claim:{identity}:{ORDER}:{NONCE}"
        db = int(redis_url.rsplit("/", 1)[1])
        if not took_it:
            assert redis_server.command("COPY", f"okxbridge:claim:{identity}:{ORDER}:{placed}", key, db=db) == b":1"
        # ... long enough ago that any write of its can no longer be on its way (write_window)
        long_ago = repr(reactor.seconds() - bridge.desk.write_window - 1)
        assert redis_server.command("HSET", key, "state", PENDING, "owner", "dead-instance", "result", "",
                                    "cl_ord_id", f"fmz{NONCE}", "updated", long_ago, db=db) == b":0"
        sent = running.emulator.request_counts()["/api/v5/trade/order"]
        again = await bridge.call("trade", MARKET_BUY, nonce=NONCE)
        [order] = [o for o in running.emulator.orders() if o["clOrdId"] == f"fmz{NONCE}"]
        assert again["data"]["id"] == f"LTC-USDT,{order['ordId']}"
        posts = running.emulator.request_counts()["/api/v5/trade/order"] - sent
        # looked up first (GET); sent only when OKX had no such order
        assert posts == (1 if took_it else 2)  # GET only / GET + POST (one path, two verbs)
    finally:
        await bridge.stop()
        await running.stop()


@pytest_twisted.ensureDeferred
async def test_redis_away_trading_fails_unsent_reads_go_on_and_health_says_so(reactor):
    running = await start_emulator(reactor, seed=7)
    bridge = await start_bridge(reactor, running.url, "--shared-state", f"redis://127.0.0.1:{free_port()}/0")
    try:
        answer = await bridge.call("trade", MARKET_BUY, nonce=NONCE)
        assert "shared state unreachable" in answer["error"] and "not sent" in answer["error"], answer
        cancel = await bridge.call("cancel", {"id": "LTC-USDT,1"})
        assert "shared state unreachable" in cancel["error"]
        assert "/api/v5/trade/order" not in running.emulator.request_counts()
        assert "/api/v5/trade/cancel-order" not in running.emulator.request_counts()
        ticker = await bridge.call("ticker", {"symbol": "LTC_USDT"})
        assert ticker["data"]["last"] > 0  # paced by the local limiter meanwhile
        health = await (await treq.get(bridge.admin_url + "/health", persistent=False)).json()
        shared = health["shared_state"]
        assert shared["connected"] is False and "trading calls fail" in shared["effect"]
        assert health["ledger"]["kind"] == "redis" and health["ledger"]["ok"] is False
    finally:
        await bridge.stop()
        await running.stop()


@pytest_twisted.ensureDeferred
async def test_redis_coming_back_is_picked_up(reactor, tmp_path):
    from tests.redis_server import RedisServer

    server = RedisServer(tmp_path)
    running = await start_emulator(reactor, seed=7)
    bridge = await start_bridge(reactor, running.url, "--shared-state", server.url)
    try:
        assert "shared state unreachable" in (await bridge.call("trade", MARKET_BUY, nonce=NONCE))["error"]
        server.start()
        assert await bridge.desk.ledger.redis.wait_connected(10)  # reconnects with backoff, no restart
        assert "id" in (await bridge.call("trade", MARKET_BUY, nonce=NONCE))["data"]
    finally:
        await bridge.stop()
        await running.stop()
        server.stop()


BURST = 80  # orders on one account and instrument: OKX allows 60 per 2 s


async def burst(instances, emulator):
    price = str(round(emulator.price("LTC-USDT") / 2, 2))
    calls = [Deferred.fromCoroutine(instances[i % len(instances)].call(
        "trade", {"symbol": "LTC_USDT", "type": "buy", "price": price, "amount": 0.1}, nonce=NONCE + i))
        for i in range(BURST)]
    return await gatherResults(calls)


@pytest_twisted.ensureDeferred
async def test_a_burst_across_four_instances_stays_inside_the_accounts_limit(reactor, redis_url):
    running = await start_emulator(reactor, seed=7)
    instances = await bridges(reactor, running.url, redis_url, 4)
    try:
        answers = await burst(instances, running.emulator)
        assert [a for a in answers if "error" in a] == []  # no 50011 from okxsim, nothing throttled
        assert len(running.emulator.orders()) == BURST
    finally:
        for x in instances:
            await x.stop()
        await running.stop()


@pytest_twisted.ensureDeferred
async def test_without_shared_budgets_the_same_burst_is_refused(reactor):
    """The control: four instances each inside its own limits together break the account's,
    and OKX refuses the excess. Since issue 23 item 3 a write refused before acting is sent
    again once its bucket allows, so the strategy no longer sees those 50011s (this test
    counted 20 in the answers before): the refusals now show as extra requests at OKX."""
    running = await start_emulator(reactor, seed=7)
    instances = [await start_bridge(reactor, running.url) for _ in range(4)]
    try:
        answers = await burst(instances, running.emulator)
        posts = running.emulator.request_counts()["/api/v5/trade/order"]  # no GETs: every answer was clear
        assert posts >= BURST + (BURST - 60)  # OKX refused at least the 20 beyond its 60 / 2 s
        refused = [a for a in answers if "50011" in a.get("error", "")]
        assert refused == [] and len(running.emulator.orders()) == BURST  # each resent inside its deadline
    finally:
        for x in instances:
            await x.stop()
        await running.stop()


@pytest_twisted.ensureDeferred
async def test_a_fresh_claim_whose_heartbeat_lapsed_is_not_taken_over(reactor, redis_server, redis_url):
    # the owner may only have lost Redis and still be sending: no look-up, no send, a clear error
    running = await start_emulator(reactor, seed=7)
    [bridge] = await bridges(reactor, running.url, redis_url, 1)
    try:
        assert "data" in await bridge.call("trade", MARKET_BUY, nonce=NONCE + 2)
        identity = Credentials("okxsim-demo-key", "okxsim-demo-secret", "okxsim-demo-pass").identity
        key = f"okxbridge:claim:{identity}:{ORDER}:{NONCE}"
        db = int(redis_url.rsplit("/", 1)[1])
        assert redis_server.command("COPY", f"okxbridge:claim:{identity}:{ORDER}:{NONCE + 2}", key, db=db) == b":1"
        assert redis_server.command("HSET", key, "state", PENDING, "owner", "lapsed-instance", "result", "",
                                    "cl_ord_id", f"fmz{NONCE}", "updated", repr(reactor.seconds()), db=db) == b":0"
        bridge.desk.claim_wait = 0.3  # how long this repeat waits for the owner (30 s by default)
        before = dict(running.emulator.request_counts())
        answer = await bridge.call("trade", MARKET_BUY, nonce=NONCE)
        assert "another okxbridge instance is still placing" in answer["error"], answer
        assert running.emulator.request_counts().get("/api/v5/trade/order") == before.get("/api/v5/trade/order")
        assert not [o for o in running.emulator.orders() if o["clOrdId"] == f"fmz{NONCE}"]
    finally:
        await bridge.stop()
        await running.stop()


@pytest_twisted.ensureDeferred
async def test_while_redis_is_away_two_instances_split_each_budget_and_okx_refuses_nothing(reactor, tmp_path):
    """Each instance falls back to its own limiter, with half of every budget: the two last
    saw each other in Redis. On whole budgets each, 16 balance reads (OKX: 10 / 2 s per
    account) from two instances at once reach OKX as 16 at once, and OKX refuses 6."""
    from tests.e2e.daemon_pair import eventually
    from tests.redis_server import RedisServer

    server = RedisServer(tmp_path).start()
    running = await start_emulator(reactor, seed=7)
    instances = await bridges(reactor, running.url, server.url, 2)
    try:
        await eventually(reactor, lambda: all(x.desk.ledger.health()["instances_seen"] == 2 for x in instances),
                         "both instances counted in Redis")
        server.stop()
        await eventually(reactor, lambda: not any(x.desk.ledger.redis.connected for x in instances), "Redis gone")
        answers = await gatherResults([Deferred.fromCoroutine(instances[i % 2].call("accounts", {}))
                                       for i in range(16)])
        assert [a for a in answers if "error" in a] == []
        # one request per call: none refused with 50011 and sent again
        assert running.emulator.request_counts()["/api/v5/account/balance"] == 16
    finally:
        for x in instances:
            await x.stop()
        await running.stop()
        server.stop()


@pytest_twisted.ensureDeferred
async def test_a_claim_in_redis_under_the_old_16_digit_key_is_moved_on_its_repeat(reactor, redis_server, redis_url):
    running = await start_emulator(reactor, seed=7)
    [bridge] = await bridges(reactor, running.url, redis_url, 1)
    try:
        creds = Credentials("okxsim-demo-key", "okxsim-demo-secret", "okxsim-demo-pass")
        placed = await bridge.call("trade", MARKET_BUY, nonce=NONCE)
        new, old = (f"okxbridge:claim:{who}:{ORDER}:{NONCE}" for who in (creds.identity, creds.legacy_fingerprint))
        db = int(redis_url.rsplit("/", 1)[1])
        assert redis_server.command("EXISTS", new, db=db) == b":1"  # keyed by the full SHA-256
        assert redis_server.command("RENAME", new, old, db=db) == b"+OK"  # as an older daemon left it
        sent = running.emulator.request_counts()["/api/v5/trade/order"]
        again = await bridge.call("trade", MARKET_BUY, nonce=NONCE)
        assert again["data"]["id"] == placed["data"]["id"]
        assert running.emulator.request_counts()["/api/v5/trade/order"] == sent  # found, not sent again
        exists = [redis_server.command("EXISTS", name, db=db) for name in (new, old)]
        assert exists == [b":1", b":0"]
        assert redis_server.command("TTL", new, db=db) != b":-1"  # its expiry kept
    finally:
        await bridge.stop()
        await running.stop()
