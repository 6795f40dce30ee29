"""okx/timesync.py: the signer's offset is OKX's time minus ours at the request's midpoint,
measured at start and every interval on the injected clock."""

import json

import pytest
from twisted.internet.defer import Deferred

from okxbridge.okx.timesync import TimeSync, clock_offset
from tests.okx_fake import CREDS, Response, error, make_client, ok


@pytest.mark.parametrize("sent, received, server_ms, offset", [
    (1000.0, 1000.0, 1_000_000, 0.0),
    (1000.0, 1000.4, 1_040_200, 40.0),     # server stamped at our midpoint 1000.2, 40 s ahead
    (1000.0, 1000.2, "999900", -0.2),      # OKX sends ms as a string; we are ahead
])
def test_offset_is_server_minus_local_midpoint(sent, received, server_ms, offset):
    assert clock_offset(sent, received, server_ms) == pytest.approx(offset)


def test_time_sync_measures_at_start_and_every_interval():
    answers = []

    def answer(verb, path, *rest):
        assert path == "/api/v5/public/time"
        d = Deferred()
        answers.append(d)
        return d
    client, http, clock = make_client(answer)
    clock.advance(1000)
    sync = TimeSync(client, interval=60)
    sync.startService()
    assert len(http.sent) == 1 and http.sent[0].headers.getRawHeaders(b"OK-ACCESS-SIGN") is None
    clock.advance(0.4)  # a 400 ms round trip; OKX stamped it at our 1000.2 + 5 s
    answers[0].callback(Response(200, json.dumps(ok({"ts": "1005200"})[1]).encode()))
    assert client.signer.offset == pytest.approx(5.0)
    clock.advance(59.6)
    assert len(http.sent) == 2
    answers[1].callback(Response(200, json.dumps(ok({"ts": str(int((clock.seconds() - 1) * 1000))})[1]).encode()))
    assert client.signer.offset == pytest.approx(-1.0)
    sync.stopService()
    clock.advance(600)
    assert len(http.sent) == 2


def test_a_failed_sync_keeps_the_old_offset_and_the_loop_running():
    state = {"down": True}
    client, http, clock = make_client(
        lambda *a: error(503, "50001", "Service temporarily unavailable") if state["down"] else ok({"ts": "63000"}))
    client.signer.offset = 2.0
    sync = TimeSync(client, interval=60)
    sync.startService()
    clock.advance(10)  # the read's retries give up within its deadline
    assert client.signer.offset == 2.0 and sync.loop.running
    state["down"] = False
    clock.advance(50)
    assert client.signer.offset == pytest.approx(3.0)
    sync.stopService()


def test_signed_requests_carry_the_corrected_time():
    client, http, clock = make_client(lambda *a: ok({}))
    client.signer.offset = 40.0
    client.get("/api/v5/account/balance", None, CREDS)
    assert http.sent[0].headers.getRawHeaders(b"OK-ACCESS-TIMESTAMP") == [b"1970-01-01T00:00:40.000Z"]
