"""The small layers: coalescing (okx/coalesce.py), in-flight counting (okx/inflight.py) and
refusing a rejected credential (okx/rejected.py), each around a fake inner layer."""

from twisted.internet import task
from twisted.internet.defer import Deferred

from okxbridge.okx.call import OkxCall
from okxbridge.okx.coalesce import Coalescing
from okxbridge.okx.errors import OkxError
from okxbridge.okx.inflight import Tracked
from okxbridge.okx.rejected import Refusing, RejectedCredentials
from tests.okx.fake_layer import Inner, failure_of, reply
from tests.okx_fake import CREDS, DEMO

TICKER = "/api/v5/market/ticker"


def test_identical_public_reads_in_flight_share_one_request():
    pending: Deferred = Deferred()
    inner = Inner([pending])
    layer = Coalescing(inner)
    calls = [layer.send(OkxCall("GET", TICKER, 10, {"instId": "BTC-USDT"})) for _ in range(3)]
    demo = layer.send(OkxCall("GET", TICKER, 10, {"instId": "BTC-USDT"}, creds=DEMO, sign=False))
    assert len(inner.calls) == 2  # demo trading's market is another market
    pending.callback(reply({"last": "1"}))
    assert [d.result.data for d in calls] == [[{"last": "1"}]] * 3 and demo.called
    assert layer.coalescer.started == 2 and layer.coalescer.joined == 2


def test_signed_reads_writes_and_unshared_reads_are_never_shared():
    inner = Inner([Deferred()])
    layer = Coalescing(inner)
    layer.send(OkxCall("GET", "/api/v5/account/balance", 10, creds=CREDS))
    layer.send(OkxCall("GET", "/api/v5/account/balance", 10, creds=CREDS))
    layer.send(OkxCall("GET", TICKER, 10, shared=False))
    layer.send(OkxCall("GET", TICKER, 10, shared=False))
    assert len(inner.calls) == 4


def test_a_call_is_in_flight_until_its_answer():
    pending: Deferred = Deferred()
    layer = Tracked(Inner([pending]))
    d = layer.send(OkxCall("GET", TICKER, 10))
    idle = layer.inflight.idle()
    assert layer.inflight.count == 1 and not idle.called
    pending.callback(reply())
    assert d.called and idle.called and layer.inflight.count == 0


def test_a_rejected_credential_is_noted_below_and_refused_above():
    clock = task.Clock()
    rejected = RejectedCredentials(clock)
    inner = Inner([OkxError("50113", "Invalid signature.", raw={"code": "50113"}), reply()])
    below = Refusing(inner, rejected, notes=True)
    above = Refusing(below, rejected)
    call = OkxCall("GET", "/api/v5/account/balance", 10, creds=CREDS)
    assert failure_of(above.send(call)).value.code == "50113" and len(rejected) == 1
    refused = failure_of(above.send(call)).value
    assert "without asking OKX" in str(refused) and len(inner.calls) == 1
    assert above.send(OkxCall("GET", TICKER, 10, creds=CREDS, sign=False)).called  # unsigned: not its business


def test_only_the_noting_layer_remembers_a_refusal():
    rejected = RejectedCredentials(task.Clock())
    above = Refusing(Inner([OkxError("50113", "Invalid signature.", raw={"code": "50113"})]), rejected)
    failure_of(above.send(OkxCall("GET", "/api/v5/account/balance", 10, creds=CREDS)))
    assert len(rejected) == 0
