"""The emulator's ``/ws/v5/private``: login, account channels and order operations, driven
by the ``websockets`` package (raw protocol) and by ccxt.pro's private calls."""

import asyncio
import json
import time

import pytest_twisted

from okxbridge.sim import DEFAULT_ACCOUNT, DEFAULT_DEMO_ACCOUNT
from okxbridge.sim.instruments import catalogue
from okxbridge.sim.ws_private import login_sign
from tests.sim.test_sim_ws import against_emulator, ccxt_pro

KEY = DEFAULT_ACCOUNT


def test_login_sign_matches_okx_documented_vector():
    # spec okx-ws.md §2: the vector computed from OKX's documented example
    assert (login_sign("22582BD0CFF14C41EDBF1AB98506286D", "1538054050")
            == "+LdIr8lkkvhr5hoA3g9TMC0+uQJ849ftAcocA/ouu4M=")


def test_instruments_carry_distinct_inst_id_codes():
    listed = catalogue(1_750_000_000).values()
    codes = [inst.to_okx()["instIdCode"] for inst in listed]
    assert all(isinstance(code, int) for code in codes) and len(set(codes)) == len(codes)


def login(account=KEY, ts=None, **override):
    ts = str(int(time.time())) if ts is None else ts
    arg = {"apiKey": account.api_key, "passphrase": account.passphrase, "timestamp": ts,
           "sign": login_sign(account.secret, str(ts))}
    arg.update(override)
    return json.dumps({"op": "login", "args": [arg]})


class Inbox:
    """Messages of one connection; ``next(predicate)`` takes the first unread match, reading
    on as needed (earlier non-matching messages stay for later calls)."""

    def __init__(self, ws):
        self.ws, self.unread = ws, []

    async def next(self, predicate=lambda m: True):
        for message in self.unread:
            if predicate(message):
                self.unread.remove(message)
                return message
        while True:
            text = await self.ws.recv()
            if text == "pong":
                continue
            message = json.loads(text)
            if predicate(message):
                return message
            self.unread.append(message)


async def next_json(ws, predicate=lambda m: True):
    return await Inbox(ws).next(predicate)


async def control(running, spec):
    import aiohttp

    async with aiohttp.ClientSession() as session:
        async with session.post(running.url + "/__sim__/ws", json=spec) as response:
            assert response.status == 200, await response.text()


@pytest_twisted.ensureDeferred
async def test_login_failures_each_with_its_code(reactor):
    import websockets

    async def scenario(running):
        url = running.ws_url + "/private"
        codes = []
        async with websockets.connect(url) as ws:
            await ws.send(json.dumps({"op": "subscribe", "args": [{"channel": "account"}]}))
            codes.append((await next_json(ws))["code"])  # before login
            for bad in (login(ts="yesterday"), login(ts=str(int(time.time()) - 120)), login(apiKey="nope"),
                        login(passphrase="wrong"), login(sign="AAAA")):
                await ws.send(bad)
                reply = await next_json(ws)
                assert reply["event"] == "error"
                codes.append(reply["code"])
            await ws.send(login(ts=int(time.time())))  # python-okx sends a JSON int
            ok = await next_json(ws)
            assert ok == {"event": "login", "code": "0", "msg": "", "connId": ok["connId"]}
            await ws.send(login())  # repeated logins are accepted
            assert (await next_json(ws))["code"] == "0"
        await control(running, {"action": "reject_login"})
        async with websockets.connect(url) as ws:
            await ws.send(login())
            codes.append((await next_json(ws))["code"])
        return codes

    codes = await against_emulator(reactor, scenario)
    assert codes == ["60011", "60004", "60006", "60005", "60024", "60007", "60009"]


@pytest_twisted.ensureDeferred
async def test_channels_push_snapshots_and_every_change_and_ops_answer_like_okx(reactor):
    import websockets

    async def scenario(running):
        code = running.emulator.instrument("BTC-USDT").inst_id_code
        async with websockets.connect(running.ws_url + "/private") as ws:
            inbox = Inbox(ws)
            await ws.send(login())
            await inbox.next()
            await ws.send(json.dumps({"op": "subscribe", "args": [
                {"channel": "account"}, {"channel": "positions", "instType": "ANY"},
                {"channel": "orders", "instType": "SPOT"}, {"channel": "balance_and_position"}]}))
            acks = [await inbox.next(lambda m: m.get("event") == "subscribe") for _ in range(4)]
            assert [a["arg"]["channel"] for a in acks] == ["account", "positions", "orders", "balance_and_position"]
            # snapshots arrive for account, positions, balance_and_position; orders sends none
            account = await inbox.next(lambda m: m.get("arg", {}).get("channel") == "account")
            assert account["eventType"] == "snapshot" and account["arg"]["uid"]
            usdt = {d["ccy"]: d for d in account["data"][0]["details"]}["USDT"]
            assert usdt["cashBal"] == "100000"
            await ws.send(json.dumps({"id": "a1", "op": "order", "args": [
                {"instIdCode": code, "tdMode": "cash", "side": "buy", "ordType": "limit", "px": "1000",
                 "sz": "0.01", "clOrdId": "ws1"}]}))
            answer = await inbox.next(lambda m: m.get("op") == "order")
            assert answer["id"] == "a1" and answer["code"] == "0" and answer["msg"] == ""
            item = answer["data"][0]
            assert item["sCode"] == "0" and item["clOrdId"] == "ws1" and item["ordId"]
            assert int(answer["outTime"]) >= int(answer["inTime"])
            pushed = await inbox.next(lambda m: m.get("arg", {}).get("channel") == "orders")
            assert pushed["data"][0]["ordId"] == item["ordId"] and pushed["data"][0]["state"] == "live"
            assert pushed["arg"] == {"channel": "orders", "instType": "SPOT", "uid": account["arg"]["uid"]}
            frozen = await inbox.next(lambda m: m.get("arg", {}).get("channel") == "account")
            assert frozen["eventType"] == "event_update"
            assert [d["ccy"] for d in frozen["data"][0]["details"]] == ["USDT"]  # only what changed
            assert frozen["data"][0]["details"][0]["frozenBal"] == "10"
            # deprecated instId still accepted; a bad one and a bad size → per-item codes, top "2"
            await ws.send(json.dumps({"id": "a2", "op": "batch-orders", "args": [
                {"instId": "BTC-USDT", "tdMode": "cash", "side": "buy", "ordType": "limit", "px": "1000",
                 "sz": "0.01"},
                {"instIdCode": 1, "tdMode": "cash", "side": "buy", "ordType": "limit", "px": "1", "sz": "1"}]}))
            batch = await inbox.next(lambda m: m.get("op") == "batch-orders")
            assert batch["code"] == "2" and [i["sCode"] for i in batch["data"]] == ["0", "51001"]
            await ws.send(json.dumps({"id": "a3", "op": "cancel-order", "args": [
                {"instIdCode": code, "clOrdId": "ws1"}]}))
            canceled = await inbox.next(lambda m: m.get("op") == "cancel-order")
            assert canceled["code"] == "0" and canceled["data"][0]["ordId"] == item["ordId"]
            gone = await inbox.next(lambda m: m.get("arg", {}).get("channel") == "orders"
                                   and m["data"][0]["state"] == "canceled")
            assert gone["data"][0]["clOrdId"] == "ws1"
            await ws.send(json.dumps({"op": "order", "args": [{"instIdCode": code}]}))
            assert (await inbox.next(lambda m: m.get("op") == "order"))["code"] == "60013"  # no id
            # a market buy fills at once: the fill shows on orders (fillSz) and on the balances
            await ws.send(json.dumps({"id": "a4", "op": "order", "args": [
                {"instIdCode": code, "tdMode": "cash", "side": "buy", "ordType": "market", "sz": "100"}]}))
            filled = await inbox.next(lambda m: m.get("arg", {}).get("channel") == "orders"
                                     and m["data"][0]["state"] == "filled")
            assert filled["data"][0]["fillSz"] != "0" and filled["data"][0]["execType"] == "T"
            bp = await inbox.next(lambda m: m.get("arg", {}).get("channel") == "balance_and_position"
                                 and m["data"][0]["eventType"] == "filled")
            assert {b["ccy"] for b in bp["data"][0]["balData"]} >= {"BTC", "USDT"}
            # an order placed over REST is pushed too (every change, however made)
            swap = {"instId": "BTC-USDT-SWAP", "tdMode": "cross", "side": "buy", "ordType": "market", "sz": "1"}
            status, body = await rest_place(running, swap)
            assert body["code"] == "0", body
            pos = await inbox.next(lambda m: m.get("arg", {}).get("channel") == "positions"
                                  and m.get("eventType") == "event_update")
            assert pos["data"][0]["instId"] == "BTC-USDT-SWAP" and pos["data"][0]["pos"] == "1"
        return True

    assert await against_emulator(reactor, scenario)


async def rest_place(running, order):
    import aiohttp

    from okxbridge.sim.auth import sign
    from tests.sim.simsupport import iso_now

    body = json.dumps(order)
    ts = iso_now(time.time())
    headers = {"OK-ACCESS-KEY": KEY.api_key, "OK-ACCESS-PASSPHRASE": KEY.passphrase, "OK-ACCESS-TIMESTAMP": ts,
               "OK-ACCESS-SIGN": sign(KEY.secret, ts, "POST", "/api/v5/trade/order", body),
               "Content-Type": "application/json"}
    async with aiohttp.ClientSession() as session:
        async with session.post(running.url + "/api/v5/trade/order", data=body, headers=headers) as response:
            return response.status, await response.json()


@pytest_twisted.ensureDeferred
async def test_a_key_of_the_other_environment_cannot_log_in(reactor):
    import websockets

    async def scenario(running):
        for url, key in (("/private?brokerId=9999", KEY), ("/private", DEFAULT_DEMO_ACCOUNT)):
            async with websockets.connect(running.ws_url + url) as ws:
                await ws.send(login(key))
                refused = await next_json(ws)
                assert (refused["event"], refused["code"], refused["msg"]) == (
                    "error", "50101", "APIKey does not match current environment."), refused
        return True

    assert await against_emulator(reactor, scenario)


@pytest_twisted.ensureDeferred
async def test_demo_environment_is_its_own_account_and_lost_answers_still_execute(reactor):
    import websockets

    async def scenario(running):
        emu = running.emulator
        code = emu.instrument("ETH-USDT").code_in(True)  # demo's own code (issue 25: OKX's differ from live's)
        order = {"instIdCode": code, "tdMode": "cash", "side": "buy", "ordType": "limit", "px": "100",
                 "sz": "0.01", "clOrdId": "demo1"}
        async with websockets.connect(running.ws_url + "/private?brokerId=9999") as ws:
            await ws.send(login(DEFAULT_DEMO_ACCOUNT))
            assert (await next_json(ws))["event"] == "login"
            await ws.send(json.dumps({"id": "1", "op": "order", "args": [order]}))
            assert (await next_json(ws, lambda m: m.get("op") == "order"))["code"] == "0"
        assert [o["demo"] for o in emu.orders()] == [True]
        await control(running, {"action": "lose_answer"})
        async with websockets.connect(running.ws_url + "/private") as ws:
            await ws.send(login())
            await next_json(ws)
            live = {**order, "clOrdId": "lost1", "instIdCode": emu.instrument("ETH-USDT").inst_id_code}
            await ws.send(json.dumps({"id": "2", "op": "order", "args": [live]}))
            try:
                await next_json(ws, lambda m: m.get("op") == "order")
                raise AssertionError("the answer was meant to be lost")
            except websockets.ConnectionClosed:
                pass
        assert [(o["clOrdId"], o["demo"]) for o in emu.orders()] == [("demo1", True), ("lost1", False)]
        return True

    assert await against_emulator(reactor, scenario)


@pytest_twisted.ensureDeferred
async def test_ccxt_pro_private_calls(reactor):
    async def scenario(running):
        exchange = ccxt_pro(running)
        exchange.apiKey, exchange.secret, exchange.password = KEY.api_key, KEY.secret, KEY.passphrase
        try:
            await exchange.load_markets()
            balance = await exchange.watch_balance()
            assert balance["USDT"]["total"] == 100000 and balance["BTC"]["free"] == 10
            positions = await exchange.watch_positions()
            assert positions == []
            watching = asyncio.ensure_future(exchange.watch_orders("BTC/USDT"))
            # orders has no snapshot: the subscribe must go out before the order (same socket, in order)
            client = exchange.client(running.ws_url + "/private")
            while not any("orders" in str(h) for h in client.subscriptions):
                await asyncio.sleep(0)
            order = await exchange.create_order_ws("BTC/USDT", "limit", "buy", 0.01, 1000)
            assert order["id"] and order["status"] in ("open", None)
            orders = await watching
            assert orders[-1]["id"] == order["id"] and orders[-1]["status"] == "open"
            assert orders[-1]["price"] == 1000 and orders[-1]["amount"] == 0.01
            await exchange.cancel_order_ws(order["id"], "BTC/USDT")
            while True:
                orders = await exchange.watch_orders("BTC/USDT")
                if orders[-1]["status"] == "canceled":
                    break
            assert orders[-1]["id"] == order["id"]
            swap = await exchange.create_order_ws("BTC/USDT:USDT", "market", "buy", 2)
            assert swap["id"]
            while True:
                positions = await exchange.watch_positions()
                if positions and positions[-1]["contracts"]:
                    break
            assert positions[-1]["symbol"] == "BTC/USDT:USDT" and positions[-1]["contracts"] == 2
            return True
        finally:
            await exchange.close()

    assert await against_emulator(reactor, scenario)


@pytest_twisted.ensureDeferred
async def test_order_ops_honour_exptime_and_the_hold_fault(reactor):
    """docs #overview-transaction-timeouts on the WebSocket: a top-level ``expTime`` (ms); an op
    arriving after it is answered 50036, one held until after it 50037, neither executed."""
    import websockets

    async def scenario(running):
        emu = running.emulator
        code = emu.instrument("ETH-USDT").inst_id_code
        order = {"instIdCode": code, "tdMode": "cash", "side": "buy", "ordType": "limit", "px": "100", "sz": "0.01"}
        now_ms = int(emu.now() * 1000)
        async with websockets.connect(running.ws_url + "/private") as ws:
            await ws.send(login())
            await next_json(ws)
            await ws.send(json.dumps({"id": "1", "op": "order", "expTime": str(now_ms - 1),
                                      "args": [{**order, "clOrdId": "late1"}]}))
            late = await next_json(ws, lambda m: m.get("op") == "order")
            assert (late["code"], late["data"][0]["sCode"]) == ("1", "50036")
            emu.add_fault("/api/v5/trade/order", "hold", method="POST", seconds=0.6)
            await ws.send(json.dumps({"id": "2", "op": "order", "expTime": str(int(emu.now() * 1000) + 200),
                                      "args": [{**order, "clOrdId": "held1"}]}))
            held = await next_json(ws, lambda m: m.get("op") == "order")
            assert (held["id"], held["data"][0]["sCode"], held["data"][0]["sMsg"]) == ("2", "50037", "Order expired.")
            emu.add_fault("/api/v5/trade/order", "hold", method="POST", seconds=0.2)
            await ws.send(json.dumps({"id": "3", "op": "order", "expTime": str(int(emu.now() * 1000) + 5000),
                                      "args": [{**order, "clOrdId": "held2"}]}))
            ok = await next_json(ws, lambda m: m.get("op") == "order")
            assert (ok["id"], ok["code"]) == ("3", "0")
        assert [o["clOrdId"] for o in emu.orders()] == ["held2"]
        assert emu.faults.held == {"executed": 1, "expired": 1}
        return True

    assert await against_emulator(reactor, scenario)


def test_demo_codes_differ_from_live_and_some_are_null():
    listed = catalogue(1_750_000_000)
    live = {inst.code_in(False) for inst in listed.values()}
    demo = {inst.code_in(True) for inst in listed.values()} - {None}
    assert not live & demo and listed["OKB-USDT"].to_okx(demo=True)["instIdCode"] is None
    assert listed["OKB-USDT"].to_okx()["instIdCode"] == listed["OKB-USDT"].inst_id_code
