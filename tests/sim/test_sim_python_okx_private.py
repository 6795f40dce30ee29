"""python-okx's private WebSocket client (``WsPrivateAsync``) against the emulator's
``/ws/v5/private``: login, the ``account``, ``orders`` and ``positions`` channels, and orders
placed with the client's own ``place_order``.

python-okx's ``subscribe()`` logs in, then sleeps a fixed 5 s (``asyncio.sleep(5)``) before
it sends the subscription, whatever the login answer. The first test does not wait for the
clock: it sends the login with the client's own ``login()``, waits for the emulator's
``login`` event, then subscribes with the client's generic ``send("subscribe", …)``. The
second runs ``subscribe()`` as a user would and so pays the library's 5 s; it is bounded
like every scenario here (``BOUND`` in tests/sim/test_sim_ws.py).

python-okx only speaks wss, so the emulator runs with a self-signed certificate trusted
through SSL_CERT_FILE (as in test_sim_ws.py's public-client test).
"""

import asyncio
import json

import pytest_twisted

from okxbridge.sim import DEFAULT_ACCOUNT
from tests.sim.test_sim_tls import self_signed
from tests.sim.test_sim_ws import against_emulator

KEY = DEFAULT_ACCOUNT
SWAP_BUY = {"instId": "BTC-USDT-SWAP", "tdMode": "cross", "side": "buy", "ordType": "market", "sz": "2"}


class Received:
    """What python-okx's callback was handed (raw text), read in order with a predicate."""

    def __init__(self):
        self.queue: asyncio.Queue = asyncio.Queue()
        self.unread: list[dict] = []

    def __call__(self, text: str) -> None:
        if text != "pong":
            self.queue.put_nowait(json.loads(text))

    async def next(self, predicate=lambda m: True) -> dict:
        for message in self.unread:
            if predicate(message):
                self.unread.remove(message)
                return message
        while True:
            message = await self.queue.get()
            if predicate(message):
                return message
            self.unread.append(message)


def channel(name: str, event_type: str | None = None):
    return lambda m: (m.get("arg", {}).get("channel") == name and "data" in m
                      and (event_type is None or m.get("eventType") == event_type))


def private_client(running, secret: str = KEY.secret):
    from okx.websocket.WsPrivateAsync import WsPrivateAsync

    assert running.ws_url.startswith("wss://")
    return WsPrivateAsync(apiKey=KEY.api_key, passphrase=KEY.passphrase, secretKey=secret,
                          url=running.ws_url + "/private")


async def with_tls(reactor, tmp_path, monkeypatch, scenario):
    cert, key, _ = self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    return await against_emulator(reactor, scenario, tls_cert=str(cert), tls_key=str(key))


@pytest_twisted.ensureDeferred
async def test_python_okx_private_client_logs_in_and_follows_account_orders_and_positions(
        reactor, tmp_path, monkeypatch):
    async def scenario(running):
        client, got = private_client(running), Received()
        client.callback = got
        await client.start()
        try:
            await client.login()
            logged_in = await got.next(lambda m: m.get("event") in ("login", "error"))
            await client.send("subscribe", [{"channel": "account"}, {"channel": "orders", "instType": "ANY"},
                                            {"channel": "positions", "instType": "ANY"}])
            acks = [await got.next(lambda m: m.get("event") == "subscribe") for _ in range(3)]
            account = await got.next(channel("account"))
            await client.place_order([{**SWAP_BUY, "clOrdId": "pyokx1"}], id="p1")
            placed = await got.next(lambda m: m.get("op") == "order")
            filled = await got.next(lambda m: channel("orders")(m) and m["data"][0]["state"] == "filled")
            position = await got.next(channel("positions", "event_update"))
        finally:
            await client.stop()
        return logged_in, acks, account, placed, filled, position

    logged_in, acks, account, placed, filled, position = await with_tls(reactor, tmp_path, monkeypatch, scenario)
    assert logged_in["event"] == "login" and logged_in["code"] == "0", logged_in
    assert [a["arg"]["channel"] for a in acks] == ["account", "orders", "positions"]
    assert account["data"][0]["details"] and {d["ccy"] for d in account["data"][0]["details"]} >= {"USDT"}
    assert placed["id"] == "p1" and placed["code"] == "0" and placed["data"][0]["sCode"] == "0"
    order = filled["data"][0]
    assert order["clOrdId"] == "pyokx1" and order["ordId"] == placed["data"][0]["ordId"]
    assert order["instId"] == "BTC-USDT-SWAP" and order["accFillSz"] == "2"
    held = position["data"][0]
    assert held["instId"] == "BTC-USDT-SWAP" and held["pos"] == "2"


@pytest_twisted.ensureDeferred
async def test_python_okx_subscribe_as_a_user_calls_it(reactor, tmp_path, monkeypatch):
    """``subscribe()`` itself, with its fixed 5 s wait after the login (python-okx's, not
    ours); a second client with a wrong secret is refused at login and gets no channel."""
    async def scenario(running):
        good, bad = private_client(running), private_client(running, secret="not-the-secret")
        got, refused = Received(), Received()
        await good.start()
        await bad.start()
        try:
            await asyncio.gather(good.subscribe([{"channel": "account"}], callback=got),
                                 bad.subscribe([{"channel": "account"}], callback=refused))
            ack = await got.next(lambda m: m.get("event") == "subscribe")
            snapshot = await got.next(channel("account"))
            login_error = await refused.next(lambda m: m.get("event") in ("login", "error"))
        finally:
            await good.stop()
            await bad.stop()
        return ack, snapshot, login_error, refused.unread + [refused.queue.get_nowait()
                                                            for _ in range(refused.queue.qsize())]

    ack, snapshot, login_error, after = await with_tls(reactor, tmp_path, monkeypatch, scenario)
    assert ack["arg"] == {"channel": "account"} and snapshot["eventType"] == "snapshot"
    assert login_error["event"] == "error" and login_error["code"] == "60007", login_error  # invalid sign
    assert not [m for m in after if "data" in m], after
