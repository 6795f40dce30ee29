"""okxsim's amend-algos: sizes and triggers changed in place, OKX's codes, the amended trigger
armed from the amendment on."""

from decimal import Decimal

import pytest

from okxbridge.sim import DEFAULT_ACCOUNT
from okxbridge.sim.algo_amend import amend_algo_one
from okxbridge.sim.algo_params import algo_request
from okxbridge.sim.ws_account import AccountCall
from tests.sim.simsupport import clocked_emulator, place

SWAP = "BTC-USDT-SWAP"


def amend(emu, **params):
    call = AccountCall(emu=emu, state=emu.state(DEFAULT_ACCOUNT.api_key), now=emu.now(),
                       instruments=emu.instruments())
    return amend_algo_one(call, params)


def px(emu, factor, inst_id=SWAP):
    return str((emu.price(inst_id) * Decimal(factor)).quantize(Decimal("0.1")))


def oco(emu, **extra):
    place(emu, instId=SWAP, tdMode="cross", side="buy", ordType="market", sz="10")
    fields = {"instId": SWAP, "tdMode": "cross", "side": "sell", "ordType": "oco", "sz": "10", "reduceOnly": True,
              "tpTriggerPx": px(emu, "1.1"), "tpOrdPx": "-1", "slTriggerPx": px(emu, "0.9"), "slOrdPx": "-1",
              "algoClOrdId": "oco1", **extra}
    return emu.algos.place(emu.state(DEFAULT_ACCOUNT.api_key), algo_request(fields), emu.instruments(), emu.now())


def test_size_and_triggers_change_in_place_and_the_push_carries_the_req_id():
    emu, _ = clocked_emulator()
    algo = oco(emu)
    new_sl = px(emu, "0.8")
    item = amend(emu, instId=SWAP, algoClOrdId="oco1", newSz="6", newSlTriggerPx=new_sl, newSlOrdPx="-1",
                 reqId="r1")
    assert (item["sCode"], item["algoId"], item["reqId"]) == ("0", str(algo.algo_id), "r1")
    row = algo.to_push()
    assert (row["sz"], row["slTriggerPx"], row["tpTriggerPx"], row["reqId"], row["amendResult"]) == (
        "6", new_sl, px(emu, "1.1"), "r1", "0")
    assert algo.amends == 1 and algo.state == "live"


def test_an_amended_trigger_the_price_then_crosses_fires_with_the_new_size():
    emu, _ = clocked_emulator()
    algo = oco(emu)
    amend(emu, instId=SWAP, algoId=str(algo.algo_id), newSz="4", newSlTriggerPx=px(emu, "0.97"))
    emu.set_price(SWAP, emu.price(SWAP) * Decimal("0.96"))
    assert (algo.state, algo.actual_side, algo.actual_sz) == ("effective", "sl", 4)


def test_a_zero_price_deletes_a_leg_but_not_the_last_one():
    emu, _ = clocked_emulator()
    algo = oco(emu)
    assert amend(emu, instId=SWAP, algoId=str(algo.algo_id), newTpTriggerPx="0")["sCode"] == "0"
    assert algo.tp is None and algo.to_okx()["tpTriggerPx"] == ""
    assert amend(emu, instId=SWAP, algoId=str(algo.algo_id), newSlOrdPx="0")["sCode"] == "51531"
    assert amend(emu, instId=SWAP, algoId=str(algo.algo_id), newTpTriggerPx=px(emu, "1.2"),
                 newTpOrdPx="-1")["sCode"] == "51526"  # a leg cannot be added


@pytest.mark.parametrize("change, code", [
    ({}, "51500"),                                  # nothing to change
    ({"algoId": "", "algoClOrdId": "", "newSz": "2"}, "50015"),
    ({"algoId": "123", "newSz": "2"}, "51527"),                   # no such algo
    ({"instId": "ETH-USDT-SWAP", "newSz": "2"}, "51527"),         # not this instrument's
    ({"newSz": "-1"}, "51000"),
    ({"newSz": "1e400"}, "51000"),
    ({"newSz": "0.005"}, "51121"),                  # off the lot grid (0.01 contracts)
    ({"newSlTriggerPx": "1000000"}, "51280"),       # a sell's SL above the price
    ({"newTpTriggerPxType": "weird"}, "51000"),
    ({"newSz": "2", "reqId": "bad-req-id"}, "51000"),
])
def test_bad_amendments_are_refused_with_okx_codes(change, code):
    emu, _ = clocked_emulator()
    algo = oco(emu)
    item = amend(emu, **{"instId": SWAP, "algoId": str(algo.algo_id), **change})
    assert item["sCode"] == code
    assert algo.amends == 0 and algo.sz == 10 and algo.state == "live"


def test_a_done_algo_cannot_be_amended_and_cxl_on_fail_cancels_a_live_one():
    emu, _ = clocked_emulator()
    algo = oco(emu)
    item = amend(emu, instId=SWAP, algoId=str(algo.algo_id), newSlTriggerPx="1000000", cxlOnFail=True)
    assert (item["sCode"], algo.state) == ("51280", "canceled")
    assert amend(emu, instId=SWAP, algoId=str(algo.algo_id), newSz="2")["sCode"] == "51503"


def test_a_trigger_order_moves_its_trigger_and_its_direction_with_it():
    emu, _ = clocked_emulator()
    fields = {"instId": "LTC-USDT", "tdMode": "cash", "side": "buy", "ordType": "trigger", "sz": "1",
              "triggerPx": px(emu, "1.1", "LTC-USDT"), "orderPx": "-1"}
    algo = emu.algos.place(emu.state(DEFAULT_ACCOUNT.api_key), algo_request(fields), emu.instruments(), emu.now())
    assert algo.rising
    below = str((emu.price("LTC-USDT") * Decimal("0.9")).quantize(Decimal("0.01")))
    assert amend(emu, instId="LTC-USDT", algoId=str(algo.algo_id), newTriggerPx=below, newOrdPx="-1")["sCode"] == "0"
    assert not algo.rising and Decimal(algo.to_okx()["triggerPx"]) == Decimal(below)
    emu.set_price("LTC-USDT", emu.price("LTC-USDT") * Decimal("0.85"))
    assert algo.state == "effective"


def test_a_whole_position_algo_keeps_its_size_and_market_prices():
    emu, _ = clocked_emulator()
    place(emu, instId=SWAP, tdMode="cross", side="buy", ordType="market", sz="3")
    fields = {"instId": SWAP, "tdMode": "cross", "side": "sell", "ordType": "conditional", "closeFraction": "1",
              "reduceOnly": True, "slTriggerPx": px(emu, "0.9"), "slOrdPx": "-1"}
    algo = emu.algos.place(emu.state(DEFAULT_ACCOUNT.api_key), algo_request(fields), emu.instruments(), emu.now())
    assert amend(emu, instId=SWAP, algoId=str(algo.algo_id), newSz="2")["sCode"] == "51524"
    assert amend(emu, instId=SWAP, algoId=str(algo.algo_id), newSlOrdPx=px(emu, "0.85"))["sCode"] == "51523"
    assert amend(emu, instId=SWAP, algoId=str(algo.algo_id), newSlTriggerPx=px(emu, "0.8"))["sCode"] == "0"
