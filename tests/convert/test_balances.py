"""okxbridge/convert/balances.py: balances from the trading and funding accounts, by account mode."""

from decimal import Decimal as D

import pytest

from okxbridge.convert.balances import balances_from_funding, balances_from_trading, merge_balances
from tests.conftest import recorded


def test_recorded_balances_merge_with_funding():
    trading = balances_from_trading(recorded("fetchBalance", 2)["httpResponse"]["data"][0])
    funding = balances_from_funding(recorded("fetchBalance", 0)["httpResponse"]["data"])
    merged = {r["currency"]: r for r in merge_balances(trading, funding)}
    tusd_trading = next(r for r in trading if r["currency"] == "TUSD")
    assert merged["TUSD"]["free"] == tusd_trading["free"] + D("100")


@pytest.mark.parametrize("detail, free, frozen", [
    # Spot mode: availEq is "" — availBal and frozenBal as they are
    ({"ccy": "USDT", "availBal": "90", "availEq": "", "eq": "100", "frozenBal": "10", "cashBal": "100"}, "90", "10"),
    # Futures mode: available equity; frozen is what equity the account cannot use (margin, upl)
    ({"ccy": "USDT", "availBal": "90", "availEq": "85", "eq": "95", "frozenBal": "10", "cashBal": "100"}, "85", "10"),
    # a bot holds 5 on top of 10 in orders: frozenBal counts it, the strategy cannot use it either
    ({"ccy": "BTC", "availBal": "1", "availEq": "1", "eq": "1.15", "frozenBal": "0.15", "ordFrozen": "0.1"},
     "1", "0.15"),
    # older answers without availEq: availBal
    ({"ccy": "ETH", "availBal": "2", "frozenBal": "1"}, "2", "1"),
])
def test_balance_fields_by_account_mode(detail, free, frozen):
    (row,) = balances_from_trading({"details": [detail]})
    assert (row["free"], row["frozen"]) == (D(free), D(frozen))
