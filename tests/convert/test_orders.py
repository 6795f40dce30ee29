"""Pure order conversions: status, ids, OKX order objects (recorded real ones) → FMZ."""

from decimal import Decimal as D

import pytest

from okxbridge.convert.orders import contract_offset, fmz_status, order_from_okx, split_order_id
from okxbridge.fmz.errors import ProtocolError
from tests.conftest import recorded


@pytest.mark.parametrize("state, filled, status", [
    ("live", "0", "pending"),
    ("partially_filled", "0.5", "partial-filled"),
    ("filled", "1", "filled"),
    ("canceled", "0", "canceled"),
    ("canceled", "", "canceled"),
    ("canceled", "0.3", "partial-canceled"),
    ("mmp_canceled", "0", "canceled"),
    ("mmp_canceled", "2", "partial-canceled"),
])
def test_status(state, filled, status):
    assert fmz_status(state, filled) == status


@pytest.mark.parametrize("text, parts", [
    ("ETH-USDT,123456", ("ETH-USDT", "123456")),
    ("btc-usdt-swap,99", ("BTC-USDT-SWAP", "99")),
    ("123456", ("", "123456")),
    (" ETH-USDT , 7 ", ("ETH-USDT", "7")),
])
def test_split_order_id(text, parts):
    assert split_order_id(text) == parts


@pytest.mark.parametrize("text", ["", "ETH-USDT,", ","])
def test_bad_order_id(text):
    with pytest.raises(ProtocolError, match="INSTID,ORDID"):
        split_order_id(text)


def test_recorded_spot_order():
    o = recorded("fetchOrder")["httpResponse"]["data"][0]
    order = order_from_okx(o)
    assert order["id"] == f"LTC-USDT,{o['ordId']}" and order["symbol"] == "LTC_USDT"
    assert order["deal_amount"] == D(o["accFillSz"]) and order["avg_price"] == D(o["avgPx"])
    assert order["status"] == fmz_status(o["state"], o["accFillSz"]) and order["time"] == int(o["cTime"])
    assert "offset" not in order


def test_recorded_closed_swap_order():
    o = recorded("fetchClosedOrders")["httpResponse"]["data"][0]
    order = order_from_okx(o)
    assert order["symbol"] == "LTC_USDT.swap" and order["contract_type"] == "swap"
    assert order["status"] == "filled" and order["avg_price"] == D("68.24")
    assert order["offset"] == contract_offset(o)


def test_market_order_without_price_or_fill():
    o = {"instId": "ETH-USDT", "ordId": "1", "px": "", "sz": "100", "accFillSz": "0", "avgPx": "", "side": "buy",
         "state": "live", "cTime": "5", "ordType": "market", "tgtCcy": "quote_ccy"}
    order = order_from_okx(o)
    assert order["price"] == 0 and order["avg_price"] == 0 and order["amount"] == 100


@pytest.mark.parametrize("side, pos_side, reduce_only, offset", [
    ("buy", "long", "false", "open"), ("sell", "long", "false", "close"),
    ("sell", "short", "false", "open"), ("buy", "short", "false", "close"),
    ("buy", "net", "false", "open"), ("sell", "net", "true", "close"), ("sell", "net", True, "close"),
])
def test_contract_offset(side, pos_side, reduce_only, offset):
    assert contract_offset({"side": side, "posSide": pos_side, "reduceOnly": reduce_only}) == offset
