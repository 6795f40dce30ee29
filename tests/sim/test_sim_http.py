"""Auth, rate limits, faults and the /__sim__ controls, over a real socket."""

import json

import pytest
import pytest_twisted
import treq
from twisted.internet import defer, task
from twisted.web.client import ResponseNeverReceived

from okxbridge.sim import DEFAULT_ACCOUNT, DEFAULT_DEMO_ACCOUNT, SimAccount
from okxbridge.sim.testing import start_emulator
from tests.sim.simsupport import call, iso_now, signed_headers

BALANCE = "/api/v5/account/balance"


async def running_emulator(reactor, **kwargs):
    return await start_emulator(reactor, seed=2, **kwargs)


@pytest.mark.parametrize("override, code", [
    ({"OK-ACCESS-KEY": None}, "50103"),
    ({"OK-ACCESS-PASSPHRASE": None}, "50104"),
    ({"OK-ACCESS-SIGN": None}, "50106"),
    ({"OK-ACCESS-TIMESTAMP": None}, "50107"),
    ({"OK-ACCESS-KEY": "someone-else"}, "50111"),
    ({"OK-ACCESS-PASSPHRASE": "wrong"}, "50105"),
    ({"OK-ACCESS-SIGN": "AAAA"}, "50113"),
    ({"OK-ACCESS-TIMESTAMP": "1700000000"}, "50112"),
])
@pytest_twisted.ensureDeferred
async def test_each_auth_failure_has_its_okx_code_and_401(reactor, override, code):
    running = await running_emulator(reactor)
    try:
        headers = signed_headers("GET", BALANCE, **override)
        response = await treq.get(running.url + BALANCE, headers={k: v for k, v in headers.items() if v is not None})
        assert response.code == 401
        assert (await response.json())["code"] == code
    finally:
        await running.stop()


@pytest_twisted.ensureDeferred
async def test_timestamp_window_follows_the_clock_offset_control(reactor):
    running = await running_emulator(reactor)
    try:
        stale = iso_now(reactor.seconds() - 31)
        status, body = await call(running.url, "GET", BALANCE, now=reactor.seconds() - 31)
        assert (status, body["code"]) == (401, "50102"), stale
        response = await treq.post(running.url + "/__sim__/clock", json={"offset": -31})
        assert (await response.json())["ok"]
        status, body = await call(running.url, "GET", BALANCE, now=reactor.seconds() - 31)
        assert (status, body["code"]) == (200, "0")
        _, server = await call(running.url, "GET", "/api/v5/public/time", signed=False)
        assert abs(int(server["data"][0]["ts"]) / 1000 - (reactor.seconds() - 31)) < 2
    finally:
        await running.stop()


@pytest_twisted.ensureDeferred
async def test_signed_query_string_is_part_of_the_signature(reactor):
    running = await running_emulator(reactor)
    try:
        path = BALANCE + "?ccy=BTC"
        headers = signed_headers("GET", BALANCE)  # signed without the query
        response = await treq.get(running.url + path, headers=headers)
        assert (await response.json())["code"] == "50113"
        status, body = await call(running.url, "GET", path)
        assert [d["ccy"] for d in body["data"][0]["details"]] == ["BTC"]
    finally:
        await running.stop()


@pytest_twisted.ensureDeferred
async def test_live_and_demo_are_separate_books_for_every_account(reactor):
    other, other_demo = SimAccount("k2", "s2", "p2"), SimAccount("k2d", "s2d", "p2d", demo=True)
    running = await running_emulator(reactor, accounts=[DEFAULT_ACCOUNT, DEFAULT_DEMO_ACCOUNT, other, other_demo],
                                     balances={"USDT": "500"})
    try:
        order = {"instId": "BTC-USDT", "tdMode": "cash", "side": "buy", "ordType": "limit", "px": "100", "sz": "1"}
        _, placed = await call(running.url, "POST", "/api/v5/trade/order", order, demo=True)
        assert placed["code"] == "0"
        _, live = await call(running.url, "GET", "/api/v5/trade/orders-pending")
        _, demo = await call(running.url, "GET", "/api/v5/trade/orders-pending", demo=True)
        _, second = await call(running.url, "GET", "/api/v5/trade/orders-pending", demo=True, account=other_demo)
        assert (len(live["data"]), len(demo["data"]), len(second["data"])) == (0, 1, 0)
        _, balance = await call(running.url, "GET", BALANCE, account=other)
        assert balance["data"][0]["details"][0]["cashBal"] == "500"
        # a key is live or demo, never both (OKX's 50101, HTTP 401), in either direction
        for account, demo in ((other, True), (other_demo, False), (DEFAULT_ACCOUNT, True)):
            status, wrong = await call(running.url, "GET", BALANCE, account=account, demo=demo)
            assert (status, wrong["code"], wrong["msg"]) == (401, "50101", "APIKey does not match current environment.")
    finally:
        await running.stop()


@pytest_twisted.ensureDeferred
async def test_rate_limit_answers_429_50011_and_recovers_after_the_window():
    clock = task.Clock()
    clock.advance(1_750_000_000)
    from twisted.internet import reactor
    running = await start_emulator(reactor, clock=clock)
    try:
        answers = [await call(running.url, "GET", "/api/v5/public/time", signed=False) for _ in range(11)]
        assert [s for s, _ in answers[:10]] == [200] * 10
        assert answers[10] == (429, {"code": "50011", "msg": "Too Many Requests", "data": []})
        clock.advance(2.01)
        assert (await call(running.url, "GET", "/api/v5/public/time", signed=False))[0] == 200
    finally:
        await running.stop()


@pytest_twisted.ensureDeferred
async def test_trade_limit_is_per_instrument(reactor):
    running = await running_emulator(reactor)
    emu = running.emulator
    try:
        from okxbridge.sim.limits import EndpointLimits
        limiter = EndpointLimits(task.Clock())
        allowed = [limiter.allow("POST", "/api/v5/trade/order", "ip", "u", {"instId": "BTC-USDT"}) for _ in range(61)]
        assert allowed.count(True) == 60
        assert limiter.allow("POST", "/api/v5/trade/order", "ip", "u", {"instId": "ETH-USDT"})
        assert emu.limiter.enabled
    finally:
        await running.stop()


@pytest_twisted.ensureDeferred
async def test_drop_response_places_the_order_but_never_answers(reactor):
    running = await running_emulator(reactor)
    try:
        response = await treq.post(running.url + "/__sim__/faults", json={
            "path": "/api/v5/trade/order", "method": "POST", "action": "drop_response"})
        assert (await response.json())["ok"]
        order = {"instId": "BTC-USDT", "tdMode": "cash", "side": "buy", "ordType": "limit", "px": "100",
                 "sz": "0.001", "clOrdId": "drop1"}
        with pytest.raises(ResponseNeverReceived):
            await call(running.url, "POST", "/api/v5/trade/order", order)
        response = await treq.get(running.url + "/__sim__/orders")
        orders = (await response.json())["orders"]
        assert [(o["clOrdId"], o["apiKey"], o["demo"]) for o in orders] == [("drop1", DEFAULT_ACCOUNT.api_key, False)]
        status, body = await call(running.url, "POST", "/api/v5/trade/order", order)
        assert body["data"][0]["sCode"] == "51016"  # the retry is caught as a duplicate
    finally:
        await running.stop()


@pytest_twisted.ensureDeferred
async def test_reset_and_status_faults_do_no_work(reactor):
    running = await running_emulator(reactor)
    emu = running.emulator
    try:
        order = {"instId": "BTC-USDT", "tdMode": "cash", "side": "buy", "ordType": "limit", "px": "100", "sz": "0.001"}
        emu.add_fault("/api/v5/trade/order", "reset")
        with pytest.raises(ResponseNeverReceived):
            await call(running.url, "POST", "/api/v5/trade/order", order)
        emu.add_fault("/api/v5/trade/order", "status", status=503, times=2)
        for _ in range(2):
            status, body = await call(running.url, "POST", "/api/v5/trade/order", order)
            assert (status, body["code"]) == (503, "50001")
        assert emu.orders() == []
        status, body = await call(running.url, "POST", "/api/v5/trade/order", order)
        assert body["code"] == "0" and len(emu.orders()) == 1
        assert emu.request_counts()["/api/v5/trade/order"] == 4
        response = await treq.get(running.url + "/__sim__/requests")
        assert (await response.json())["requests"]["/api/v5/trade/order"] == 4
    finally:
        await running.stop()


@pytest_twisted.ensureDeferred
async def test_delay_fault_waits_on_the_emulator_clock():
    from twisted.internet import reactor
    clock = task.Clock()
    clock.advance(1_750_000_000)
    running = await start_emulator(reactor, clock=clock)
    try:
        running.emulator.add_fault("/api/v5/public/time", "delay", seconds=5)
        pending = defer.ensureDeferred(call(running.url, "GET", "/api/v5/public/time", signed=False))
        for _ in range(20):
            await task.deferLater(reactor, 0.01, lambda: None)
        assert not pending.called
        clock.advance(5)
        status, body = await pending
        assert status == 200 and body["data"][0]["ts"] == "1750000005000"
        response = await treq.delete(running.url + "/__sim__/faults")
        assert (await response.json())["ok"]
    finally:
        await running.stop()


@pytest_twisted.ensureDeferred
async def test_price_control_fills_a_resting_order(reactor):
    running = await running_emulator(reactor)
    try:
        order = {"instId": "ETH-USDT", "tdMode": "cash", "side": "buy", "ordType": "limit", "px": "1000", "sz": "0.5"}
        _, placed = await call(running.url, "POST", "/api/v5/trade/order", order)
        ord_id = placed["data"][0]["ordId"]
        response = await treq.post(running.url + "/__sim__/price",
                                   data=json.dumps({"instId": "ETH-USDT", "price": "990"}).encode())
        assert (await response.json())["ok"]
        _, fetched = await call(running.url, "GET", f"/api/v5/trade/order?instId=ETH-USDT&ordId={ord_id}")
        assert (fetched["data"][0]["state"], fetched["data"][0]["avgPx"]) == ("filled", "1000")
        _, ticker = await call(running.url, "GET", "/api/v5/market/ticker?instId=ETH-USDT", signed=False)
        assert abs(float(ticker["data"][0]["last"]) - 990) < 1
    finally:
        await running.stop()


@pytest_twisted.ensureDeferred
async def test_latency_delays_every_answer():
    from twisted.internet import reactor
    clock = task.Clock()
    running = await start_emulator(reactor, clock=clock, latency=0.25)
    try:
        pending = defer.ensureDeferred(call(running.url, "GET", "/api/v5/public/time", signed=False))
        for _ in range(10):
            await task.deferLater(reactor, 0.01, lambda: None)
        assert not pending.called
        clock.advance(0.25)
        assert (await pending)[0] == 200
    finally:
        await running.stop()


@pytest_twisted.ensureDeferred
async def test_whole_call_parameter_errors_are_http_400(reactor):
    running = await running_emulator(reactor)
    try:
        status, body = await call(running.url, "POST", "/api/v5/trade/order", {"instId": "BTC-USDT", "tdMode": "cash",
                                  "side": "up", "ordType": "limit", "px": "1", "sz": "1"})
        assert (status, body["code"], body["msg"]) == (400, "51000", "Parameter side error")
        status, body = await call(running.url, "GET", "/api/v5/market/ticker?instId=NOPE-USDT", signed=False)
        assert (status, body["code"]) == (200, "51001")
    finally:
        await running.stop()


@pytest_twisted.ensureDeferred
async def test_keys_of_one_account_share_its_orders_and_its_rate_limits(reactor):
    """OKX counts private limits per User ID, not per key (#overview-rate-limits); two keys
    of one account see one book and spend one budget."""
    first = SimAccount("k1", "s1", "p1", uid="42")
    second = SimAccount("k2", "s2", "p2", uid="42")
    alone = SimAccount("k3", "s3", "p3")
    running = await running_emulator(reactor, accounts=[first, second, alone])
    try:
        order = {"instId": "BTC-USDT", "tdMode": "cash", "side": "buy", "ordType": "limit", "px": "100", "sz": "0.01"}
        _, placed = await call(running.url, "POST", "/api/v5/trade/order", order, account=first)
        assert placed["code"] == "0"
        _, seen = await call(running.url, "GET", "/api/v5/trade/orders-pending", account=second)
        assert [o["ordId"] for o in seen["data"]] == [placed["data"][0]["ordId"]]
        # account/config allows 5 per 2 s per User ID: 3 + 2 through two keys, then refused
        statuses = [(await call(running.url, "GET", "/api/v5/account/config", account=a))[0]
                    for a in (first, first, first, second, second, second)]
        assert statuses == [200] * 5 + [429]
        # another account's budget is its own
        assert (await call(running.url, "GET", "/api/v5/account/config", account=alone))[0] == 200
    finally:
        await running.stop()


def test_the_sub_account_cap_is_1000_derivative_orders_per_2s_across_instruments():
    """docs #overview-rate-limits "Sub-account rate limit": new and amended orders, batch items
    singly, spot and margin exempt; the 1001st answers 50061."""
    from okxbridge.sim.limits import EndpointLimits, sub_account_allows
    clock = task.Clock()
    limiter = EndpointLimits(clock)
    path = "/api/v5/trade/batch-orders"
    batch = [f"I{n}-USDT-SWAP" for n in range(20)]
    assert all(sub_account_allows(limiter, "POST", path, "42|0", {}, batch) for _ in range(50))
    assert not sub_account_allows(limiter, "POST", "/api/v5/trade/order", "42|0", {"instId": "X-USDT-SWAP"})
    assert sub_account_allows(limiter, "POST", "/api/v5/trade/order", "42|0", {"instId": "BTC-USDT"})  # spot
    assert sub_account_allows(limiter, "POST", "/api/v5/trade/order", "43|0", {"instId": "X-USDT-SWAP"})
    assert sub_account_allows(limiter, "POST", "/api/v5/trade/cancel-order", "42|0", {"instId": "X-USDT-SWAP"})
    clock.advance(2.01)
    assert sub_account_allows(limiter, "POST", "/api/v5/trade/order", "42|0", {"instId": "X-USDT-SWAP"})


@pytest_twisted.ensureDeferred
async def test_keys_of_one_account_answer_one_uid_and_other_accounts_another(reactor):
    first, second = SimAccount("okxsim-k1", "s1", "p1", uid="42"), SimAccount("okxsim-k2", "s2", "p2", uid="42")
    alone = SimAccount("okxsim-k3", "s3", "p3")  # alike in its first bytes: still another account
    running = await running_emulator(reactor, accounts=[first, second, alone])
    try:
        uids = [(await call(running.url, "GET", "/api/v5/account/config", account=a))[1]["data"][0]["uid"]
                for a in (first, second, alone)]
        assert uids[0] == uids[1] != uids[2]
    finally:
        await running.stop()


@pytest_twisted.ensureDeferred
async def test_a_swap_order_past_the_sub_account_cap_is_answered_429_50061_and_spot_is_not(reactor):
    account = SimAccount("okxsim-cap", "s1", "p1", uid="77")
    running = await running_emulator(reactor, accounts=[account])
    try:
        from okxbridge.sim.limits import sub_account_allows
        limiter = running.emulator.limiter
        batch = [f"I{n}-USDT-SWAP" for n in range(20)]
        assert all(sub_account_allows(limiter, "POST", "/api/v5/trade/batch-orders", "77|0", {}, batch)
                   for _ in range(50))  # the account's 1000 of this 2 s spent
        swap = {"instId": "BTC-USDT-SWAP", "tdMode": "cross", "side": "buy", "ordType": "limit", "px": "100",
                "sz": "1", "posSide": "long"}
        status, answer = await call(running.url, "POST", "/api/v5/trade/order", swap, account=account)
        assert (status, answer["code"]) == (429, "50061")
        spot = {"instId": "BTC-USDT", "tdMode": "cash", "side": "buy", "ordType": "limit", "px": "100", "sz": "0.01"}
        assert (await call(running.url, "POST", "/api/v5/trade/order", spot, account=account))[1]["code"] == "0"
    finally:
        await running.stop()
