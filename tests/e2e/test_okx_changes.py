"""OKX's 2025–2026 changes end to end (issue 25): ``books`` without the initial snapshot,
crossed pre-open books, hosts by region, WebSocket orders for instruments without an
``instIdCode`` and ``1s`` bars — each against okxsim behaving as OKX documents.

Clocks as in tests/e2e/test_stream.py: the market runs on ``sim_clock``, the daemon's
stream timers on ``bridge_clock``; only socket I/O is waited for, bounded.
"""

import pytest
import pytest_twisted
import treq

from tests.e2e.daemon_pair import daemon_pairs, eventually
from tests.e2e.daemons import DEMO
from tests.e2e.test_stream import Env, book_seq_delivered


@pytest.fixture
def streaming(reactor):
    start, stop_all = daemon_pairs(reactor, Env, ("--stream-fresh", "4"), stream=True)
    yield start
    stop_all()


async def subscribed(env, inst_id):
    """okxsim has the ``books`` subscription (no snapshot says so when it sends none)."""
    await env.until(lambda: ("books", inst_id) in set().union(*env.sim.ws.conns.values()),
                    f"books {inst_id} subscribed")


def books_requests(env):
    return env.sim.request_counts().get("/api/v5/market/books", 0)


async def streamed_depth_equals_rest(env, inst_id, symbol):
    await env.tick(1.0)
    await env.until(lambda: book_seq_delivered(env, inst_id), "book updates delivered")
    before = env.market_requests()
    streamed = await env.bridge.call("depth", {"symbol": symbol, "limit": 30})
    assert env.market_requests() == before  # from the stream
    assert streamed["raw"]["arg"] == {"channel": "books", "instId": inst_id}
    assert streamed["data"] == (await env.rest.call("depth", {"symbol": symbol, "limit": 30}))["data"]
    return streamed


@pytest_twisted.ensureDeferred
async def test_books_without_okx_snapshot_are_synced_from_one_rest_snapshot(streaming):
    env = await streaming(books_snapshot=False)
    await env.bridge.call("depth", {"symbol": "BTC_USDT"})  # REST, and subscribes
    await subscribed(env, "BTC-USDT")
    first_rest = books_requests(env)
    await env.tick(1.0)  # the first update arrives with no snapshot: one REST snapshot
    await env.until(lambda: book_seq_delivered(env, "BTC-USDT"), "synced from REST")
    assert books_requests(env) == first_rest + 1
    assert env.entry("books", "BTC-USDT").rest_sync
    for _ in range(3):
        await streamed_depth_equals_rest(env, "BTC-USDT", "BTC_USDT")
    assert dict(env.streams.rest_snapshots) == {"taken": 1}
    # a lost update is mended by another REST snapshot, not by a resubscribe (none would come)
    await env.ws({"action": "skip_seq"})
    await env.tick(2.0)
    await env.until(lambda: book_seq_delivered(env, "BTC-USDT"), "mended from REST")
    assert env.streams.resubscribes == {} and env.streams.rest_snapshots["taken"] == 2
    await streamed_depth_equals_rest(env, "BTC-USDT", "BTC_USDT")


@pytest_twisted.ensureDeferred
async def test_the_snapshot_control_switches_okxsim_at_run_time(streaming):
    env = await streaming()
    await env.ws({"action": "books_snapshot", "on": False})
    await env.bridge.call("depth", {"symbol": "ETH_USDT"})
    await subscribed(env, "ETH-USDT")
    await env.tick(1.0)
    await env.until(lambda: book_seq_delivered(env, "ETH-USDT"), "synced from REST")
    assert env.streams.rest_snapshots["taken"] == 1
    await streamed_depth_equals_rest(env, "ETH-USDT", "ETH_USDT")
    await env.ws({"action": "books_snapshot", "on": True})
    await env.bridge.call("depth", {"symbol": "LTC_USDT"})
    await env.ready("books", "LTC-USDT")  # OKX's snapshot, used as it always was
    assert not env.entry("books", "LTC-USDT").rest_sync
    await streamed_depth_equals_rest(env, "LTC-USDT", "LTC_USDT")
    assert env.streams.rest_snapshots["taken"] == 1


@pytest_twisted.ensureDeferred
async def test_a_crossed_pre_open_book_is_served_crossed_without_resubscribing(streaming):
    env = await streaming()
    await env.bridge.call("depth", {"symbol": "BTC_USDT"})
    await env.ready("books", "BTC-USDT")
    response = await treq.post(env.running.url + "/__sim__/book", json={"instId": "BTC-USDT", "crossed": True},
                               persistent=False)
    assert response.code == 200
    listed = await treq.get(env.running.url + "/api/v5/public/instruments?instType=SPOT", persistent=False)
    states = {i["instId"]: i["state"] for i in (await listed.json())["data"]}
    assert states["BTC-USDT"] == "preopen" and states["ETH-USDT"] == "live"
    stream = env.streams.streams[(False, "public")]
    for _ in range(10):  # 10 s of the auction
        answer = await streamed_depth_equals_rest(env, "BTC-USDT", "BTC_USDT")
        assert answer["data"]["asks"][0][0] < answer["data"]["bids"][0][0]
    assert len(stream.ops) <= 2 and env.streams.resubscribes == {}
    assert env.entry("books", "BTC-USDT").crossed
    response = await treq.post(env.running.url + "/__sim__/book", json={"instId": "BTC-USDT", "crossed": False},
                               persistent=False)
    assert response.code == 200
    answer = await streamed_depth_equals_rest(env, "BTC-USDT", "BTC_USDT")
    assert answer["data"]["asks"][0][0] > answer["data"]["bids"][0][0]
    assert not env.entry("books", "BTC-USDT").crossed
    bad = await treq.post(env.running.url + "/__sim__/book", json={"instId": "NOPE", "crossed": True},
                          persistent=False)
    assert bad.code == 400


async def daemon_section(bridge):
    response = await treq.get(bridge.admin_url + "/status.json", persistent=False)
    assert response.code == 200
    return (await response.json())["daemon"]


@pytest.mark.parametrize("args, rest, live, demo", [
    (["--okx-url", "https://openapi.okx.com"], "https://openapi.okx.com", "wss://ws.okx.com:8443",
     "wss://wspap.okx.com:8443"),
    (["--okx-region", "eea"], "https://eea.okx.com", "wss://wseea.okx.com:8443", "wss://wseeapap.okx.com:8443"),
    (["--okx-region", "eea", "--okx-demo-ws-url", "wss://wseeapap.okx.com:443"], "https://eea.okx.com",
     "wss://wseea.okx.com:8443", "wss://wseeapap.okx.com:443"),
])
@pytest_twisted.ensureDeferred
async def test_status_json_shows_the_hosts_of_the_region(reactor, args, rest, live, demo):
    """Nothing here reaches OKX: the hosts are what the daemon would use, shown before any call."""
    from okxbridge.testing import start_bridge

    options = [a for a in args if a != "--okx-url" and a != rest]
    bridge = await start_bridge(reactor, rest, *options, stream=True)
    try:
        daemon = await daemon_section(bridge)
        assert (daemon["okx_url"], daemon["okx_ws_url"], daemon["okx_demo_ws_url"]) == (rest, live, demo)
        assert bridge.daemon.streams.urls == {False: live, True: demo}
    finally:
        await bridge.stop()


@pytest_twisted.ensureDeferred
async def test_the_emulator_keeps_its_websocket_on_its_own_port_in_any_region(reactor):
    from okxbridge.sim.testing import start_emulator
    from okxbridge.testing import start_bridge

    running = await start_emulator(reactor)
    bridge = await start_bridge(reactor, running.url, "--okx-region", "eea", stream=True)
    try:
        daemon = await daemon_section(bridge)
        assert daemon["okx_region"] == "eea"
        assert daemon["okx_ws_url"] == daemon["okx_demo_ws_url"] == "ws://" + running.url.split("://")[1]
        assert "data" in await bridge.call("ticker", {"symbol": "BTC_USDT"})
    finally:
        await bridge.stop()
        await running.stop()


def test_an_okx_host_of_another_region_is_refused_at_start():
    from twisted.python import usage

    from okxbridge.options import Options

    with pytest.raises(usage.UsageError, match="is OKX's global host but --okx-region is eea"):
        Options().parseOptions(["--okx-region", "eea", "--okx-url", "https://www.okx.com"])
    with pytest.raises(usage.UsageError):
        Options().parseOptions(["--okx-region", "us"])  # no region OKX's docs do not give


@pytest.fixture
def private(reactor):
    from tests.e2e.test_private import Env as PrivateEnv

    start, stop_all = daemon_pairs(reactor, PrivateEnv, ("--stream-fresh", "4", "--trade-over", "ws"), private=True)
    yield start
    stop_all()


def order_posts(env):
    return env.sim.request_counts().get("/api/v5/trade/order", 0)


@pytest_twisted.ensureDeferred
async def test_a_websocket_order_for_an_instrument_without_a_code_goes_over_rest_once(private):
    env = await private()
    demo = DEMO
    await env.bridge.call("accounts", **demo)
    await env.in_sync()
    listed = await env.bridge.call("markets", **demo)
    assert "error" not in listed
    before = order_posts(env)
    coded = await env.bridge.call("trade", {"symbol": "BTC_USDT", "type": "buy", "price": "1000", "amount": "0.01"},
                                  **demo)
    assert "error" not in coded and order_posts(env) == before  # BTC-USDT has a demo code: the WebSocket
    nonce = 1_700_000_000_000_888_000
    params = {"symbol": "OKB_USDT", "type": "buy", "price": "10", "amount": "1"}
    placed = await env.bridge.call("trade", params, nonce=nonce, **demo)
    assert "error" not in placed, placed
    assert order_posts(env) == before + 1  # okxsim's demo list gives OKB-USDT no instIdCode: REST
    again = await env.bridge.call("trade", params, nonce=nonce, **demo)  # the same nonce: the same order
    assert again["data"]["id"] == placed["data"]["id"] and order_posts(env) == before + 1
    okb = [o for o in env.sim.orders() if o["instId"] == "OKB-USDT"]
    assert len(okb) == 1 and okb[0]["demo"] is True
    assert env.bridge.daemon.desk.transport.over_rest == 1


@pytest_twisted.ensureDeferred
async def test_one_second_bars_come_from_history_candles(bridge_and_sim):
    bridge, sim = await bridge_and_sim("--records-period-unit", "seconds")  # period 1 = one second
    counts = sim.request_counts
    bars = await bridge.call("records", {"symbol": "BTC_USDT", "period": 1, "limit": 120})
    assert "error" not in bars and len(bars["data"]) == 120
    assert counts().get("/api/v5/market/candles", 0) == 0 and counts()["/api/v5/market/history-candles"] == 1
    stamps = [row[0] for row in bars["data"]]
    assert all(b - a == 1 for a, b in zip(stamps, stamps[1:], strict=False))  # one-second bars, oldest first
    minute = await bridge.call("records", {"symbol": "BTC_USDT", "period": 60, "limit": 5})
    assert "error" not in minute and counts()["/api/v5/market/candles"] == 1  # other bars: as before


@pytest_twisted.ensureDeferred
async def test_a_private_channel_okx_ends_takes_the_mirror_out_of_sync_until_it_is_back(private, reactor):
    from twisted.internet import task

    from okxbridge.testing import start_bridge

    env = await private(ws_channel_conns=1)
    other = await start_bridge(reactor, env.running.url, private=True, clock=task.Clock())  # another bot
    try:
        await other.call("accounts")
        await env.until(lambda: any(a.in_sync() for a in other.bridge.private.accounts.values()), "the other in sync")
        await env.bridge.call("accounts")  # opens this daemon's stream: okxsim ends its `orders`
        await env.until(lambda: (a := env.account()) is not None and "orders" in a.ended, "orders ended by okxsim")
        before = env.account_requests()
        answer = await env.bridge.call("orders", {"symbol": "BTC_USDT"})
        assert "error" not in answer and env.account_requests() == before + 1  # over REST
        assert env.private.answers[("orders", "mirror")] == 0
        status = await (await treq.get(env.bridge.admin_url + "/status.json", persistent=False)).json()
        [shown] = status["private_streams"]["accounts"]
        assert shown["in_sync"] is False and "channel-conn-count-error" in shown["ended_by_okx"][0]
    finally:
        await other.stop()
    await env.until(lambda: not env.sim.ws.private.sessions or len(env.sim.ws.private.sessions) == 1, "other gone")
    env.bridge_clock.advance(1.0)   # subscribed again…
    env.bridge_clock.advance(4.0)   # …held for --stream-fresh seconds: a REST snapshot, then in sync
    await env.in_sync()
    mirrored = env.private.answers[("orders", "mirror")]
    await env.same("orders", {"symbol": "BTC_USDT"})
    assert env.private.answers[("orders", "mirror")] == mirrored + 1  # from the mirror again


@pytest_twisted.ensureDeferred
async def test_each_trade_once_in_an_answer_that_spans_rest_and_the_stream(streaming):
    from okxbridge.sim import prices

    env = await streaming()
    await env.bridge.call("trades", {"symbol": "BTC_USDT", "limit": 100})  # REST, subscribes trades-all
    await env.ready("trades-all", "BTC-USDT")
    seeded, rest = await env.both("trades", {"symbol": "BTC_USDT", "limit": 100})  # joined to the pushes
    assert seeded["data"] == rest["data"]
    start = int(env.sim.now())
    await env.tick(5.0)  # a burst: five taker orders, some filling several makers at one price
    newest = env.newest_trade("BTC-USDT")
    await env.until(lambda: newest in env.entry("trades-all", "BTC-USDT").trades, "the burst pushed")
    inst = env.sim.instrument("BTC-USDT")
    burst = [f["tradeId"] for fills in prices.taker_orders(env.sim.walk, inst, start, start + 5) for f in fills]
    # okxsim's aggregated `trades` channel would push these as fewer items (count > 1)
    assert len(burst) > 5
    before = env.market_requests()
    spanning = await env.bridge.call("trades", {"symbol": "BTC_USDT", "limit": 100})  # REST's page and the burst
    assert env.market_requests() == before and spanning["raw"]["arg"]["channel"] == "trades-all"
    ids = [t["id"] for t in spanning["data"]]
    assert len(ids) == len(set(ids)) == 100
    assert all(ids.count(trade_id) == 1 for trade_id in burst)
    assert spanning["data"] == (await env.rest.call("trades", {"symbol": "BTC_USDT", "limit": 100}))["data"]


@pytest_twisted.ensureDeferred
async def test_new_websocket_connections_are_paced_to_three_a_second_across_streams(reactor):
    from twisted.internet import task

    from okxbridge.sim.testing import start_emulator
    from okxbridge.testing import start_bridge

    # one clock for both: okxsim counts OKX's 3 connections a second on the time the daemon paces by
    clock = task.Clock()
    clock.advance(1_750_000_000)
    running = await start_emulator(reactor, clock=clock)
    bridge = await start_bridge(reactor, running.url, stream=True, private=True, clock=clock)
    hub = running.emulator.ws
    try:
        await bridge.call("ticker", {"symbol": "BTC_USDT"})                        # /public
        await bridge.call("records", {"symbol": "BTC_USDT", "period": 60})         # /business
        await bridge.call("accounts")                                              # /private, live
        await bridge.call("accounts", **DEMO)                                      # /private, demo
        await eventually(reactor, lambda: hub.connections_made == 3, "three connections")
        # the fourth waits for its slot on the daemon's clock, which has not moved
        assert bridge.daemon.streams.pacer.delayed == 1 and hub.connections_made == 3
        clock.advance(1.1)  # a second, and the 0.1 s the daemon keeps for the handshake: the fourth opens
        await eventually(reactor, lambda: hub.connections_made == 4, "the fourth connection")
        assert hub.limits.refused == {}  # okxsim, which refuses a 4th connection within 1 s, refused none
    finally:
        await bridge.stop()
        await running.stop()


@pytest_twisted.ensureDeferred
async def test_books_spread_over_connections_each_served_from_its_own(streaming, monkeypatch):
    from okxbridge.okx import market_streams

    # okxsim lists 23 instruments, fewer than OKX's 30 books a connection: the test lowers the
    # bridge's figure to 2 so that five books need three connections
    monkeypatch.setattr(market_streams, "BOOKS_PER_CONNECTION", 2)
    env = await streaming()
    symbols = ["BTC_USDT", "ETH_USDT", "LTC_USDT", "OKB_USDT", "BTC_USDT.swap"]
    for symbol in symbols:
        await env.bridge.call("depth", {"symbol": symbol})  # REST, and subscribes
    inst_ids = ["BTC-USDT", "ETH-USDT", "LTC-USDT", "OKB-USDT", "BTC-USDT-SWAP"]
    for inst_id in inst_ids:
        await env.ready("books", inst_id)
    public = [s for (_, name), s in env.streams.streams.items() if name.startswith("public")]
    assert sorted(len(s.wanted) for s in public) == [1, 2, 2]
    held = [keys for conn, keys in env.sim.ws.conns.items() if conn.endpoint == "public"]
    assert sorted(len(keys) for keys in held) == [1, 2, 2] and env.sim.ws.limits.refused == {}
    for inst_id, symbol in zip(inst_ids, symbols, strict=True):
        await streamed_depth_equals_rest(env, inst_id, symbol)
