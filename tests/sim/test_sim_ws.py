"""The emulator's WebSocket API, driven by clients nobody here wrote: ccxt.pro's okx
(asyncio + aiohttp), the ``websockets`` package for the raw protocol, and python-okx's
``WsPublicAsync`` over wss. Each client runs in a thread with its own event loop while this
process's reactor serves the emulator; every scenario is bounded by ``asyncio.wait_for``.
"""

import asyncio
import json

import pytest_twisted
import treq
from twisted.internet import threads

from okxbridge.sim.testing import start_emulator
from okxbridge.sim.ws_feeds import legacy_checksum
from tests.sim.test_sim_tls import self_signed

BOUND = 20.0  # seconds any one scenario may take before it fails


async def against_emulator(reactor, scenario, **emulator_kwargs):
    """Run ``async scenario(running)`` on an asyncio loop in a thread against a fresh emulator."""
    running = await start_emulator(reactor, seed=4, **emulator_kwargs)
    try:
        return await threads.deferToThread(lambda: asyncio.run(asyncio.wait_for(scenario(running), BOUND)))
    finally:
        await running.stop()


def ccxt_pro(running):
    import ccxt.pro

    exchange = ccxt.pro.okx({"enableRateLimit": False})
    exchange.urls["api"]["rest"] = running.url  # load_markets
    exchange.urls["api"]["ws"] = running.ws_url
    return exchange


@pytest_twisted.ensureDeferred
async def test_ccxt_pro_watches_ticker_book_trades_and_candles(reactor):
    async def scenario(running):
        exchange = ccxt_pro(running)
        try:
            ticker = await exchange.watch_ticker("BTC/USDT")
            assert ticker["symbol"] == "BTC/USDT" and ticker["bid"] < ticker["ask"]
            # ccxt.pro checks each update's prevSeqId against the last seqId (InvalidNonce otherwise)
            nonces = []
            for _ in range(4):
                book = await exchange.watch_order_book("BTC/USDT")
                nonces.append(book["nonce"])
                assert len(book["bids"]) == len(book["asks"]) == 400
                assert book["bids"][0][0] < book["asks"][0][0]
            assert nonces == sorted(set(nonces))
            trades = await exchange.watch_trades("ETH/USDT")
            assert trades[-1]["symbol"] == "ETH/USDT" and trades[-1]["side"] in ("buy", "sell")
            bars = await exchange.watch_ohlcv("BTC/USDT", "1m")
            opened, o, h, low, c, volume = bars[-1]
            assert opened % 60_000 == 0 and low <= min(o, c) <= max(o, c) <= h and volume > 0
            swap = await exchange.watch_ticker("BTC/USDT:USDT")
            assert swap["symbol"] == "BTC/USDT:USDT"
        finally:
            await exchange.close()

    await against_emulator(reactor, scenario)


@pytest_twisted.ensureDeferred
async def test_ccxt_pro_sees_a_skipped_sequence_number_and_recovers_with_a_new_snapshot(reactor):
    import ccxt

    async def scenario(running):
        exchange = ccxt_pro(running)
        try:
            await exchange.watch_order_book("BTC/USDT")
            assert (await asyncio.to_thread(control, running, {"action": "skip_seq"}))["ok"] is True
            gap = None
            for _ in range(50):
                try:
                    await exchange.watch_order_book("BTC/USDT")
                except ccxt.InvalidNonce as error:
                    gap = error
                    break
            assert gap is not None, "ccxt.pro never saw the gap"
            book = await exchange.watch_order_book("BTC/USDT")  # unsubscribe + subscribe: fresh snapshot
            assert len(book["bids"]) == 400
        finally:
            await exchange.close()

    await against_emulator(reactor, scenario)


async def raw_session(url, messages, wanted):
    """Send ``messages`` on one connection; collect decoded replies until ``wanted`` arrived."""
    import websockets

    replies = []
    async with websockets.connect(url) as ws:
        for message in messages:
            await ws.send(message)
        while len(replies) < wanted:
            text = await ws.recv()
            replies.append(text if text == "pong" else json.loads(text))
    return replies


@pytest_twisted.ensureDeferred
async def test_events_errors_and_ping(reactor):
    async def scenario(running):
        public = running.ws_url + "/public?brokerId=9999"
        replies = await raw_session(public, [
            "ping",
            json.dumps({"id": "7", "op": "subscribe", "args": [{"channel": "books", "instId": "ETH-USDT"}]}),
            json.dumps({"op": "subscribe", "args": [{"channel": "candle1m", "instId": "ETH-USDT"}]}),
            json.dumps({"id": "8", "op": "subscribe", "args": [{"channel": "tickers", "instId": "NOPE-USDT"}]}),
            json.dumps({"op": "fly", "args": []}),
            "{not json",
            json.dumps({"id": "9", "op": "unsubscribe", "args": [{"channel": "books", "instId": "ETH-USDT"}]}),
        ], 8)
        assert replies[0] == "pong"
        ack, snapshot = replies[1], replies[2]
        assert (ack["id"] == "7" and ack["event"] == "subscribe"
                and ack["arg"] == {"channel": "books", "instId": "ETH-USDT"})
        assert len(ack["connId"]) == 8
        assert snapshot["action"] == "snapshot" and snapshot["arg"] == ack["arg"]
        data = snapshot["data"][0]
        assert data["prevSeqId"] == -1 and isinstance(data["seqId"], int) and data["checksum"] == 0
        errors = [r for r in replies[3:] if r.get("event") == "error"]
        assert [e["code"] for e in errors] == ["60018", "60018", "60019", "60012"]
        assert errors[1]["id"] == "8" and all(e["connId"] == ack["connId"] for e in errors)
        unsubscribed = [r for r in replies[3:] if r.get("event") == "unsubscribe"]
        assert unsubscribed and unsubscribed[0]["id"] == "9"
        business = await raw_session(running.ws_url + "/business", [
            json.dumps({"op": "subscribe", "args": [{"channel": "candle1H", "instId": "BTC-USDT-SWAP"}]})], 2)
        row = business[1]["data"][0]
        assert business[1]["arg"]["channel"] == "candle1H" and len(row) == 9 and row[8] == "0"
        return True

    assert await against_emulator(reactor, scenario)


@pytest_twisted.ensureDeferred
async def test_legacy_checksum_when_asked_for(reactor):
    async def scenario(running):
        replies = await raw_session(running.ws_url + "/public", [
            json.dumps({"op": "subscribe", "args": [{"channel": "books", "instId": "BTC-USDT"}]})], 2)
        data = replies[1]["data"][0]
        assert data["checksum"] == legacy_checksum(data["bids"], data["asks"]) != 0
        return True

    assert await against_emulator(reactor, scenario, legacy_checksum=True)


def test_legacy_checksum_matches_okx_documented_vectors():
    # spec okx-ws.md §4: the doc's strings with CRC32 as a signed int
    assert legacy_checksum([["3366.1", "7"], ["3366", "6"]], [["3366.8", "9"], ["3368", "8"]]) == -1881014294
    assert legacy_checksum([["3366.1", "7"]], [["3366.8", "9"], ["3368", "8"], ["3372", "8"]]) == 831078360


def control(running, spec):
    """POST /__sim__/ws from the client's thread (blocking is fine there)."""
    import urllib.request

    request = urllib.request.Request(running.url + "/__sim__/ws", data=json.dumps(spec).encode(), method="POST")
    return json.loads(urllib.request.urlopen(request, timeout=BOUND).read())


@pytest_twisted.ensureDeferred
async def test_silence_then_drop(reactor):
    async def scenario(running):
        import websockets

        async with websockets.connect(running.ws_url + "/public") as ws:
            await ws.send(json.dumps({"op": "subscribe", "args": [{"channel": "tickers", "instId": "BTC-USDT"}]}))
            assert json.loads(await ws.recv())["event"] == "subscribe"
            await asyncio.to_thread(control, running, {"action": "silence"})
            await ws.send("ping")  # unanswered while silent
            assert (await asyncio.to_thread(control, running, {"action": "resume"}))["silent"] is False
            await ws.send(json.dumps({"id": "z", "op": "subscribe",
                                      "args": [{"channel": "books5", "instId": "BTC-USDT"}]}))
            await ws.send("ping")
            replies = []
            while "pong" not in replies:
                text = await ws.recv()
                message = text if text == "pong" else json.loads(text)
                if text == "pong" or "data" not in message:
                    replies.append(message if text != "pong" else "pong")
            # the ping sent while silent got no pong: the first reply after resume is the ack
            assert replies[0]["id"] == "z" and replies[1:] == ["pong"]
            stats = await asyncio.to_thread(control, running, {"action": "drop"})
            assert stats["connections_made"] == 1
            try:
                while True:
                    await ws.recv()
            except websockets.ConnectionClosed:
                return True

    assert await against_emulator(reactor, scenario)
    running = await start_emulator(reactor)
    try:
        response = await treq.post(running.url + "/__sim__/ws", json={"action": "explode"}, persistent=False)
        assert response.code == 400 and "drop" in (await response.json())["error"]
    finally:
        await running.stop()


@pytest_twisted.ensureDeferred
async def test_python_okx_public_client_over_wss(reactor, tmp_path, monkeypatch):
    """python-okx's WsPublicAsync only speaks wss: the emulator's self-signed certificate
    is trusted through SSL_CERT_FILE, which python-okx's default context loads."""
    cert, key, _ = self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))

    async def scenario(running):
        from okx.websocket.WsPublicAsync import WsPublicAsync

        assert running.ws_url.startswith("wss://")
        got = asyncio.Queue()
        client = WsPublicAsync(url=running.ws_url + "/public")
        await client.start()
        await client.subscribe([{"channel": "tickers", "instId": "BTC-USDT"},
                                {"channel": "books5", "instId": "ETH-USDT"}], callback=got.put_nowait)
        messages = [json.loads(await got.get()) for _ in range(4)]
        await client.stop()
        return messages

    messages = await against_emulator(reactor, scenario, tls_cert=str(cert), tls_key=str(key))
    acks = [m for m in messages if m.get("event") == "subscribe"]
    pushes = {m["arg"]["channel"]: m["data"][0] for m in messages if "data" in m}
    assert len(acks) == 2
    assert pushes["tickers"]["instId"] == "BTC-USDT"
    assert len(pushes["books5"]["asks"]) == 5 and pushes["books5"]["instId"] == "ETH-USDT"


def test_trades_pushes_fold_a_taker_orders_trades_and_trades_all_pushes_each():
    from decimal import Decimal

    from okxbridge.sim import prices
    from okxbridge.sim.ws_feeds import TradesFeed
    from tests.sim.simsupport import START, clocked_emulator

    emu, _ = clocked_emulator()
    inst = emu.instrument("BTC-USDT")
    folded, each = TradesFeed(emu.walk, inst, "trades"), TradesFeed(emu.walk, inst, "trades-all")
    folded.snapshot(START), each.snapshot(START)
    aggregated = [p["data"][0] for p in folded.advance(START + 20)]
    singles = [p["data"] for p in each.advance(START + 20)]
    assert len(aggregated) == 20 and all(len(data) == 1 for data in singles)
    singles = [data[0] for data in singles]
    # REST lists the same trades, one row each, newest first
    assert [t["tradeId"] for t in reversed(singles)] == [
        t["tradeId"] for t in prices.trades(emu.walk, inst, START + 20, len(singles))]
    assert sum(int(a["count"]) for a in aggregated) == len(singles) and max(int(a["count"]) for a in aggregated) > 1
    for item in aggregated:
        fills = [t for t in singles if t["ts"] == item["ts"]]
        assert item["count"] == str(len(fills)) and item["tradeId"] == fills[-1]["tradeId"] == str(item["seqId"])
        assert Decimal(item["sz"]) == sum(Decimal(t["sz"]) for t in fills) and {t["px"] for t in fills} == {item["px"]}
        assert "count" not in fills[0]
