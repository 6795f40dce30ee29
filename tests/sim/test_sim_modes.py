"""okxsim's account modes: each mode's order rules, its config and balance, the switch."""

import pytest
from twisted.python import usage

from okxbridge.sim.account_api import balance, config
from okxbridge.sim.auth import SimAccount
from okxbridge.sim.errors import ApiRejection
from okxbridge.sim.matching import Rejected
from okxbridge.sim.modes import set_account_level
from okxbridge.sim.service import parse_account
from tests.sim.simsupport import clocked_emulator, place

MODES = {mode: SimAccount(f"k-{mode}", "s", "p", mode=mode) for mode in ("spot", "futures", "multi", "portfolio")}
SPOT_LIMIT = {"instId": "BTC-USDT", "side": "buy", "ordType": "limit", "px": "1000", "sz": "0.01"}
SWAP = {"instId": "BTC-USDT-SWAP", "side": "buy", "ordType": "market", "sz": "1"}


class Call:
    """The slice of a SimRequest the account handlers read."""

    def __init__(self, emu, account, params=None):
        self.emu, self.params, self.now = emu, params or {}, emu.now()
        self.state, self.api_key = emu.state(account.api_key), account.api_key
        self.instruments = emu.instruments()


def emulator():
    return clocked_emulator(accounts=list(MODES.values()))[0]


@pytest.mark.parametrize(("mode", "td_mode", "code"), [
    ("spot", "cash", None), ("futures", "cash", None), ("multi", "cash", "51000"), ("portfolio", "cash", "51000"),
    ("spot", "cross", "51000"), ("futures", "cross", "51000"), ("multi", "cross", None), ("portfolio", "cross", None),
    ("multi", "isolated", "50072"), ("portfolio", "isolated", "50072"),
])
def test_spot_td_mode_follows_the_account_mode(mode, td_mode, code):
    emu = emulator()
    if code is None:
        order = place(emu, MODES[mode], tdMode=td_mode, **SPOT_LIMIT)
        assert order.to_okx()["instType"] == ("SPOT" if td_mode == "cash" else "MARGIN")
    else:
        with pytest.raises(Rejected) as caught:
            place(emu, MODES[mode], tdMode=td_mode, **SPOT_LIMIT)
        assert caught.value.code == code


@pytest.mark.parametrize(("mode", "td_mode", "code"), [
    ("spot", "cross", "51010"), ("spot", "isolated", "51010"), ("futures", "cross", None),
    ("futures", "isolated", None), ("multi", "cross", None), ("multi", "isolated", "50072"),
    ("portfolio", "cross", None), ("portfolio", "isolated", "50072"),
])
def test_contracts_follow_the_account_mode(mode, td_mode, code):
    emu = emulator()
    if code is None:
        assert place(emu, MODES[mode], tdMode=td_mode, **SWAP).to_okx()["instType"] == "SWAP"
    else:
        with pytest.raises(Rejected) as caught:
            place(emu, MODES[mode], tdMode=td_mode, **SWAP)
        assert caught.value.code == code


def test_config_and_balance_show_the_mode():
    emu = emulator()
    for mode, level in (("spot", "1"), ("futures", "2"), ("multi", "3"), ("portfolio", "4")):
        call = Call(emu, MODES[mode])
        assert config(call)[0]["acctLv"] == level
        details = balance(call)[0]["details"]
        assert details and all((d["availEq"] == "") == (mode == "spot") for d in details)


def test_set_account_level_switches_and_refuses_with_open_orders():
    emu = emulator()
    account = MODES["futures"]
    assert set_account_level(Call(emu, account, {"acctLv": "3"})) == [{"acctLv": "3"}]
    assert config(Call(emu, account))[0]["acctLv"] == "3"
    place(emu, account, tdMode="cross", **SPOT_LIMIT)
    with pytest.raises(ApiRejection) as caught:
        set_account_level(Call(emu, account, {"acctLv": "2"}))
    assert caught.value.code == "59000"
    with pytest.raises(ApiRejection):
        set_account_level(Call(emu, account, {"acctLv": "5"}))


def test_account_option_takes_a_mode():
    assert parse_account("k:s:p").mode == "futures"
    assert parse_account("k:s:p:42:multi") == SimAccount("k", "s", "p", uid="42", mode="multi")
    assert parse_account("k:s:p::portfolio").account_id == "k"
    with pytest.raises(usage.UsageError):
        parse_account("k:s:p:42:margin")
