"""okx/limits.py: buckets sized from OKX's table, waits on the injected clock, bounded queues."""

import json

import pytest
from twisted.internet import task
from twisted.internet.defer import Deferred

from okxbridge.okx.errors import OkxThrottled
from okxbridge.okx.limits import DEFAULT_PRIVATE, DEFAULT_PUBLIC, RULES, RateLimiter, Rule, bucket_keys, rule_for
from tests.no_secret import assert_no_secret
from tests.okx_fake import CREDS, DEMO, OTHER, Response, error, make_client, ok

TWO_PER_2S = Rule(2, 2, "ip")


def limiter(**kwargs):
    clock = task.Clock()
    return RateLimiter(clock, **kwargs), clock


@pytest.mark.parametrize("verb, path, rule", [
    ("GET", "/api/v5/market/ticker", (20, 2, "ip")),
    ("GET", "/api/v5/market/books", (40, 2, "ip")),
    ("GET", "/api/v5/market/trades", (100, 2, "ip")),
    ("GET", "/api/v5/market/candles", (40, 2, "ip")),
    ("GET", "/api/v5/market/history-candles", (20, 2, "ip")),
    ("GET", "/api/v5/public/instruments", (20, 2, "ip+instType")),
    ("GET", "/api/v5/public/time", (10, 2, "ip")),
    ("GET", "/api/v5/public/funding-rate", (10, 2, "ip+instId")),
    ("GET", "/api/v5/account/balance", (10, 2, "user")),
    ("GET", "/api/v5/asset/balances", (6, 1, "user")),
    ("GET", "/api/v5/account/positions", (10, 2, "user")),
    ("GET", "/api/v5/account/config", (5, 2, "user")),
    ("POST", "/api/v5/account/set-leverage", (20, 2, "user")),
    ("POST", "/api/v5/trade/order", (60, 2, "user+instId")),
    ("POST", "/api/v5/trade/cancel-order", (60, 2, "user+instId")),
    ("GET", "/api/v5/trade/order", (60, 2, "user+instId")),
    ("GET", "/api/v5/trade/orders-pending", (60, 2, "user")),
    ("GET", "/api/v5/trade/orders-history", (40, 2, "user")),
    ("GET", "/api/v5/trade/orders-history-archive", (20, 2, "user")),
])
def test_rules_follow_okx_published_table(verb, path, rule):
    assert RULES[(verb, path)] == Rule(*rule)


def test_unknown_paths_get_a_conservative_default():
    assert rule_for("GET", "/api/v5/rubik/stat/whatever", signed=False) == DEFAULT_PUBLIC == Rule(10, 2, "ip")
    assert rule_for("GET", "/api/v5/account/bills", signed=True) == DEFAULT_PRIVATE == Rule(10, 2, "user")


def test_bucket_keys_follow_the_scope():
    ticker = bucket_keys("GET", "/api/v5/market/ticker", {"instId": "BTC-USDT"}, None, None)
    assert ticker == bucket_keys("GET", "/api/v5/market/ticker", {"instId": "ETH-USDT"}, None, None)  # per IP
    spot = bucket_keys("GET", "/api/v5/public/instruments", {"instType": "SPOT"}, None, None)
    swap = bucket_keys("GET", "/api/v5/public/instruments", {"instType": "SWAP"}, None, None)
    assert spot != swap
    live, demo, other = (bucket_keys("GET", "/api/v5/account/balance", None, None, (c.api_key, c.simulated))
                         for c in (CREDS, DEMO, OTHER))
    assert len({live[0][0], demo[0][0], other[0][0]}) == 3  # per key, demo apart from live
    user = ("k", False)
    btc = bucket_keys("POST", "/api/v5/trade/order", None, {"instId": "BTC-USDT", "sz": "1"}, user)
    eth = bucket_keys("POST", "/api/v5/trade/order", None, {"instId": "ETH-USDT", "sz": "1"}, user)
    assert btc != eth and btc[0][0][-1] == "BTC-USDT"
    query = bucket_keys("GET", "/api/v5/trade/order", {"instId": "BTC-USDT", "ordId": "1"}, None, user)
    assert query[0][0][-1] == "BTC-USDT"
    batch = bucket_keys("POST", "/api/v5/trade/batch-orders", None,
                        [{"instId": "BTC-USDT"}, {"instId": "BTC-USDT"}, {"instId": "ETH-USDT"}], user)
    assert [k[-1] for k, _ in batch] == ["BTC-USDT", "BTC-USDT", "ETH-USDT"]  # one token per order


def test_a_burst_waits_exactly_until_a_token_comes_back():
    limits, clock = limiter(slack=0.1)
    granted = []
    for i in range(5):
        limits.acquire("k", TWO_PER_2S, max_wait=10).addCallback(lambda _, i=i: granted.append((i, clock.seconds())))
    assert granted == [(0, 0), (1, 0)]
    clock.advance(2.0999)
    assert len(granted) == 2
    clock.advance(0.0001)
    assert granted[2:] == [(2, 2.1), (3, 2.1)]
    clock.advance(2.1)
    assert granted[4:] == [(4, 4.2)]  # first in, first out


def test_tokens_come_back_one_window_after_use_not_all_at_once():
    limits, clock = limiter(slack=0)
    limits.acquire("k", TWO_PER_2S, 10)
    clock.advance(1)
    limits.acquire("k", TWO_PER_2S, 10)
    granted = []
    limits.acquire("k", TWO_PER_2S, 10).addCallback(lambda _: granted.append(clock.seconds()))
    limits.acquire("k", TWO_PER_2S, 10).addCallback(lambda _: granted.append(clock.seconds()))
    clock.pump([0.5] * 8)
    assert granted == [2, 3]  # never more than 2 in any 2 s window


def test_queue_bound_fails_at_once_naming_the_endpoint():
    limits, _ = limiter(max_queue=3)
    for _ in range(2 + 3):
        limits.acquire("k", TWO_PER_2S, 100, "GET", "/api/v5/market/ticker")
    with pytest.raises(OkxThrottled) as info:
        limits.acquire("k", TWO_PER_2S, 100, "GET", "/api/v5/market/ticker")
    message = str(info.value)
    assert message.startswith("okxbridge throttled GET /api/v5/market/ticker: 3 calls already wait")
    assert "2/2s per ip" in message


def test_a_wait_past_the_budget_fails_at_once():
    limits, _ = limiter(slack=0)
    limits.acquire("k", TWO_PER_2S, 5)
    limits.acquire("k", TWO_PER_2S, 5)
    limits.acquire("k", TWO_PER_2S, 2.0)          # waits 2 s: within budget
    with pytest.raises(OkxThrottled, match="next free slot is 2.0s away, past this call's 1.5s budget"):
        limits.acquire("k", TWO_PER_2S, 1.5, "GET", "/api/v5/market/ticker")


def test_a_cancelled_waiter_gives_its_place_to_the_next():
    limits, clock = limiter(slack=0)
    limits.acquire("k", TWO_PER_2S, 10)
    limits.acquire("k", TWO_PER_2S, 10)
    first = limits.acquire("k", TWO_PER_2S, 10)
    second = limits.acquire("k", TWO_PER_2S, 10)
    first.addErrback(lambda f: None)
    first.cancel()
    got = []
    second.addCallback(lambda _: got.append(clock.seconds()))
    clock.advance(2)
    assert got == [2]


def test_a_token_comes_back_a_window_after_the_answer_not_after_the_send():
    # OKX counted the request somewhere between send and answer: a slow first answer and a
    # fast later request must not land in one OKX window
    limits, clock = limiter(slack=0.1)
    slow = limits.acquire("k", TWO_PER_2S, 10).result
    limits.acquire("k", TWO_PER_2S, 10).result.done(0.0)
    clock.advance(1.5)
    slow.done(clock.seconds())  # answered after 1.5 s
    granted = []
    limits.acquire("k", TWO_PER_2S, 10).addCallback(lambda _: granted.append(clock.seconds()))
    limits.acquire("k", TWO_PER_2S, 10).addCallback(lambda _: granted.append(clock.seconds()))
    clock.pump([0.1] * 40)
    assert granted == pytest.approx([2.1, 3.6])


def test_a_request_in_flight_longer_than_a_window_still_holds_its_token():
    limits, clock = limiter(slack=0)
    stuck = limits.acquire("k", Rule(1, 2, "ip"), 10).result
    clock.advance(3)  # the token came back on schedule, the request is still out …
    again = limits.acquire("k", Rule(1, 2, "ip"), 10).result
    again.done(3)
    stuck.done(3.5)  # … and its answer arrives now: it counts until 5.5
    got = []
    limits.acquire("k", Rule(1, 2, "ip"), 10).addCallback(lambda _: got.append(clock.seconds()))
    clock.pump([0.5] * 10)
    assert got == [5.5]


def test_slow_down_pauses_the_bucket_for_a_full_window():
    limits, clock = limiter(slack=0.1)
    limits.acquire("k", TWO_PER_2S, 10)
    clock.advance(1)
    limits.slow_down("k", TWO_PER_2S)
    granted = []
    limits.acquire("k", TWO_PER_2S, 10).addCallback(lambda _: granted.append(clock.seconds()))
    clock.advance(2.0)
    assert granted == []
    clock.advance(0.1)
    assert granted == [3.1]


def test_idle_buckets_are_dropped():
    limits, clock = limiter(sweep_every=10)
    for i in range(9):
        limits.acquire(("k", i), TWO_PER_2S, 10)
    assert len(limits) == 9
    clock.advance(5)
    limits.acquire("fresh", TWO_PER_2S, 10)  # the 10th acquire sweeps
    assert len(limits) == 1


def test_client_spreads_a_burst_of_distinct_reads_over_windows():
    client, http, clock = make_client(timeout=10)
    for i in range(25):
        client.get("/api/v5/market/ticker", {"instId": f"C{i}-USDT"}, sign=False)
    assert len(http.sent) == 20
    clock.advance(2.1)
    assert http.times() == [0] * 20 + [2.1] * 5


def test_coalesced_reads_spend_one_token():
    pending = Deferred()
    client, http, clock = make_client(lambda *a: pending)
    results = [client.get("/api/v5/market/ticker", {"instId": "BTC-USDT"}, sign=False) for _ in range(100)]
    pending.callback(Response(*ok({"last": "1"})[:1], json.dumps(ok({"last": "1"})[1]).encode()))
    assert len(http.sent) == 1 and all(d.result.data == [{"last": "1"}] for d in results)
    assert client.limiter.bucket(("GET", "/api/v5/market/ticker"),
                                 RULES[("GET", "/api/v5/market/ticker")]).free(0) == 19


def test_a_call_that_would_wait_past_its_deadline_fails_clearly():
    client, http, clock = make_client(timeout=3)
    for _ in range(10):
        client.get("/api/v5/account/balance", None, CREDS)
    failures = []
    client.get("/api/v5/account/balance", None, CREDS).addErrback(failures.append)
    assert len(http.sent) == 10
    assert failures and failures[0].check(OkxThrottled)
    assert "GET /api/v5/account/balance" in str(failures[0].value)
    # other keys have their own budget
    assert client.get("/api/v5/account/balance", None, OTHER).called


def test_a_429_from_okx_pauses_the_bucket_and_the_read_is_retried_after_it():
    answers = iter([error(429, "50011", "Too Many Requests"), ok({"ccy": "BTC"})])
    client, http, clock = make_client(lambda *a: next(answers), timeout=10)
    d = client.get("/api/v5/account/balance", None, CREDS)
    assert not d.called
    clock.advance(2.0)
    assert len(http.sent) == 1
    clock.advance(0.1)  # one window + slack after the 429, whatever the backoff said
    assert len(http.sent) == 2 and d.result.data == [{"ccy": "BTC"}]
    # and other calls of that bucket now wait too: it was drained, not just this call delayed
    assert client.limiter.bucket(("GET", "/api/v5/account/balance", CREDS.identity),  # budgets per identity
                                 RULES[("GET", "/api/v5/account/balance")]).free(clock.seconds()) == 9


def test_a_429_on_a_write_is_resent_when_the_bucket_allows_then_reported_naming_the_limit():
    """Issue 23 item 3 (this test said "reported, not resent" before): OKX refused the write
    before acting, so it is sent again once its paused bucket allows, inside the deadline."""
    client, http, clock = make_client(lambda *a: error(429, "50011", "Too Many Requests"))
    failures = []
    client.post("/api/v5/trade/order", {"instId": "BTC-USDT"}, CREDS).addErrback(failures.append)
    clock.pump([0.05] * 400)
    times = [sent.at for sent in http.sent]
    assert len(times) >= 3 and times[-1] < 10.0  # the client's deadline
    assert all(later - earlier >= 2.0 for earlier, later in zip(times, times[1:], strict=False))  # one window apart
    assert failures[0].value.code == "50011" and "60/2s per user+instId" in str(failures[0].value)


def test_nothing_is_sent_after_the_deadline_when_slow_answers_hold_the_tokens():
    """The queue's estimate assumes tokens come back on time; slow answers keep them longer.
    A waiter whose budget runs out fails with 'throttled' and never reaches OKX."""

    def answer(verb, path, query, headers, body):
        d = Deferred()
        delay = 8.0 if len(http.sent) <= 10 else 0.05  # the first ten answers are very slow
        clock.callLater(delay, d.callback, Response(200, json.dumps(ok({})[1]).encode()))
        return d

    client, http, clock = make_client(answer, timeout=10)
    client.accepted.note(CREDS)  # a key OKX accepted before (a new one sends one request first: test_accepted)
    outcomes = []
    for _ in range(50):
        client.get("/api/v5/account/balance", None, CREDS).addBoth(outcomes.append)
    clock.pump([0.05] * 600)
    assert len(outcomes) == 50
    assert max(http.times()) <= 9.0  # budget: 10 s less the time kept for the exchange itself
    failures = [o.value for o in outcomes if not hasattr(o, "data")]
    assert failures and all(isinstance(f, OkxThrottled) and "nothing was sent" in str(f) for f in failures)


def test_one_owner_may_hold_at_most_its_share_of_a_queue():
    lim, clock = limiter(max_queue=10)
    for _ in range(2):
        lim.acquire("k", TWO_PER_2S, 60, owner="flood")
    waiting = [lim.acquire("k", TWO_PER_2S, 60, owner="flood") for _ in range(5)]  # half of 10
    with pytest.raises(OkxThrottled,
                       match="already has 5 calls waiting .*; one key may hold at most 5 of the queue's 10 places"):
        lim.acquire("k", TWO_PER_2S, 60, owner="flood")
    other = lim.acquire("k", TWO_PER_2S, 60, owner="owner")  # the rest of the queue is still open
    assert not other.called
    waiting[0].cancel()  # a waiter that gives up frees its place in the owner's share
    waiting[0].addErrback(lambda failure: None)
    waiting.append(lim.acquire("k", TWO_PER_2S, 60, owner="flood"))
    clock.advance(2.1)
    assert waiting[1].called and waiting[2].called  # first come, first served, shares or not
    for _ in range(2):
        clock.advance(2.1)
    assert other.called and all(w.called for w in waiting)
    assert lim.bucket("k", TWO_PER_2S).owners == {}


def test_budgets_are_per_credential_not_per_access_key():
    from okxbridge.okx.signer import Credentials
    client, http, clock = make_client(timeout=3)
    wrong = Credentials(CREDS.api_key, "not-the-secret", CREDS.passphrase)
    for _ in range(12):
        client.get("/api/v5/account/balance", None, wrong).addErrback(lambda f: None)
    assert client.get("/api/v5/account/balance", None, CREDS).called  # the owner's bucket is untouched


def test_rate_limit_status_shows_headroom_and_queue_per_fingerprint():
    clock = task.Clock()
    limiter = RateLimiter(clock)
    balance = RULES[("GET", "/api/v5/account/balance")]
    order = RULES[("POST", "/api/v5/trade/order")]
    ticker = RULES[("GET", "/api/v5/market/ticker")]
    for _ in range(balance.requests):
        limiter.acquire(("GET", "/api/v5/account/balance", CREDS.identity), balance, 10)
    waiting = [limiter.acquire(("GET", "/api/v5/account/balance", CREDS.identity), balance, 10) for _ in range(3)]
    limiter.acquire(("POST", "/api/v5/trade/order", CREDS.identity, "BTC-USDT"), order, 10)
    limiter.acquire(("GET", "/api/v5/account/balance", DEMO.identity), balance, 10)
    limiter.acquire(("GET", "/api/v5/market/ticker"), ticker, 10)

    status = limiter.status()
    live, demo = status["credentials"]  # the one with a queue first
    assert live["fingerprint"] == CREDS.fingerprint and demo["fingerprint"] == DEMO.fingerprint
    assert live["queued"] == 3 and live["budgets_held"] == 2
    assert live["budgets"][0] == {"request": "GET /api/v5/account/balance", "limit": "10/2s per user",
                                  "requests": 10, "window_seconds": 2, "free": 0, "queued": 3}
    assert live["budgets"][1]["instId"] == "BTC-USDT" and live["budgets"][1]["free"] == order.requests - 1
    assert demo["budgets"][0]["free"] == 9 and demo["queued"] == 0
    assert status["public"] == [{"request": "GET /api/v5/market/ticker", "limit": "20/2s per ip", "requests": 20,
                                 "window_seconds": 2, "free": 19, "queued": 0}]
    assert_no_secret(json.dumps(status), CREDS)

    clock.advance(balance.window + limiter.slack)  # tokens never marked done come back after a window
    assert all(w.called for w in waiting)
    assert limiter.status()["credentials"][0]["queued"] == 0


def test_idle_buckets_are_dropped_on_a_timer_without_further_acquires():
    limits, clock = limiter()
    for i in range(50):
        limits.acquire(("k", i), TWO_PER_2S, 10)
    assert len(limits) == 50
    clock.advance(limits.sweep_seconds)
    assert len(limits) == 0 and not clock.getDelayedCalls()


def test_a_status_poll_looks_at_a_bounded_number_of_buckets():
    limits, clock = limiter(status_scan=100)
    for i in range(1000):
        limits.acquire(("GET", "/api/v5/account/balance", f"user{i}"), Rule(10, 2, "user"), 10)
    status = limits.status()
    assert status["buckets_held"] == 1000 and status["buckets_shown"] == 100
    assert status["credentials_held"] == 100
    assert {c["fingerprint"] for c in status["credentials"]} <= {f"user{i}" for i in range(900, 1000)}
