"""ModifyOrder end to end: through the daemon against okxsim, once per nonce."""

import pytest_twisted

from tests.e2e import test_private

private = test_private.private  # the private-stream daemons fixture

FAST = (0.05, 0.1, 0.2, 0.4)  # resolve look-up delays, shortened for tests


async def resting_order(bridge_and_sim):
    bridge, sim = await bridge_and_sim("--timeout", "1")
    bridge.desk.resolve_delays = FAST
    placed = await bridge.call("trade", {"symbol": "LTC_USDT", "type": "buy", "price": 10, "amount": 1})
    return bridge, sim, placed["data"]["id"]


def okx_order(sim, fmz_id):
    return next(o for o in sim.orders() if o["ordId"] == fmz_id.partition(",")[2])


@pytest_twisted.ensureDeferred
async def test_an_amended_order_shows_its_new_price_and_amount(bridge_and_sim):
    bridge, sim, fmz_id = await resting_order(bridge_and_sim)
    answer = await bridge.call("modifyorder", {"id": fmz_id, "type": "buy", "price": 9.5, "amount": 2})
    assert answer["data"] == {"id": fmz_id}, answer
    assert okx_order(sim, fmz_id)["amends"] == 1
    order = (await bridge.call("order", {"id": fmz_id}))["data"]
    assert (order["price"], order["amount"]) == (9.5, 2), order
    listed = [o for o in (await bridge.call("orders", {"symbol": "LTC_USDT"}))["data"] if o["id"] == fmz_id]
    assert [(o["price"], o["amount"]) for o in listed] == [(9.5, 2)]
    # -1 keeps a value: only the amount changes now
    await bridge.call("amend", {"id": fmz_id, "type": "buy", "price": -1, "amount": 3})
    order = (await bridge.call("order", {"id": fmz_id}))["data"]
    assert (order["price"], order["amount"]) == (9.5, 3)


@pytest_twisted.ensureDeferred
async def test_a_dropped_amend_answer_repeated_with_its_nonce_amends_once(bridge_and_sim):
    bridge, sim, fmz_id = await resting_order(bridge_and_sim)
    sim.add_fault("/api/v5/trade/amend-order", "drop_response", method="POST")
    params = {"id": fmz_id, "type": "buy", "price": 9.1, "amount": 2}
    first = await bridge.call("modifyorder", params, nonce=77)
    assert sim.faults.faults == [], "the fault was not hit"
    assert first["data"] == {"id": fmz_id}, first
    again = await bridge.call("modifyorder", params, nonce=77)
    assert again["data"] == first["data"]
    held = okx_order(sim, fmz_id)
    assert (held["amends"], held["px"], held["sz"]) == (1, "9.1", "2")
    other = await bridge.call("modifyorder", {**params, "price": 9.2}, nonce=77)
    assert "was already used for another amend" in other["error"]


@pytest_twisted.ensureDeferred
async def test_amending_a_filled_order_says_so_and_changes_nothing(bridge_and_sim):
    bridge, sim, _ = await resting_order(bridge_and_sim)
    filled = await bridge.call("trade", {"symbol": "LTC_USDT", "type": "buy", "price": -1, "amount": 10})
    answer = await bridge.call("modifyorder", {"id": filled["data"]["id"], "price": 9, "amount": 1})
    assert "is already filled" in answer["error"], answer
    assert okx_order(sim, filled["data"]["id"])["amends"] == 0


@pytest_twisted.ensureDeferred
async def test_trade_over_ws_amends_on_the_websocket_and_the_mirror_learns_it(private):
    env = await private("--trade-over", "ws")
    await env.bridge.call("accounts")
    await env.in_sync()
    placed = await env.bridge.call("trade", {"symbol": "BTC_USDT", "type": "buy", "price": "1000", "amount": "0.01"})
    fmz_id = placed["data"]["id"]
    rest_amends = env.sim.request_counts().get("/api/v5/trade/amend-order", 0)
    answer = await env.bridge.call("modifyorder", {"id": fmz_id, "type": "buy", "price": 990, "amount": 0.02})
    assert answer["data"] == {"id": fmz_id}, answer
    assert env.sim.request_counts().get("/api/v5/trade/amend-order", 0) == rest_amends  # over the WebSocket
    assert okx_order(env.sim, fmz_id)["amends"] == 1
    orders = await env.bridge.call("orders", {"symbol": "BTC_USDT"})  # the mirror, or REST until the push
    assert [(o["price"], o["amount"]) for o in orders["data"]] == [(990, 0.02)]
    ord_id = fmz_id.partition(",")[2]
    await env.until(lambda: (env.account().mirror.order(ord_id) or {}).get("px") == "990", "the amendment's push")
    held = env.account().mirror.order(ord_id)
    assert (held["px"], held["sz"], held["amendResult"]) == ("990", "0.02", "0")
    assert held["reqId"].startswith("amd")
