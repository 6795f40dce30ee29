"""okxsim's WebSocket limits (okxbridge/sim/ws_limits.py), as OKX documents them: 3 new
connections a second per IP (HTTP 429), 480 subscribe/unsubscribe/login requests per
connection-hour (60014), the 30 s idle close (4004). The emulator runs on a task.Clock the
test moves; the clients are the ``websockets`` package in a thread (tests/sim/test_sim_ws.py)."""

import json

import pytest_twisted
from twisted.internet import task, threads

from okxbridge.sim.ws_limits import OPS_PER_HOUR
from tests.sim.test_sim_ws import against_emulator

START = 1_750_000_000.0


def clocked():
    clock = task.Clock()
    clock.advance(START)
    return clock


def advance(reactor, clock, seconds):
    """Move the emulator's clock from the client's thread (the reactor owns it)."""
    threads.blockingCallFromThread(reactor, clock.advance, seconds)


async def recv_json(ws, predicate=lambda m: True):
    while True:
        text = await ws.recv()
        message = text if text == "pong" else json.loads(text)
        if predicate(message):
            return message


@pytest_twisted.ensureDeferred
async def test_a_fourth_connection_within_a_second_is_refused_with_429(reactor):
    import websockets

    clock = clocked()

    async def scenario(running):
        url = running.ws_url + "/public"
        opened = [await websockets.connect(url) for _ in range(3)]
        try:
            try:
                await websockets.connect(running.ws_url + "/business")  # any path: OKX counts per IP
                raise AssertionError("the fourth connection in one second was let in")
            except websockets.InvalidStatus as refused:
                assert refused.response.status_code == 429
            advance(reactor, clock, 1.0)  # the next second has room again
            opened.append(await websockets.connect(url))
        finally:
            for ws in opened:
                await ws.close()
        return running.emulator.ws.stats()

    stats = await against_emulator(reactor, scenario, clock=clock)
    assert stats["connections_made"] == 4 and stats["refused"] == {"connections": 1}


@pytest_twisted.ensureDeferred
async def test_requests_past_480_an_hour_on_a_connection_get_60014_and_are_not_done(reactor):
    import websockets

    clock = clocked()
    sub = {"channel": "tickers", "instId": "BTC-USDT"}

    async def scenario(running):
        async with websockets.connect(running.ws_url + "/public") as ws:
            for i in range(OPS_PER_HOUR):
                await ws.send(json.dumps({"id": str(i), "op": "unsubscribe" if i % 2 else "subscribe", "args": [sub]}))
            await recv_json(ws, lambda m: m != "pong" and m.get("id") == str(OPS_PER_HOUR - 1))
            await ws.send(json.dumps({"id": "over", "op": "subscribe", "args": [sub]}))
            refused = await recv_json(ws, lambda m: m != "pong" and m.get("id") == "over")
            assert (refused["event"], refused["code"]) == ("error", "60014"), refused
            assert running.emulator.ws.stats()["subscriptions"] == 0  # the refused subscribe was not done
            advance(reactor, clock, 3600.0)  # an hour later: room again
            await ws.send(json.dumps({"id": "later", "op": "subscribe", "args": [sub]}))
            assert (await recv_json(ws, lambda m: m != "pong" and m.get("id") == "later"))["event"] == "subscribe"
        return True

    # the idle close is not what this test is about: the hour passes in one step
    assert await against_emulator(reactor, scenario, clock=clock, ws_idle=0)


@pytest_twisted.ensureDeferred
async def test_idle_connections_are_closed_with_4004_after_30_seconds(reactor):
    import websockets

    clock = clocked()

    async def scenario(running):
        bare = await websockets.connect(running.ws_url + "/public")       # never subscribes
        quiet = await websockets.connect(running.ws_url + "/business")    # subscribed, pinging
        await quiet.send(json.dumps({"op": "subscribe", "args": [{"channel": "candle1D", "instId": "BTC-USDT"}]}))
        await recv_json(quiet, lambda m: m != "pong" and m.get("event") == "subscribe")
        for _ in range(3):  # 29 s, then 10 s more twice: a ping answered keeps a subscribed connection
            advance(reactor, clock, 10.0 if _ else 29.0)
            await quiet.send("ping")
            await recv_json(quiet, lambda m: m == "pong")
        try:
            await bare.recv()
            raise AssertionError("a connection without a subscription stayed open past 30 s")
        except websockets.ConnectionClosed as closed:
            assert (closed.rcvd.code, closed.rcvd.reason) == (4004, "No data received in 30s.")
        assert quiet.state is websockets.protocol.State.OPEN
        # a subscribed connection sent nothing for 30 s (silenced, unpinged): closed too
        threads.blockingCallFromThread(reactor, running.emulator.ws.fault, {"action": "silence"})
        advance(reactor, clock, 30.0)
        try:
            while True:
                await quiet.recv()
        except websockets.ConnectionClosed as closed:
            assert closed.rcvd.code == 4004
        return running.emulator.ws.stats()

    stats = await against_emulator(reactor, scenario, clock=clock)
    assert stats["refused"] == {"idle": 2}
