"""okx/rejected.py: a credential OKX refused is answered locally for a few seconds."""

import pytest
from twisted.internet import task

from okxbridge.okx.errors import OkxError
from okxbridge.okx.rejected import COOL_DOWN, REJECTED_CODES, RejectedCredentials
from tests.okx_fake import CREDS, OTHER, error, make_client, ok


def test_a_rejected_credential_is_refused_locally_until_the_cool_down_ends():
    answers = iter([error(401, "50113", "Invalid signature."), ok({"ccy": "BTC"})])
    client, http, clock = make_client(lambda verb, path, query, headers, body:
                                      next(answers) if headers.getRawHeaders(b"OK-ACCESS-KEY") == [b"key-1"]
                                      else ok({}))
    failures = []
    client.get("/api/v5/account/balance", None, CREDS).addErrback(failures.append)
    assert failures[0].value.code == "50113" and len(http.sent) == 1
    clock.advance(COOL_DOWN - 1)
    client.get("/api/v5/account/balance", None, CREDS).addErrback(failures.append)
    assert len(http.sent) == 1  # not asked again
    assert "refuses it for 1.0s more without asking OKX" in str(failures[1].value)
    assert client.get("/api/v5/account/balance", None, OTHER).result.data == [{}]  # others are not affected
    clock.advance(1)
    d = client.get("/api/v5/account/balance", None, CREDS)
    assert d.result.data == [{"ccy": "BTC"}]


@pytest.mark.parametrize("code, remembered", [(c, True) for c in sorted(REJECTED_CODES)] + [
    ("50102", False), ("50112", False), ("50011", False), ("51000", False), ("50110", False)])
def test_which_codes_count_as_a_rejected_credential(code, remembered):
    rejected = RejectedCredentials(task.Clock())
    rejected.note(CREDS, OkxError(code, "msg"))
    assert len(rejected) == (1 if remembered else 0)


def test_memory_is_bounded():
    from okxbridge.okx.signer import Credentials
    rejected = RejectedCredentials(task.Clock(), limit=3)
    for i in range(10):
        rejected.note(Credentials("k", f"junk{i}", "p"), OkxError("50113", "Invalid signature."))
    assert len(rejected) == 3


def test_refusals_expire_on_a_timer_and_keep_only_strings():
    from okxbridge.okx.rejected import Refusal
    from okxbridge.okx.signer import Credentials
    clock = task.Clock()
    rejected = RejectedCredentials(clock)
    for i in range(5):
        rejected.note(Credentials("k", f"junk{i}", "p"), OkxError("50113", "Invalid signature." * 50))
        clock.advance(1)
    assert all(isinstance(r, Refusal) and len(r.message) <= 200 for r in rejected._until.values())
    clock.advance(COOL_DOWN - 4.5)  # the first has expired, never looked up again
    assert len(rejected) == 4
    clock.advance(COOL_DOWN)
    assert len(rejected) == 0 and not clock.getDelayedCalls()
