"""Fills and bills: what each fill leaves behind, OKX's windows and paging, on a task.Clock."""

from decimal import Decimal

import pytest

from okxbridge.sim.api import SimRequest
from okxbridge.sim.errors import ApiRejection
from okxbridge.sim.history_api import bills, bills_archive, fills, fills_history
from okxbridge.sim.instruments import catalogue
from okxbridge.sim.params import order_request
from tests.sim.simsupport import clocked_emulator


def request(emu, state, **params):
    now = emu.now()
    return SimRequest(emu=emu, params=params, body=None, state=state, now=now, instruments=catalogue(now))


def trade(emu, state, **body):
    now = emu.now()
    return emu.engine.place(state, order_request(body), catalogue(now), now)


def test_a_spot_buy_leaves_one_fill_and_a_bill_per_currency():
    emu, clock = clocked_emulator()
    state = emu.state("okxsim-demo-key", False)
    usdt_before = state.ledger.cash["USDT"]
    order = trade(emu, state, instId="ETH-USDT", tdMode="cash", side="buy", ordType="market", sz="100")
    (fill,) = fills(request(emu, state))
    assert (fill["ordId"], fill["side"], fill["execType"], fill["feeCcy"]) == (str(order.ord_id), "buy", "T", "ETH")
    assert Decimal(fill["fee"]) < 0 and Decimal(fill["fillSz"]) == order.acc_fill_sz
    rows = {b["ccy"]: b for b in bills(request(emu, state))}
    assert Decimal(rows["USDT"]["balChg"]) == state.ledger.cash["USDT"] - usdt_before
    assert Decimal(rows["USDT"]["bal"]) == state.ledger.cash["USDT"]
    assert Decimal(rows["ETH"]["balChg"]) == Decimal(fill["fillSz"]) + Decimal(fill["fee"])
    assert {b["type"] for b in rows.values()} == {"2"} and {b["subType"] for b in rows.values()} == {"1"}


def test_contract_bills_say_open_and_close():
    emu, clock = clocked_emulator()
    state = emu.state("okxsim-demo-key", False)
    trade(emu, state, instId="BTC-USDT-SWAP", tdMode="isolated", side="buy", ordType="market", sz="2")
    clock.advance(1)
    trade(emu, state, instId="BTC-USDT-SWAP", tdMode="isolated", side="sell", ordType="market", sz="2", reduceOnly=True)
    newest, oldest = bills(request(emu, state, instType="SWAP"))
    assert (oldest["subType"], newest["subType"]) == ("3", "5")  # open long, close long
    assert newest["mgnMode"] == "isolated" and Decimal(newest["pnl"]) != 0
    assert [b["billId"] for b in bills(request(emu, state, after=newest["billId"]))] == [oldest["billId"]]


def test_windows_and_required_fields():
    emu, clock = clocked_emulator()
    state = emu.state("okxsim-demo-key", False)
    trade(emu, state, instId="LTC-USDT", tdMode="cash", side="buy", ordType="market", sz="10")
    with pytest.raises(ApiRejection) as missing:
        fills_history(request(emu, state))
    assert missing.value.code == "50014"
    clock.advance(4 * 86400)  # past the 3 days of /trade/fills, inside fills-history's 3 months
    assert fills(request(emu, state)) == []
    assert len(fills_history(request(emu, state, instType="SPOT"))) == 1
    clock.advance(4 * 86400)  # past the 7 days of /account/bills
    assert bills(request(emu, state)) == [] and len(bills_archive(request(emu, state))) == 2
