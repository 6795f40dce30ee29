"""okxbridge/shutdown.py: on SIGTERM stop listening, let calls in flight finish (bounded),
then close the pool — in that order, one after the other."""

import json

from twisted.application import service
from twisted.internet import task
from twisted.internet.defer import Deferred
from twisted.web.resource import Resource
from twisted.web.test.requesthelper import DummyRequest

from okxbridge.okx.inflight import InFlight
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
