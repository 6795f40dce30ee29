"""Limits, retries and time sync end to end: the daemon over real sockets against the
emulator, which enforces OKX's published limits itself (429 + 50011 when exceeded)."""

import json
import time

import pytest_twisted
import treq
from twisted.internet.defer import DeferredList, ensureDeferred

from okxbridge.okx.errors import OkxTransportError

SYMBOLS = ["BTC_USDT", "ETH_USDT", "LTC_USDT", "OKB_USDT", "BTC_USDT.swap"]


async def sim_requests(running_url):
    response = await treq.get(running_url + "/__sim__/requests", persistent=False)
    return json.loads(await response.content())["requests"]


async def sim_post(running_url, path, spec):
    response = await treq.post(running_url + path, json=spec, persistent=False)
    assert response.code == 200, await response.content()


def upstream(sim, path):
    return sim.request_counts().get(path, 0)


@pytest_twisted.ensureDeferred
async def test_a_burst_of_200_tickers_stays_inside_okx_limits(bridge_and_sim, reactor):
    # one try per read: a 429 from the emulator would surface as an error answer, not be retried away
    bridge, sim = await bridge_and_sim("--read-attempts", "1")
    answers = []

    async def worker(n):
        for i in range(5):
            answers.append(await bridge.call("ticker", {"symbol": SYMBOLS[(n + i) % 5]}))

    started = time.monotonic()
    await DeferredList([ensureDeferred(worker(n)) for n in range(40)], fireOnOneErrback=True)
    elapsed = time.monotonic() - started
    errors = [a["error"] for a in answers if "error" in a]
    assert len(answers) == 200 and errors == []
    sent = upstream(sim, "/api/v5/market/ticker")
    # the burst needed more than OKX's 20/2s: it was queued (one window at least), not refused
    assert sent > 20 and elapsed >= 2.0
    assert elapsed < 25
    print(f"\n200 ticker calls: {sent} upstream requests, {elapsed:.2f}s, 0 errors")


@pytest_twisted.ensureDeferred
async def test_100_concurrent_identical_tickers_make_one_upstream_request(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    await bridge.call("ticker", {"symbol": "BTC_USDT"})  # instruments cached
    before = upstream(sim, "/api/v5/market/ticker")
    sim.add_fault("/api/v5/market/ticker", "delay", seconds=3)  # all 100 arrive while it is out
    calls = [ensureDeferred(bridge.call("ticker", {"symbol": "BTC_USDT"})) for _ in range(100)]
    answers = [a for ok, a in await DeferredList(calls, fireOnOneErrback=True)]
    assert all(a["data"]["symbol"] == "BTC_USDT" for a in answers)
    assert upstream(sim, "/api/v5/market/ticker") - before == 1


@pytest_twisted.ensureDeferred
async def test_okx_clock_40s_ahead_costs_one_resync(bridge_and_sim, reactor):
    bridge, sim = await bridge_and_sim()
    url = bridge.bridge.client.base_url
    await bridge.bridge.client.sync_time()  # joins (or follows) the daemon's own sync at start
    synced_at_start = (await sim_requests(url))["/api/v5/public/time"]
    await sim_post(url, "/__sim__/clock", {"offset": 40})
    answer = await bridge.call("accounts")
    assert "data" in answer, answer
    counts = await sim_requests(url)
    assert counts["/api/v5/account/balance"] == 2 and counts["/api/v5/public/time"] == synced_at_start + 1
    assert abs(bridge.bridge.client.signer.offset - 40) < 1
    await bridge.call("accounts")  # and from now on the first try is right
    assert (await sim_requests(url))["/api/v5/account/balance"] == 3


@pytest_twisted.ensureDeferred
async def test_a_5xx_read_is_retried_but_a_write_that_lost_its_answer_is_not(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    url = bridge.bridge.client.base_url
    await bridge.call("ticker", {"symbol": "BTC_USDT"})
    before = upstream(sim, "/api/v5/market/ticker")
    await sim_post(url, "/__sim__/faults", {"path": "/api/v5/market/ticker", "action": "status", "status": 503,
                                            "times": 2})
    answer = await bridge.call("ticker", {"symbol": "BTC_USDT"})
    assert answer["data"]["symbol"] == "BTC_USDT"
    assert upstream(sim, "/api/v5/market/ticker") - before == 3

    await sim_post(url, "/__sim__/faults", {"path": "/api/v5/trade/order", "method": "POST", "action": "drop_response"})
    client = bridge.bridge.client
    from okxbridge.okx.signer import Credentials
    creds = Credentials("okxsim-demo-key", "okxsim-demo-secret", "okxsim-demo-pass")
    try:
        await client.post("/api/v5/trade/order", {"instId": "BTC-USDT", "tdMode": "cash", "side": "buy",
                                                  "ordType": "limit", "px": "1000", "sz": "0.01", "clOrdId": "e2e1"},
                          creds)
    except OkxTransportError as e:
        assert "POST /api/v5/trade/order" in str(e)
    else:
        raise AssertionError("a dropped answer must surface as outcome unknown")
    assert upstream(sim, "/api/v5/trade/order") == 1
    assert [o["clOrdId"] for o in sim.orders()] == ["e2e1"]  # placed once; the caller finds it by reading
