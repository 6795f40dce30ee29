"""The ``orders-algo`` channel on the emulator's ``/ws/v5/business``: login, OKX's args and
codes, a push for every change of an algo order (placed, fired, canceled), none at subscribe."""

import asyncio
import json

import pytest_twisted

from tests.sim.simsupport import signed_headers
from tests.sim.test_sim_ws import against_emulator
from tests.sim.test_sim_ws_private import Inbox, login


async def rest(running, method, path, body=None):
    """A signed REST call from the scenario's asyncio loop."""
    import aiohttp

    text = json.dumps(body) if body is not None else ""
    headers = signed_headers(method, path, text)
    async with aiohttp.ClientSession() as session:
        async with session.request(method, running.url + path, data=text or None, headers=headers) as response:
            return await response.json()


async def move_price(running, inst_id, price):
    import aiohttp

    async with aiohttp.ClientSession() as session:
        async with session.post(running.url + "/__sim__/price", json={"instId": inst_id, "price": price}) as response:
            assert (await response.json())["ok"]


def algo_push(message):
    return message.get("arg", {}).get("channel") == "orders-algo" and "data" in message


@pytest_twisted.ensureDeferred
async def test_orders_algo_on_business_pushes_each_change_of_the_subscribed_instruments(reactor):
    import websockets

    async def scenario(running):
        emu = running.emulator
        swap_last, spot_last = emu.price("BTC-USDT-SWAP"), emu.price("BTC-USDT")
        async with websockets.connect(running.ws_url + "/business") as ws:
            inbox = Inbox(ws)
            await ws.send(json.dumps({"op": "subscribe", "args": [{"channel": "orders-algo", "instType": "ANY"}]}))
            assert (await inbox.next())["code"] == "60011"  # login first
            await ws.send(login())
            assert (await inbox.next())["event"] == "login"
            await ws.send(json.dumps({"id": "s0", "op": "subscribe", "args": [{"channel": "orders-algo"}]}))
            assert (await inbox.next())["code"] == "60013"  # instType is required
            arg = {"channel": "orders-algo", "instType": "SWAP", "instId": "BTC-USDT-SWAP"}
            await ws.send(json.dumps({"id": "s1", "op": "subscribe", "args": [arg]}))
            ack = await inbox.next()
            assert (ack["id"], ack["event"], ack["arg"]) == ("s1", "subscribe", arg) and ack["connId"]
            spot = await rest(running, "POST", "/api/v5/trade/order-algo", {
                "instId": "BTC-USDT", "tdMode": "cash", "side": "sell", "ordType": "conditional", "sz": "0.01",
                "slTriggerPx": str(int(spot_last / 2)), "slOrdPx": "-1"})
            placed = await rest(running, "POST", "/api/v5/trade/order-algo", {
                "instId": "BTC-USDT-SWAP", "tdMode": "cross", "side": "sell", "ordType": "conditional", "sz": "1",
                "slTriggerPx": str(int(swap_last * 9 / 10)), "slOrdPx": "-1", "algoClOrdId": "wsalgo"})
            algo_id = placed["data"][0]["algoId"]
            live = await inbox.next(algo_push)
            assert live["arg"]["uid"] and {k: live["arg"][k] for k in arg} == arg
            assert [(d["algoId"], d["state"], d["algoClOrdId"]) for d in live["data"]] == [(algo_id, "live", "wsalgo")]
            await move_price(running, "BTC-USDT-SWAP", str(int(swap_last * 8 / 10)))
            fired = await inbox.next(algo_push)
            row = fired["data"][0]
            assert (row["algoId"], row["state"], row["actualSide"]) == (algo_id, "effective", "sl") and row["ordId"]
            # the spot algo (another instType) was never pushed to this subscription
            assert not any(algo_push(m) for m in inbox.unread)
            canceled = await rest(running, "POST", "/api/v5/trade/cancel-algos",
                                  [{"instId": "BTC-USDT", "algoId": spot["data"][0]["algoId"]}])
            assert canceled["data"][0]["sCode"] == "0"
            await ws.send(json.dumps({"op": "subscribe", "args": [{"channel": "orders-algo", "instType": "ANY"}]}))
            await inbox.next(lambda m: m.get("event") == "subscribe")
            second = await rest(running, "POST", "/api/v5/trade/order-algo", {
                "instId": "BTC-USDT", "tdMode": "cash", "side": "sell", "ordType": "conditional", "sz": "0.01",
                "slTriggerPx": str(int(spot_last / 3)), "slOrdPx": "-1"})
            pushed = await inbox.next(algo_push)  # nothing older than the subscription on ANY
            assert pushed["arg"]["instType"] == "ANY"
            assert [d["algoId"] for d in pushed["data"]] == [second["data"][0]["algoId"]]
        async with websockets.connect(running.ws_url + "/private") as ws:
            inbox = Inbox(ws)
            await ws.send(login())
            await inbox.next()
            await ws.send(json.dumps({"op": "subscribe", "args": [{"channel": "orders-algo", "instType": "ANY"}]}))
            return (await inbox.next())["code"]

    assert await against_emulator(reactor, scenario) == "60018"  # /private does not serve orders-algo



@pytest_twisted.ensureDeferred
async def test_ccxt_pro_watches_trigger_orders_on_business(reactor):
    import aiohttp

    from tests.sim.test_sim_ws import ccxt_pro
    from tests.sim.test_sim_ws_private import KEY

    async def scenario(running):
        exchange = ccxt_pro(running)
        exchange.apiKey, exchange.secret, exchange.password = KEY.api_key, KEY.secret, KEY.passphrase
        symbol = "BTC/USDT:USDT"
        try:
            await exchange.load_markets()
            watching = asyncio.ensure_future(exchange.watch_orders(symbol, params={"trigger": True}))
            async with aiohttp.ClientSession() as session:  # orders-algo pushes nothing at subscribe
                while True:
                    async with session.get(running.url + "/__sim__/ws") as response:
                        if (await response.json())["algo_subscriptions"]:
                            break
            last = float(running.emulator.price("BTC-USDT-SWAP"))
            placed = await exchange.create_order(symbol, "market", "buy", 1, None, {"triggerPrice": last * 1.1})
            orders = await watching
            assert [(o["id"], o["status"]) for o in orders] == [(placed["id"], "open")]
            assert orders[0]["triggerPrice"] == float(exchange.price_to_precision(symbol, last * 1.1))
            # watching again before the move: a push that lands between two watches resolves none
            watching = asyncio.ensure_future(exchange.watch_orders(symbol, params={"trigger": True}))
            await asyncio.sleep(0)  # let the watch register its future (no time passes)
            await move_price(running, "BTC-USDT-SWAP", str(int(last * 1.2)))
            orders = await watching
            return orders[-1]["id"] == placed["id"], orders[-1]["status"]
        finally:
            await exchange.close()

    assert await against_emulator(reactor, scenario) == (True, "closed")
