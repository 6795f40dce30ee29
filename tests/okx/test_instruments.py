"""The instrument list cache on task.Clock: one load for concurrent callers, a TTL, and a
stale list served while a single background refresh runs."""

import json

from twisted.internet.defer import Deferred

from okxbridge.convert.symbols import parse_symbol
from okxbridge.okx.instruments import InstrumentCache
from okxbridge.okx.session import Session
from tests.okx_fake import CREDS, DEMO, Response, make_client, ok

QUARTER = {"instType": "FUTURES", "instId": "BTC-USDT-261225", "tickSz": "0.1", "lotSz": "1", "minSz": "1",
           "ctVal": "0.01", "alias": "quarter", "state": "live"}
ROLLED = dict(QUARTER, instId="BTC-USDT-270326")


def setup(answers):
    client, http, clock = make_client(lambda *a: answers[0])
    return (client, InstrumentCache(clock, ttl=300)), http, clock


def resolve(bridge, creds=CREDS):
    client, instruments = bridge
    return Deferred.fromCoroutine(instruments.inst_id(Session(client, creds, []), parse_symbol("BTC_USDT.quarter")))


def test_concurrent_first_loads_share_one_request():
    answers = [ok(QUARTER)]
    bridge, http, clock = setup(answers)
    hold = Deferred()
    http.answer = lambda *a: hold
    first, second = resolve(bridge), resolve(bridge)
    assert len(http.sent) == 1
    hold.callback(Response(200, json.dumps(ok(QUARTER)[1]).encode()))
    assert first.result == second.result == "BTC-USDT-261225"


def test_ttl_then_stale_while_refreshing_then_rolled_over():
    answers = [ok(QUARTER)]
    bridge, http, clock = setup(answers)
    assert resolve(bridge).result == "BTC-USDT-261225"
    clock.advance(299)
    assert resolve(bridge).result == "BTC-USDT-261225" and len(http.sent) == 1
    answers[0] = ok(ROLLED)  # OKX rolled the quarterly contract over
    clock.advance(2)
    hold = Deferred()
    http.answer = lambda *a: hold
    assert resolve(bridge).result == "BTC-USDT-261225"  # stale answer at once, no waiting
    assert resolve(bridge).result == "BTC-USDT-261225" and len(http.sent) == 2  # one refresh only
    hold.callback(Response(200, json.dumps(ok(ROLLED)[1]).encode()))
    assert resolve(bridge).result == "BTC-USDT-270326"


def test_demo_and_live_lists_are_separate():
    answers = [ok(QUARTER)]
    bridge, http, clock = setup(answers)
    resolve(bridge, CREDS)
    resolve(bridge, DEMO)
    assert len(http.sent) == 2
    assert http.sent[1].headers.getRawHeaders(b"x-simulated-trading") == [b"1"]
