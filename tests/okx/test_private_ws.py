"""OKX private WebSocket requests (okxbridge.okx.private_ws): the login's signature and the
matching of operation answers, with a task.Clock."""

import json

import pytest
from twisted.internet import task

from okxbridge.okx.errors import OkxError, OkxTransportError
from okxbridge.okx.private_ws import Operations, login_request
from okxbridge.okx.signer import Credentials


def test_login_request_signs_okx_documented_vector():
    creds = Credentials("key", "22582BD0CFF14C41EDBF1AB98506286D", "pass")
    request = login_request(creds, 1538054050.7)
    assert request == {"op": "login", "args": [{"apiKey": "key", "passphrase": "pass", "timestamp": "1538054050",
                                                "sign": "+LdIr8lkkvhr5hoA3g9TMC0+uQJ849ftAcocA/ouu4M="}]}


def results(d):
    out = []
    d.addCallbacks(out.append, out.append)
    return out


def test_answers_matched_by_id_errors_timeouts_and_loss():
    clock, sent = task.Clock(), []
    ops = Operations(clock)
    ok = results(ops.request(sent.append, "order", [{"instIdCode": 1}], 5))
    refused = results(ops.request(sent.append, "order", [{"instIdCode": 1}], 5))
    timed_out = results(ops.request(sent.append, "cancel-order", [{"ordId": "1"}], 5))
    lost = results(ops.request(sent.append, "order", [{}], 60))
    ids = [json.loads(t)["id"] for t in sent]
    assert len(set(ids)) == 4 and all(json.loads(t)["args"] for t in sent)
    ops.answered({"id": ids[1], "op": "order", "code": "1", "msg": "",
                  "data": [{"sCode": "51008", "sMsg": "Order failed. Insufficient balance", "ordId": ""}]})
    ops.answered({"id": ids[0], "op": "order", "code": "0", "msg": "", "data": [{"sCode": "0", "ordId": "42"}]})
    ops.answered({"id": "nobody", "op": "order", "code": "0", "data": []})  # not ours: ignored
    assert ok[0].data[0]["ordId"] == "42"
    assert refused[0].value.code == "51008" and "Insufficient" in refused[0].value.msg
    assert timed_out == []
    clock.advance(5)
    assert isinstance(timed_out[0].value, OkxTransportError)  # unknown outcome: resolve by reading
    ops.lost()
    assert isinstance(lost[0].value, OkxTransportError) and "closed" in str(lost[0].value)
    assert clock.getDelayedCalls() == []  # every timer cancelled
    for failure in (refused[0], timed_out[0], lost[0]):
        with pytest.raises(OkxError):
            failure.raiseException()


def test_a_quoted_login_request_never_reaches_a_log_line():
    from okxbridge.okx.ws_client import withheld

    quoted = 'Invalid request: {"op":"login","args":[{"apiKey":"k","passphrase":"p4ss","sign":"c2ln"}]}'
    assert withheld(quoted) == "Invalid request: (the request is withheld: it carries credentials)"
    assert "p4ss" not in withheld(quoted) and "c2ln" not in withheld(quoted)
    assert withheld("Login failed.") == "Login failed."


def test_an_order_operation_carries_exptime_as_a_top_level_field():
    sent = []
    ops = Operations(task.Clock())
    ops.request(sent.append, "order", [{"instIdCode": 1}], 5, 1_700_000_004_000)
    ops.request(sent.append, "cancel-order", [{"ordId": "1"}], 5)
    placed, cancel = (json.loads(text) for text in sent)
    assert placed["expTime"] == "1700000004000" and "expTime" not in placed["args"][0]
    assert "expTime" not in cancel


@pytest.mark.parametrize("code", ["51149", "64007"])
def test_an_item_answered_with_an_unknown_outcome_is_not_a_refusal(code):
    """The frame is well formed (read as status 200), the item says OKX may have acted."""
    from okxbridge.okx.retry import outcome_unknown
    sent = []
    ops = Operations(task.Clock())
    out = results(ops.request(sent.append, "order", [{"instIdCode": 1}], 5))
    ops.answered({"id": json.loads(sent[0])["id"], "op": "order", "code": "1", "msg": "",
                  "data": [{"sCode": code, "sMsg": "timed out", "ordId": ""}]})
    assert out[0].value.code == code and outcome_unknown(out[0].value)
