"""Every OKX account mode end to end: a daemon against okxsim accounts in Spot, Futures,
Multi-currency margin and Portfolio margin modes (spec okx-v5.md §9)."""

from decimal import Decimal as D

import pytest
import pytest_twisted

from okxbridge.sim.auth import SimAccount

MODES = ("spot", "futures", "multi", "portfolio")
ACCOUNTS = {mode: SimAccount(f"key-{mode}", f"secret-{mode}", f"pass-{mode}", mode=mode) for mode in MODES}
ORDER_PATH = "/api/v5/trade/order"


def creds(mode):
    account = ACCOUNTS[mode]
    return {"access_key": account.api_key, "secret_key": f"{account.secret},{account.passphrase}"}


async def start(bridge_and_sim):
    return await bridge_and_sim(accounts=list(ACCOUNTS.values()))


def placed(sim, mode):
    return [o for o in sim.orders() if o["apiKey"] == ACCOUNTS[mode].api_key]


@pytest.mark.parametrize("mode", MODES)
@pytest_twisted.ensureDeferred
async def test_spot_limit_market_cancel_and_reads_in_every_mode(bridge_and_sim, mode):
    bridge, sim = await start(bridge_and_sim)
    below = float(sim.price("BTC-USDT")) * 0.9
    limit = await bridge.call("trade", {"symbol": "BTC_USDT", "type": "buy", "price": below, "amount": 0.01},
                              **creds(mode))
    assert "data" in limit, limit
    td_mode = "cross" if mode in ("multi", "portfolio") else "cash"
    assert [o["tdMode"] for o in placed(sim, mode)] == [td_mode]
    listed = (await bridge.call("orders", {"symbol": "BTC_USDT"}, **creds(mode)))["data"]
    assert [o["id"] for o in listed] == [limit["data"]["id"]]
    assert (await bridge.call("order", {"id": limit["data"]["id"]}, **creds(mode)))["data"]["status"] == "pending"
    assert (await bridge.call("cancel", {"id": limit["data"]["id"]}, **creds(mode)))["data"] is True
    market = await bridge.call("trade", {"symbol": "BTC_USDT", "type": "buy", "price": -1, "amount": 100},
                               **creds(mode))
    assert "data" in market, market
    sent = placed(sim, mode)[-1]
    assert (sent["tgtCcy"], D(sent["sz"]), sent["state"]) == ("quote_ccy", 100, "filled")
    history = (await bridge.call("historyorders", {"symbol": "BTC_USDT"}, **creds(mode)))["data"]
    assert {o["id"] for o in history} == {limit["data"]["id"], market["data"]["id"]}
    assets = {a["currency"]: a for a in (await bridge.call("accounts", {}, **creds(mode)))["data"]}
    assert assets["BTC"]["free"] > 10  # the market buy's BTC is spendable in every mode


@pytest.mark.parametrize("mode", ["futures", "multi", "portfolio"])
@pytest_twisted.ensureDeferred
async def test_swap_open_and_close_where_the_mode_has_contracts(bridge_and_sim, mode):
    bridge, sim = await start(bridge_and_sim)
    opened = await bridge.call("trade", {"symbol": "BTC_USDT.swap", "type": "buy", "price": -1, "amount": 2},
                               **creds(mode))
    assert "data" in opened, opened
    held = (await bridge.call("positions", {"symbol": "BTC_USDT.swap"}, **creds(mode)))["data"]
    assert [(p["type"], p["amount"]) for p in held] == [("long", 2)]
    closed = await bridge.call("trade", {"symbol": "BTC_USDT.swap", "type": "closebuy", "price": -1, "amount": 2},
                               **creds(mode))
    assert "data" in closed, closed
    assert (await bridge.call("positions", {"symbol": "BTC_USDT.swap"}, **creds(mode)))["data"] == []
    close = placed(sim, mode)[-1]
    # docs place-order: reduceOnly is for Futures and Multi-currency margin modes only
    assert close["reduceOnly"] == ("false" if mode == "portfolio" else "true")
    assert [o["tdMode"] for o in placed(sim, mode)] == ["cross", "cross"]


@pytest_twisted.ensureDeferred
async def test_what_a_mode_cannot_do_is_refused_locally(bridge_and_sim):
    bridge, sim = await start(bridge_and_sim)
    swap = await bridge.call("trade", {"symbol": "BTC_USDT.swap", "type": "buy", "price": -1, "amount": 1},
                             **creds("spot"))
    assert "Spot mode" in swap["error"] and "switch it to Futures" in swap["error"]
    for method, params in (("positions", {}), ("setmarginlevel", {"symbol": "BTC_USDT.swap", "marginLevel": 5})):
        answer = await bridge.call(method, params, **creds("spot"))
        assert "Spot mode" in answer["error"], answer
    for mode, name in (("multi", "Multi-currency margin mode"), ("portfolio", "Portfolio margin mode")):
        isolated = await bridge.call("trade", {"symbol": "BTC_USDT.swap", "type": "buy", "price": -1, "amount": 1,
                                               "marginMode": "isolated"}, **creds(mode))
        assert name in isolated["error"] and "isolated" in isolated["error"], isolated
    assert sim.request_counts().get(ORDER_PATH, 0) == 0
    assert sim.orders() == []


@pytest.mark.parametrize(("before", "after", "symbol", "td_mode"), [
    ("2", "3", "BTC_USDT", "cross"),          # cash refused with 51000 → re-read → cross
    ("3", "2", "BTC_USDT", "cash"),           # cross refused with 51000 → cash
])
@pytest_twisted.ensureDeferred
async def test_a_mode_switched_on_the_exchange_costs_no_failed_call(bridge_and_sim, before, after, symbol, td_mode):
    bridge, sim = await start(bridge_and_sim)
    mode = {"2": "futures", "3": "multi"}[before]
    first = await bridge.call("trade", {"symbol": symbol, "type": "buy", "price": -1, "amount": 50}, **creds(mode))
    assert "data" in first, first
    switched = await bridge.call("_api/api/v5/account/set-account-level", {"acctLv": after},
                                 headers={"Http-Method": "POST"}, **creds(mode))
    assert switched["data"]["code"] == "0", switched
    sends = sim.request_counts()[ORDER_PATH]
    again = await bridge.call("trade", {"symbol": symbol, "type": "buy", "price": -1, "amount": 50}, **creds(mode))
    assert "data" in again, again
    assert [o["tdMode"] for o in placed(sim, mode)][1:] == [td_mode]  # placed once, in the new mode
    assert sim.request_counts()[ORDER_PATH] == sends + 2  # the refused one, then the placed one
    assert (await bridge.call("trade", {"symbol": symbol, "type": "buy", "price": -1, "amount": 50},
                              **creds(mode)))["data"]
    assert sim.request_counts()[ORDER_PATH] == sends + 3  # the mode is known now: one request


@pytest_twisted.ensureDeferred
async def test_contracts_after_a_switch_to_spot_mode_are_refused_with_the_reason(bridge_and_sim):
    bridge, sim = await start(bridge_and_sim)
    assert "data" in await bridge.call("trade", {"symbol": "BTC_USDT.swap", "type": "buy", "price": -1,
                                                 "amount": 1}, **creds("futures"))
    assert "data" in await bridge.call("trade", {"symbol": "BTC_USDT.swap", "type": "closebuy", "price": -1,
                                                 "amount": 1}, **creds("futures"))
    switched = await bridge.call("_api/api/v5/account/set-account-level", {"acctLv": "1"},
                                 headers={"Http-Method": "POST"}, **creds("futures"))
    assert switched["data"]["code"] == "0", switched
    refused = await bridge.call("trade", {"symbol": "BTC_USDT.swap", "type": "buy", "price": -1, "amount": 1},
                                **creds("futures"))
    assert "Spot mode" in refused["error"], refused  # OKX's 51010, then the mode read again
    assert len(placed(sim, "futures")) == 2


@pytest_twisted.ensureDeferred
async def test_isolated_after_a_switch_to_multi_currency_margin_is_refused_with_the_reason(bridge_and_sim):
    bridge, sim = await bridge_and_sim("--margin-mode", "isolated", accounts=list(ACCOUNTS.values()))
    for kind in ("buy", "closebuy"):
        answer = await bridge.call("trade", {"symbol": "BTC_USDT.swap", "type": kind, "price": -1, "amount": 1},
                                   **creds("futures"))
        assert "data" in answer, answer
    assert [o["tdMode"] for o in placed(sim, "futures")] == ["isolated", "isolated"]
    switched = await bridge.call("_api/api/v5/account/set-account-level", {"acctLv": "3"},
                                 headers={"Http-Method": "POST"}, **creds("futures"))
    assert switched["data"]["code"] == "0", switched
    sends = sim.request_counts()[ORDER_PATH]
    refused = await bridge.call("trade", {"symbol": "BTC_USDT.swap", "type": "buy", "price": -1, "amount": 1},
                                **creds("futures"))
    assert "Multi-currency margin mode" in refused["error"], refused  # OKX's 50072, then the mode read again
    assert sim.request_counts()[ORDER_PATH] == sends + 1 and len(placed(sim, "futures")) == 2
    cross = await bridge.call("trade", {"symbol": "BTC_USDT.swap", "type": "buy", "price": -1, "amount": 1,
                                        "marginMode": "cross"}, **creds("futures"))
    assert "data" in cross and placed(sim, "futures")[-1]["tdMode"] == "cross", cross
