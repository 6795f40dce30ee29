"""okxbridge/shutdown.py: on SIGTERM stop listening, let calls in flight finish (bounded),
then close the pool — in that order, one after the other."""

import json

import pytest_twisted
import treq
from twisted.application import service
from twisted.internet import task
from twisted.internet.defer import Deferred, ensureDeferred
from twisted.web.resource import Resource
from twisted.web.test.requesthelper import DummyRequest

from okxbridge.okx.inflight import InFlight
from okxbridge.service import Options, build_daemon
from okxbridge.shutdown import CountingResource, DrainService, StopInOrder


class Step(service.Service):
    def __init__(self, name, log, wait=None):
        self.name, self.log, self.wait = name, log, wait

    def stopService(self):
        super().stopService()
        self.log.append(f"{self.name} stopping")
        if self.wait is None:
            return None
        return self.wait.addCallback(lambda _: self.log.append(f"{self.name} stopped"))


def test_children_stop_one_after_another_last_added_first():
    log, slow = [], Deferred()
    top = StopInOrder()
    for s in (Step("pool", log), Step("drain", log, slow), Step("port", log)):
        s.setServiceParent(top)
    top.startService()
    done = top.stopService()
    assert log == ["port stopping", "drain stopping"] and not done.called
    slow.callback(None)
    assert log == ["port stopping", "drain stopping", "drain stopped", "pool stopping"] and done.called


def test_drain_waits_for_calls_in_flight_but_not_forever():
    clock, calls = task.Clock(), InFlight()
    leave = calls.enter()
    calls.enter()  # this one never finishes
    drain = DrainService(clock, [calls], timeout=10)
    drain.startService()
    d = drain.stopService()
    leave()
    clock.advance(9.9)
    assert not d.called and calls.count == 1
    clock.advance(0.1)
    assert d.called  # bounded: the pool closes anyway after 10 s


def test_drain_is_immediate_when_idle():
    drain = DrainService(task.Clock(), [InFlight()])
    drain.startService()
    assert drain.stopService().called


@pytest_twisted.ensureDeferred
async def test_sigterm_lets_a_call_in_flight_finish_then_stops(reactor, tmp_path):
    from okxbridge.sim.testing import start_emulator

    running = await start_emulator(reactor, seed=3)
    options = Options()
    options.parseOptions(["--okx-url", running.url, "--port", "tcp:0:interface=127.0.0.1", "--state-dir", str(tmp_path)])
    daemon = build_daemon(reactor, options)
    top = daemon.service
    top.startService()
    try:
        port = await daemon.protocol_port.bound()
        url = f"http://127.0.0.1:{port.getHost().port}/OKX"
        running.emulator.add_fault("/api/v5/market/ticker", "delay", seconds=1.0)
        body = {"access_key": "okxsim-demo-key", "secret_key": "okxsim-demo-secret,okxsim-demo-pass",
                "method": "ticker", "nonce": 1, "params": {"symbol": "BTC_USDT"}}
        call = ensureDeferred(treq.post(url, json=body, persistent=False))
        await task.deferLater(reactor, 0.3, lambda: None)  # the call is now waiting on OKX
        stopped = top.stopService()
        await task.deferLater(reactor, 0.1, lambda: None)
        assert not stopped.called  # draining: the call is still out
        try:
            await treq.post(url, json=body, persistent=False)
        except Exception as e:
            assert "refused" in repr(e).lower(), e
        else:
            raise AssertionError("still listening while draining")
        response = await call
        answer = json.loads(await response.content())
        assert answer["data"]["symbol"] == "BTC_USDT"
        await stopped
    finally:
        if top.running:
            await top.stopService()
        await running.stop()


def test_a_call_arriving_while_closing_gets_a_protocol_error_not_work():
    class Untouchable(Resource):
        def render(self, request):
            raise AssertionError("no work may start while closing")

    counting = CountingResource(Untouchable(), InFlight())
    counting.closing = True
    request = DummyRequest([b"OKX"])
    body = counting.render(request)
    assert request.responseCode in (None, 200)
    assert json.loads(body) == {"error": "okxbridge is shutting down; try again shortly"}
