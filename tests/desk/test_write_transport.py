"""okxbridge/desk/write_transport.py: a write goes over REST unless ``--trade-over ws`` and
the key's private stream is logged in; only the transport changes, never the answer's shape."""

from twisted.internet.defer import Deferred

from okxbridge.desk.write_transport import WriteTransport
from okxbridge.okx.accounts import Accounts
from okxbridge.okx.instruments import InstrumentCache
from okxbridge.okx.session import Session
from tests.okx_fake import CREDS, make_client, ok

ORDER = {"instId": "BTC-USDT", "clOrdId": "fmz1", "side": "buy", "ordType": "limit", "px": "1", "sz": "1"}


def send(trade_over):
    client, http, clock = make_client(lambda *a: ok({"ordId": "5", "sCode": "0"}))
    transport = WriteTransport(Accounts(clock), InstrumentCache(clock), trade_over)
    reply = Deferred.fromCoroutine(transport.send(Session(client, CREDS, []), "/api/v5/trade/order", ORDER)).result
    return reply, http


def test_rest_by_default():
    reply, http = send("rest")
    assert reply.data[0]["ordId"] == "5"
    assert [(s.verb, s.path) for s in http.sent] == [("POST", "/api/v5/trade/order")]


def test_ws_without_a_logged_in_stream_falls_back_to_rest():
    reply, http = send("ws")  # no private streams at all: the stream can never be ready
    assert reply.data[0]["ordId"] == "5"
    assert [(s.verb, s.path) for s in http.sent] == [("POST", "/api/v5/trade/order")]


def test_a_websocket_order_waits_what_is_left_of_the_calls_deadline_not_a_whole_timeout():
    """The call's deadline bounds the whole call (issue 23): a WebSocket order whose turn came
    after a wait for a rate token is answered, or given up, by that deadline, as over REST."""
    import attrs

    client, _, clock = make_client(lambda *a: ok({}), timeout=10)
    asked = []

    @attrs.define
    class Stream:
        def operate(self, op, args, timeout, exp_time=None):
            asked.append(timeout)
            return Deferred()

    class Account:
        def operations(self):
            return Stream()

    class Accounts:
        def of(self, creds):
            return Account()

    class Instruments:
        async def inst_id_code(self, session, inst_id):
            return 7

    transport = WriteTransport(Accounts(), Instruments(), "ws")
    clock.advance(100)
    Deferred.fromCoroutine(transport.send(Session(client, CREDS, []), "/api/v5/trade/order", ORDER,
                                          deadline=clock.seconds() + 3))
    Deferred.fromCoroutine(transport.send(Session(client, CREDS, []), "/api/v5/trade/order", ORDER,
                                          deadline=clock.seconds() + 30))
    assert asked == [3, 10]  # the deadline's 3 s left; a long deadline: one try's timeout, as REST
