"""okxsim's amend-order: OKX's checks and codes, the order changed in place, its push."""

from decimal import Decimal

import pytest

from okxbridge.sim import DEFAULT_ACCOUNT
from okxbridge.sim.amend_api import amend_one
from okxbridge.sim.ws_account import AccountCall, order_item
from tests.sim.simsupport import clocked_emulator, place


def amend(emu, **params):
    call = AccountCall(emu=emu, state=emu.state(DEFAULT_ACCOUNT.api_key), now=emu.now(),
                       instruments=emu.instruments())
    return amend_one(call, params)


def resting_buy(emu, sz="1"):
    px = (emu.price("LTC-USDT") * Decimal("0.5")).quantize(Decimal("0.01"))
    return place(emu, instId="LTC-USDT", tdMode="cash", side="buy", ordType="limit", sz=sz, px=str(px)), px


def test_price_and_size_change_in_place_and_the_frozen_quote_follows():
    emu, _ = clocked_emulator()
    order, px = resting_buy(emu)
    state = emu.state(DEFAULT_ACCOUNT.api_key)
    item = amend(emu, instId="LTC-USDT", ordId=str(order.ord_id), newSz="3", newPx=str(px - 1), reqId="r1")
    assert item["sCode"] == "0" and item["ordId"] == str(order.ord_id) and item["reqId"] == "r1"
    assert (order.sz, order.px, order.state, order.amends) == (3, px - 1, "live", 1)
    assert state.ledger.ord_frozen["USDT"] == 3 * (px - 1)
    pushed = order_item(order, False)
    assert (pushed["sz"], pushed["reqId"], pushed["amendResult"]) == ("3", "r1", "0")


@pytest.mark.parametrize("change, code", [
    ({}, "51500"),                      # neither newSz nor newPx
    ({"newPx": "1.001"}, "51000"),      # off the 0.01 tick
    ({"newSz": "0.0000001"}, "51121"),  # off the lot grid
    ({"newSz": "1", "instId": "NOPE-USDT"}, "51001"),
    ({"newSz": "1", "ordId": "1"}, "51503"),
])
def test_bad_amendments_are_refused_with_okx_codes(change, code):
    emu, _ = clocked_emulator()
    order, _ = resting_buy(emu)
    item = amend(emu, **{"instId": "LTC-USDT", "ordId": str(order.ord_id), **change})
    assert item["sCode"] == code
    assert order.amends == 0 and order.sz == 1


def test_a_filled_or_canceled_order_cannot_be_amended():
    emu, _ = clocked_emulator()
    ask = emu.price("LTC-USDT") + 1
    filled = place(emu, instId="LTC-USDT", tdMode="cash", side="buy", ordType="limit", sz="1", px=str(ask))
    assert amend(emu, instId="LTC-USDT", ordId=str(filled.ord_id), newSz="2")["sCode"] == "51510"
    order, _ = resting_buy(emu)
    emu.engine.cancel(emu.state(DEFAULT_ACCOUNT.api_key), order, emu.now())
    assert amend(emu, instId="LTC-USDT", ordId=str(order.ord_id), newSz="2")["sCode"] == "51509"


def test_a_size_not_above_the_filled_size_is_refused_and_cxl_on_fail_cancels():
    emu, _ = clocked_emulator(balances={"USDT": "10000000"})
    px = (emu.price("BTC-USDT-SWAP") * Decimal("0.9")).quantize(Decimal("0.1"))
    order = place(emu, instId="BTC-USDT-SWAP", tdMode="cross", side="buy", ordType="limit", sz="9000", px=str(px))
    order.acc_fill_sz, order.state = Decimal(10), "partially_filled"  # a fill, as sync would make it
    item = amend(emu, instId="BTC-USDT-SWAP", ordId=str(order.ord_id), newSz="10")
    assert item["sCode"] == "51000" and order.state == "partially_filled"
    item = amend(emu, instId="BTC-USDT-SWAP", ordId=str(order.ord_id), newSz="5", cxlOnFail=True)
    assert item["sCode"] == "51000" and order.state == "canceled"


def test_an_amended_price_that_crosses_fills_and_post_only_is_refused():
    emu, _ = clocked_emulator()
    order, _ = resting_buy(emu)
    ask = emu.price("LTC-USDT") + 1
    assert amend(emu, instId="LTC-USDT", ordId=str(order.ord_id), newPx=str(ask))["sCode"] == "0"
    assert order.state == "filled"
    maker = place(emu, instId="LTC-USDT", tdMode="cash", side="buy", ordType="post_only", sz="1", px="1")
    assert amend(emu, instId="LTC-USDT", ordId=str(maker.ord_id), newPx=str(ask))["sCode"] == "51511"
    assert maker.px == 1
