"""Swaps and dated futures end to end, in both position modes, against the emulator."""

from decimal import Decimal as D

import pytest
import pytest_twisted


async def set_mode(bridge, mode):
    answer = await bridge.call("_api/api/v5/account/set-position-mode", {"posMode": mode},
                               headers={"Http-Method": "POST"})
    assert answer["data"]["code"] == "0", answer


@pytest.mark.parametrize("mode", ["long_short_mode", "net_mode"])
@pytest_twisted.ensureDeferred
async def test_open_see_leverage_close(bridge_and_sim, mode):
    bridge, sim = await bridge_and_sim()
    await set_mode(bridge, mode)
    opened = await bridge.call("trade", {"symbol": "BTC_USDT.swap", "type": "buy", "price": -1, "amount": 3})
    assert opened["data"]["id"].startswith("BTC-USDT-SWAP,")
    sent = sim.orders()[-1]
    assert sent["side"] == "buy" and D(sent["sz"]) == 3
    assert sent["posSide"] == ("long" if mode == "long_short_mode" else "net")

    positions = (await bridge.call("positions", {"symbol": "BTC_USDT.swap"}))["data"]
    assert len(positions) == 1
    pos = positions[0]
    assert (pos["symbol"], pos["type"], pos["amount"], pos["contract_type"]) == ("BTC_USDT.swap", "long", 3, "swap")
    assert pos["price"] > 0 and pos["margin"] > 0
    def steady(rows):  # profit and margin follow the live mark price between two reads
        return [(p["symbol"], p["type"], p["amount"], p["price"]) for p in rows]
    assert steady((await bridge.call("positions", {"symbol": "USDT.swap"}))["data"]) == steady(positions)
    assert (await bridge.call("positions", {"symbol": "USD.swap"}))["data"] == []

    assert (await bridge.call("setmarginlevel", {"symbol": "BTC_USDT.swap", "marginLevel": 7}))["data"] is True
    assert (await bridge.call("positions", {"symbol": "BTC_USDT.swap"}))["data"][0]["margin_level"] == 7

    order = (await bridge.call("order", {"id": opened["data"]["id"]}))["data"]
    assert order["offset"] == "open" and order["contract_type"] == "swap" and order["status"] == "filled"

    closed = await bridge.call("trade", {"symbol": "BTC_USDT.swap", "type": "closebuy", "price": -1, "amount": 3})
    sent = sim.orders()[-1]
    assert sent["side"] == "sell"
    if mode == "long_short_mode":
        assert sent["posSide"] == "long"
    else:
        assert sent["posSide"] == "net" and sent["reduceOnly"] in (True, "true")
    assert (await bridge.call("order", {"id": closed["data"]["id"]}))["data"]["offset"] == "close"
    assert (await bridge.call("positions", {"symbol": "BTC_USDT.swap"}))["data"] == []


@pytest_twisted.ensureDeferred
async def test_short_then_closesell_in_long_short_mode(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    await set_mode(bridge, "long_short_mode")
    await bridge.call("trade", {"symbol": "ETH_USDT.swap", "type": "sell", "price": -1, "amount": 2})
    assert sim.orders()[-1]["posSide"] == "short"
    pos = (await bridge.call("positions", {}))["data"]
    assert [(p["symbol"], p["type"], p["amount"]) for p in pos] == [("ETH_USDT.swap", "short", 2)]
    await bridge.call("trade", {"symbol": "ETH_USDT.swap", "type": "closesell", "price": -1, "amount": 2})
    assert (sim.orders()[-1]["side"], sim.orders()[-1]["posSide"]) == ("buy", "short")
    assert (await bridge.call("positions", {}))["data"] == []


@pytest_twisted.ensureDeferred
async def test_quarterly_future_through_its_alias(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    markets = (await bridge.call("markets"))["data"]
    quarter = markets["BTC_USDT.quarter"]["instId"]
    ticker = (await bridge.call("ticker", {"symbol": "BTC_USDT.quarter"}))["data"]
    assert ticker["symbol"] == "BTC_USDT.quarter" and ticker["last"] > 0 and "vol_contracts" in ticker
    placed = await bridge.call("trade", {"symbol": "btc_usdt.QUARTER", "type": "buy", "price": -1, "amount": 1})
    assert placed["data"]["id"].startswith(quarter + ",")
    pos = (await bridge.call("positions", {"symbol": "USDT.futures"}))["data"]
    assert [(p["symbol"], p["contract_type"]) for p in pos] == [("BTC_USDT.quarter", "quarter")]
    orders = (await bridge.call("historyorders", {"symbol": "BTC_USDT.quarter"}))["data"]
    assert orders[0]["symbol"] == "BTC_USDT.quarter" and orders[0]["offset"] == "open"


@pytest_twisted.ensureDeferred
async def test_inverse_swap_and_funding(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    placed = await bridge.call("trade", {"symbol": "BTC_USD.swap", "type": "buy", "price": -1, "amount": 1})
    assert "id" in placed["data"], placed
    funding = (await bridge.call("fundings", {"symbol": "BTC_USDT.swap"}))["data"]
    assert len(funding) == 1 and funding[0]["symbol"] == "BTC_USDT.swap"
    assert funding[0]["interval"] == 8 * 3600 * 1000 and funding[0]["time"] > 0
    # issue 14: fundings {} is every swap's rate (was: only the swaps held), USD.swap a range
    every = (await bridge.call("fundings", {}))["data"]
    assert sorted(f["symbol"] for f in every) == ["BTC_USD.swap", "BTC_USDT.swap", "ETH_USDT.swap"]
    held = (await bridge.call("fundings", {"symbol": "USD.swap"}))["data"]
    assert [f["symbol"] for f in held] == ["BTC_USD.swap"]
    spot = await bridge.call("fundings", {"symbol": "BTC_USDT"})
    assert "perpetual swaps such as BTC_USDT.swap" in spot["error"]


@pytest_twisted.ensureDeferred
async def test_isolated_leverage_sets_both_sides_in_long_short_mode(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    await set_mode(bridge, "long_short_mode")
    answer = await bridge.call("SetMarginLevel", {"symbol": "ETH_USDT.swap", "marginLevel": 5,
                                                  "marginMode": "isolated"})
    assert answer["data"] is True and len(answer["raw"]) == 2
    info = await bridge.call("_api/api/v5/account/leverage-info", {"instId": "ETH-USDT-SWAP", "mgnMode": "isolated"})
    assert sorted((r["posSide"], r["lever"]) for r in info["data"]["data"]) == [("long", "5"), ("short", "5")]


@pytest_twisted.ensureDeferred
async def test_okx_inst_id_as_contract_type_names_answers_as_the_call_did(bridge_and_sim):
    # issue 26 item 3: FMZ names OKX's pre-market contracts by OKX's instId; any listed contract works so
    bridge, sim = await bridge_and_sim()
    quarter = (await bridge.call("markets"))["data"]["BTC_USDT.quarter"]["instId"]
    symbol = f"BTC_USDT.{quarter}"
    ticker = (await bridge.call("ticker", {"symbol": symbol.lower()}))["data"]
    assert ticker["symbol"] == symbol and ticker["last"] > 0
    placed = await bridge.call("trade", {"symbol": symbol, "type": "buy", "price": -1, "amount": 1})
    assert placed["data"]["id"].startswith(quarter + ",")
    pos = (await bridge.call("positions", {"symbol": symbol}))["data"]
    assert [(p["symbol"], p["contract_type"]) for p in pos] == [(symbol, quarter)]
    ranged = (await bridge.call("positions", {"symbol": "USDT.futures"}))["data"]
    assert [p["symbol"] for p in ranged] == ["BTC_USDT.quarter"]
    history = (await bridge.call("historyorders", {"symbol": symbol}))["data"]
    assert [o["symbol"] for o in history] == [symbol]
    swap = (await bridge.call("ticker", {"symbol": "ETH_USDT.ETH-USDT-SWAP"}))["data"]
    assert swap["symbol"] == "ETH_USDT.ETH-USDT-SWAP"
    unlisted = await bridge.call("trade", {"symbol": "BTC_USDT.BTC-USDT-300101", "type": "buy", "price": -1,
                                           "amount": 1})
    assert "not listed" in unlisted["error"]
    other = await bridge.call("ticker", {"symbol": "BTC_USDT.ETH-USDT-SWAP"})
    assert "bad contract type" in other["error"]
