"""okxbridge/convert/ranges.py: an FMZ position range (USDT.swap, USD.futures …) and where it is accepted."""

import pytest

from okxbridge.convert.ranges import PositionRange, in_range, parse_range
from okxbridge.fmz.errors import ProtocolError


@pytest.mark.parametrize("text, kinds, expected", [
    ("USDT.swap", ("swap", "futures"), PositionRange(("SWAP",), quote="USDT")),
    ("usd.SWAP", ("swap",), PositionRange(("SWAP",), quote="USD")),
    ("USDT.futures", ("swap", "futures"), PositionRange(("FUTURES",), quote="USDT")),
    ("BTC_USDT.swap", ("swap",), None),
    ("BTC_USDT", ("swap",), None),
])
def test_parse_range(text, kinds, expected):
    assert parse_range(text, kinds) == expected


def test_range_not_accepted_by_the_call():
    with pytest.raises(ProtocolError) as e:
        parse_range("USDT.futures", ("swap",))
    assert "USDT.swap" in str(e.value)


@pytest.mark.parametrize("text, rng", [
    ("USDT.swap", PositionRange(("SWAP",), quote="USDT")),
    ("usd.SWAP", PositionRange(("SWAP",), quote="USD")),
    ("USDT.futures", PositionRange(("FUTURES",), quote="USDT")),
    ("BTC_USDT.swap", None),
])
def test_position_ranges(text, rng):
    assert parse_range(text) == rng


def test_in_range():
    assert in_range("BTC-USDT-SWAP", PositionRange(("SWAP",), quote="USDT"))
    assert not in_range("BTC-USD-SWAP", PositionRange(("SWAP",), quote="USDT"))
    assert not in_range("BTC-USDT-261225", PositionRange(("SWAP",), quote="USDT"))
