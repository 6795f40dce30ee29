"""desk/placement.py ``nothing_sent`` and okx/retry.py ``outcome_unknown``, table-tested per
transport: the same OKX answer as REST gives it (envelope, HTTP status) and as the private
WebSocket gives it (an item's ``sCode`` inside a frame read as status 200). Outcome unknown is
the code's meaning (issue 23 item 1): 51149 and 64007 are never "nothing sent"."""

import json

import pytest
from twisted.internet import task

from okxbridge.desk.placement import nothing_sent
from okxbridge.okx.envelope import parse_envelope
from okxbridge.okx.errors import OkxError, OkxTransportError
from okxbridge.okx.private_ws import Operations
from okxbridge.okx.retry import outcome_unknown, refused_before_acting

ORDER = "/api/v5/trade/order"

#: (code, msg, REST HTTP status) → unknown outcome?, refused by a rate limit (resend)?
CASES = [
    ("51149", "Order timed out. Please try again.", 500, True, False),
    ("64007", "Operation failed due to WebSocket internal error.", 200, True, False),
    ("50001", "Service temporarily unavailable.", 503, True, False),
    ("50004", "API endpoint request timeout.", 400, True, False),
    ("50013", "Systems are busy.", 429, True, False),
    ("50026", "System error.", 500, True, False),
    ("50011", "Rate limit reached.", 429, False, True),
    ("50061", "You've reached the maximum order rate limit for this account.", 200, False, True),
    ("50036", "The expTime can't be earlier than the current system time.", 200, False, False),
    ("50037", "Order expired.", 200, False, False),
    ("51008", "Order failed. Insufficient balance", 200, False, False),
]


def over_rest(code, msg, status):
    item = {"clOrdId": "fmz1", "ordId": "", "sCode": code, "sMsg": msg}
    body = {"code": "1", "msg": "Operation failed.", "data": [item]}
    with pytest.raises(OkxError) as caught:
        parse_envelope("POST", ORDER, status, json.dumps(body).encode())
    return caught.value


def over_rest_top_level(code, msg, status):
    with pytest.raises(OkxError) as caught:
        parse_envelope("POST", ORDER, status, json.dumps({"code": code, "msg": msg, "data": []}).encode())
    return caught.value


def over_websocket(code, msg, _status):
    sent, out = [], []
    ops = Operations(task.Clock())
    ops.request(sent.append, "order", [{"instIdCode": 1}], 5).addErrback(out.append)
    ops.answered({"id": json.loads(sent[0])["id"], "op": "order", "code": "1", "msg": "",
                  "data": [{"clOrdId": "fmz1", "ordId": "", "sCode": code, "sMsg": msg}]})
    return out[0].value


@pytest.mark.parametrize("transport", [over_rest, over_rest_top_level, over_websocket])
@pytest.mark.parametrize("code, msg, status, unknown, refused", CASES)
def test_what_a_failed_placement_means_is_the_same_on_every_transport(transport, code, msg, status, unknown,
                                                                      refused):
    error = transport(code, msg, status)
    assert error.code == code
    assert outcome_unknown(error) is unknown
    assert nothing_sent(error) is (not unknown)  # never "nothing sent" while the outcome is unknown
    assert refused_before_acting(error) is refused


@pytest.mark.parametrize("error", [
    OkxTransportError("timeout", "no answer on the private WebSocket within 5s", "WS", "order"),
    OkxTransportError("closed", "the private WebSocket closed before OKX answered", "WS", "order"),
    OkxTransportError("transport", "ConnectionLost", "POST", ORDER),
    OkxError("HTTP 502", "not an OKX answer", "POST", ORDER, 502),
])
def test_no_usable_answer_leaves_the_outcome_unknown(error):
    assert outcome_unknown(error) and not nothing_sent(error) and not refused_before_acting(error)
