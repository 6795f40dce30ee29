"""okx/accepted.py with rejected.Refusing: a credential is accepted once OKX answers it past its
auth check (success, or a code outside 50xxx), never for a refusal or a transport failure."""

import pytest
from twisted.internet import task
from twisted.internet.defer import fail, succeed

from okxbridge.okx import accepted
from okxbridge.okx.accepted import AcceptedCredentials, proves_acceptance
from okxbridge.okx.call import OkxCall
from okxbridge.okx.envelope import OkxReply
from okxbridge.okx.errors import OkxError, OkxTransportError
from okxbridge.okx.rejected import Refusing, RejectedCredentials
from okxbridge.okx.signer import Credentials

CREDS = Credentials("key-1", "secret-1", "pass-1")


class Answering:
    def __init__(self, outcome):
        self.outcome = outcome

    def send(self, call):
        return fail(self.outcome) if isinstance(self.outcome, Exception) else succeed(self.outcome)


@pytest.mark.parametrize("outcome, proves", [
    (OkxReply([], {"code": "0"}), True),
    (OkxError("51008", "insufficient balance", raw={"code": "51008"}), True),
    (OkxError("50113", "invalid sign", raw={"code": "50113"}), False),
    (OkxError("50011", "too many requests", raw={"code": "50011"}), False),
    (OkxError("51000", "a local refusal, OKX said nothing"), False),
    (OkxTransportError("timeout", "no answer"), False),
])
def test_only_an_answer_past_okxs_auth_check_accepts_a_credential(outcome, proves):
    known = AcceptedCredentials()
    layer = Refusing(Answering(outcome), RejectedCredentials(task.Clock()), notes=True, accepted=known)
    d = layer.send(OkxCall("GET", "/api/v5/account/balance", 10.0, creds=CREDS))
    d.addErrback(lambda _: None)
    assert known.knows(CREDS) is proves
    assert not known.knows(Credentials("key-1", "other", "pass-1"))  # the same access key is not enough
    if isinstance(outcome, OkxError):
        assert proves_acceptance(outcome) is proves


def test_it_is_bounded(monkeypatch):
    monkeypatch.setattr(accepted, "MAX_ACCEPTED", 2)
    known = AcceptedCredentials(limit=2)
    for n in range(3):
        known.note(Credentials(f"key-{n}", "s", "p"))
    assert len(known) == 2 and not known.knows(Credentials("key-0", "s", "p"))


def balance(clock, creds=CREDS):
    return OkxCall("GET", "/api/v5/account/balance", clock.seconds() + 10, creds=creds)


@pytest.mark.parametrize("okx_says", ["accepts", "refuses"])
def test_a_new_credential_sends_one_request_until_okx_has_answered_it(okx_says):
    from twisted.internet.defer import Deferred

    from okxbridge.okx.accepted import FirstRequests
    from tests.okx.fake_layer import Inner, reply

    clock, first = task.Clock(), Deferred()
    known, rejected = AcceptedCredentials(), RejectedCredentials(task.Clock())
    inner = Inner([first, reply({})])
    below = Refusing(inner, rejected, notes=True, accepted=known)
    layer = FirstRequests(Refusing(below, rejected), clock, known)
    calls = [layer.send(balance(clock)) for _ in range(5)]
    assert len(inner.calls) == 1 and len(layer) == 1  # the others wait for its answer
    if okx_says == "accepts":
        first.callback(reply({}))
        assert len(inner.calls) == 5 and all(c.called for c in calls)
    else:
        first.errback(OkxError("50113", "Invalid signature", raw={"code": "50113"}))
        for c in calls:
            c.addErrback(lambda f: f.value)
        assert len(inner.calls) == 1  # the rest refused locally: OKX just refused the credential
        assert all("50113" in str(c.result) for c in calls)
    assert len(layer) == 0  # nothing kept once none waits


def test_a_waiter_gives_up_at_its_deadline_with_nothing_sent():
    from twisted.internet.defer import Deferred

    from okxbridge.okx.accepted import FirstRequests
    from okxbridge.okx.errors import OkxThrottled
    from tests.okx.fake_layer import Inner

    clock = task.Clock()
    inner = Inner([Deferred()])
    layer = FirstRequests(inner, clock, AcceptedCredentials())
    layer.send(balance(clock))
    waiting = layer.send(balance(clock))
    failures = []
    waiting.addErrback(failures.append)
    clock.advance(10)
    assert failures and failures[0].check(OkxThrottled) and "nothing was sent" in str(failures[0].value)
    assert len(inner.calls) == 1


def test_a_never_accepted_calls_extra_buckets_come_first():
    from okxbridge.okx.rate_rules import RULES, UNPROVEN_SIGNED, bucket_keys, unproven_keys

    public = bucket_keys("GET", "/api/v5/market/books", {"instId": "BTC-USDT"}, None, None)
    [(key, share)] = unproven_keys(public, signed=False)
    assert key == ("unproven GET", "/api/v5/market/books") and share.requests == RULES[public[0][0]].requests // 4
    private = bucket_keys("GET", "/api/v5/account/balance", None, None, "user-1")
    assert unproven_keys(private, signed=True) == [(("unproven", "private requests"), UNPROVEN_SIGNED)]
