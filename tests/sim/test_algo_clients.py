"""Algo orders through clients nobody here wrote: python-okx's Trade API and ccxt's okx, against
a running okxsim whose price is moved through the triggers with /__sim__/price.

Both clients are synchronous, so they run in a thread (as in test_sim_clients.py) while the
reactor in this process serves the emulator; python-okx sends ``x-simulated-trading: 1``, so its
orders live in the demo book, ccxt's in the live one.
"""

import json
import urllib.request
from decimal import Decimal

import okx.Account
import okx.Trade
import pytest_twisted

from tests.sim.test_sim_clients import ccxt_okx, in_thread, sdk

SWAP = "BTC-USDT-SWAP"


def move_price(url, inst_id, price):
    """POST /__sim__/price from the client's thread."""
    body = json.dumps({"instId": inst_id, "price": str(price)}).encode()
    request = urllib.request.Request(url + "/__sim__/price", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        assert json.loads(response.read())["ok"]


def last_price(emu, inst_id):
    return emu.price(inst_id)  # a pure function of the seed and the time: safe to read from the thread


def grid(value, step="0.1"):
    return str(Decimal(value).quantize(Decimal(step)))


@pytest_twisted.ensureDeferred
async def test_python_okx_oco_stop_loss_amended_then_fired_and_a_conditional_canceled(reactor):
    def scenario(url, emu):
        trade, account = sdk(okx.Trade, "TradeAPI", url), sdk(okx.Account, "AccountAPI", url)
        assert trade.place_order(instId=SWAP, tdMode="cross", side="buy", ordType="market", sz="2")["code"] == "0"
        last = last_price(emu, SWAP)
        placed = trade.place_algo_order(instId=SWAP, tdMode="cross", side="sell", ordType="oco", sz="2",
                                        reduceOnly="true", tpTriggerPx=grid(last * Decimal("1.2")), tpOrdPx="-1",
                                        slTriggerPx=grid(last * Decimal("0.8")), slOrdPx="-1", algoClOrdId="pyoco1")
        assert placed["code"] == "0", placed
        algo_id = placed["data"][0]["algoId"]
        listed = trade.order_algos_list(ordType="oco", instId=SWAP)
        assert [(r["algoId"], r["state"]) for r in listed["data"]] == [(algo_id, "live")]
        new_sl = grid(last * Decimal("0.9"))
        amended = trade.amend_algo_order(instId=SWAP, algoId=algo_id, newSlTriggerPx=new_sl, reqId="py1")
        assert (amended["code"], amended["data"][0]["reqId"]) == ("0", "py1"), amended
        detail = trade.get_algo_order_details(algoClOrdId="pyoco1")["data"][0]
        assert Decimal(detail["slTriggerPx"]) == Decimal(new_sl)
        move_price(url, SWAP, last * Decimal("0.85"))
        history = trade.order_algos_history(ordType="oco", state="effective")["data"]
        assert [(r["algoId"], r["actualSide"]) for r in history] == [(algo_id, "sl")]
        positions = account.get_positions(instId=SWAP)["data"]
        assert all(p["pos"] == "0" for p in positions)
        stop = trade.place_algo_order(instId="BTC-USDT", tdMode="cash", side="sell", ordType="conditional",
                                      sz="0.01", slTriggerPx=grid(last_price(emu, "BTC-USDT") * Decimal("0.5")),
                                      slOrdPx="-1")["data"][0]["algoId"]
        canceled = trade.cancel_algo_order([{"instId": "BTC-USDT", "algoId": stop}])
        assert canceled["code"] == "0" and canceled["data"][0]["algoId"] == stop
        gone = trade.order_algos_history(ordType="conditional", algoId=stop)["data"]
        return [r["state"] for r in gone], trade.order_algos_list(ordType="conditional,oco")["data"]

    assert await in_thread(reactor, scenario) == (["canceled"], [])


@pytest_twisted.ensureDeferred
async def test_python_okx_sees_okx_codes_for_a_wrong_trigger_and_a_missing_ord_type(reactor):
    def scenario(url, emu):
        trade = sdk(okx.Trade, "TradeAPI", url)
        above = grid(last_price(emu, SWAP) * Decimal("1.1"))
        wrong = trade.place_algo_order(instId=SWAP, tdMode="cross", side="sell", ordType="conditional", sz="1",
                                       slTriggerPx=above, slOrdPx="-1")
        return wrong["code"], wrong["data"][0]["sCode"], trade.order_algos_list()["code"]

    assert await in_thread(reactor, scenario) == ("1", "51280", "50014")


@pytest_twisted.ensureDeferred
async def test_ccxt_stop_loss_take_profit_and_trigger_orders(reactor):
    def scenario(url, emu):
        exchange = ccxt_okx(url)
        exchange.load_markets()
        symbol = "BTC/USDT:USDT"
        exchange.create_order(symbol, "market", "buy", 3)
        last = float(last_price(emu, SWAP))
        stop = exchange.create_order(symbol, "market", "sell", 3, None,
                                     {"stopLossPrice": last * 0.9, "reduceOnly": True})
        bracket = exchange.create_order(symbol, "market", "sell", 3, None,
                                        {"stopLossPrice": last * 0.8, "takeProfitPrice": last * 1.2,
                                         "reduceOnly": True})
        entry = exchange.create_order(symbol, "market", "buy", 1, None, {"triggerPrice": last * 1.1})
        stops = exchange.fetch_open_orders(symbol, params={"trigger": True, "ordType": "conditional,oco"})
        triggers = exchange.fetch_open_orders(symbol, params={"trigger": True})
        assert sorted(o["id"] for o in stops) == sorted([stop["id"], bracket["id"]])
        assert [o["id"] for o in triggers] == [entry["id"]] and triggers[0]["triggerPrice"] is not None
        exchange.cancel_order(bracket["id"], symbol, {"trigger": True})
        move_price(url, SWAP, Decimal(str(last)) * Decimal("0.85"))
        left = exchange.fetch_open_orders(symbol, params={"trigger": True, "ordType": "conditional,oco"})
        positions = exchange.fetch_positions([symbol])
        closed = exchange.fetch_closed_orders(symbol, params={"trigger": True, "ordType": "conditional"})
        canceled = exchange.fetch_canceled_orders(symbol, params={"trigger": True, "ordType": "oco"})
        assert [(o["id"], o["status"]) for o in closed] == [(stop["id"], "closed")]
        assert [(o["id"], o["status"]) for o in canceled] == [(bracket["id"], "canceled")]
        return left, [p["contracts"] for p in positions if p["contracts"]], [o["id"] for o in triggers]

    left, open_contracts, triggers = await in_thread(reactor, scenario)
    assert left == [] and open_contracts == [] and len(triggers) == 1
