"""Pure trading rules: intents, posSide/reduceOnly, the order body, positions, funding, IO paths."""

from decimal import Decimal as D

import pytest

from tests.conftest import recorded
from okxbridge.fmz.errors import ProtocolError
from okxbridge.handlers.account import balances_from_funding, balances_from_trading, merge_balances
from okxbridge.handlers.contracts import PositionRange, funding_from_okx, in_range, parse_position_range, position_from_okx
from okxbridge.convert.instruments import Instrument
from okxbridge.convert.intents import Intent, client_order_id, order_body, parse_intent, position_fields
from okxbridge.handlers.io import io_path


@pytest.mark.parametrize("kind, contract, intent", [
    ("buy", False, Intent("buy", "")), ("SELL", False, Intent("sell", "")),
    ("buy", True, Intent("buy", "open")), ("sell", True, Intent("sell", "open")),
    ("closebuy", True, Intent("sell", "close")), ("closesell", True, Intent("buy", "close")),
])
def test_parse_intent(kind, contract, intent):
    assert parse_intent(kind, contract) == intent


@pytest.mark.parametrize("kind, contract", [("closebuy", False), ("long", True), ("", False)])
def test_bad_intent(kind, contract):
    with pytest.raises(ProtocolError):
        parse_intent(kind, contract)


@pytest.mark.parametrize("intent, mode, fields", [
    (Intent("buy", "open"), "long_short_mode", {"posSide": "long"}),
    (Intent("sell", "open"), "long_short_mode", {"posSide": "short"}),
    (Intent("sell", "close"), "long_short_mode", {"posSide": "long"}),
    (Intent("buy", "close"), "long_short_mode", {"posSide": "short"}),
    (Intent("buy", "open"), "net_mode", {"posSide": "net"}),
    (Intent("sell", "close"), "net_mode", {"posSide": "net", "reduceOnly": True}),
    (Intent("buy", "close"), "net_mode", {"posSide": "net", "reduceOnly": True}),
])
def test_position_fields(intent, mode, fields):
    assert position_fields(intent, mode) == fields


BTC = Instrument.from_okx({"instType": "SPOT", "instId": "BTC-USDT", "baseCcy": "BTC", "quoteCcy": "USDT",
                           "tickSz": "0.1", "lotSz": "0.00000001", "minSz": "0.00001", "state": "live"})
SWAP = Instrument.from_okx({"instType": "SWAP", "instId": "BTC-USDT-SWAP", "tickSz": "0.1", "lotSz": "0.01",
                            "minSz": "0.01", "ctVal": "0.01", "state": "live"})


def test_spot_limit_body():
    body = order_body(BTC, Intent("sell", ""), D("30000.01"), D("0.123456789"), cl_ord_id="fmz1")
    assert body == {"instId": "BTC-USDT", "tdMode": "cash", "side": "sell", "clOrdId": "fmz1", "ordType": "limit",
                    "px": "30000.1", "sz": "0.12345678"}


def test_spot_market_buy_spends_quote():
    body = order_body(BTC, Intent("buy", ""), None, D("25.5"), cl_ord_id="fmz1")
    assert body == {"instId": "BTC-USDT", "tdMode": "cash", "side": "buy", "clOrdId": "fmz1", "ordType": "market",
                    "tgtCcy": "quote_ccy", "sz": "25.5"}


def test_spot_market_sell_in_base():
    body = order_body(BTC, Intent("sell", ""), D(-1), D("0.5"), cl_ord_id="fmz1")
    assert body["ordType"] == "market" and body["tgtCcy"] == "base_ccy" and body["sz"] == "0.5" and "px" not in body


def test_swap_close_in_net_mode():
    body = order_body(SWAP, Intent("sell", "close"), D("50000.05"), D("2.999"), cl_ord_id="fmz2", pos_mode="net_mode")
    assert body == {"instId": "BTC-USDT-SWAP", "tdMode": "cross", "side": "sell", "clOrdId": "fmz2",
                    "ordType": "limit", "px": "50000.1", "sz": "2.99", "posSide": "net", "reduceOnly": True}


def test_isolated_post_only():
    body = order_body(SWAP, Intent("buy", "open"), D("100"), D("1"), cl_ord_id="x", td_mode="isolated",
                      pos_mode="long_short_mode", ord_type="post_only")
    assert (body["tdMode"], body["ordType"], body["posSide"]) == ("isolated", "post_only", "long")


@pytest.mark.parametrize("amount", ["0.000009", "0.00000000999", "0"])
def test_below_minimum_names_it(amount):
    with pytest.raises(ProtocolError, match=r"minimum order size 0\.00001"):
        order_body(BTC, Intent("buy", ""), D("100"), D(amount), cl_ord_id="x")


def test_client_order_id_is_okx_shaped():
    cid = client_order_id(1730275031047002000)
    assert cid == "fmz1730275031047002000" and cid.isalnum() and len(cid) <= 32


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


def test_recorded_balances_merge_with_funding():
    trading = balances_from_trading(recorded("fetchBalance", 2)["httpResponse"]["data"][0])
    funding = balances_from_funding(recorded("fetchBalance", 0)["httpResponse"]["data"])
    merged = {r["currency"]: r for r in merge_balances(trading, funding)}
    tusd_trading = next(r for r in trading if r["currency"] == "TUSD")
    assert merged["TUSD"]["free"] == tusd_trading["free"] + D("100")


@pytest.mark.parametrize("method, path", [
    ("_api/api/v5/account/config", "/api/v5/account/config"),
    ("_api//api/v5/account/config", "/api/v5/account/config"),
    ("__api_/api/v5/trade/orders-pending", "/api/v5/trade/orders-pending"),
    ("__api_//api/v5/asset/balances", "/api/v5/asset/balances"),
])
def test_io_paths(method, path):
    assert io_path(method) == path


@pytest.mark.parametrize("method", ["_api/api/v5/../x", "_api/http://h/api/v5/x", "_api//api/v5/x?y=1", "_api/api/v5",
                                    "_api//evil/api/v5/x", "_api/api/v5/x#f", "_api/api/v5//x", "_api/api/v5/x/%2e%2e"])
def test_io_refuses(method):
    with pytest.raises(ProtocolError, match="refused"):
        io_path(method)


@pytest.mark.parametrize("value", ["1e999999", "-1e30", "1e-40", 1e300])
def test_absurd_numbers_are_refused_by_name(value):
    from okxbridge.fmz.params import decimal_param
    with pytest.raises(ProtocolError, match="parameter 'amount' is out of range"):
        decimal_param({"amount": value}, "amount")


@pytest.mark.parametrize("price", ["0", "-0.5", "-2"])
def test_a_non_positive_price_is_refused_not_sent_as_market(price):
    with pytest.raises(ProtocolError, match="not a price"):
        order_body(BTC, Intent("buy", ""), D(price), D("0.5"), cl_ord_id="x")


@pytest.mark.parametrize("detail, free, frozen", [
    # Spot mode: availEq is "" — availBal and frozenBal as they are
    ({"ccy": "USDT", "availBal": "90", "availEq": "", "eq": "100", "frozenBal": "10", "cashBal": "100"}, "90", "10"),
    # Futures mode: available equity; frozen is what equity the account cannot use (margin, upl)
    ({"ccy": "USDT", "availBal": "90", "availEq": "85", "eq": "95", "frozenBal": "10", "cashBal": "100"}, "85", "10"),
    # a bot holds 5 on top of 10 in orders: frozenBal counts it, the strategy cannot use it either
    ({"ccy": "BTC", "availBal": "1", "availEq": "1", "eq": "1.15", "frozenBal": "0.15", "ordFrozen": "0.1"}, "1", "0.15"),
    # older answers without availEq: availBal
    ({"ccy": "ETH", "availBal": "2", "frozenBal": "1"}, "2", "1"),
])
def test_balance_fields_by_account_mode(detail, free, frozen):
    (row,) = balances_from_trading({"details": [detail]})
    assert (row["free"], row["frozen"]) == (D(free), D(frozen))


from okxbridge.convert.intents import ContractPlan, Held, plan_contract_order  # noqa: E402
from okxbridge.convert.precision import round_cost  # noqa: E402

LS, NET = "long_short_mode", "net_mode"
BUY, SELL = Intent("buy", "open"), Intent("sell", "open")
CLOSE_LONG, CLOSE_SHORT = Intent("sell", "close"), Intent("buy", "close")


def h(mode, side, pos):
    return Held(mode, side, D(pos))


@pytest.mark.parametrize("intent, pos_mode, held, amount, default, asked, plan", [
    # opens: the call's mode, else the default
    (BUY, LS, [], "1", "cross", "", ContractPlan("cross", {"posSide": "long"}, "open")),
    (SELL, LS, [], "1", "isolated", "", ContractPlan("isolated", {"posSide": "short"}, "open")),
    (BUY, LS, [], "1", "isolated", "cross", ContractPlan("cross", {"posSide": "long"}, "open")),
    (BUY, NET, [], "1", "isolated", "", ContractPlan("isolated", {"posSide": "net"}, "open")),
    # closes take the position's mode
    (CLOSE_LONG, LS, [h("isolated", "long", "2")], "2", "cross", "",
     ContractPlan("isolated", {"posSide": "long"}, "close")),
    (CLOSE_SHORT, LS, [h("isolated", "long", "2"), h("cross", "short", "1")], "1", "isolated", "",
     ContractPlan("cross", {"posSide": "short"}, "close")),
    # both modes hold a long: the default's, or the one asked for
    (CLOSE_LONG, LS, [h("isolated", "long", "2"), h("cross", "long", "1")], "1", "cross", "",
     ContractPlan("cross", {"posSide": "long"}, "close")),
    (CLOSE_LONG, LS, [h("isolated", "long", "2"), h("cross", "long", "1")], "1", "cross", "isolated",
     ContractPlan("isolated", {"posSide": "long"}, "close")),
    # net mode: closes reduce-only in the position's mode
    (CLOSE_LONG, NET, [h("isolated", "net", "3")], "1", "cross", "",
     ContractPlan("isolated", {"posSide": "net", "reduceOnly": True}, "close")),
    (CLOSE_SHORT, NET, [h("cross", "net", "-3")], "5", "cross", "",
     ContractPlan("cross", {"posSide": "net", "reduceOnly": True}, "close")),
    # net mode: a sell inside a long closes; a bigger one flips (open); with no long it opens
    (SELL, NET, [h("isolated", "net", "3")], "3", "cross", "",
     ContractPlan("isolated", {"posSide": "net", "reduceOnly": True}, "close")),
    (SELL, NET, [h("isolated", "net", "3")], "4", "cross", "", ContractPlan("isolated", {"posSide": "net"}, "open")),
    (SELL, NET, [h("cross", "net", "-3")], "1", "cross", "", ContractPlan("cross", {"posSide": "net"}, "open")),
    (BUY, NET, [h("cross", "net", "0")], "1", "isolated", "", ContractPlan("isolated", {"posSide": "net"}, "open")),
])
def test_contract_plan(intent, pos_mode, held, amount, default, asked, plan):
    assert plan_contract_order(intent, pos_mode, held, D(amount), default, asked, "X") == plan


@pytest.mark.parametrize("intent, pos_mode, held, asked, message", [
    (CLOSE_LONG, LS, [], "", "closebuy X: no long position to close (long/short mode; positions held: none)"),
    (CLOSE_SHORT, LS, [h("isolated", "long", "2")], "",
     "closesell X: no short position to close (long/short mode; positions held: long 2 isolated)"),
    (CLOSE_LONG, NET, [h("cross", "net", "-1.5")], "", "closebuy X: no long position to close (net mode; "
     "positions held: short 1.5 cross)"),
    (CLOSE_LONG, LS, [h("isolated", "long", "2")], "cross",
     "closebuy X: no cross long position to close (long/short mode; positions held: long 2 isolated)"),
])
def test_contract_plan_errors_name_mode_and_position(intent, pos_mode, held, asked, message):
    with pytest.raises(ProtocolError) as e:
        plan_contract_order(intent, pos_mode, held, D(1), "cross", asked, "X")
    assert str(e.value) == message + "; nothing was sent"


@pytest.mark.parametrize("cost, tick, sent", [
    ("123.456789123", "0.1", "123.4"), ("123.456789123", "0.01", "123.45"), ("99.99", "1", "99"),
    ("10", "0.5", "10.0"), ("0.00009", "0.0001", "0.0000"),
])
def test_round_cost_truncates_to_tick(cost, tick, sent):
    assert str(round_cost(D(cost), D(tick))) == sent


def test_spot_market_buy_cost_below_one_tick_is_refused():
    with pytest.raises(ProtocolError) as e:
        order_body(BTC, Intent("buy", ""), None, D("0.05"), cl_ord_id="x")
    assert "tick size 0.1" in str(e.value) and "nothing was sent" in str(e.value)
    assert order_body(BTC, Intent("buy", ""), None, D("123.456789123"), cl_ord_id="x")["sz"] == "123.4"


from okxbridge.convert.ranges import parse_range  # noqa: E402


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
