"""``modifyorder``'s names and the body it sends (the calls themselves: tests/e2e/test_amend.py)."""

from decimal import Decimal

import pytest

from okxbridge.convert.instruments import Instrument
from okxbridge.convert.intents import amend_body
from okxbridge.fmz.errors import ProtocolError
from okxbridge.handlers import amend
from okxbridge.handlers.methods import HANDLERS, SHORTCUTS


def ltc() -> Instrument:
    return Instrument.from_okx({"instId": "LTC-USDT", "instType": "SPOT", "tickSz": "0.01", "lotSz": "0.0001",
                                "minSz": "0.001", "baseCcy": "LTC", "quoteCcy": "USDT"})


def test_both_names_reach_the_handler_and_the_cli_has_a_shortcut():
    assert HANDLERS["modifyorder"] is HANDLERS["amend"] is amend.modifyorder
    assert SHORTCUTS["modifyorder"][:3] == ("id", "price", "amount")


def test_new_values_are_rounded_like_a_new_orders_and_minus_one_keeps_them():
    body = amend_body(ltc(), "buy", "7", "amd1", Decimal("9.019"), Decimal("2.00009"))
    assert body == {"instId": "LTC-USDT", "ordId": "7", "reqId": "amd1", "cxlOnFail": False,
                    "newPx": "9.01", "newSz": "2"}
    assert amend_body(ltc(), "sell", "7", "amd1", Decimal("9.011"), Decimal(-1))["newPx"] == "9.02"
    assert "newPx" not in amend_body(ltc(), "buy", "7", "amd1", None, Decimal(1))


@pytest.mark.parametrize("price, amount", [(None, None), (Decimal(-1), Decimal(-1)), (Decimal(0), None),
                                           (None, Decimal("0.0001"))])
def test_nothing_to_amend_or_a_bad_value_sends_nothing(price, amount):
    with pytest.raises(ProtocolError):
        amend_body(ltc(), "buy", "7", "amd1", price, amount)
