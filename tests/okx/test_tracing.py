"""okx/tracing.py: a trace line and a metric per request, with the code the metrics count."""

import pytest
from twisted.internet import task
from twisted.internet.defer import Deferred

from okxbridge.okx.call import OkxCall
from okxbridge.okx.errors import OkxError, OkxTransportError
from okxbridge.okx.tracing import Tracing, outcome_of, traced
from tests.okx.fake_layer import Inner, failure_of, reply


class Requests:
    def __init__(self):
        self.seen = []

    def okx_request(self, verb, path, code, seconds):
        self.seen.append((verb, path, code, seconds))


def test_each_request_is_traced_and_counted_with_its_time():
    clock = task.Clock()
    pending: Deferred = Deferred()
    requests = Requests()
    layer = Tracing(Inner([pending]), clock, requests)
    trace: list[str] = []
    d = layer.send(OkxCall("GET", "/api/v5/market/ticker", 10, trace=trace))
    clock.advance(0.25)
    pending.callback(reply())
    assert d.called and trace == ["GET /api/v5/market/ticker 200 250.0ms"]
    assert requests.seen == [("GET", "/api/v5/market/ticker", "0", 0.25)]


@pytest.mark.parametrize("error, status, code", [
    (OkxError("51001", "no such instrument", http_status=200, raw={"code": "51001"}), 200, "51001"),
    (OkxError("51008", "no money", http_status=200, raw={"code": "1"}), 200, "1"),  # the envelope's code
    (OkxTransportError("HTTP 502", "not OKX", http_status=502), 502, "http_502"),
    (OkxTransportError("timeout", "no answer"), "-", "transport"),
])
def test_a_failure_is_counted_by_what_came_back(error, status, code):
    assert outcome_of(error) == (status, code)
    requests = Requests()
    trace: list[str] = []
    layer = Tracing(Inner([error]), task.Clock(), requests)
    assert failure_of(layer.send(OkxCall("GET", "/p", 10, trace=trace))).value is error
    assert requests.seen[0][2] == code and trace == [f"GET /p {status} 0.0ms"]


def test_a_websocket_operation_is_traced_under_its_label():
    clock = task.Clock()
    trace: list[str] = []
    pending: Deferred = Deferred()

    async def send():
        return await pending
    d = Deferred.fromCoroutine(traced(clock, trace, "WS order", send))
    clock.advance(0.012)
    pending.errback(OkxError("51008", "no money"))
    assert failure_of(d).value.code == "51008" and trace == ["WS order 51008 12ms"]
