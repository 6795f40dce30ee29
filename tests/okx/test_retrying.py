"""okx/retrying.py: reads are tried again within the deadline; writes only once after 50102."""

from random import Random

from twisted.internet import task
from twisted.internet.defer import succeed

from okxbridge.okx.call import OkxCall
from okxbridge.okx.errors import OkxError, OkxThrottled, OkxTransportError
from okxbridge.okx.retry import Backoff
from okxbridge.okx.retrying import Retrying
from tests.okx.fake_layer import Inner, failure_of, reply
from tests.okx_fake import CREDS

BUSY = OkxError("50013", "System busy", "GET", "/api/v5/account/balance", 429)
EXPIRED = OkxError("50102", "Timestamp request expired", "POST", "/api/v5/trade/order", 401)


class Counts:
    def __init__(self):
        self.retries = []

    def retry(self, path):
        self.retries.append(path)


def retrying(answers, resync=lambda: succeed(0.0), **kwargs):
    clock = task.Clock()
    inner = Inner(answers)
    counts = Counts()
    layer = Retrying(inner, clock, resync, random=Random(1), metrics=counts, **kwargs)
    return layer, inner, clock, counts


def read(deadline=10.0):
    return OkxCall("GET", "/api/v5/account/balance", deadline, creds=CREDS)


def test_a_busy_read_is_tried_again_after_a_backoff():
    layer, inner, clock, counts = retrying([BUSY, reply({"ok": 1})])
    d = layer.send(read())
    assert len(inner.calls) == 1 and not d.called
    clock.advance(Backoff().cap)
    assert d.result.data == [{"ok": 1}] and len(inner.calls) == 2
    assert counts.retries == ["/api/v5/account/balance"]


def test_a_read_gives_up_after_its_attempts():
    layer, inner, clock, counts = retrying([OkxTransportError("transport", "reset")], backoff=Backoff(attempts=3))
    d = layer.send(read())
    clock.pump([1] * 10)
    assert isinstance(failure_of(d).value, OkxTransportError) and len(inner.calls) == 3


def test_no_retry_whose_wait_would_pass_the_deadline():
    layer, inner, clock, counts = retrying([BUSY], backoff=Backoff(base=1.0, cap=8.0))
    d = layer.send(read(deadline=0.4))  # the first backoff is 0.5-1 s
    assert failure_of(d).value is BUSY and len(inner.calls) == 1 and counts.retries == []


def test_a_failed_write_or_our_own_refusal_is_never_sent_again():
    write = OkxCall("POST", "/api/v5/trade/order", 10, body={"instId": "BTC-USDT"}, creds=CREDS)
    layer, inner, clock, _ = retrying([OkxTransportError("timeout", "no answer")])
    assert isinstance(failure_of(layer.send(write)).value, OkxTransportError) and len(inner.calls) == 1
    layer, inner, clock, _ = retrying([OkxThrottled("throttled", "queue full")])
    assert isinstance(failure_of(layer.send(read())).value, OkxThrottled) and len(inner.calls) == 1


def test_a_write_refused_for_its_timestamp_is_resent_once_after_a_resync():
    resyncs = []
    layer, inner, clock, counts = retrying([EXPIRED, reply({"ordId": "1"})],
                                           resync=lambda: succeed(resyncs.append(clock.seconds())))
    write = OkxCall("POST", "/api/v5/trade/order", 10, body={"instId": "BTC-USDT"}, creds=CREDS)
    assert layer.send(write).result.data == [{"ordId": "1"}]
    assert resyncs == [0] and len(inner.calls) == 2 and counts.retries == ["/api/v5/trade/order"]
    layer, inner, clock, counts = retrying([EXPIRED])
    assert failure_of(layer.send(write)).value is EXPIRED and len(inner.calls) == 2  # once only


def test_a_failed_resync_reports_the_original_refusal():
    layer, inner, clock, counts = retrying([EXPIRED], resync=lambda: succeed(None).addCallback(
        lambda _: (_ for _ in ()).throw(OkxTransportError("transport", "refused"))))
    write = OkxCall("POST", "/api/v5/trade/order", 10, creds=CREDS)
    assert failure_of(layer.send(write)).value is EXPIRED and len(inner.calls) == 1


RATE_LIMITED = OkxError("50011", "Too Many Requests", "POST", "/api/v5/trade/order", 429)
ACCOUNT_CAP = OkxError("50061", "You've reached the maximum order rate limit for this account.", "POST",
                       "/api/v5/trade/order", 200)


def placement(deadline=10.0):
    return OkxCall("POST", "/api/v5/trade/order", deadline, body={"instId": "BTC-USDT"}, creds=CREDS)


def test_a_write_refused_by_a_rate_limit_is_sent_again_inside_its_deadline():
    layer, inner, clock, counts = retrying([RATE_LIMITED, ACCOUNT_CAP, reply({"ordId": "1"})])
    d = layer.send(placement())
    assert not d.called and len(inner.calls) == 1
    clock.pump([0.05] * 40)
    assert d.result.data == [{"ordId": "1"}] and len(inner.calls) == 3
    assert counts.retries == ["/api/v5/trade/order"] * 2


def test_a_rate_limited_write_without_time_left_names_the_limit():
    layer, inner, clock, counts = retrying([RATE_LIMITED])
    error = failure_of(layer.send(placement(deadline=0.2))).value
    assert len(inner.calls) == 1 and error.code == "50011" and error.http_status == 429
    assert "60/2s per user+instId" in error.msg and "nothing was done" in error.msg


def test_a_resend_that_finds_no_slot_in_time_reports_okx_refusal():
    layer, inner, clock, counts = retrying([RATE_LIMITED, OkxThrottled("throttled", "no slot", "POST", "/p")])
    d = layer.send(placement())
    clock.pump([0.05] * 40)
    error = failure_of(d).value
    assert error.code == "50011" and "sent 1 times" in error.msg and len(inner.calls) == 2


def test_a_write_whose_outcome_is_unknown_is_not_resent_even_as_429():
    busy = OkxError("50013", "Systems are busy", "POST", "/api/v5/trade/order", 429)
    layer, inner, clock, counts = retrying([busy, reply({"ordId": "1"})])
    d = layer.send(placement())
    clock.pump([0.05] * 40)
    assert failure_of(d).value is busy and len(inner.calls) == 1
