"""okxbridge/fmz/app.py in memory: the real Klein resource, driven by ``treq.testing.StubTreq``,
in front of the real handlers and OKX client, whose HTTP is another ``StubTreq`` around the
emulator's own resource; one ``task.Clock`` for both sides. No port and no sleep: the same
calls the end-to-end tests make through sockets (tests/e2e/test_daemon_errors.py,
tests/e2e/test_spot_session.py), here in a few milliseconds."""

import json

import pytest
from treq.testing import StubTreq
from twisted.internet import task
from twisted.internet.defer import ensureDeferred

from okxbridge.convert.io_policy import IoPolicy
from okxbridge.fmz.app import FmzApp
from okxbridge.handlers.methods import Views, method_table
from okxbridge.okx.client import OkxClient
from okxbridge.okx.signer import Signer
from okxbridge.sim.emulator import Emulator

KEYS = {"access_key": "okxsim-demo-key", "secret_key": "okxsim-demo-secret,okxsim-demo-pass"}


class InMemoryDaemon:
    """The FMZ resource and okxsim's resource, each behind a StubTreq, on one Clock."""

    def __init__(self, **sim_kwargs):
        self.clock = task.Clock()
        self.clock.advance(1_700_000_000)  # OKX signs with wall-clock timestamps: start at a real-looking time
        self.emulator = Emulator(clock=self.clock, seed=7, **sim_kwargs)
        self.okx = StubTreq(self.emulator.resource())
        client = OkxClient(self.okx, "http://okx.test", self.clock, Signer(self.clock))
        views = Views.create(client, self.clock)
        self.app = FmzApp(method_table(views, IoPolicy.create()), self.clock)
        self.fmz = StubTreq(self.app.resource())

    def settle(self, d, rounds=200):
        """Flush both in-memory connections (a call to the FMZ side makes calls to OKX) until
        ``d`` has fired; the clock moves only when a test moves it."""
        results = []
        d.addBoth(results.append)
        for _ in range(rounds):
            if results:
                break
            self.okx.flush()
            self.fmz.flush()
        assert results, "the call did not finish"
        if hasattr(results[0], "raiseException"):
            results[0].raiseException()
        return results[0]

    def post(self, body, path="/OKX"):
        async def call():
            response = await self.fmz.post("http://bridge.test" + path, data=body)
            return response.code, json.loads(await response.content())
        return self.settle(ensureDeferred(call()))

    def call(self, method, params=None, nonce=1):
        body = json.dumps({**KEYS, "method": method, "nonce": nonce, "params": params or {}}).encode()
        return self.post(body)


@pytest.mark.parametrize("raw, message", [
    (b"not json", "not valid JSON"),
    (b"[]", "must be a JSON object, got array"),
    (json.dumps({**KEYS, "method": "GetWhatever", "nonce": 1, "params": {}}).encode(), "unknown method 'GetWhatever'"),
])
def test_bad_bodies_get_an_error_line_without_a_port(raw, message):
    daemon = InMemoryDaemon()
    code, answer = daemon.post(raw)
    assert code == 200 and set(answer) == {"error"} and message in answer["error"]


def test_ticker_and_a_spot_order_reach_the_emulator_in_memory():
    daemon = InMemoryDaemon()
    code, answer = daemon.call("ticker", {"symbol": "BTC_USDT"})
    assert code == 200 and "error" not in answer, answer
    assert answer["data"]["symbol"] == "BTC_USDT" and answer["data"]["last"] > 0

    code, placed = daemon.call("trade", {"symbol": "LTC_USDT", "type": "buy", "price": -1, "amount": 10}, nonce=2)
    assert "error" not in placed, placed
    order_id = placed["data"]["id"]
    code, found = daemon.call("order", {"id": order_id}, nonce=3)
    assert found["data"]["id"] == order_id and found["data"]["status"] == "filled"  # a market buy


def test_a_lost_answer_is_retried_on_the_clock_not_in_real_time():
    daemon = InMemoryDaemon()
    daemon.emulator.add_fault("/api/v5/market/ticker", "status", status=503)
    pending = ensureDeferred(daemon.fmz.post("http://bridge.test/OKX", data=json.dumps(
        {**KEYS, "method": "ticker", "nonce": 1, "params": {"symbol": "BTC_USDT"}}).encode()))
    answered = []
    pending.addCallback(lambda response: answered.append(response) or response)
    for _ in range(20):
        daemon.okx.flush(), daemon.fmz.flush()
    assert answered == [] and daemon.emulator.counts.get("/api/v5/market/ticker") == 1  # backing off
    daemon.clock.advance(5)  # the backoff's wait, on the clock
    response = daemon.settle(pending)
    answer = json.loads(daemon.settle(ensureDeferred(response.content())))
    assert "error" not in answer and answer["data"]["symbol"] == "BTC_USDT"
