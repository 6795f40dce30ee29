"""okx/transport.py: one signed exchange per call, in memory through treq's StubTreq."""

import json

import pytest
from treq.testing import StubTreq
from twisted.internet import task
from twisted.internet.defer import Deferred
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET

from okxbridge.okx.call import OkxCall
from okxbridge.okx.errors import OkxError, OkxTransportError
from okxbridge.okx.signer import Signer, signature
from okxbridge.okx.transport import SigningTransport
from tests.okx_fake import CREDS, DEMO


class Okx(Resource):
    """Answers every request with ``answer`` and keeps what it was sent."""

    isLeaf = True

    def __init__(self, status=200, answer=b'{"code":"0","msg":"","data":[{"ok":1}]}', hold=False):
        super().__init__()
        self.status, self.answer, self.hold, self.seen = status, answer, hold, []

    def render(self, request):
        body = request.content.read()
        self.seen.append((request.method.decode(), request.uri.decode(), request.requestHeaders, body))
        if self.hold:
            return NOT_DONE_YET
        request.setResponseCode(self.status)
        return self.answer


def failure_of(d: Deferred):
    failures = []
    d.addErrback(failures.append)
    return failures[0]


def transport(resource, clock=None, timeout=10.0):
    clock = clock or task.Clock()
    return SigningTransport(StubTreq(resource), "https://okx.test", clock, Signer(clock), timeout), clock


def test_a_signed_post_sends_the_signed_text_and_reads_the_envelope():
    okx = Okx()
    client, clock = transport(okx)
    clock.advance(1_700_000_000.5)
    call = OkxCall("post", "/api/v5/trade/order", clock.seconds() + 10, body={"instId": "BTC-USDT", "sz": "1"},
                   creds=CREDS)
    reply = client.send(call).result
    assert reply.data == [{"ok": 1}] and client.last_answer_at == clock.seconds()
    verb, uri, headers, body = okx.seen[0]
    assert (verb, uri, body) == ("POST", "/api/v5/trade/order", b'{"instId":"BTC-USDT","sz":"1"}')
    stamp = headers.getRawHeaders(b"OK-ACCESS-TIMESTAMP")[0].decode()
    assert stamp == "2023-11-14T22:13:20.500Z"
    expected = signature("secret", stamp + "POST/api/v5/trade/order" + body.decode())
    assert headers.getRawHeaders(b"OK-ACCESS-SIGN") == [expected.encode()]


def test_an_unsigned_demo_read_carries_only_the_demo_flag_and_the_query():
    okx = Okx()
    client, clock = transport(okx)
    assert client.send(OkxCall("GET", "/api/v5/market/ticker", 10, {"instId": "BTC-USDT", "x": None}, creds=DEMO,
                               sign=False)).called
    _, uri, headers, _ = okx.seen[0]
    assert uri == "/api/v5/market/ticker?instId=BTC-USDT"
    assert headers.getRawHeaders(b"x-simulated-trading") == [b"1"]
    assert not headers.hasHeader(b"OK-ACCESS-SIGN")


@pytest.mark.parametrize("status, answer, code, kind", [
    (200, b'{"code":"51001","msg":"Instrument ID does not exist","data":[]}', "51001", OkxError),
    (502, b"<html>Bad Gateway</html>", "HTTP 502", OkxTransportError),
])
def test_an_error_answer_is_an_okx_error(status, answer, code, kind):
    client, clock = transport(Okx(status, answer))
    failure = failure_of(client.send(OkxCall("GET", "/api/v5/market/ticker", 10)))
    assert type(failure.value) is kind and failure.value.code == code
    assert client.last_answer_at == 0  # an answer all the same: OKX is reachable


def test_no_answer_within_the_timeout_or_the_deadline_is_a_transport_error():
    client, clock = transport(Okx(hold=True), timeout=10.0)
    d: Deferred = client.send(OkxCall("GET", "/api/v5/market/ticker", deadline=3.0))
    clock.advance(2.9)
    assert not d.called
    clock.advance(0.1)  # the call's deadline comes before the transport's own timeout
    failure = failure_of(d)
    # treq reports the cancelled exchange as ResponseNeverReceived, not as Twisted's timeout
    assert isinstance(failure.value, OkxTransportError) and failure.value.code == "transport"
    assert client.last_answer_at is None


def test_the_body_is_the_exact_json_text():
    okx = Okx()
    client, _ = transport(okx)
    sent = client.send(OkxCall("POST", "/api/v5/trade/batch-orders", 10, body=[{"a": "1"}, {"b": "2"}], creds=CREDS))
    assert sent.called
    assert json.loads(okx.seen[0][3]) == [{"a": "1"}, {"b": "2"}] and okx.seen[0][3] == b'[{"a":"1"},{"b":"2"}]'


@pytest.mark.parametrize("verb, path, carries", [
    ("POST", "/api/v5/trade/order", True),
    ("POST", "/api/v5/trade/cancel-order", False),  # OKX takes expTime on placements and amendments only
    ("GET", "/api/v5/trade/order", False),
])
def test_an_order_write_carries_its_deadline_on_okx_clock_as_exptime(verb, path, carries):
    okx = Okx()
    client, clock = transport(okx)
    clock.advance(1_700_000_000.25)
    client.signer.offset = -1.5  # OKX's clock is 1.5 s behind ours (measured by time sync)
    body = {"instId": "BTC-USDT"} if verb == "POST" else None
    params = {"instId": "BTC-USDT"} if verb == "GET" else None
    assert client.send(OkxCall(verb, path, clock.seconds() + 4, params, body, creds=CREDS)).called
    headers = okx.seen[0][2]
    expected = [b"1700000002750"] if carries else None  # (now + 4 - 1.5) s in ms
    assert headers.getRawHeaders(b"expTime") == expected
