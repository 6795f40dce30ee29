"""okx/retry.py through the client: reads retried with jittered backoff inside the deadline,
writes never resent (outcome unknown → the caller reads), 50102 → resync and one retry."""

from random import Random

import pytest
from twisted.internet.defer import Deferred
from twisted.internet.error import ConnectionRefusedError

from okxbridge.okx.errors import OkxError, OkxThrottled, OkxTransportError
from okxbridge.okx.retry import Backoff, retryable_read
from tests.okx_fake import CREDS, error, make_client, ok


def failures_of(d):
    caught = []
    d.addErrback(caught.append)
    return caught


def scripted(*answers):
    it = iter(answers)
    return lambda *a: next(it)


@pytest.mark.parametrize("error, retry", [
    (OkxTransportError("timeout", "no answer", "GET", "/p"), True),
    (OkxError("50011", "Rate limit reached", "GET", "/p", 429), True),
    (OkxError("50013", "Systems are busy", "GET", "/p", 429), True),
    (OkxError("50001", "Service temporarily unavailable", "GET", "/p", 503), True),
    (OkxError("50026", "System error", "GET", "/p", 500), True),
    (OkxError("51001", "Instrument ID does not exist", "GET", "/p", 200), False),
    (OkxError("50113", "Invalid Sign", "GET", "/p", 401), False),
    (OkxThrottled("throttled", "queue full", "GET", "/p"), False),
])
def test_which_read_failures_are_worth_another_try(error, retry):
    assert retryable_read(error) is retry


def test_backoff_is_capped_exponential_with_jitter():
    backoff, rng = Backoff(attempts=10, base=0.1, cap=2.0), Random(1)
    delays = [backoff.delay(n, rng) for n in range(1, 8)]
    ceilings = [0.1, 0.2, 0.4, 0.8, 1.6, 2.0, 2.0]
    assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    assert len(set(delays)) == len(delays)  # jittered, not lock-step


def test_a_read_is_retried_on_5xx_on_the_backoff_schedule():
    client, http, clock = make_client(scripted(error(503, "50001"), error(500, "50026"), (502, b"Bad Gateway"),
                                               ok({"ts": "1"})), random=Random(7), timeout=10)
    d = client.get("/api/v5/market/ticker", {"instId": "BTC-USDT"}, sign=False)
    rng = Random(7)
    for n in (1, 2, 3):
        delay = client.backoff.delay(n, rng)
        clock.advance(delay - 1e-6)
        assert len(http.sent) == n  # not a moment early
        clock.advance(2e-6)
        assert len(http.sent) == n + 1
    assert 0.35 <= http.sent[-1].at <= 0.7  # 0.05..0.1 + 0.1..0.2 + 0.2..0.4
    assert d.result.data == [{"ts": "1"}]


def test_a_read_is_retried_on_a_transport_error():
    client, http, clock = make_client(scripted(ConnectionRefusedError("refused"), ok({"x": 1})), random=Random(1))
    d = client.get("/api/v5/account/balance", None, CREDS)
    clock.advance(1)
    assert len(http.sent) == 2 and d.result.data == [{"x": 1}]
    # each try is signed afresh, with its own timestamp
    stamps = [s.headers.getRawHeaders(b"OK-ACCESS-TIMESTAMP")[0] for s in http.sent]
    assert stamps[0] != stamps[1]


def test_retries_stop_after_the_attempt_cap():
    client, http, clock = make_client(lambda *a: error(500, "50026", "System error"), random=Random(1))
    caught = failures_of(client.get("/api/v5/market/books", {"instId": "BTC-USDT"}, sign=False))
    clock.pump([0.1] * 50)
    assert len(http.sent) == client.backoff.attempts == 4
    assert caught[0].value.code == "50026"


def test_retries_stay_inside_the_deadline():
    client, http, clock = make_client(lambda *a: error(500, "50026"), random=Random(1),
                                      backoff=Backoff(attempts=10, base=1.0, cap=8.0), timeout=10, deadline=2.5)
    caught = failures_of(client.get("/api/v5/market/books", {"instId": "BTC-USDT"}, sign=False))
    clock.pump([0.1] * 100)
    assert max(http.times()) <= 2.5 and len(http.sent) < 10
    assert caught and caught[0].value.code == "50026"


def test_a_timed_out_read_leaves_no_budget_for_another_try():
    client, http, clock = make_client(lambda *a: Deferred(), timeout=3)
    caught = failures_of(client.get("/api/v5/market/ticker", {"instId": "BTC-USDT"}, sign=False))
    clock.advance(3)
    assert len(http.sent) == 1
    assert isinstance(caught[0].value, OkxTransportError) and "no answer within 3s" in str(caught[0].value)


def test_business_errors_are_not_retried():
    client, http, clock = make_client(lambda *a: error(200, "51001", "Instrument ID does not exist"))
    caught = failures_of(client.get("/api/v5/market/ticker", {"instId": "NOPE"}, sign=False))
    clock.advance(5)
    assert len(http.sent) == 1 and caught[0].value.code == "51001"


@pytest.mark.parametrize("answer", [ConnectionRefusedError("reset"), error(500, "50026"), (502, b"Bad Gateway")])
def test_a_write_is_never_resent(answer):
    client, http, clock = make_client(lambda *a: answer, random=Random(1))
    caught = failures_of(client.post("/api/v5/trade/order", {"instId": "BTC-USDT", "clOrdId": "a1"}, CREDS))
    clock.pump([0.1] * 100)
    assert len(http.sent) == 1
    assert isinstance(caught[0].value, OkxError)


def test_a_write_that_times_out_is_outcome_unknown():
    client, http, clock = make_client(lambda *a: Deferred(), timeout=5)
    caught = failures_of(client.post("/api/v5/trade/order", {"instId": "BTC-USDT"}, CREDS))
    clock.pump([1] * 20)
    assert len(http.sent) == 1
    assert isinstance(caught[0].value, OkxTransportError)
    assert str(caught[0].value) == "OKX unreachable: no answer within 5s (POST /api/v5/trade/order)"


def server_time(ms):
    return ok({"ts": str(ms)})


def test_50102_resyncs_the_clock_and_resends_once_even_a_write():
    def answer(verb, path, query, headers, body):
        if path == "/api/v5/public/time":
            return server_time(40_000)  # OKX is 40 s ahead of this task.Clock at 0
        stamp = headers.getRawHeaders(b"OK-ACCESS-TIMESTAMP")[0]
        return (ok({"ordId": "1"}) if stamp.startswith(b"1970-01-01T00:00:40")
                else error(401, "50102", "Timestamp request expired"))
    client, http, clock = make_client(answer)
    d = client.post("/api/v5/trade/order", {"instId": "BTC-USDT", "clOrdId": "a1"}, CREDS)
    assert d.result.data == [{"ordId": "1"}]
    assert http.paths() == ["/api/v5/trade/order", "/api/v5/public/time", "/api/v5/trade/order"]
    assert client.signer.offset == 40.0


def test_50102_is_resent_only_once():
    client, http, clock = make_client(
        lambda verb, path, *a: server_time(0) if path == "/api/v5/public/time" else error(401, "50102", "expired"))
    caught = failures_of(client.get("/api/v5/account/balance", None, CREDS))
    assert http.paths() == ["/api/v5/account/balance", "/api/v5/public/time", "/api/v5/account/balance"]
    assert caught[0].value.code == "50102"


def test_concurrent_50102s_share_one_resync():
    pending = []

    def answer(verb, path, query, headers, body):
        if path == "/api/v5/public/time":
            d = Deferred()
            pending.append(d)
            return d
        stamp = headers.getRawHeaders(b"OK-ACCESS-TIMESTAMP")[0]
        return ok({}) if stamp.startswith(b"1970-01-01T00:01:40") else error(401, "50102", "expired")
    client, http, clock = make_client(answer)
    calls = [client.get("/api/v5/account/balance", None, CREDS) for _ in range(5)]
    assert len(pending) == 1
    import json

    from tests.okx_fake import Response
    pending[0].callback(Response(200, json.dumps(server_time(100_000)[1]).encode()))
    assert all(c.result.data == [{}] for c in calls)
    assert http.paths().count("/api/v5/public/time") == 1


@pytest.mark.parametrize("error, unknown", [
    (OkxTransportError("timeout", "no answer", "POST", "/p"), True),
    (OkxError("50004", "Endpoint request timeout", "POST", "/p", 400), True),
    (OkxError("50026", "System error", "POST", "/p", 500), True),
    (OkxError("50011", "Rate limit reached", "POST", "/p", 429), False),  # refused before acting
    (OkxError("51008", "Insufficient balance", "POST", "/p", 200), False),
    (OkxThrottled("throttled", "queue full", "POST", "/p"), False),       # never sent
])
def test_which_write_failures_leave_the_outcome_unknown(error, unknown):
    from okxbridge.okx.retry import outcome_unknown
    assert outcome_unknown(error) is unknown
