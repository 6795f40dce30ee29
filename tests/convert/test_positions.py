"""okxbridge/convert/positions.py: positions (recorded and net-mode) and funding."""

from decimal import Decimal as D

from okxbridge.convert.positions import funding_from_okx, position_from_okx
from tests.conftest import recorded


def test_recorded_positions():
    for entry in (recorded("fetchPositions"), recorded("fetchPosition"), recorded("fetchPosition", 1)):
        p = entry["httpResponse"]["data"][0]
        pos = position_from_okx(p)
        assert pos["amount"] == abs(D(p["pos"])) and pos["price"] == D(p["avgPx"]) and pos["profit"] == D(p["upl"])
        assert pos["margin_level"] == D(p["lever"]) and pos["type"] in ("long", "short")
        assert pos["frozen_amount"] == abs(D(p["pos"])) - abs(D(p["availPos"]))


def test_net_position_sign_and_empty():
    short = position_from_okx({"instId": "BTC-USDT-SWAP", "posSide": "net", "pos": "-3", "availPos": "-3",
                               "lever": "5"})
    assert (short["type"], short["amount"], short["frozen_amount"]) == ("short", 3, 0)
    assert position_from_okx({"instId": "BTC-USDT-SWAP", "posSide": "net", "pos": "0"}) is None


def test_funding():
    f = funding_from_okx({"instId": "BTC-USDT-SWAP", "fundingRate": "0.0001", "fundingTime": "1000",
                          "nextFundingTime": "14401000"})
    assert f == {"symbol": "BTC_USDT.swap", "rate": D("0.0001"), "time": 1000, "interval": 14400000,
                 "next_time": 14401000}
