"""Exactly one order per nonce, end to end (the daemon over real sockets, okxsim behind it):
a caller that hangs up, a restart, a wrong secret, another order under the same nonce.

okxsim refuses a repeated clOrdId only while the first order is live (as OKX does), so a
filled market order would be placed again by any repeat the ledger let through."""

import json

import pytest
import pytest_twisted
import treq
from twisted.internet.defer import Deferred
from twisted.web.client import ResponseNeverReceived

from okxbridge.call_client import request_body
from okxbridge.sim.testing import start_emulator
from okxbridge.testing import start_bridge

MARKET_BUY = {"symbol": "LTC_USDT", "type": "buy", "price": -1, "amount": 10}
NONCE = 1730275031047002000
SECRET = "okxsim-demo-secret,okxsim-demo-pass"


def orders_for(sim, nonce=NONCE):
    return [o for o in sim.orders() if o["clOrdId"] == f"fmz{nonce}"]


def place_requests(sim):
    return sim.request_counts().get("/api/v5/trade/order", 0)


async def hang_up_after(bridge, seconds, params, nonce=NONCE):
    """A caller that gives up: the connection is closed before the answer comes."""
    body = request_body("okxsim-demo-key", SECRET, "trade", params, nonce)
    with pytest.raises(ResponseNeverReceived):
        await treq.post(bridge.url + "/OKX", data=body, timeout=seconds, persistent=False)


@pytest_twisted.ensureDeferred
async def test_hang_up_then_repeat_places_one_order(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    # OKX takes the order at once but answers 1 s late; the caller gives up after 0.2 s
    sim.add_fault("/api/v5/trade/order", "delay_answer", method="POST", seconds=1.0)
    await hang_up_after(bridge, 0.2, MARKET_BUY)
    [order] = orders_for(sim)
    assert order["state"] == "filled"
    await bridge.bridge.client.inflight.idle()  # the late answer has come and gone, nobody to hear it
    again = await bridge.call("trade", MARKET_BUY, nonce=NONCE)  # the docker's retry, same nonce
    assert again["data"]["id"] == f"LTC-USDT,{order['ordId']}"
    # and once the placement is over, a repeat is answered from the ledger without OKX
    sent = place_requests(sim)
    third = await bridge.call("trade", MARKET_BUY, nonce=NONCE)
    assert third["data"]["id"] == again["data"]["id"]
    assert place_requests(sim) == sent and len(orders_for(sim)) == 1


@pytest_twisted.ensureDeferred
async def test_a_repeat_while_the_first_is_in_flight_shares_its_outcome(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    sim.add_fault("/api/v5/trade/order", "delay_answer", method="POST", seconds=0.5)
    first = Deferred.fromCoroutine(bridge.call("trade", MARKET_BUY, nonce=NONCE))
    second = await bridge.call("trade", MARKET_BUY, nonce=NONCE)
    assert (await first)["data"] == second["data"]
    assert place_requests(sim) == 1 and len(orders_for(sim)) == 1


@pytest_twisted.ensureDeferred
async def test_hang_up_during_an_uncertain_placement_still_records_it(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    # the answer never comes (OKX placed it): the bridge resolves by clOrdId after the caller left
    sim.add_fault("/api/v5/trade/order", "drop_response", method="POST")
    await hang_up_after(bridge, 0.2, MARKET_BUY)
    await bridge.bridge.client.inflight.idle()  # resolved by reading it back, with nobody waiting
    again = await bridge.call("trade", MARKET_BUY, nonce=NONCE)
    [order] = orders_for(sim)
    assert again["data"]["id"] == f"LTC-USDT,{order['ordId']}"
    assert (await bridge.call("trade", MARKET_BUY, nonce=NONCE))["data"] == again["data"]
    assert len(orders_for(sim)) == 1


@pytest_twisted.ensureDeferred
async def test_same_nonce_with_another_order_is_refused_naming_the_nonce(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    first = await bridge.call("trade", MARKET_BUY, nonce=NONCE)
    assert "id" in first["data"]
    for other in ({**MARKET_BUY, "amount": 11}, {**MARKET_BUY, "type": "sell", "amount": 0.01},
                  {**MARKET_BUY, "symbol": "BTC_USDT"}):
        answer = await bridge.call("trade", other, nonce=NONCE)
        assert f"nonce {NONCE} was already used for another order" in answer["error"], answer
    assert len(orders_for(sim)) == 1


@pytest_twisted.ensureDeferred
async def test_a_wrong_secret_sees_nothing_of_the_owners_order(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    sim.add_fault("/api/v5/trade/order", "delay_answer", method="POST", seconds=0.5)
    owner = Deferred.fromCoroutine(bridge.call("trade", MARKET_BUY, nonce=NONCE))
    # same access key and nonce, wrong secret: while the owner's placement is in flight and after
    intruder = await bridge.call("trade", MARKET_BUY, nonce=NONCE, secret_key="wrong,okxsim-demo-pass")
    placed = await owner
    later = await bridge.call("trade", MARKET_BUY, nonce=NONCE, secret_key="wrong,okxsim-demo-pass")
    for answer in (intruder, later):
        assert "data" not in answer and "50113" in answer["error"], answer  # OKX: invalid signature
        assert placed["data"]["id"].split(",")[1] not in json.dumps(answer)
    assert len(orders_for(sim)) == 1


@pytest_twisted.ensureDeferred
async def test_restart_with_the_same_state_dir_answers_the_first_order(reactor, tmp_path):
    running = await start_emulator(reactor, seed=7)
    try:
        bridge = await start_bridge(reactor, running.url, "--state-dir", str(tmp_path))
        first = await bridge.call("trade", MARKET_BUY, nonce=NONCE)
        await bridge.stop()
        bridge = await start_bridge(reactor, running.url, "--state-dir", str(tmp_path))
        try:
            again = await bridge.call("trade", MARKET_BUY, nonce=NONCE)
            other = await bridge.call("trade", {**MARKET_BUY, "amount": 12}, nonce=NONCE)
        finally:
            await bridge.stop()
        assert again["data"] == first["data"]
        assert "was already used for another order" in other["error"]
        assert len(orders_for(running.emulator)) == 1
    finally:
        await running.stop()


@pytest_twisted.ensureDeferred
async def test_a_refused_order_may_be_placed_by_a_repeat(bridge_and_sim):
    """OKX's refusal is recorded as "not placed": the same call may succeed later."""
    bridge, sim = await bridge_and_sim()
    sim.add_fault("/api/v5/trade/order", "status", method="POST", status=400)  # 50000, nothing done
    refused = await bridge.call("trade", MARKET_BUY, nonce=NONCE)
    assert "50000" in refused["error"]
    placed = await bridge.call("trade", MARKET_BUY, nonce=NONCE)
    [order] = orders_for(sim)
    assert placed["data"]["id"] == f"LTC-USDT,{order['ordId']}"


@pytest_twisted.ensureDeferred
async def test_cancel_repeated_with_its_nonce_answers_true_again(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    placed = await bridge.call("trade", {"symbol": "LTC_USDT", "type": "buy", "price": 10, "amount": 1})
    oid = placed["data"]["id"]
    nonce = NONCE + 7
    assert (await bridge.call("cancel", {"id": oid}, nonce=nonce))["data"] is True
    assert (await bridge.call("cancel", {"id": oid}, nonce=nonce))["data"] is True
    assert sim.request_counts()["/api/v5/trade/cancel-order"] == 1
    other = await bridge.call("cancel", {"id": "LTC-USDT,123"}, nonce=nonce)
    assert f"nonce {nonce} was already used for another cancel" in other["error"]
    # a new nonce asks OKX again, which says why not
    assert "already canceled" in (await bridge.call("cancel", {"id": oid}))["error"]


@pytest_twisted.ensureDeferred
async def test_health_names_the_ledger(bridge_and_sim):
    bridge, _ = await bridge_and_sim()
    response = await treq.get(bridge.admin_url + "/health", persistent=False)
    ledger = (await response.json())["ledger"]
    assert ledger["kind"] == "sqlite" and ledger["durable"] and ledger["ok"]
    assert ledger["path"].endswith("okxbridge-ledger.sqlite3")


async def set_position_mode(bridge, mode):
    answer = await bridge.call("_api/api/v5/account/set-position-mode", {"posMode": mode},
                               headers={"Http-Method": "POST"})
    assert answer["data"]["code"] == "0", answer


@pytest.mark.parametrize("mode, opening, closing", [
    ("long_short_mode", "buy", "closebuy"),   # a close: its body depends on the position it closes
    ("net_mode", "sell", "buy"),              # a net-mode buy that reduces a short, sent reduceOnly
])
@pytest_twisted.ensureDeferred
async def test_a_repeated_close_is_answered_from_the_ledger_after_it_filled(bridge_and_sim, mode, opening, closing):
    # the repeat must not re-read positions (now flat) and refuse, nor see "another order"
    bridge, sim = await bridge_and_sim()
    await set_position_mode(bridge, mode)
    contract = {"symbol": "BTC_USDT.swap", "price": -1, "amount": 2}
    assert "id" in (await bridge.call("trade", {**contract, "type": opening}))["data"]
    first = await bridge.call("trade", {**contract, "type": closing}, nonce=NONCE)
    assert "id" in first.get("data", {}), first
    again = await bridge.call("trade", {**contract, "type": closing}, nonce=NONCE)
    assert again["data"] == first["data"], again
    assert len(orders_for(sim)) == 1


@pytest_twisted.ensureDeferred
async def test_a_close_with_nothing_to_close_claims_nothing_it_could_not_send(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    await set_position_mode(bridge, "long_short_mode")
    close = {"symbol": "BTC_USDT.swap", "type": "closebuy", "price": -1, "amount": 2}
    refused = await bridge.call("trade", close, nonce=NONCE)
    assert "nothing was sent" in refused["error"], refused
    # once there is a position, the same call places it: the refusal was recorded as not sent
    assert "id" in (await bridge.call("trade", {**close, "type": "buy"}))["data"]
    placed = await bridge.call("trade", close, nonce=NONCE)
    assert "id" in placed.get("data", {}), placed
    assert len(orders_for(sim)) == 1


@pytest_twisted.ensureDeferred
async def test_orders_refused_for_junk_secrets_leave_nothing_in_the_ledger(bridge_and_sim):
    import sqlite3

    bridge, sim = await bridge_and_sim()
    for i in range(20):  # each a new credential fingerprint: OKX refuses every one (50113)
        answer = await bridge.call("trade", MARKET_BUY, secret_key=f"junk{i},okxsim-demo-pass")
        assert "error" in answer, answer
    placed = await bridge.call("trade", MARKET_BUY, nonce=NONCE)
    assert "id" in placed["data"]
    path = bridge.desk.ledger.health()["path"]
    rows = sqlite3.connect(path).execute("SELECT state FROM claims").fetchall()
    assert rows == [("done",)]  # only the owner's order: refused writes took no room


@pytest_twisted.ensureDeferred
async def test_claims_are_keyed_by_the_full_identity_and_a_claim_of_before_is_moved_not_resent(bridge_and_sim):
    """Tenants are apart by the full SHA-256 of the credential (a 64-bit key is within a
    determined caller's reach); a claim written by an older daemon, under the 16-digit
    fingerprint it keyed by then, is found by a repeat of its nonce and moved, nothing sent."""
    import sqlite3

    from okxbridge.okx.signer import Credentials

    bridge, sim = await bridge_and_sim()
    creds = Credentials("okxsim-demo-key", "okxsim-demo-secret", "okxsim-demo-pass")
    placed = await bridge.call("trade", MARKET_BUY, nonce=NONCE)
    path = bridge.desk.ledger.health()["path"]
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT account FROM claims").fetchall() == [(creds.identity,)]
        assert len(creds.identity) == 64
        # as an older daemon left it
        db.execute("UPDATE claims SET account=?", (creds.legacy_fingerprint,))
    sent = place_requests(sim)
    again = await bridge.call("trade", MARKET_BUY, nonce=NONCE)
    assert again["data"]["id"] == placed["data"]["id"] and place_requests(sim) == sent
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT account, state FROM claims").fetchall() == [(creds.identity, "done")]
    status = await (await treq.get(bridge.admin_url + "/status.json", persistent=False)).json()
    assert creds.identity not in json.dumps(status)  # shown by its prefix only
    assert [c["fingerprint"] for c in status["rate_limits"]["credentials"]] == [creds.identity[:16]]
