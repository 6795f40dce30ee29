"""okx/pacing.py: the one place a rate token is taken and returned, REST and WebSocket alike."""

from twisted.internet import task
from twisted.internet.defer import Deferred

from okxbridge.okx.call import OkxCall
from okxbridge.okx.errors import OkxError, OkxThrottled
from okxbridge.okx.limits import RULES, RateLimiter
from okxbridge.okx.pacing import Pacing, wait_budget
from tests.okx.fake_layer import Inner, failure_of, reply
from tests.okx_fake import CREDS

ORDER = ("POST", "/api/v5/trade/order")


class Waits:
    def __init__(self):
        self.waits = []

    def rate_limit_wait(self, path, seconds):
        self.waits.append((path, seconds))


def pacing(answers=None, clock=None, metrics=None):
    clock = clock or task.Clock()
    inner = Inner(answers) if answers is not None else Inner()
    layer = Pacing(inner, clock, RateLimiter(clock), **({"metrics": metrics} if metrics else {}))
    return layer, inner, clock


def order(clock, inst="BTC-USDT", deadline=10.0):
    return OkxCall("POST", "/api/v5/trade/order", clock.seconds() + deadline, body={"instId": inst}, creds=CREDS)


def test_the_61st_order_waits_for_the_first_token_to_come_back():
    waits = Waits()
    layer, inner, clock = pacing(metrics=waits)
    for _ in range(60):
        assert layer.send(order(clock)).called
    d = layer.send(order(clock))
    assert not d.called and len(inner.calls) == 60
    clock.advance(2.1)  # a window and the slack after the first answer came back
    assert d.result.data == [{}] and len(inner.calls) == 61
    assert waits.waits == [("/api/v5/trade/order", 2.1)]


def test_another_instrument_has_a_budget_of_its_own():
    layer, inner, clock = pacing()
    for _ in range(60):
        assert layer.send(order(clock)).called
    assert layer.send(order(clock, "ETH-USDT")).called


def test_a_token_is_counted_again_from_the_moment_its_answer_came_back():
    pending: Deferred = Deferred()
    layer, inner, clock = pacing([pending])
    d = layer.send(order(clock))
    bucket = layer.limiter.bucket(("POST", "/api/v5/trade/order", CREDS.identity, "BTC-USDT"), RULES[ORDER])
    assert bucket.free(0) == 59
    clock.advance(5)  # out longer than a window: OKX may count it any moment until it answers
    pending.callback(reply())
    assert d.called and bucket.free(clock.seconds()) == 59 and bucket.returns[0].until == 5 + 2.1


def test_no_slot_within_the_budget_is_refused_without_sending():
    layer, inner, clock = pacing()
    for _ in range(60):
        assert layer.send(order(clock)).called
    failure = failure_of(layer.send(order(clock, deadline=2.0)))  # needs 2.1 s, may wait 1 s
    assert isinstance(failure.value, OkxThrottled) and len(inner.calls) == 60


def test_okx_saying_rate_limited_pauses_the_whole_bucket():
    layer, inner, clock = pacing([OkxError("50011", "Too Many Requests", "POST", "/api/v5/trade/order", 429), reply()])
    failure_of(layer.send(order(clock)))
    d = layer.send(order(clock))
    assert not d.called  # every token spent for a window
    clock.advance(2.1)
    assert d.called


def test_a_websocket_order_spends_the_rest_order_budget():
    layer, inner, clock = pacing()
    for _ in range(60):
        assert layer.send(order(clock)).called
    sent = []

    async def over_websocket():
        sent.append(clock.seconds())
        return "answer"
    d = Deferred.fromCoroutine(layer.run(order(clock), over_websocket))
    assert not d.called and sent == []
    clock.advance(2.1)
    assert d.result == "answer" and sent == [2.1] and len(inner.calls) == 60


def test_without_a_limiter_calls_go_straight_through():
    clock = task.Clock()
    inner = Inner()
    layer = Pacing(inner, clock, None)
    for _ in range(100):
        assert layer.send(order(clock)).called


def test_the_wait_budget_leaves_time_for_the_exchange():
    assert wait_budget(10) == 9 and wait_budget(1) == 0.5 and wait_budget(-1) == 0


def test_50061_pauses_the_sub_account_cap_alone_and_50011_every_bucket_of_the_call():
    """50061 is the sub-account's 1000 orders / 2 s: the instrument's own budget may have room
    (issue 23: pausing every bucket held the account's other orders and reads for nothing)."""
    from okxbridge.okx.rate_rules import SUB_ACCOUNT_ORDERS

    def buckets(code):
        refusal = OkxError(code, "refused", "POST", "/api/v5/trade/order", http_status=429, raw={"code": code})
        layer, _, clock = pacing([refusal, reply({})])
        failure_of(layer.send(order(clock, "BTC-USDT-SWAP")))
        instrument = layer.limiter.bucket(("POST", "/api/v5/trade/order", CREDS.identity, "BTC-USDT-SWAP"),
                                          RULES[ORDER])
        account = layer.limiter.bucket(("POST", "new orders per sub-account", CREDS.identity), SUB_ACCOUNT_ORDERS)
        now = clock.seconds()
        return instrument.free(now), account.free(now)

    assert buckets("50061") == (59, 0)  # one token spent by the refused order itself, the cap paused
    assert buckets("50011") == (0, 0)
