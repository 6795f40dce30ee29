"""Rounding to OKX's tick and lot sizes."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from okxbridge.convert.precision import decimals, okx_number, round_cost, round_price, round_size


@pytest.mark.parametrize("price, tick, side, expected", [
    ("30000.17", "0.1", "buy", "30000.1"),
    ("30000.17", "0.1", "sell", "30000.2"),
    ("30000.1", "0.1", "sell", "30000.1"),
    ("1.23456", "0.0001", "buy", "1.2345"),
    ("1.23456", "0.0001", "sell", "1.2346"),
    ("12347", "5", "buy", "12345"),
    ("12346", "5", "sell", "12350"),
    ("12345", "5", "sell", "12345"),
    ("0.75", "0.5", "buy", "0.5"),
    ("0.75", "0.5", "sell", "1.0"),
])
def test_round_price(price, tick, side, expected):
    assert round_price(D(price), D(tick), side) == D(expected)


@pytest.mark.parametrize("size, lot, expected", [
    ("0.123456789", "0.00000001", "0.12345678"),
    ("1.99", "1", "1"),
    ("0.019", "0.01", "0.01"),
    ("0.0099", "0.01", "0.00"),
    ("7", "5", "5"),
])
def test_round_size(size, lot, expected):
    assert round_size(D(size), D(lot)) == D(expected)


@pytest.mark.parametrize("step, n", [("0.0001", 4), ("5", 0), ("0.5", 1), ("1", 0), ("0.00000001", 8), ("0.10", 1)])
def test_decimals(step, n):
    assert decimals(D(step)) == n


@pytest.mark.parametrize("value, text", [(D("1E-8"), "0.00000001"), (D("30000.10"), "30000.1"), (D("5E+2"), "500"),
                                         (D("0.00"), "0")])
def test_okx_number(value, text):
    assert okx_number(value) == text


steps = st.sampled_from([D("0.1"), D("0.01"), D("0.0001"), D("5"), D("0.5"), D("0.00000001"), D("1")])
prices = st.decimals(min_value=D("0.00000001"), max_value=D("1000000"), places=8)


@given(prices, steps, st.sampled_from(["buy", "sell"]))
def test_rounded_price_is_on_grid_and_passive(price, tick, side):
    rounded = round_price(price, tick, side)
    assert rounded % tick == 0
    assert abs(rounded - price) < tick
    assert rounded <= price if side == "buy" else rounded >= price


@given(prices, steps)
def test_rounded_size_never_exceeds_request(size, lot):
    rounded = round_size(size, lot)
    assert rounded % lot == 0 and rounded <= size and size - rounded < lot


@pytest.mark.parametrize("cost, tick, sent", [
    ("123.456789123", "0.1", "123.4"), ("123.456789123", "0.01", "123.45"), ("99.99", "1", "99"),
    ("10", "0.5", "10.0"), ("0.00009", "0.0001", "0.0000"),
])
def test_round_cost_truncates_to_tick(cost, tick, sent):
    assert str(round_cost(D(cost), D(tick))) == sent
