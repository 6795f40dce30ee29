"""The daemon end to end against OKX's *recorded* answers (tests/fixtures/okx-recorded):
the FMZ fields are derived from what real OKX sent, over real sockets."""

import copy
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest_twisted

from okxbridge.testing import start_bridge
from tests.conftest import recorded
from tests.recorded_okx import KEY, PASSPHRASE, SECRET, RecordedOkx

SECRET_KEY = f"{SECRET},{PASSPHRASE}"


async def serve(reactor, routes):
    okx = RecordedOkx(routes)
    from twisted.web.server import Site
    port = reactor.listenTCP(0, Site(okx), interface="127.0.0.1")
    bridge = await start_bridge(reactor, f"http://127.0.0.1:{port.getHost().port}")
    return okx, port, bridge


async def close(port, bridge):
    await bridge.stop()
    await port.stopListening()


@pytest_twisted.ensureDeferred
async def test_ticker_from_recorded_okx(reactor):
    rec = recorded("fetchTicker")
    okx, port, bridge = await serve(reactor, {"/api/v5/market/ticker": [rec["httpResponse"]]})
    try:
        answer = await bridge.call("ticker", {"symbol": "btc_usdt"}, access_key=KEY, secret_key=SECRET_KEY)
    finally:
        await close(port, bridge)
    t = rec["httpResponse"]["data"][0]
    assert answer["data"] == {
        "symbol": "BTC_USDT", "buy": float(t["bidPx"]), "sell": float(t["askPx"]), "high": float(t["high24h"]),
        "low": float(t["low24h"]), "open": float(t["open24h"]), "last": float(t["last"]),
        "vol": float(t["vol24h"]), "quote_vol": float(t["volCcy24h"]), "time": int(t["ts"]),
    }
    assert answer["raw"] == rec["httpResponse"]
    method, uri, headers = okx.requests[0]
    assert (method, uri) == ("GET", "/api/v5/market/ticker?instId=BTC-USDT")
    assert b"Ok-Access-Sign" not in headers  # public data is not signed


@pytest_twisted.ensureDeferred
async def test_accounts_from_recorded_balance(reactor):
    rec = recorded("fetchBalance", 2)
    assert rec["input"] == []
    okx, port, bridge = await serve(reactor, {"/api/v5/account/balance": [rec["httpResponse"]]})
    try:
        answer = await bridge.call("accounts", {}, access_key=KEY, secret_key=SECRET_KEY + ",simulate")
    finally:
        await close(port, bridge)
    details = rec["httpResponse"]["data"][0]["details"]
    assert [row["currency"] for row in answer["data"]] == [d["ccy"] for d in details]
    for row, d in zip(answer["data"], details, strict=True):
        # issue 14: in a margin account mode (availEq filled) free is the available equity and
        # frozen the rest of the equity, as ccxt reads it (was availBal / frozenBal)
        assert d["availEq"] != ""
        assert Decimal(str(row["free"])) == Decimal(d["availEq"])
        assert abs(Decimal(str(row["frozen"])) - (Decimal(d["eq"]) - Decimal(d["availEq"]))) < Decimal("1e-12")
    headers = okx.requests[0][2]
    assert headers[b"Ok-Access-Key"] == [KEY.encode()]
    assert headers[b"X-Simulated-Trading"] == [b"1"]


@pytest_twisted.ensureDeferred
async def test_open_orders_follow_every_page(reactor):
    rec = recorded("fetchOpenOrders", 1)
    real = rec["httpResponse"]["data"][0]
    # page 1 is full (100 orders, ids descending as OKX lists them), page 2 holds the recorded order
    full = copy.deepcopy(rec["httpResponse"])
    full["data"] = [dict(real, ordId=str(9000 - i)) for i in range(100)]
    okx, port, bridge = await serve(reactor, {"/api/v5/trade/orders-pending": [full, rec["httpResponse"]]})
    try:
        answer = await bridge.call("orders", {"symbol": "ADA_USDT.swap"}, access_key=KEY, secret_key=SECRET_KEY)
    finally:
        await close(port, bridge)
    assert len(answer["data"]) == 101
    assert len(answer["raw"]) == 2
    queries = [parse_qs(urlsplit(uri).query) for _, uri, _ in okx.requests]
    assert queries[0] == {"instType": ["SWAP"], "instId": ["ADA-USDT-SWAP"], "limit": ["100"]}
    assert queries[1]["after"] == ["8901"]
    last = answer["data"][-1]
    assert last == {
        "id": f"ADA-USDT-SWAP,{real['ordId']}", "symbol": "ADA_USDT.swap", "amount": float(real["sz"]),
        "price": float(real["px"]), "deal_amount": float(real["accFillSz"]), "avg_price": 0,
        "type": real["side"], "status": "pending", "time": int(real["cTime"]), "order_type": real["ordType"],
        "client_id": real["clOrdId"], "offset": "open", "contract_type": "swap",
    }


@pytest_twisted.ensureDeferred
async def test_wrong_secret_is_okx_auth_error(reactor):
    okx, port, bridge = await serve(reactor, {})
    try:
        answer = await bridge.call("accounts", {}, access_key=KEY, secret_key="wrong,pass")
    finally:
        await close(port, bridge)
    assert answer == {"error": "OKX 50113: Invalid Sign (GET /api/v5/account/balance)"}
