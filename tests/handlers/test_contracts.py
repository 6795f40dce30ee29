"""okxbridge/handlers/contracts.py: positions (recorded and net-mode), position ranges, funding."""

from decimal import Decimal as D

import pytest

from tests.conftest import recorded
from okxbridge.handlers.contracts import PositionRange, funding_from_okx, in_range, parse_position_range, position_from_okx


def test_recorded_positions():
    for entry in (recorded("fetchPositions"), recorded("fetchPosition"), recorded("fetchPosition", 1)):
        p = entry["httpResponse"]["data"][0]
        pos = position_from_okx(p)
        assert pos["amount"] == abs(D(p["pos"])) and pos["price"] == D(p["avgPx"]) and pos["profit"] == D(p["upl"])
        assert pos["margin_level"] == D(p["lever"]) and pos["type"] in ("long", "short")
        assert pos["frozen_amount"] == abs(D(p["pos"])) - abs(D(p["availPos"]))


def test_net_position_sign_and_empty():
    short = position_from_okx({"instId": "BTC-USDT-SWAP", "posSide": "net", "pos": "-3", "availPos": "-3", "lever": "5"})
    assert (short["type"], short["amount"], short["frozen_amount"]) == ("short", 3, 0)
    assert position_from_okx({"instId": "BTC-USDT-SWAP", "posSide": "net", "pos": "0"}) is None


@pytest.mark.parametrize("text, rng", [
    ("USDT.swap", PositionRange(("SWAP",), quote="USDT")),
    ("usd.SWAP", PositionRange(("SWAP",), quote="USD")),
    ("USDT.futures", PositionRange(("FUTURES",), quote="USDT")),
    ("BTC_USDT.swap", None),
])
def test_position_ranges(text, rng):
    assert parse_position_range(text) == rng


def test_in_range():
    assert in_range("BTC-USDT-SWAP", PositionRange(("SWAP",), quote="USDT"))
    assert not in_range("BTC-USD-SWAP", PositionRange(("SWAP",), quote="USDT"))
    assert not in_range("BTC-USDT-261225", PositionRange(("SWAP",), quote="USDT"))


def test_funding():
    f = funding_from_okx({"instId": "BTC-USDT-SWAP", "fundingRate": "0.0001", "fundingTime": "1000",
                          "nextFundingTime": "14401000"})
    assert f == {"symbol": "BTC_USDT.swap", "rate": D("0.0001"), "time": 1000, "interval": 14400000, "next_time": 14401000}
