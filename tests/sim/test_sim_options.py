"""okxbridge/sim/attached.py: stpMode, banAmend, attachAlgoOrds and optimal_limit_ioc in the engine."""

from decimal import Decimal

import pytest

from okxbridge.sim import DEFAULT_ACCOUNT
from okxbridge.sim.errors import ApiRejection
from okxbridge.sim.matching import Rejected
from tests.sim.simsupport import clocked_emulator, place

SL = {"attachAlgoClOrdId": "fmz1a0", "slTriggerPx": "25000", "slOrdPx": "-1"}


def test_attached_stop_loss_is_kept_and_answered_in_the_order_object():
    emu, _ = clocked_emulator()
    px = (emu.price("BTC-USDT") / 2).quantize(Decimal("0.1"))
    order = place(emu, instId="BTC-USDT", tdMode="cash", side="buy", ordType="limit", sz="0.01", px=str(px),
                  attachAlgoOrds=[SL, {"tpTriggerPx": "90000", "tpOrdPx": "89999.5", "tpTriggerPxType": "mark"}])
    rows = order.to_okx()["attachAlgoOrds"]
    assert [r["attachAlgoClOrdId"] for r in rows] == ["fmz1a0", ""]
    assert rows[0]["slTriggerPx"] == "25000" and rows[0]["slOrdPx"] == "-1" and rows[0]["slTriggerPxType"] == "last"
    assert rows[0]["tpTriggerPx"] == "" and rows[0]["attachAlgoId"] != rows[1]["attachAlgoId"]
    assert rows[1]["tpTriggerPxType"] == "mark" and rows[1]["tpOrdPx"] == "89999.5"
    assert rows[1]["tpOrdKind"] == "condition"


def test_stp_mode_and_ban_amend_are_kept():
    emu, _ = clocked_emulator()
    px = (emu.price("BTC-USDT") / 2).quantize(Decimal("0.1"))
    plain = place(emu, instId="BTC-USDT", tdMode="cash", side="buy", ordType="limit", sz="0.01", px=str(px))
    chosen = place(emu, instId="BTC-USDT", tdMode="cash", side="buy", ordType="limit", sz="0.01", px=str(px),
                   stpMode="cancel_both", banAmend="true")
    assert plain.to_okx()["stpMode"] == "cancel_maker" and not plain.ban_amend
    assert chosen.to_okx()["stpMode"] == "cancel_both" and chosen.ban_amend


def test_optimal_limit_ioc_fills_a_swap_at_once_and_is_refused_on_spot():
    emu, _ = clocked_emulator()
    order = place(emu, instId="BTC-USDT-SWAP", tdMode="cross", side="buy", ordType="optimal_limit_ioc", sz="1",
                  posSide="net")
    assert order.state == "filled" and order.px is None
    with pytest.raises(ApiRejection) as refused:
        place(emu, instId="BTC-USDT", tdMode="cash", side="buy", ordType="optimal_limit_ioc", sz="10")
    assert refused.value.code == "51000" and "ordType" in refused.value.msg


@pytest.mark.parametrize("fields, name", [
    ({"stpMode": "none"}, "stpMode"),
    ({"banAmend": "yes"}, "banAmend"),
    ({"attachAlgoOrds": {"slTriggerPx": "1"}}, "attachAlgoOrds"),
    ({"attachAlgoOrds": [{"slTriggerPx": "1"}]}, "slOrdPx"),
    ({"attachAlgoOrds": [{"slOrdPx": "1"}]}, "slTriggerPx"),
    ({"attachAlgoOrds": [{"slTriggerPx": "0", "slOrdPx": "-1"}]}, "slTriggerPx"),
    ({"attachAlgoOrds": [{"slTriggerPx": "1", "slOrdPx": "-2"}]}, "slOrdPx"),
    ({"attachAlgoOrds": [{"tpTriggerPx": "1", "tpOrdPx": "1", "tpTriggerPxType": "best"}]}, "tpTriggerPxType"),
    ({"attachAlgoOrds": [{"tpTriggerPx": "1", "tpOrdPx": "1", "tpOrdKind": "x"}]}, "tpOrdKind"),
    ({"attachAlgoOrds": [{"slTriggerPx": "1", "slOrdPx": "-1", "attachAlgoClOrdId": "a-b"}]}, "attachAlgoClOrdId"),
    ({"attachAlgoOrds": [{"slTriggerPx": "1", "slOrdPx": "-1", "other": "1"}]}, "attachAlgoOrds"),
    ({"attachAlgoOrds": [{}]}, "tpTriggerPx"),
])
def test_malformed_fields_are_whole_call_errors(fields, name):
    emu, _ = clocked_emulator()
    with pytest.raises(ApiRejection) as refused:
        place(emu, instId="BTC-USDT", tdMode="cash", side="buy", ordType="limit", sz="0.01", px="1000", **fields)
    assert name in refused.value.msg


@pytest.mark.parametrize("fields", [{"sz": "5000"}, {"sz": "1", "tgtCcy": "base_ccy"}])
def test_a_spot_market_buy_beyond_the_balance_is_cut_unless_ban_amend(fields):
    emu, _ = clocked_emulator(balances={"USDT": "1000"})
    order = place(emu, instId="BTC-USDT", tdMode="cash", side="buy", ordType="market", **fields)
    assert order.state == "filled"
    assert emu.state(DEFAULT_ACCOUNT.api_key).ledger.available("USDT") < 1
    assert order.acc_fill_sz * emu.price("BTC-USDT") <= Decimal(1001)
    assert order.sz < Decimal(fields["sz"])
    with pytest.raises(Rejected) as refused:
        place(emu, instId="BTC-USDT", tdMode="cash", side="buy", ordType="market", banAmend=True, **fields)
    assert refused.value.code == "51008"


def test_a_spot_market_sell_beyond_the_balance_is_cut_and_limit_orders_never_are():
    emu, _ = clocked_emulator(balances={"LTC": "3", "USDT": "10"})
    order = place(emu, instId="LTC-USDT", tdMode="cash", side="sell", ordType="market", sz="5")
    assert order.state == "filled" and order.sz == 3 and order.acc_fill_sz == 3
    with pytest.raises(Rejected) as refused:
        place(emu, instId="LTC-USDT", tdMode="cash", side="buy", ordType="limit", sz="5", px="100")
    assert refused.value.code == "51008"
