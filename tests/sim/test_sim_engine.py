"""Matching, balances and positions on a task.Clock, no sockets, no sleeps."""

from decimal import Decimal

import pytest

from okxbridge.sim import DEFAULT_ACCOUNT
from okxbridge.sim.matching import Rejected
from tests.sim.simsupport import START, clocked_emulator, place


def ledger(emu, demo=False):
    return emu.state(DEFAULT_ACCOUNT.api_key, demo).ledger


def test_resting_buy_freezes_quote_and_cancel_releases_it():
    emu, _ = clocked_emulator()
    price = emu.price("BTC-USDT")
    px = (price / 2).quantize(Decimal("0.1"))
    order = place(emu, instId="BTC-USDT", tdMode="cash", side="buy", ordType="limit", sz="0.5", px=str(px))
    book = ledger(emu)
    assert order.state == "live"
    assert book.ord_frozen["USDT"] == px * Decimal("0.5")
    assert book.available("USDT") == Decimal(100000) - px * Decimal("0.5")
    emu.engine.cancel(emu.state(DEFAULT_ACCOUNT.api_key), order, emu.now())
    assert order.state == "canceled"
    assert book.available("USDT") == Decimal(100000)


def test_marketable_limit_fills_at_the_ask_with_taker_fee_in_base():
    emu, _ = clocked_emulator()
    ask = emu.price("LTC-USDT") + Decimal("0.02")
    order = place(emu, instId="LTC-USDT", tdMode="cash", side="buy", ordType="limit", sz="2", px=str(ask + 5))
    assert order.state == "filled"
    assert order.acc_fill_sz == 2
    assert order.avg_px <= ask
    assert order.fee == Decimal("-0.002")  # 0.1% of 2 LTC, paid in LTC
    assert order.to_okx()["feeCcy"] == "LTC"
    assert ledger(emu).cash["LTC"] == Decimal(1000) + Decimal("1.998")
    assert ledger(emu).ord_frozen["USDT"] == 0


def test_resting_sell_fills_when_set_price_crosses_it():
    emu, clock = clocked_emulator()
    px = (emu.price("ETH-USDT") * Decimal("1.1")).quantize(Decimal("0.01"))
    order = place(emu, instId="ETH-USDT", tdMode="cash", side="sell", ordType="limit", sz="1", px=str(px))
    assert order.state == "live"
    assert ledger(emu).ord_frozen["ETH"] == 1
    clock.advance(1)
    emu.set_price("ETH-USDT", px + 10)
    assert order.state == "filled"
    assert order.fill_px == px  # a maker fills at its own price
    assert ledger(emu).cash["ETH"] == 99
    assert ledger(emu).cash["USDT"] == Decimal(100000) + px * (1 - Decimal("0.0008"))


def test_large_resting_order_passes_through_partially_filled():
    emu, clock = clocked_emulator(balances={"USDT": "10000000"})
    px = (emu.price("BTC-USDT-SWAP") * Decimal("0.9")).quantize(Decimal("0.1"))
    order = place(emu, instId="BTC-USDT-SWAP", tdMode="cross", side="buy", ordType="limit", sz="9000", px=str(px))
    clock.advance(1)
    # the walk itself moves through the order: fills come at most one per second, each at
    # most the book's top size
    emu.walk.force(emu.instrument("BTC-USDT-SWAP"), emu.now(), px - 100)
    emu.sync()
    assert order.state == "partially_filled"
    for _ in range(10):
        clock.advance(1)
        emu.sync()
    assert order.state == "filled"


def test_set_price_sweeps_through_and_fills_whole():
    emu, clock = clocked_emulator(balances={"USDT": "10000000"})
    px = (emu.price("BTC-USDT-SWAP") * Decimal("0.9")).quantize(Decimal("0.1"))
    order = place(emu, instId="BTC-USDT-SWAP", tdMode="cross", side="buy", ordType="limit", sz="9000", px=str(px))
    clock.advance(1)
    emu.set_price("BTC-USDT-SWAP", px - 100)
    assert order.state == "filled" and order.acc_fill_sz == Decimal("9000")


def test_market_buy_spends_quote_by_default():
    emu, _ = clocked_emulator()
    order = place(emu, instId="BTC-USDT", tdMode="cash", side="buy", ordType="market", sz="1000")
    assert order.tgt_ccy == "quote_ccy"
    assert order.state == "filled"
    spent = Decimal(100000) - ledger(emu).cash["USDT"]
    assert Decimal(999) < spent <= 1000
    assert order.px is None and order.to_okx()["px"] == ""


@pytest.mark.parametrize("fields, code", [
    ({"instId": "NOPE-USDT", "sz": "1"}, "51001"),
    ({"sz": "0.000001"}, "51020"),
    ({"sz": "0.000000001"}, "51121"),
    ({"sz": "1", "px": "100.05"}, "51000"),
    ({"sz": "50"}, "51008"),
])
def test_order_rules_answer_okx_codes(fields, code):
    emu, _ = clocked_emulator(balances={"USDT": "1000"})
    order = {"instId": "BTC-USDT", "tdMode": "cash", "side": "buy", "ordType": "limit", "px": "100"}
    order.update(fields)
    with pytest.raises(Rejected) as caught:
        place(emu, **order)
    assert caught.value.code == code


def test_client_order_id_is_refused_only_while_the_earlier_order_is_live():
    """OKX's documented rule (place order; spec "Verified for the fidelity work" §1)."""
    emu, _ = clocked_emulator()
    first = place(emu, instId="BTC-USDT", tdMode="cash", side="buy", ordType="limit", sz="0.001", px="100",
                  clOrdId="abc1")
    with pytest.raises(Rejected) as caught:
        place(emu, instId="BTC-USDT", tdMode="cash", side="buy", ordType="limit", sz="0.001", px="100", clOrdId="abc1")
    assert caught.value.code == "51016"
    # the demo environment is a separate book
    assert place(emu, demo=True, instId="BTC-USDT", tdMode="cash", side="buy", ordType="limit",
                 sz="0.001", px="100", clOrdId="abc1").state == "live"
    emu.engine.cancel(emu.state(DEFAULT_ACCOUNT.api_key), first, emu.now())
    second = place(emu, instId="BTC-USDT", tdMode="cash", side="buy", ordType="limit", sz="0.001", px="100",
                   clOrdId="abc1")
    assert second.ord_id != first.ord_id and second.state == "live"
    # a look-up by clOrdId answers the latest order with it
    state = emu.state(DEFAULT_ACCOUNT.api_key)
    assert emu.engine.find(state, "BTC-USDT", "", "abc1") is second


def test_a_filled_market_order_frees_its_client_order_id():
    emu, _ = clocked_emulator()
    first = place(emu, instId="BTC-USDT", tdMode="cash", side="buy", ordType="market", sz="10", clOrdId="m1")
    assert first.state == "filled"
    again = place(emu, instId="BTC-USDT", tdMode="cash", side="buy", ordType="market", sz="10", clOrdId="m1")
    assert again.state == "filled" and again.ord_id != first.ord_id


def test_post_only_that_would_take_is_canceled_with_source_31():
    emu, _ = clocked_emulator()
    px = (emu.price("BTC-USDT") * 2).quantize(Decimal("0.1"))
    order = place(emu, instId="BTC-USDT", tdMode="cash", side="buy", ordType="post_only", sz="0.01", px=str(px))
    assert order.state == "canceled" and order.cancel_source == "31"
    assert ledger(emu).ord_frozen["USDT"] == 0


def test_ioc_that_cannot_fill_is_canceled_and_fok_that_can_fills():
    emu, _ = clocked_emulator()
    price = emu.price("BTC-USDT")
    ioc = place(emu, instId="BTC-USDT", tdMode="cash", side="buy", ordType="ioc", sz="0.01", px=str(price - 100))
    fok = place(emu, instId="BTC-USDT", tdMode="cash", side="buy", ordType="fok", sz="0.01", px=str(price + 100))
    assert ioc.state == "canceled"
    assert fok.state == "filled"


def test_linear_swap_margin_is_frozen_and_closing_realises_pnl():
    emu, clock = clocked_emulator()
    book = ledger(emu)
    opened = place(emu, instId="BTC-USDT-SWAP", tdMode="cross", side="buy", ordType="market", sz="10")
    entry = opened.avg_px
    state = emu.state(DEFAULT_ACCOUNT.api_key)
    position = state.positions[("BTC-USDT-SWAP", "cross", "net")]
    assert position.pos == 10
    margin = Decimal(10) * Decimal("0.01") * entry / 10  # default leverage 10
    assert book.pos_margin["USDT"] == margin
    clock.advance(5)
    emu.set_price("BTC-USDT-SWAP", entry + 1000)
    closed = place(emu, instId="BTC-USDT-SWAP", tdMode="cross", side="sell", ordType="market", sz="10")
    assert position.pos == 0
    assert book.pos_margin["USDT"] == 0
    expected_pnl = (closed.avg_px - entry) * Decimal(10) * Decimal("0.01")
    assert closed.pnl == expected_pnl
    fees = -(opened.fee + closed.fee)
    assert book.cash["USDT"] == Decimal(100000) + expected_pnl - fees


def test_inverse_swap_margins_and_pays_in_btc():
    emu, _ = clocked_emulator()
    order = place(emu, instId="BTC-USD-SWAP", tdMode="cross", side="sell", ordType="market", sz="3")
    assert order.fee_ccy == "BTC"
    margin = ledger(emu).pos_margin["BTC"]
    assert margin == Decimal(300) / order.avg_px / 10
    assert ledger(emu).available("BTC") == Decimal(10) - margin + order.fee


def test_long_short_mode_needs_pos_side_and_closes_per_side():
    emu, _ = clocked_emulator()
    state = emu.state(DEFAULT_ACCOUNT.api_key)
    state.pos_mode = "long_short_mode"
    with pytest.raises(Rejected) as caught:
        place(emu, instId="ETH-USDT-SWAP", tdMode="cross", side="buy", ordType="market", sz="1")
    assert caught.value.code == "51000"
    place(emu, instId="ETH-USDT-SWAP", tdMode="cross", side="buy", posSide="long", ordType="market", sz="2")
    place(emu, instId="ETH-USDT-SWAP", tdMode="cross", side="sell", posSide="short", ordType="market", sz="1")
    assert state.positions[("ETH-USDT-SWAP", "cross", "long")].pos == 2
    assert state.positions[("ETH-USDT-SWAP", "cross", "short")].pos == 1
    with pytest.raises(Rejected) as caught:
        place(emu, instId="ETH-USDT-SWAP", tdMode="cross", side="sell", posSide="long", ordType="market", sz="3")
    assert caught.value.code == "51169"
    place(emu, instId="ETH-USDT-SWAP", tdMode="cross", side="sell", posSide="long", ordType="market", sz="2")
    assert state.positions[("ETH-USDT-SWAP", "cross", "long")].pos == 0


def test_same_seed_and_clock_give_the_same_market():
    a, _ = clocked_emulator(seed=7)
    b, _ = clocked_emulator(seed=7)
    c, _ = clocked_emulator(seed=8)
    assert a.price("BTC-USDT") == b.price("BTC-USDT")
    assert a.price("BTC-USDT") != c.price("BTC-USDT")
    assert START == a.now()
