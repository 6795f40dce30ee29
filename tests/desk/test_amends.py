"""The amendment's exactly-once rules that need no OKX: its reqId, and when a read-back
order shows the amendment done."""

from okxbridge.desk.amends import amend_refused, applied, request_id
from okxbridge.okx.errors import OkxError

BODY = {"instId": "LTC-USDT", "ordId": "7", "reqId": "amd1", "newPx": "9.5", "newSz": "2"}


def test_the_request_id_comes_from_the_nonce_and_fits_okx():
    assert request_id(1764876000123456789) == "amd1764876000123456789"
    assert len(request_id(10 ** 40)) == 32


def test_an_order_showing_the_asked_values_is_amended():
    assert applied({"px": "9.50", "sz": "2"}, BODY)
    assert not applied({"px": "10", "sz": "2"}, BODY)
    assert not applied({"px": "9.5", "sz": "1"}, BODY)
    assert applied({"px": "10", "sz": "2"}, {k: v for k, v in BODY.items() if k != "newPx"})
    assert applied({"px": "10", "sz": "1", "reqId": "amd1"}, BODY)  # the push names it
    assert not applied({"px": "", "sz": "2"}, BODY)


def test_a_refusal_names_the_order_and_its_state():
    error = amend_refused(BODY, "filled", OkxError("51510", "completed", "POST", "/api/v5/trade/amend-order"))
    assert error.code == "51510" and "LTC-USDT,7 is already filled; nothing was amended" in str(error)
