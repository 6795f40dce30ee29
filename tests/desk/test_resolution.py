"""okxbridge/desk/resolution.py: reading an order back after a write whose outcome is
unknown — after each of the desk's delays, until OKX answers clearly."""

import pytest
from twisted.internet.defer import Deferred

from okxbridge.desk.resolution import find_order, resolve, state_after_unknown_write
from okxbridge.handlers.methods import Views
from okxbridge.okx.errors import OkxError, OkxTransportError
from okxbridge.okx.session import Session
from tests.okx_fake import CREDS, error, make_client, ok

BODY = {"instId": "BTC-USDT", "clOrdId": "fmz1"}


def scripted(answers):
    client, http, clock = make_client(lambda *a: answers.pop(0), timeout=5)
    desk = Views.create(client, clock).trading.desk
    return desk, Session(client, CREDS, []), http, clock


def run(d, clock, seconds=20):
    results = []
    Deferred.fromCoroutine(d).addBoth(results.append)
    for _ in range(seconds * 10):
        clock.advance(0.1)
    return results[0]


def test_not_found_is_a_clear_none():
    desk, session, http, clock = scripted([error(200, "51603", "Order does not exist")])
    assert run(find_order(session, BODY), clock) is None
    assert http.sent[0].query == {"instId": "BTC-USDT", "clOrdId": "fmz1"}


def test_an_order_id_is_preferred_to_the_client_id():
    desk, session, http, clock = scripted([ok({"ordId": "7", "state": "live"})])
    assert run(find_order(session, {**BODY, "ordId": "7"}), clock) == {"ordId": "7", "state": "live"}
    assert http.sent[0].query == {"instId": "BTC-USDT", "ordId": "7"}


def test_resolve_waits_before_each_look_up_and_stops_at_a_clear_answer():
    # an error the client does not retry itself (its read retries cover 5xx and 50004): the
    # look-up failed, so resolve waits its next delay and asks again
    desk, session, http, clock = scripted([error(200, "51000", "Parameter error"),
                                           ok({"ordId": "9", "state": "filled"})])
    desk.resolve_delays = (0.5, 1.0, 2.0)
    found = run(resolve(desk, session, BODY, OkxTransportError("timeout", "no answer"), "place"), clock)
    assert found == {"ordId": "9", "state": "filled"}
    assert [round(s.at, 1) for s in http.sent] == [0.5, 1.5]
    assert len(desk.resolving) == 0  # listed on /status only while it runs


def test_resolve_ends_in_an_uncertain_error_naming_the_order():
    desk, session, _, clock = scripted([error(503, "50001", "busy")] * 3)
    desk.resolve_delays = (0.1, 0.1, 0.1)
    failure = run(resolve(desk, session, BODY, OkxTransportError("timeout", "no answer"), "cancel"), clock)
    assert isinstance(failure.value, OkxError) and failure.value.code == "uncertain"
    assert "fmz1" in str(failure.value) and "check open orders" in str(failure.value)
    assert failure.value.path == "/api/v5/trade/cancel-order"


@pytest.mark.parametrize("answer, state", [
    (ok({"ordId": "1", "state": "canceled"}), "canceled"),
    (error(200, "51603", "Order does not exist"), "not_found"),
])
def test_state_after_an_unknown_write(answer, state):
    desk, session, _, clock = scripted([answer])
    assert run(state_after_unknown_write(desk, session, {"instId": "BTC-USDT", "ordId": "1"}), clock) == state
