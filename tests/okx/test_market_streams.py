"""mapping/streams.py and okx/ws_client.py without sockets: the freshness rule, the
keep-alive, resubscription on a broken book, the per-hour request budget and the idle
sweep, on a ``MemoryReactorClock`` with a stand-in for autobahn's protocol."""

import json

from twisted.internet.testing import MemoryReactorClock

from okxbridge.okx import ws_client
from okxbridge.okx.market_streams import MarketStreams


class Wire:
    """What autobahn's protocol is to WsStream: something to send on and to drop."""

    def __init__(self):
        self.sent = []
        self.dropped = False

    def sendMessage(self, payload, isBinary=False):
        self.sent.append(payload.decode())

    def dropConnection(self, abort=False):
        self.dropped = True

    def ops(self):
        return [json.loads(s) for s in self.sent if s != "ping"]


def make(fresh=4.0, idle=60.0):
    clock = MemoryReactorClock()
    streams = MarketStreams(clock, clock, {False: "ws://okx.test:1", True: "ws://demo.test:1"}, fresh=fresh, idle=idle)
    streams.start()
    return clock, streams


def connect(streams, demo=False, endpoint="public"):
    wire = Wire()
    stream = streams.streams[(demo, endpoint)]
    stream.connected(wire)
    return stream, wire


def ticker_push(inst_id="BTC-USDT", last="100"):
    return json.dumps({"arg": {"channel": "tickers", "instId": inst_id}, "data": [{"instId": inst_id, "last": last}]})


def test_first_call_subscribes_and_answers_nothing_then_pushes_are_served_while_fresh():
    clock, streams = make()
    assert streams.ticker(False, "BTC-USDT") is None
    assert (False, "public") not in streams.streams  # asking alone starts nothing: junk symbols cost nothing
    streams.confirm(False, "tickers", "BTC-USDT")  # REST answered for it: the instrument exists
    stream, wire = connect(streams)
    assert wire.ops() == [{"op": "subscribe", "args": [{"channel": "tickers", "instId": "BTC-USDT"}]}]
    assert streams.ticker(False, "BTC-USDT") is None  # subscribed, no data yet
    stream.received(wire, ticker_push(last="101"))
    served = streams.ticker(False, "BTC-USDT")
    assert served.data["last"] == "101" and served.raw["arg"]["channel"] == "tickers"
    assert streams.ticker(True, "BTC-USDT") is None  # demo keys have their own connection and state


def test_silence_makes_the_stream_stale_a_pong_makes_it_fresh_and_no_pong_drops_it():
    clock, streams = make(fresh=4.0)
    streams.confirm(False, "tickers", "BTC-USDT")
    stream, wire = connect(streams)
    stream.received(wire, ticker_push())
    clock.advance(2.0)  # ping_after = fresh / 2
    assert wire.sent[-1] == "ping"
    stream.received(wire, "pong")
    clock.advance(3.9)
    assert streams.ticker(False, "BTC-USDT") is not None  # heard 3.9 s ago (the pong)
    clock.advance(0.2)
    assert streams.ticker(False, "BTC-USDT") is None  # 4.1 s: stale, REST answers
    clock.advance(2.0)
    assert wire.dropped  # the ping after the pong went unanswered
    stream.disconnected(wire, 1006, "gone")
    assert not streams.states[False].entries[("tickers", "BTC-USDT")].ready
    wire2 = Wire()
    stream.connected(wire2)  # ClientService made a new one: everything is asked again, in one request
    assert wire2.ops() == [{"op": "subscribe", "args": [{"channel": "tickers", "instId": "BTC-USDT"}]}]
    assert streams.ticker(False, "BTC-USDT") is None  # until the new connection's first push
    stream.received(wire2, ticker_push(last="102"))
    assert streams.ticker(False, "BTC-USDT").data["last"] == "102"


def test_a_gap_breaks_the_book_resubscribes_and_only_a_snapshot_restores_it():
    clock, streams = make()
    streams.confirm(False, "books", "ETH-USDT")
    stream, wire = connect(streams)
    arg = {"channel": "books", "instId": "ETH-USDT"}

    def push(action, prev, seq, bids=()):
        stream.received(wire, json.dumps({"arg": arg, "action": action, "data": [
            {"asks": [["11", "1", "0", "1"]], "bids": list(bids) or [["10", "1", "0", "1"]], "ts": "5",
             "checksum": 0, "prevSeqId": prev, "seqId": seq}]}))

    push("snapshot", -1, 5)
    push("update", 5, 6, [["10", "2", "0", "1"]])
    assert streams.book(False, "ETH-USDT").data.as_okx(1)["bids"] == [["10", "2", "0", "1"]]
    push("update", 7, 8)  # 6 → 8: one update lost
    assert streams.book(False, "ETH-USDT") is None
    assert wire.ops()[-2:] == [{"op": "unsubscribe", "args": [arg]}, {"op": "subscribe", "args": [arg]}]
    assert streams.resubscribes["gap"] == 1
    push("update", 8, 9)  # still broken: updates before the fresh snapshot are ignored
    assert streams.book(False, "ETH-USDT") is None
    push("snapshot", -1, 20)
    assert streams.book(False, "ETH-USDT").data.seq_id == 20


def test_the_per_hour_request_budget_refuses_new_subscriptions_until_the_hour_has_room():
    clock, streams = make(idle=10_000)
    streams.confirm(False, "tickers", "S-0")
    stream, wire = connect(streams)
    for i in range(1, ws_client.OPS_PER_HOUR + 5):
        streams.confirm(False, "tickers", f"S-{i}")
    assert len(wire.ops()) == ws_client.OPS_PER_HOUR
    assert ("tickers", f"S-{ws_client.OPS_PER_HOUR + 1}") not in stream.wanted
    clock.advance(ws_client.HOUR + 1)
    streams.confirm(False, "tickers", "S-late")
    assert wire.ops()[-1]["args"] == [{"channel": "tickers", "instId": "S-late"}]


def test_a_rejected_subscription_is_forgotten():
    clock, streams = make()
    streams.confirm(False, "tickers", "BTC-USDT")
    stream, wire = connect(streams)
    stream.received(wire, json.dumps({"event": "error", "code": "60018", "connId": "x",
                                      "msg": "Wrong URL or channel:tickers,instId:BTC-USDT doesn't exist."}))
    assert stream.wanted == {} and streams.rejected["60018"] == 1
    assert ("tickers", "BTC-USDT") not in streams.states[False].entries


def test_idle_channels_are_unsubscribed_and_candles_use_the_business_endpoint():
    clock, streams = make(idle=60.0)
    streams.confirm(False, "candle1m", "BTC-USDT")
    stream, wire = connect(streams, endpoint="business")
    assert wire.ops() == [{"op": "subscribe", "args": [{"channel": "candle1m", "instId": "BTC-USDT"}]}]
    assert stream.url == "ws://okx.test:1/ws/v5/business"
    clock.advance(30)
    streams.candles(False, "1m", "BTC-USDT", 10, 60)  # asked again: the idle time restarts
    clock.advance(45)
    assert len(wire.ops()) == 1
    clock.advance(30)
    assert wire.ops()[-1] == {"op": "unsubscribe", "args": [{"channel": "candle1m", "instId": "BTC-USDT"}]}
    assert stream.wanted == {}


def trade(trade_id, ts):
    return {"instId": "BTC-USDT", "tradeId": trade_id, "ts": ts, "px": "1", "sz": "1", "side": "buy"}


def test_trades_join_one_rest_page_but_not_one_asked_for_before_a_reconnect():
    clock, streams = make()
    assert streams.trades(False, "BTC-USDT", 3) is None
    streams.confirm(False, "trades-all", "BTC-USDT")  # issue 25: one push per trade, on /business
    stream, wire = connect(streams, endpoint="business")

    def push(on, *items):
        stream.received(on, json.dumps({"arg": {"channel": "trades-all", "instId": "BTC-USDT"},
                                        "data": list(items)}))

    push(wire, trade("10", "1000"))
    asked_before = streams.trades_entry(False, "BTC-USDT")
    stream.disconnected(wire, 1006, "lost")  # while that REST page was on its way
    wire2 = Wire()
    stream.connected(wire2)
    push(wire2, trade("20", "2000"))
    streams.seed_trades(False, asked_before, [trade("10", "1000"), trade("9", "900")])
    assert streams.trades(False, "BTC-USDT", 2) is None  # trades 11…19 may be missing: not joined
    streams.seed_trades(False, streams.trades_entry(False, "BTC-USDT"),
                        [trade("20", "2000"), trade("19", "1900"), trade("18", "1800")])
    push(wire2, trade("21", "2100"))
    served = streams.trades(False, "BTC-USDT", 3)
    assert [t["tradeId"] for t in served.data] == ["21", "20", "19"]  # newest first, as REST lists them


class OkxReplyLike:
    def __init__(self, data):
        self.data = data


def test_a_book_with_no_snapshot_takes_one_rest_snapshot_and_a_crossed_book_is_served():
    from twisted.internet.defer import Deferred

    clock, streams = make()
    asked, answers = [], []

    def public(path, params):
        asked.append((path, params))
        answers.append(Deferred())
        return answers[-1]

    streams.confirm(False, "books", "ETH-USDT", public)
    stream, wire = connect(streams)
    arg = {"channel": "books", "instId": "ETH-USDT"}

    def update(prev, seq, bids):
        stream.received(wire, json.dumps({"arg": arg, "action": "update", "data": [
            {"asks": [], "bids": bids, "ts": "5", "checksum": 0, "prevSeqId": prev, "seqId": seq}]}))

    update(5, 6, [["10", "2", "0", "1"]])
    update(6, 7, [["12", "1", "0", "1"]])  # crosses the ask at 11: a pre-open auction
    assert asked == [("/api/v5/market/books", {"instId": "ETH-USDT", "sz": "400"})]  # one, not one per update
    assert streams.book(False, "ETH-USDT") is None
    answers[0].callback(OkxReplyLike([{"asks": [["11", "1", "0", "1"]], "bids": [["10", "1", "0", "1"]],
                                       "ts": "4", "seqId": 6}]))
    book = streams.book(False, "ETH-USDT").data
    assert book.seq_id == 7 and book.side("bids", 1) == [["12", "1", "0", "1"]]
    assert streams.report()["crossed_books"] == 1
    update(8, 9, [])  # a gap: another REST snapshot, no resubscribe
    assert len(asked) == 2 and streams.resubscribes == {}
    assert all(op["op"] == "subscribe" for op in wire.ops())
    answers[1].errback(RuntimeError("HTTP 503"))
    assert streams.rest_snapshots == {"taken": 2, "failed": 1} and streams.book(False, "ETH-USDT") is None
    update(9, 10, [])
    assert len(asked) == 2  # paced: one second between asks that were not answered
    clock.advance(1.0)
    update(10, 11, [])
    assert len(asked) == 3


def test_a_connection_left_without_subscriptions_is_closed_and_the_next_one_opens_a_new_one():
    clock, streams = make(idle=60.0)
    streams.confirm(False, "tickers", "BTC-USDT")
    stream, wire = connect(streams)
    clock.advance(61)  # unsubscribed when idle: OKX would close it 30 s later, and it would come back
    assert wire.ops()[-1]["op"] == "unsubscribe" and (False, "public") not in streams.streams
    assert not stream.service.running
    streams.confirm(False, "tickers", "ETH-USDT")
    assert streams.streams[(False, "public")] is not stream


def test_books_are_spread_over_connections_of_at_most_30_channels():
    from okxbridge.okx.market_streams import BOOKS_PER_CONNECTION

    clock, streams = make()
    streams.confirm(False, "tickers", "BTC-USDT")
    for i in range(2 * BOOKS_PER_CONNECTION + 1):
        streams.confirm(False, "books", f"X{i}-USDT")
    streams.confirm(False, "tickers", "ETH-USDT")
    held = {name: [arg["channel"] for arg in s.wanted.values()] for (_, name), s in streams.streams.items()}
    assert held == {"public": ["tickers"] + ["books"] * 30 + ["tickers"], "public-2": ["books"] * 30,
                    "public-3": ["books"]}
    assert all(s.url == "ws://okx.test:1/ws/v5/public" for s in streams.streams.values())
    # each book is served, resubscribed and unsubscribed on its own connection
    third, wire = connect(streams, endpoint="public-3")
    assert wire.ops() == [{"op": "subscribe", "args": [{"channel": "books", "instId": "X60-USDT"}]}]
    streams._broken(False, streams.states[False].entries[("books", "X60-USDT")], "gap")
    assert [op["op"] for op in wire.ops()] == ["subscribe", "unsubscribe", "subscribe"]
    third.disconnected(wire, 1006, "gone")  # a lost books connection resets its own books only
    entries = streams.states[False].entries
    assert entries[("books", "X0-USDT")].epoch == 0 and entries[("books", "X60-USDT")].epoch == 1
    clock.advance(61)  # idle: every subscription unsubscribed and every connection closed
    assert streams.streams == {} and streams.homes == {}
    streams.confirm(False, "books", "Y-USDT")  # room again on the first connection
    assert list(streams.streams) == [(False, "public")]
