"""Order options in trade's side (FMZ's ``"buy;{JSON}"`` / ``"buy;key=value&…"``), end to end
through the daemon and the emulator over real sockets."""

import json
from decimal import Decimal as D

import pytest
import pytest_twisted


def below(sim, inst_id, share="0.5"):
    return float((sim.price(inst_id) * D(share)).quantize(D("0.1")))


@pytest_twisted.ensureDeferred
async def test_post_only_rests_and_a_crossing_one_is_canceled_as_okx_does(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    rest = await bridge.call("trade", {"symbol": "BTC_USDT", "type": 'buy;{"ordType":"post_only"}',
                                       "price": below(sim, "BTC-USDT"), "amount": 0.01})
    sent = sim.orders()[-1]
    assert sent["ordType"] == "post_only" and sent["state"] == "live", rest
    order = (await bridge.call("order", {"id": rest["data"]["id"]}))["data"]
    assert order["order_type"] == "post_only" and order["status"] == "pending"
    # above the ask a post-only would take: OKX accepts it, then cancels it (cancelSource 31)
    cross = await bridge.call("trade", {"symbol": "BTC_USDT", "type": 'buy;{"ordType":"post_only"}',
                                        "price": below(sim, "BTC-USDT", "1.5"), "amount": 0.01})
    assert sim.orders()[-1]["cancelSource"] == "31"
    assert (await bridge.call("order", {"id": cross["data"]["id"]}))["data"]["status"] == "canceled"


@pytest_twisted.ensureDeferred
async def test_client_order_id_and_other_unsafe_options_are_refused_by_name(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    before = len(sim.orders())
    for kind, name in (('buy;{"clOrdId":"x"}', "clOrdId"), ('buy;{"instId":"ETH-USDT"}', "instId"),
                       ("buy;sz=100", "sz"), ('buy;{"side":"sell"}', "side"), ("buy;ccy=BTC", "ccy")):
        answer = await bridge.call("trade", {"symbol": "BTC_USDT", "type": kind, "price": 1000, "amount": 0.01})
        assert f"order option '{name}' is not accepted" in answer["error"], answer
    assert len(sim.orders()) == before


@pytest_twisted.ensureDeferred
async def test_ioc_as_a_query_string_is_canceled_unfilled_below_the_market(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    answer = await bridge.call("trade", {"symbol": "BTC_USDT", "type": "buy;ordType=ioc",
                                         "price": below(sim, "BTC-USDT"), "amount": 0.01})
    sent = sim.orders()[-1]
    assert sent["ordType"] == "ioc" and sent["state"] == "canceled" and sent["cancelSource"] == "14", answer
    filled = await bridge.call("trade", {"symbol": "BTC_USDT", "type": "buy;ordType=fok",
                                         "price": below(sim, "BTC-USDT", "1.5"), "amount": 0.01})
    assert (await bridge.call("order", {"id": filled["data"]["id"]}))["data"]["status"] == "filled"


@pytest.mark.parametrize("over", ["rest", "ws"])
@pytest_twisted.ensureDeferred
async def test_attached_stop_loss_is_sent_with_an_id_from_the_nonce_and_recorded(bridge_and_sim, over):
    bridge, sim = await bridge_and_sim("--trade-over", over)
    stop = below(sim, "BTC-USDT-SWAP", "0.9")
    kind = "buy;" + json.dumps({"attachAlgoOrds": [{"slTriggerPx": stop, "slOrdPx": -1}], "stpMode": "cancel_taker"})
    nonce = 1_700_000_000_123_456_789
    answer = await bridge.call("trade", {"symbol": "BTC_USDT.swap", "type": kind, "price": -1, "amount": 1},
                               nonce=nonce)
    sent = sim.orders()[-1]
    assert sent["state"] == "filled" and sent["stpMode"] == "cancel_taker", answer
    [algo] = sent["attachAlgoOrds"]
    assert algo["attachAlgoClOrdId"] == f"fmz{nonce}a0" and D(algo["slTriggerPx"]) == D(str(stop))
    assert algo["slOrdPx"] == "-1" and algo["attachAlgoId"]
    # the same nonce again: the same order; with other options: another order, refused
    again = await bridge.call("trade", {"symbol": "BTC_USDT.swap", "type": kind, "price": -1, "amount": 1},
                              nonce=nonce)
    assert again["data"]["id"] == answer["data"]["id"]
    other = await bridge.call("trade", {"symbol": "BTC_USDT.swap", "type": "buy;stpMode=cancel_both", "price": -1,
                                        "amount": 1}, nonce=nonce)
    assert "was already used for another order" in other["error"], other
    assert len([o for o in sim.orders() if o["clOrdId"] == f"fmz{nonce}"]) == 1


@pytest_twisted.ensureDeferred
async def test_reduce_only_and_optimal_limit_ioc_on_a_swap(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    # net mode, no position: a reduce-only order is refused by OKX (51169), nothing opens
    refused = await bridge.call("trade", {"symbol": "BTC_USDT.swap", "type": "sell;reduceOnly=true", "price": -1,
                                          "amount": 1})
    assert "51169" in refused["error"], refused
    assert (await bridge.call("positions", {"symbol": "BTC_USDT.swap"}))["data"] == []
    opened = await bridge.call("trade", {"symbol": "BTC_USDT.swap", "type": "buy;ordType=optimal_limit_ioc",
                                         "price": -1, "amount": 2})
    sent = sim.orders()[-1]
    assert sent["ordType"] == "optimal_limit_ioc" and sent["px"] == "" and sent["state"] == "filled", opened
    spot = await bridge.call("trade", {"symbol": "BTC_USDT", "type": "buy;ordType=optimal_limit_ioc", "price": -1,
                                       "amount": 10})
    assert "swaps and futures only" in spot["error"]


@pytest_twisted.ensureDeferred
async def test_td_mode_is_checked_against_the_account_mode(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    await bridge.call("accounts", {})  # reads the account mode (Futures mode: spot trades cash)
    answer = await bridge.call("trade", {"symbol": "BTC_USDT", "type": 'buy;{"tdMode":"cross"}', "price": 1000,
                                         "amount": 0.01})
    assert "spot margin trading is not supported" in answer["error"], answer
    cash = await bridge.call("trade", {"symbol": "BTC_USDT", "type": 'buy;{"tdMode":"cash"}', "price": 1000,
                                       "amount": 0.01})
    assert sim.orders()[-1]["tdMode"] == "cash", cash
    disagree = await bridge.call("trade", {"symbol": "BTC_USDT.swap", "type": "buy;tdMode=isolated",
                                           "marginMode": "cross", "price": -1, "amount": 1})
    assert "disagree" in disagree["error"]


@pytest_twisted.ensureDeferred
async def test_ban_amend_refuses_a_spot_market_buy_the_balance_cannot_pay_for(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    await bridge.call("accounts", {})
    banned = await bridge.call("trade", {"symbol": "BTC_USDT", "type": "buy;banAmend=true", "price": -1,
                                         "amount": 10_000_000})
    assert banned["error"].startswith("OKX 51008"), banned
    cut = await bridge.call("trade", {"symbol": "BTC_USDT", "type": "buy", "price": -1, "amount": 10_000_000})
    order = (await bridge.call("order", {"id": cut["data"]["id"]}))["data"]
    assert order["status"] == "filled" and order["amount"] < 10_000_000, order
    limit = await bridge.call("trade", {"symbol": "BTC_USDT", "type": "buy;banAmend=true", "price": 1000,
                                        "amount": 0.01})
    assert "banAmend applies to spot market orders" in limit["error"]
