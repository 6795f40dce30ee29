"""Market data from OKX's WebSocket, end to end: the daemon streams from okxsim over real
sockets and answers ticker/depth/trades/records exactly as REST would, with 0 REST market
requests per call, and recovers from a sequence gap, a dropped connection and a silent
stream without a wrong answer (REST while the stream is not fresh).

Two clocks make it deterministic: the emulator's market and pushes run on ``sim_clock``
(so a REST answer and a push at the same instant agree), and the bridge's stream timers
(keep-alive, freshness, reconnect backoff) on ``bridge_clock``. Socket I/O itself is
real: :func:`eventually` waits for it, bounded, never for time to pass.
"""

import pytest
import pytest_twisted
import treq

from okxbridge.sim.testing import start_emulator
from okxbridge.testing import start_bridge
from tests.e2e.daemon_pair import PairEnv, daemon_pairs, eventually

MARKET_PATHS = ("/api/v5/market/ticker", "/api/v5/market/books", "/api/v5/market/trades",
                "/api/v5/market/candles", "/api/v5/market/history-candles")


@pytest.fixture
def streaming(reactor):
    """Start okxsim on ``sim_clock`` plus two daemons: one streaming, one REST-only (the
    reference for "what REST would say")."""
    start, stop_all = daemon_pairs(reactor, Env, ("--stream-fresh", "4", "--records-period-unit", "seconds"),
                                     rest_args=("--records-period-unit", "seconds"), stream=True)
    yield start
    stop_all()


class Env(PairEnv):
    def __init__(self, *args):
        super().__init__(*args)
        self.streams = self.bridge.bridge.streams

    def market_requests(self):
        return self.requests_to(MARKET_PATHS)

    def entry(self, channel, inst_id):
        return self.streams.states[False].entries.get((channel, inst_id))

    async def ready(self, channel, inst_id):
        await self.until(lambda: (e := self.entry(channel, inst_id)) is not None and e.servable(),
                         f"{channel} {inst_id} streaming")

    async def tick(self, seconds, step=0.125):
        """Let the emulator's market run ``seconds``, in steps exact in binary so that a
        whole number of seconds lands on a second's start, where every channel pushes."""
        for _ in range(round(seconds / step)):
            self.sim_clock.advance(step)

    def newest_trade(self, inst_id):
        """The ``tradeId`` of okxsim's newest trade now (the last fill of this second's taker order)."""
        from okxbridge.sim import prices
        return prices.last_trade_id(self.sim.walk, self.sim.instrument(inst_id), int(self.sim.now()))

    async def both(self, method, params):
        """(streaming daemon's answer, REST daemon's answer) at the same market instant."""
        return await self.bridge.call(method, params), await self.rest.call(method, params)


def book_seq_delivered(env, inst_id):
    feed = env.sim.ws.feeds.get(("books", inst_id))
    entry = env.entry("books", inst_id)
    return feed is not None and entry is not None and entry.book is not None and entry.book.seq_id == feed.seq


@pytest_twisted.ensureDeferred
async def test_ticker_and_depth_from_the_stream_equal_rest_with_no_rest_request(streaming):
    env = await streaming()
    first = await env.bridge.call("ticker", {"symbol": "BTC_USDT"})  # REST, and subscribes
    assert first["data"]["symbol"] == "BTC_USDT"
    await env.bridge.call("depth", {"symbol": "BTC_USDT"})
    await env.ready("tickers", "BTC-USDT")
    await env.ready("books", "BTC-USDT")
    before = env.market_requests()
    for _ in range(3):
        await env.tick(1.0)
        await env.until(lambda: book_seq_delivered(env, "BTC-USDT"), "book updates delivered")
        await env.until(lambda: env.entry("tickers", "BTC-USDT").ticker["ts"] == str(int(env.sim.now() * 1000)),
                        "the ticker of this second pushed")
        streamed_ticker = await env.bridge.call("ticker", {"symbol": "BTC_USDT"})
        streamed_depth = await env.bridge.call("depth", {"symbol": "BTC_USDT", "limit": 20})
        assert env.market_requests() == before  # 0 REST market requests for these calls
        assert streamed_depth["raw"]["arg"] == {"channel": "books", "instId": "BTC-USDT"}
        rest_depth = await env.rest.call("depth", {"symbol": "BTC_USDT", "limit": 20})
        assert streamed_depth["data"] == rest_depth["data"]
        assert streamed_ticker["raw"]["arg"] == {"channel": "tickers", "instId": "BTC-USDT"}
        assert streamed_ticker["data"] == (await env.rest.call("ticker", {"symbol": "BTC_USDT"}))["data"]
        before = env.market_requests()
    # a price move is pushed at once and is what the next call says
    response = await treq.post(env.running.url + "/__sim__/price", json={"instId": "BTC-USDT", "price": "61234.5"},
                               persistent=False)
    assert response.code == 200
    await env.until(lambda: env.entry("tickers", "BTC-USDT").ticker["last"] in ("61234.5", "61234.6"), "move pushed")
    streamed, rest = await env.both("ticker", {"symbol": "BTC_USDT"})
    assert streamed["data"] == rest["data"] and streamed["data"]["last"] in (61234.5, 61234.6)
    counts = dict(env.streams.answers)
    assert counts[("ticker", "stream")] == 4 and counts[("ticker", "rest")] == 1
    assert counts[("depth", "stream")] == 3 and counts[("depth", "rest")] == 1


@pytest_twisted.ensureDeferred
async def test_trades_and_the_last_bar_from_the_stream_equal_rest(streaming):
    env = await streaming()
    await env.bridge.call("trades", {"symbol": "ETH_USDT", "limit": 50})      # subscribes
    await env.bridge.call("records", {"symbol": "ETH_USDT", "period": 60, "limit": 30})
    await env.ready("trades-all", "ETH-USDT")  # issue 25: one push per trade
    await env.ready("candle1m", "ETH-USDT")
    seeded, rest = await env.both("trades", {"symbol": "ETH_USDT", "limit": 50})  # REST, joined to the pushes
    assert seeded["data"] == rest["data"]
    await env.both("records", {"symbol": "ETH_USDT", "period": 60, "limit": 30})
    await env.tick(3.0)
    newest = env.newest_trade("ETH-USDT")
    await env.until(lambda: newest in env.entry("trades-all", "ETH-USDT").trades, "three more prints pushed")
    await env.until(lambda: env.entry("candle1m", "ETH-USDT").raw["data"][0] == env.sim.ws.feeds[
        ("candle1m", "ETH-USDT")].row, "the open bar pushed")
    before = env.market_requests()
    streamed_trades = await env.bridge.call("trades", {"symbol": "ETH_USDT", "limit": 50})
    streamed_bars = await env.bridge.call("records", {"symbol": "ETH_USDT", "period": 60, "limit": 30})
    assert env.market_requests() == before
    rest_trades = await env.rest.call("trades", {"symbol": "ETH_USDT", "limit": 50})
    rest_bars = await env.rest.call("records", {"symbol": "ETH_USDT", "period": 60, "limit": 30})
    assert streamed_trades["data"] == rest_trades["data"] and len(streamed_trades["data"]) == 50
    assert streamed_bars["data"] == rest_bars["data"] and len(streamed_bars["data"]) == 30
    # more than the stream holds: REST, as before
    await env.bridge.call("records", {"symbol": "ETH_USDT", "period": 60, "limit": 500})
    assert env.market_requests() > before


@pytest_twisted.ensureDeferred
async def test_a_sequence_gap_is_never_served_and_a_fresh_snapshot_restores_the_stream(streaming):
    env = await streaming()
    await env.bridge.call("depth", {"symbol": "BTC_USDT"})
    await env.ready("books", "BTC-USDT")
    await env.ws({"action": "delay", "seconds": 1})  # hold frames back so the broken state can be seen
    await env.ws({"action": "skip_seq"})
    await env.tick(2.0)   # the first update is lost, the next ones are queued
    env.sim_clock.advance(1.0)  # …and delivered: the gap shows; the fresh snapshot is held back 1 s
    await env.until(lambda: env.streams.resubscribes["gap"] == 1, "gap detected")
    assert env.entry("books", "BTC-USDT").broken == "gap"
    before = env.market_requests()
    during, rest = await env.both("depth", {"symbol": "BTC_USDT"})
    assert env.market_requests() == before + 2  # the streaming daemon asked REST too
    assert during["data"] == rest["data"]
    await env.ws({"action": "resume"})
    env.sim_clock.advance(1.0)
    await env.ready("books", "BTC-USDT")
    await env.tick(1.0)
    await env.until(lambda: book_seq_delivered(env, "BTC-USDT"), "updates after the snapshot")
    before = env.market_requests()
    after = await env.bridge.call("depth", {"symbol": "BTC_USDT"})
    assert env.market_requests() == before
    assert after["data"] == (await env.rest.call("depth", {"symbol": "BTC_USDT"}))["data"]
    metrics = (await (await treq.get(env.bridge.admin_url + "/metrics", persistent=False)).text())
    assert 'okxbridge_ws_resubscribes_total{reason="gap"} 1.0' in metrics


@pytest_twisted.ensureDeferred
async def test_a_dropped_connection_falls_back_to_rest_then_reconnects_and_resubscribes(streaming):
    env = await streaming()
    await env.bridge.call("ticker", {"symbol": "LTC_USDT"})
    await env.ready("tickers", "LTC-USDT")
    await env.ws({"action": "drop"})
    await env.until(lambda: not env.streams.streams[(False, "public")].is_connected, "connection lost")
    await env.tick(2.0)
    before = env.market_requests()
    down, rest = await env.both("ticker", {"symbol": "LTC_USDT"})
    assert env.market_requests() == before + 2 and down["data"] == rest["data"]
    env.bridge_clock.advance(3.0)  # ClientService's backoff (1 s, with jitter)
    await env.ready("tickers", "LTC-USDT")
    assert env.streams.streams[(False, "public")].connects == 2
    before = env.market_requests()
    up, rest = await env.both("ticker", {"symbol": "LTC_USDT"})
    assert env.market_requests() == before + 1 and up["data"] == rest["data"]
    health = await (await treq.get(env.bridge.admin_url + "/health", persistent=False)).json()
    connection = health["stream"]["connections"][0]
    assert health["stream"]["enabled"] and connection["connected"] and connection["connects"] == 2


@pytest_twisted.ensureDeferred
async def test_a_silent_stream_goes_stale_then_is_replaced(streaming):
    env = await streaming()
    await env.bridge.call("ticker", {"symbol": "BTC_USDT.swap"})
    await env.ready("tickers", "BTC-USDT-SWAP")
    await env.ws({"action": "silence"})
    response = await treq.post(env.running.url + "/__sim__/price", json={"instId": "BTC-USDT-SWAP", "price": "55000"},
                               persistent=False)
    assert response.code == 200  # this move is never pushed
    env.bridge_clock.advance(4.5)  # past --stream-fresh 4: nothing heard, a ping went unanswered
    before = env.market_requests()
    stale, rest = await env.both("ticker", {"symbol": "BTC_USDT.swap"})
    assert env.market_requests() == before + 2
    assert stale["data"] == rest["data"] and stale["data"]["last"] in (55000, 55000.1)
    await env.ws({"action": "resume"})
    env.bridge_clock.advance(2.5)  # no pong in time: the connection is dropped…
    await env.until(lambda: not env.streams.streams[(False, "public")].is_connected, "dead connection dropped")
    env.bridge_clock.advance(3.0)  # …and made again
    await env.ready("tickers", "BTC-USDT-SWAP")
    before = env.market_requests()
    fresh, rest = await env.both("ticker", {"symbol": "BTC_USDT.swap"})
    assert env.market_requests() == before + 1 and fresh["data"] == rest["data"]


@pytest_twisted.ensureDeferred
async def test_idle_symbols_are_unsubscribed_and_streaming_can_be_off(streaming, reactor):
    env = await streaming("--stream-idle", "60")
    await env.bridge.call("ticker", {"symbol": "OKB_USDT"})
    await env.ready("tickers", "OKB-USDT")
    assert env.sim.ws.stats()["subscriptions"] == 1
    env.bridge_clock.advance(61)
    await env.until(lambda: env.sim.ws.stats()["subscriptions"] == 0, "unsubscribed at okxsim")
    assert env.entry("tickers", "OKB-USDT") is None
    assert env.rest.bridge.streams is None
    health = await (await treq.get(env.rest.admin_url + "/health", persistent=False)).json()
    assert health["stream"] == {"enabled": False}


@pytest_twisted.ensureDeferred
async def test_wss_with_the_okx_ca_bundle(reactor, tmp_path):
    """Over TLS the WebSocket is verified like REST: against --okx-ca's certificate."""
    from tests.sim.test_sim_tls import self_signed

    cert, key, _ = self_signed(tmp_path)
    running = await start_emulator(reactor, tls_cert=str(cert), tls_key=str(key), seed=3)
    bridge = await start_bridge(reactor, running.url, "--okx-ca", str(cert),
                                stream=True)
    try:
        assert bridge.bridge.streams.urls[False].startswith("wss://127.0.0.1:")
        await bridge.call("ticker", {"symbol": "ETH_USDT"})
        entries = bridge.bridge.streams.states[False].entries
        await eventually(reactor, lambda: entries[("tickers", "ETH-USDT")].servable(), "ticker over wss")
        before = sum(running.emulator.request_counts().get(p, 0) for p in MARKET_PATHS)
        answer = await bridge.call("ticker", {"symbol": "ETH_USDT"})
        assert answer["raw"]["arg"]["channel"] == "tickers"
        assert sum(running.emulator.request_counts().get(p, 0) for p in MARKET_PATHS) == before
    finally:
        await bridge.stop()
        await running.stop()


@pytest.mark.parametrize("args, live, demo", [
    ([], "wss://ws.okx.com:8443", "wss://wspap.okx.com:8443"),
    (["--okx-url", "http://127.0.0.1:8443"], "ws://127.0.0.1:8443", "ws://127.0.0.1:8443"),
    # issue 25: a WebSocket URL follows --okx-url only to a loopback host (was: any host)
    (["--okx-url", "https://okx.example:9443/"], "wss://ws.okx.com:8443", "wss://wspap.okx.com:8443"),
    (["--okx-url", "https://localhost:9443/"], "wss://localhost:9443", "wss://localhost:9443"),
    (["--okx-url", "http://127.0.0.1:8443", "--okx-ws-url", "wss://ws.okx.com:8443/"],
     "wss://ws.okx.com:8443", "ws://127.0.0.1:8443"),
])
def test_websocket_urls_follow_the_rest_url_unless_given(args, live, demo):
    from okxbridge.options import Options

    options = Options()
    options.parseOptions(args)
    assert (options["okx-ws-url"], options["okx-demo-ws-url"]) == (live, demo)


def test_a_websocket_url_must_be_ws_or_wss():
    from twisted.python import usage

    from okxbridge.options import Options

    with pytest.raises(usage.UsageError, match="--okx-ws-url must start with wss://"):
        Options().parseOptions(["--okx-ws-url", "https://ws.okx.com"])


@pytest_twisted.ensureDeferred
async def test_the_legacy_checksum_is_verified_on_every_update_when_okx_sends_one(streaming):
    """okxsim computes OKX's CRC32 independently (sim/ws_feeds.py); the bridge checks it on
    400-level books updated every tick: any disagreement would break the book."""
    env = await streaming(legacy_checksum=True)
    await env.bridge.call("depth", {"symbol": "ETH_USDT.swap"})
    await env.ready("books", "ETH-USDT-SWAP")
    await env.tick(3.0)
    await env.until(lambda: book_seq_delivered(env, "ETH-USDT-SWAP"), "updates delivered")
    assert env.entry("books", "ETH-USDT-SWAP").raw["data"][0]["checksum"] != 0
    assert env.streams.resubscribes == {}
    streamed, rest = await env.both("depth", {"symbol": "ETH_USDT.swap", "limit": 50})
    assert streamed["raw"]["arg"]["channel"] == "books" and streamed["data"] == rest["data"]


@pytest_twisted.ensureDeferred
async def test_status_json_shows_the_streams(streaming):
    env = await streaming()
    await env.bridge.call("ticker", {"symbol": "BTC_USDT"})
    await env.ready("tickers", "BTC-USDT")
    status = await (await treq.get(env.bridge.admin_url + "/status.json", persistent=False)).json()
    streams = status["streams"]
    assert streams["enabled"] is True and streams["connections"][0]["subscriptions"] == 1
    assert streams["connections"][0]["connected"] is True
    rest_status = await (await treq.get(env.rest.admin_url + "/status.json", persistent=False)).json()
    assert rest_status["streams"] == {"enabled": False, "why": "--no-stream: market calls are answered by REST only"}


@pytest_twisted.ensureDeferred
async def test_symbols_okx_does_not_know_start_no_subscription(streaming):
    # a caller spelling junk must not spend the connection's subscribe budget or grow its list
    env = await streaming()
    for name in ("NOPE_USDT", "ZZZ_USDT", "NOPE_USDT.swap"):
        answer = await env.bridge.call("ticker", {"symbol": name})
        assert "error" in answer, answer
        assert "error" in await env.bridge.call("depth", {"symbol": name})
    assert env.streams.states.get(False) is None or env.streams.states[False].entries == {}
    assert env.streams.streams == {}  # no connection opened, no subscribe request spent
    # a real one subscribes after its first REST answer, as before
    assert "data" in await env.bridge.call("ticker", {"symbol": "BTC_USDT"})
    assert env.entry("tickers", "BTC-USDT") is not None


@pytest_twisted.ensureDeferred
async def test_market_subscriptions_stop_at_the_cap_and_rest_answers_the_rest(streaming):
    env = await streaming("--max-subscriptions", "2")
    for symbol in ["BTC_USDT", "ETH_USDT", "OKB_USDT", "LTC_USDT"]:
        assert "data" in await env.bridge.call("ticker", {"symbol": symbol})
    await env.ready("tickers", "BTC-USDT")
    await env.ready("tickers", "ETH-USDT")
    assert env.entry("tickers", "OKB-USDT") is None and env.entry("tickers", "LTC-USDT") is None
    assert env.sim.ws.stats()["subscriptions"] == 2
    assert env.streams.answers[("subscribe", "cap")] == 2
