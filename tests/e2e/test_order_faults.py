"""Never lose or double an order, through real sockets against the emulator's faults."""

import random
from collections import Counter

import pytest_twisted
import treq

FAST = (0.05, 0.1, 0.2, 0.4)  # resolve look-up delays, shortened for tests


async def start(bridge_and_sim):
    bridge, sim = await bridge_and_sim("--timeout", "1")
    bridge.desk.resolve_delays = FAST
    return bridge, sim


async def metric_lines(bridge):
    response = await treq.get(bridge.url + "/metrics", persistent=False)
    return (await response.text()).splitlines()


def orders_for(sim, nonce):
    return [o for o in sim.orders() if o["clOrdId"] == f"fmz{nonce}"]


@pytest_twisted.ensureDeferred
async def test_dropped_answer_still_gives_the_one_order(bridge_and_sim):
    bridge, sim = await start(bridge_and_sim)
    sim.add_fault("/api/v5/trade/order", "drop_response", method="POST")
    answer = await bridge.call("trade", {"symbol": "LTC_USDT", "type": "buy", "price": 10, "amount": 1}, nonce=11)
    assert sim.faults.faults == [] and sim.request_counts()["/api/v5/trade/order"] >= 2  # POST, then a look-up
    placed = orders_for(sim, 11)
    assert len(placed) == 1
    assert answer["data"]["id"] == f"LTC-USDT,{placed[0]['ordId']}"
    assert 'okxbridge_uncertain_orders_total{outcome="placed"} 1.0' in await metric_lines(bridge)


@pytest_twisted.ensureDeferred
async def test_read_retries_are_counted(bridge_and_sim):
    bridge, sim = await start(bridge_and_sim)
    sim.add_fault("/api/v5/account/balance", "status", status=503, times=2)
    assert "data" in await bridge.call("accounts")
    assert 'okxbridge_okx_retries_total{path="/api/v5/account/balance"} 2.0' in await metric_lines(bridge)


@pytest_twisted.ensureDeferred
async def test_random_faults_never_double_an_order(bridge_and_sim):
    bridge, sim = await start(bridge_and_sim)
    rng = random.Random(20261127)
    outcomes = Counter()
    for n in range(10):
        fault = rng.choice([("drop_response", {}), ("reset", {}), ("status", {"status": 500}),
                            ("status", {"status": 503}), ("delay", {"seconds": 1.5})])
        sim.add_fault("/api/v5/trade/order", fault[0], method="POST", **fault[1])
        nonce = 1000 + n
        answer = await bridge.call("trade", {"symbol": "LTC_USDT", "type": "buy", "price": 10, "amount": 1},
                                   nonce=nonce)
        assert sim.faults.faults == [], "the fault was not hit"
        placed = orders_for(sim, nonce)
        assert len(placed) == 1, (fault, answer, placed)
        assert answer["data"]["id"] == f"LTC-USDT,{placed[0]['ordId']}", (fault, answer)
        outcomes[fault[0]] += 1
        again = await bridge.call("trade", {"symbol": "LTC_USDT", "type": "buy", "price": 10, "amount": 1}, nonce=nonce)
        assert again["data"] == answer["data"] and len(orders_for(sim, nonce)) == 1
    assert len(outcomes) >= 3  # the seed exercises several kinds of fault


@pytest_twisted.ensureDeferred
async def test_dropped_cancel_answer_is_resolved(bridge_and_sim):
    bridge, sim = await start(bridge_and_sim)
    placed = await bridge.call("trade", {"symbol": "LTC_USDT", "type": "buy", "price": 10, "amount": 1})
    sim.add_fault("/api/v5/trade/cancel-order", "drop_response", method="POST")
    assert (await bridge.call("cancel", {"id": placed["data"]["id"]}))["data"] is True
    assert (await bridge.call("order", {"id": placed["data"]["id"]}))["data"]["status"] == "canceled"
