"""Four ``twistd okxbridge`` processes sharing one Redis and one account: concurrent trades,
every nonce sent to two instances at once, one instance killed -9 with placements in flight
and restarted, then every call repeated — and still one order per nonce on okxsim."""

import random
import time
import urllib.error
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.daemons import Bridge, Sim

MARKET_BUY = {"symbol": "LTC_USDT", "type": "buy", "price": -1, "amount": 10}
FIRST = 1730275031047002000
NONCES = [FIRST + i * 1000 for i in range(24)]


def until(condition, what, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def connected(bridge):
    try:
        return bridge.health()["shared_state"]["connected"]
    except OSError:
        return False


def trade(bridge, nonce):
    """The answer, or None when the instance died under the call (the docker would retry)."""
    try:
        return nonce, bridge.call("trade", MARKET_BUY, nonce, timeout=40)
    except (OSError, urllib.error.URLError):
        return nonce, None


@pytest.fixture
def sim(tmp_path):
    running = Sim(tmp_path)
    yield running
    running.stop()


def test_four_instances_with_repeats_and_a_kill_place_each_nonce_once(sim, tmp_path, redis_url):
    rng = random.Random(15)
    instances = []
    try:
        for i in range(4):
            instances.append(Bridge(tmp_path, sim, f"i{i}", "--shared-state", redis_url))
        for bridge in instances:
            until(lambda bridge=bridge: connected(bridge), "instance connected to Redis")
        answers = []
        with ThreadPoolExecutor(16) as pool:
            # first wave: each nonce to two instances at once; some placements held by okxsim
            sim.fault(path="/api/v5/trade/order", method="POST", action="delay_answer", seconds=2, times=6)
            wave = [pool.submit(trade, b, n) for n in NONCES[:12] for b in rng.sample(instances, 2)]
            until(lambda: len(sim.orders()) >= 6, "some orders held")
            victim = instances[0]
            victim.kill9()  # with its placements in flight (claimed, taken by okxsim, unanswered)
            victim.start()
            until(lambda: connected(victim), "restarted instance connected")
            second = [pool.submit(trade, b, n) for n in NONCES[12:] for b in rng.sample(instances, 2)]
            answers += [f.result() for f in wave + second]
            # the docker repeats every call, on any instance
            answers += list(pool.map(lambda n: trade(rng.choice(instances), n), NONCES))
        orders = {o["clOrdId"]: [] for o in sim.orders()}
        for o in sim.orders():
            orders[o["clOrdId"]].append(o)
        assert sorted(orders) == sorted(f"fmz{n}" for n in NONCES)
        assert all(len(found) == 1 for found in orders.values()), {k: len(v) for k, v in orders.items() if len(v) > 1}
        for nonce, answer in answers:
            if answer is not None:
                assert answer.get("data", {}).get("id") == f"LTC-USDT,{orders[f'fmz{nonce}'][0]['ordId']}", answer
        repeats = answers[-len(NONCES):]
        assert all(answer is not None for _, answer in repeats)
    finally:
        for bridge in instances:
            bridge.stop()
