"""What the client reports per OKX request: OKX's envelope code, http_<status> for an answer
that is not OKX's, transport when none came; and when OKX last answered at all."""

from random import Random

import pytest
from twisted.internet.error import ConnectionRefusedError

from okxbridge.okx.retry import Backoff
from tests.okx_fake import CREDS, make_client, ok


class Recorder:
    def __init__(self):
        self.requests = []

    def okx_request(self, verb, path, code, seconds):
        self.requests.append((verb, path, code))

    def retry(self, path):
        pass

    def rate_limit_wait(self, path, seconds):
        pass


@pytest.mark.parametrize("answer, code, answered", [
    (ok({"ts": "1"}), "0", True),
    ((200, {"code": "51001", "msg": "Instrument ID does not exist", "data": []}), "51001", True),
    ((200, {"code": "1", "msg": "Operation failed.", "data": [{"sCode": "51008", "sMsg": "no money"}]}), "1", True),
    ((429, {"code": "50011", "msg": "Too Many Requests", "data": []}), "50011", True),
    ((502, b"<html>Bad Gateway</html>"), "http_502", True),
    (ConnectionRefusedError("refused"), "transport", False),
])
def test_each_request_is_counted_with_its_code(answer, code, answered):
    client, http, clock = make_client(lambda *a: answer, backoff=Backoff(attempts=1), random=Random(1),
                                      metrics=Recorder())
    clock.advance(100)
    client.get("/api/v5/account/balance", None, CREDS).addErrback(lambda _: None)
    assert client.metrics.requests == [("GET", "/api/v5/account/balance", code)]
    assert (client.seconds_since_answer() == 0) is answered
    assert (client.last_answer_at is None) is not answered


def test_a_paced_websocket_write_gets_its_call_and_is_resent_after_a_rate_limit():
    from twisted.internet.defer import fail, succeed

    from okxbridge.okx.errors import OkxError
    client, http, clock = make_client(lambda *a: ok({}), random=Random(1))
    clock.advance(1000)
    seen = []

    def over_ws(call):
        seen.append((clock.seconds(), call.deadline))
        if len(seen) == 1:
            return fail(OkxError("50011", "Rate limit reached", "WS", "order", 200))
        return succeed("placed")
    d = client.paced("POST", "/api/v5/trade/order", {"instId": "BTC-USDT"}, CREDS, over_ws)
    clock.pump([0.05] * 100)
    assert d.result == "placed" and len(seen) == 2
    assert seen[0][1] == seen[1][1] == 1010.0  # one deadline (its expTime) for every try
    assert seen[1][0] - seen[0][0] >= 2.0  # the bucket paused a window after OKX's refusal
