"""okxsim's algo engine on a task.Clock: OKX's placement checks, triggers crossed by the price
walk or by the /__sim__/price move, the child order placed and filled like any order."""

from decimal import Decimal

import pytest

from okxbridge.sim import DEFAULT_ACCOUNT
from okxbridge.sim.algo_engine import MAX_SCAN
from okxbridge.sim.algo_params import algo_request
from okxbridge.sim.matching import Rejected
from okxbridge.sim.prices import quote
from tests.sim.simsupport import clocked_emulator, place

SWAP = "BTC-USDT-SWAP"


def state(emu):
    return emu.state(DEFAULT_ACCOUNT.api_key)


def place_algo(emu, **fields):
    return emu.algos.place(state(emu), algo_request(fields), emu.instruments(), emu.now())


def tick(value, step="0.1"):
    return str(Decimal(value).quantize(Decimal(step)))


def long_swap(emu, sz="10"):
    place(emu, instId=SWAP, tdMode="cross", side="buy", ordType="market", sz=sz)
    return state(emu).positions[(SWAP, "cross", "net")]


def test_a_stop_loss_fires_when_the_price_falls_through_it_and_closes_the_position():
    emu, _ = clocked_emulator()
    position = long_swap(emu)
    last = emu.price(SWAP)
    algo = place_algo(emu, instId=SWAP, tdMode="cross", side="sell", ordType="conditional", sz="10",
                      slTriggerPx=tick(last * Decimal("0.9")), slOrdPx="-1", reduceOnly=True, algoClOrdId="stop1")
    assert (algo.state, algo.to_okx()["ordId"], position.pos) == ("live", "", 10)
    emu.sync()
    assert algo.state == "live"  # the walk alone stays far above the trigger
    emu.set_price(SWAP, last * Decimal("0.85"))
    row = algo.to_okx()
    assert (row["state"], row["actualSide"], row["actualSz"], row["actualPx"]) == ("effective", "sl", "10", "")
    assert row["triggerTime"] == str(int(emu.now() * 1000)) and row["ordIdList"] == [row["ordId"]]
    child = state(emu).orders[int(row["ordId"])]
    assert (child.state, child.side, child.ord_type, child.reduce_only) == ("filled", "sell", "market", True)
    assert child.to_okx()["algoId"] == str(algo.algo_id) and child.to_okx()["algoClOrdId"] == "stop1"
    assert child.to_okx()["source"] == "7"
    assert position.pos == 0


def test_an_oco_fires_one_leg_and_never_places_the_other():
    emu, _ = clocked_emulator()
    long_swap(emu)
    last = emu.price(SWAP)
    algo = place_algo(emu, instId=SWAP, tdMode="cross", side="sell", ordType="oco", sz="10", reduceOnly=True,
                      tpTriggerPx=tick(last * Decimal("1.05")), tpOrdPx="-1",
                      slTriggerPx=tick(last * Decimal("0.95")), slOrdPx="-1")
    before = len(state(emu).orders)
    emu.set_price(SWAP, last * Decimal("1.06"))
    assert (algo.state, algo.actual_side) == ("effective", "tp")
    emu.set_price(SWAP, last * Decimal("0.90"))  # the SL leg is gone with the algo
    assert len(state(emu).orders) == before + 1 and algo.actual_side == "tp"


def test_the_price_walk_alone_fires_a_trigger_order_at_the_first_second_it_reaches_it():
    emu, clock = clocked_emulator()
    inst = emu.instrument("ETH-USDT")
    now = emu.now()
    path = [(t, quote(emu.walk, inst, now + t).last) for t in range(1, 301)]
    peak_at, peak = max(path, key=lambda p: p[1])
    assert peak > quote(emu.walk, inst, now).last  # the seeded walk rises within five minutes
    algo = place_algo(emu, instId="ETH-USDT", tdMode="cash", side="buy", ordType="trigger", sz="0.5",
                      triggerPx=str(peak), orderPx="-1")
    assert algo.rising
    emu.watch_algos()  # what POST /trade/order-algo starts: a look at the market every second
    for _ in range(300):
        clock.advance(1)
    first = next(t for t, px in path if px >= peak)
    assert algo.state == "effective" and algo.trigger_time == now + first
    child = state(emu).orders[int(algo.ord_id)]
    assert (child.state, child.source, child.acc_fill_sz) == ("filled", "6", Decimal("0.5"))  # in ETH (inferred)
    assert not emu._algo_loop.running  # no live algo left: the engine stops looking


def test_a_trigger_below_the_price_fires_as_it_falls_and_a_limit_child_rests():
    emu, _ = clocked_emulator()
    last = emu.price("LTC-USDT")
    trigger, limit_px = tick(last * Decimal("0.9"), "0.01"), tick(last * Decimal("0.5"), "0.01")
    algo = place_algo(emu, instId="LTC-USDT", tdMode="cash", side="buy", ordType="trigger", sz="1",
                      triggerPx=trigger, orderPx=limit_px)
    assert not algo.rising
    emu.set_price("LTC-USDT", last * Decimal("0.8"))
    child = state(emu).orders[int(algo.ord_id)]
    assert (algo.state, algo.actual_px, child.state, child.px) == ("effective", limit_px, "live", Decimal(limit_px))


@pytest.mark.parametrize("side, leg, factor, px_type, code", [
    ("buy", "tp", "1.01", "last", "51277"),   # a buy's TP must be below the price
    ("buy", "sl", "0.99", "last", "51278"),   # its SL above
    ("sell", "tp", "0.99", "last", "51279"),  # a sell's TP above
    ("sell", "sl", "1.01", "last", "51280"),  # its SL below
    ("sell", "sl", "1", "last", "51280"),     # at the price is on the wrong side too
    ("sell", "tp", "0.99", "mark", "51303"),
    ("buy", "sl", "0.99", "index", "51306"),
])
def test_triggers_on_the_wrong_side_of_the_price_are_refused(side, leg, factor, px_type, code):
    emu, _ = clocked_emulator()
    trigger = tick(emu.price(SWAP) * Decimal(factor))
    with pytest.raises(Rejected) as refused:
        place_algo(emu, instId=SWAP, tdMode="cross", side=side, ordType="conditional", sz="1",
                   **{f"{leg}TriggerPx": trigger, f"{leg}OrdPx": "-1", f"{leg}TriggerPxType": px_type})
    assert refused.value.code == code


def test_a_conditional_with_both_legs_checks_only_its_stop_loss_and_arms_both():
    emu, _ = clocked_emulator()
    long_swap(emu)
    last = emu.price(SWAP)
    algo = place_algo(emu, instId=SWAP, tdMode="cross", side="sell", ordType="conditional", sz="10",
                      tpTriggerPx=tick(last * Decimal("0.99")), tpOrdPx="-1",  # wrong side: not checked
                      slTriggerPx=tick(last * Decimal("0.9")), slOrdPx="-1")
    emu.sync()  # the TP leg is already reached
    assert (algo.state, algo.actual_side) == ("effective", "tp")


def test_spot_algos_trigger_on_the_last_price_only_and_trigger_orders_take_no_tgt_ccy():
    emu, _ = clocked_emulator()
    low = tick(emu.price("BTC-USDT") * Decimal("0.5"))
    with pytest.raises(Rejected) as refused:
        place_algo(emu, instId="BTC-USDT", tdMode="cash", side="sell", ordType="conditional", sz="0.1",
                   slTriggerPx=low, slOrdPx="-1", slTriggerPxType="mark")
    assert refused.value.code == "51415"
    with pytest.raises(Rejected) as refused:
        place_algo(emu, instId="BTC-USDT", tdMode="cash", side="sell", ordType="trigger", sz="0.1",
                   triggerPx=low, orderPx="-1", tgtCcy="base_ccy")
    assert refused.value.code == "51281"


def test_an_algo_cl_ord_id_is_unique_among_live_algos_and_free_again_once_done():
    emu, _ = clocked_emulator()
    low = tick(emu.price("BTC-USDT") * Decimal("0.5"))
    fields = dict(instId="BTC-USDT", tdMode="cash", side="sell", ordType="conditional", sz="0.1",
                  slTriggerPx=low, slOrdPx="-1", algoClOrdId="same1")
    first = place_algo(emu, **fields)
    with pytest.raises(Rejected) as refused:
        place_algo(emu, **fields)
    assert refused.value.code == "51065"
    emu.algos.cancel(first, emu.now())
    again = place_algo(emu, **fields)
    assert emu.algos.find(state(emu), "", "same1") is again


def test_cancel_refuses_a_fired_or_canceled_algo():
    emu, _ = clocked_emulator()
    last = emu.price("LTC-USDT")
    algo = place_algo(emu, instId="LTC-USDT", tdMode="cash", side="buy", ordType="trigger", sz="1",
                      triggerPx=tick(last * Decimal("1.1"), "0.01"), orderPx="-1")
    emu.set_price("LTC-USDT", last * Decimal("1.2"))
    with pytest.raises(Rejected) as refused:
        emu.algos.cancel(algo, emu.now())
    assert refused.value.code == "51416"
    other = place_algo(emu, instId="LTC-USDT", tdMode="cash", side="buy", ordType="trigger", sz="1",
                       triggerPx=tick(last * Decimal("2"), "0.01"), orderPx="-1")
    emu.algos.cancel(other, emu.now())
    with pytest.raises(Rejected) as refused:
        emu.algos.cancel(other, emu.now())
    assert (refused.value.code, other.state) == ("51400", "canceled")


def test_a_child_the_balance_cannot_pay_for_leaves_the_algo_order_failed():
    emu, _ = clocked_emulator()
    last = emu.price(SWAP)
    algo = place_algo(emu, instId=SWAP, tdMode="cross", side="buy", ordType="trigger", sz="100000",
                      triggerPx=tick(last * Decimal("1.1")), orderPx="-1")  # nothing is frozen when placed
    emu.set_price(SWAP, last * Decimal("1.2"))
    assert (algo.state, algo.fail_code, algo.ord_id) == ("order_failed", "51008", "")


def test_close_fraction_closes_the_whole_position_sized_when_it_fires():
    emu, _ = clocked_emulator()
    fields = dict(instId=SWAP, tdMode="cross", side="sell", ordType="conditional", closeFraction="1",
                  reduceOnly=True, slOrdPx="-1", slTriggerPx=tick(emu.price(SWAP) * Decimal("0.9")))
    with pytest.raises(Rejected) as refused:
        place_algo(emu, **fields)
    assert refused.value.code == "51058"  # no position to close
    position = long_swap(emu, "4")
    with pytest.raises(Rejected) as refused:
        place_algo(emu, **{**fields, "reduceOnly": False})
    assert refused.value.code == "51328"
    algo = place_algo(emu, **fields)
    with pytest.raises(Rejected) as refused:
        place_algo(emu, **fields)
    assert refused.value.code == "51088"
    long_swap(emu, "3")
    emu.set_price(SWAP, emu.price(SWAP) * Decimal("0.8"))
    assert (algo.state, algo.actual_sz, position.pos) == ("effective", 7, 0)
    assert algo.to_okx()["sz"] == "" and algo.to_okx()["closeFraction"] == "1"


def test_a_price_that_crossed_and_came_back_between_two_looks_still_fires():
    emu, clock = clocked_emulator()
    inst = emu.instrument("ETH-USDT")
    now = emu.now()
    path = [(t, quote(emu.walk, inst, now + t).last) for t in range(1, 121)]
    peak_at, peak = max(path, key=lambda p: p[1])
    assert quote(emu.walk, inst, now + 120).last < peak
    algo = place_algo(emu, instId="ETH-USDT", tdMode="cash", side="buy", ordType="trigger", sz="0.5",
                      triggerPx=str(peak), orderPx="-1")
    clock.advance(120)  # no look in between
    emu.sync()
    assert algo.state == "effective" and algo.trigger_time == now + peak_at
    assert MAX_SCAN >= 120


def test_a_spot_market_buy_stop_is_sized_in_the_quote_currency_by_default():
    emu, _ = clocked_emulator()
    last = emu.price("ETH-USDT")
    algo = place_algo(emu, instId="ETH-USDT", tdMode="cash", side="buy", ordType="conditional", sz="300",
                      slTriggerPx=tick(last * Decimal("1.1"), "0.01"), slOrdPx="-1")
    assert algo.to_okx()["tgtCcy"] == "quote_ccy"  # "Default is quote_ccy for buy"
    emu.set_price("ETH-USDT", last * Decimal("1.2"))
    child = state(emu).orders[int(algo.ord_id)]
    assert child.state == "filled" and abs(child.notional_filled - 300) < 1  # 300 USDT's worth of ETH
