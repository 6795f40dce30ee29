"""okxbridge/convert/intents.py: intents, posSide/reduceOnly, the order body, contract plans."""

from decimal import Decimal as D

import pytest

from okxbridge.convert.instruments import Instrument
from okxbridge.convert.intents import (
    ContractPlan,
    Held,
    Intent,
    asked_reduce_only,
    check_contract_mode,
    client_order_id,
    fit_reduce_only,
    order_body,
    parse_intent,
    plan_contract_order,
    position_fields,
    spot_td_mode,
)
from okxbridge.fmz.errors import ProtocolError


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


@pytest.mark.parametrize("price", ["0", "-0.5", "-2"])
def test_a_non_positive_price_is_refused_not_sent_as_market(price):
    with pytest.raises(ProtocolError, match="not a price"):
        order_body(BTC, Intent("buy", ""), D(price), D("0.5"), cl_ord_id="x")


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


def test_spot_market_buy_cost_below_one_tick_is_refused():
    with pytest.raises(ProtocolError) as e:
        order_body(BTC, Intent("buy", ""), None, D("0.05"), cl_ord_id="x")
    assert "tick size 0.1" in str(e.value) and "nothing was sent" in str(e.value)
    assert order_body(BTC, Intent("buy", ""), None, D("123.456789123"), cl_ord_id="x")["sz"] == "123.4"




@pytest.mark.parametrize("acct_lv, asked, td_mode", [
    ("1", "", "cash"), ("2", "", "cash"), ("3", "", "cross"), ("4", "", "cross"),
    ("2", "cash", "cash"), ("3", "cash", "cross"), ("4", "cross", "cross"),
])
def test_spot_td_mode_follows_the_account_mode(acct_lv, asked, td_mode):
    assert spot_td_mode(acct_lv, asked, "BTC-USDT") == td_mode


@pytest.mark.parametrize("acct_lv, asked", [("1", "cross"), ("2", "cross"), ("2", "isolated"), ("3", "isolated")])
def test_spot_margin_is_refused_in_every_mode(acct_lv, asked):
    with pytest.raises(ProtocolError, match="spot margin trading is not supported"):
        spot_td_mode(acct_lv, asked, "BTC-USDT")


@pytest.mark.parametrize("acct_lv, td_mode, refused", [
    ("1", "", "Spot mode, which has no contracts"), ("1", "cross", "Spot mode"),
    ("2", "isolated", None), ("2", "cross", None), ("3", "cross", None),
    ("3", "isolated", "isolated margin does not exist in Multi-currency margin mode"),
    ("4", "isolated", "isolated margin does not exist in Portfolio margin mode"),
])
def test_contract_refusals_name_the_account_mode(acct_lv, td_mode, refused):
    if refused is None:
        assert check_contract_mode(acct_lv, td_mode, "BTC-USDT-SWAP") is None
    else:
        with pytest.raises(ProtocolError, match=refused) as caught:
            check_contract_mode(acct_lv, td_mode, "BTC-USDT-SWAP")
        assert "nothing was sent" in str(caught.value)


@pytest.mark.parametrize("acct_lv, kept", [("2", True), ("3", True), ("4", False)])
def test_reduce_only_is_sent_where_okx_documents_it(acct_lv, kept):
    fields = {"posSide": "net", "reduceOnly": True}
    assert fit_reduce_only(fields, acct_lv) == (fields if kept else {"posSide": "net"})


def test_side_option_tgt_ccy_turns_a_market_buy_into_base_and_a_sell_into_quote():
    buy = order_body(BTC, Intent("buy", ""), D(-1), D("0.123456789"), cl_ord_id="fmz1", tgt_ccy="base_ccy")
    assert buy["tgtCcy"] == "base_ccy" and buy["sz"] == "0.12345678"
    sell = order_body(BTC, Intent("sell", ""), None, D("100.123"), cl_ord_id="fmz1", tgt_ccy="quote_ccy")
    assert sell["tgtCcy"] == "quote_ccy" and sell["sz"] == "100.1"


@pytest.mark.parametrize("inst, price", [(BTC, D(30000)), (SWAP, D(-1)), (SWAP, D(30000))])
def test_tgt_ccy_outside_a_spot_market_order_is_refused(inst, price):
    with pytest.raises(ProtocolError, match="tgtCcy applies to spot market orders"):
        order_body(inst, Intent("buy", "open" if inst is SWAP else ""), price, D(1), cl_ord_id="x", tgt_ccy="base_ccy")


def test_optimal_limit_ioc_is_a_contract_order_without_price():
    body = order_body(SWAP, Intent("buy", "open"), D(-1), D(1), cl_ord_id="x", ord_type="optimal_limit_ioc")
    assert body["ordType"] == "optimal_limit_ioc" and "px" not in body and body["sz"] == "1"
    with pytest.raises(ProtocolError, match="swaps and futures only"):
        order_body(BTC, Intent("buy", ""), D(-1), D(1), cl_ord_id="x", ord_type="optimal_limit_ioc")
    with pytest.raises(ProtocolError, match="bad order kind"):
        order_body(SWAP, Intent("buy", "open"), D(100), D(1), cl_ord_id="x", ord_type="optimal_limit_ioc")


@pytest.mark.parametrize("ord_type", ["post_only", "ioc", "fok"])
def test_limit_kinds_without_a_price_are_refused(ord_type):
    with pytest.raises(ProtocolError, match="needs a price"):
        order_body(SWAP, Intent("buy", "open"), D(-1), D(1), cl_ord_id="x", ord_type=ord_type)


def test_asked_reduce_only_in_net_mode_of_futures_and_multi_currency_modes():
    assert asked_reduce_only({"posSide": "net"}, "2") == {"reduceOnly": True}
    assert asked_reduce_only({"posSide": "net"}, "3") == {"reduceOnly": True}
    with pytest.raises(ProtocolError, match="Portfolio margin mode"):
        asked_reduce_only({"posSide": "net"}, "4")
    with pytest.raises(ProtocolError, match="long/short mode"):
        asked_reduce_only({"posSide": "long"}, "2")
