"""Issue 14, trader-facing fidelity, end to end: the daemon against okxsim over real sockets.

Margin and position modes, contract units, symbol ranges, rounding, balances, the records
period unit, IO errors and array bodies, futures by expiry without OKX's ``alias``.
"""

from decimal import Decimal as D

import pytest
import pytest_twisted
from twisted.logger import globalLogPublisher

from okxbridge.sim.auth import DEFAULT_ACCOUNT, SimAccount

OTHER = SimAccount("okxsim-other-key", "other-secret", "other-pass")
OTHER_SECRET = "other-secret,other-pass"
POST = {"Http-Method": "POST"}


async def set_mode(bridge, mode, **kw):
    answer = await bridge.call("_api/api/v5/account/set-position-mode", {"posMode": mode}, headers=POST, **kw)
    assert answer["data"]["code"] == "0", answer


def held(sim, key="okxsim-demo-key"):
    """What okxsim holds for a key: (instId, mgnMode, posSide, pos) of each open position."""
    state = sim.state(key, False)
    return sorted((p.inst.inst_id, p.mgn_mode, p.pos_side, p.pos) for p in state.open_positions())


# -- finding 1: margin modes ------------------------------------------------------------

@pytest.mark.parametrize("mode", ["long_short_mode", "net_mode"])
@pytest_twisted.ensureDeferred
async def test_isolated_position_closes_with_closebuy(bridge_and_sim, mode):
    bridge, sim = await bridge_and_sim()
    await set_mode(bridge, mode)
    opened = await bridge.call("trade", {"symbol": "BTC_USDT.swap", "type": "buy", "price": -1, "amount": 2,
                                         "marginMode": "isolated"})
    assert "id" in opened["data"], opened
    assert sim.orders()[-1]["tdMode"] == "isolated"
    side = "long" if mode == "long_short_mode" else "net"
    assert held(sim) == [("BTC-USDT-SWAP", "isolated", side, D(2))]
    balance = await bridge.call("accounts", {})
    usdt = next(d for d in balance["raw"]["data"][0]["details"] if d["ccy"] == "USDT")
    assert D(usdt["isoEq"]) > 0  # okxsim books the isolated margin apart from cross
    # the docker cannot send marginMode: the close finds the isolated position by itself
    closed = await bridge.call("trade", {"symbol": "BTC_USDT.swap", "type": "closebuy", "price": -1, "amount": 2})
    assert "id" in closed["data"], closed
    sent = sim.orders()[-1]
    assert (sent["tdMode"], sent["side"], sent["state"]) == ("isolated", "sell", "filled")
    assert held(sim) == []
    assert (await bridge.call("order", {"id": closed["data"]["id"]}))["data"]["offset"] == "close"


@pytest_twisted.ensureDeferred
async def test_okxsim_refuses_a_close_in_the_wrong_margin_mode(bridge_and_sim):
    """What the bridge used to send: a cross close of an isolated position (OKX 51169)."""
    bridge, sim = await bridge_and_sim()
    await set_mode(bridge, "long_short_mode")
    await bridge.call("trade", {"symbol": "ETH_USDT.swap", "type": "buy", "price": -1, "amount": 1,
                                "marginMode": "isolated"})
    raw = await bridge.call("_api/api/v5/trade/order", {"instId": "ETH-USDT-SWAP", "tdMode": "cross", "side": "sell",
                                                       "posSide": "long", "ordType": "market", "sz": "1"}, headers=POST)
    assert raw["error"].startswith("OKX 51169: ") and raw["raw"]["data"][0]["sCode"] == "51169"
    # asking for the mode that holds nothing names the mode and what is held; nothing is sent
    before = len(sim.orders())
    refused = await bridge.call("trade", {"symbol": "ETH_USDT.swap", "type": "closebuy", "price": -1, "amount": 1,
                                          "marginMode": "cross"})
    assert refused["error"] == ("closebuy ETH-USDT-SWAP: no cross long position to close (long/short mode; "
                                "positions held: long 1 isolated); nothing was sent")
    assert len(sim.orders()) == before


@pytest_twisted.ensureDeferred
async def test_daemon_margin_mode_opens_isolated_and_leverage_follows(bridge_and_sim):
    bridge, sim = await bridge_and_sim("--margin-mode", "isolated")
    await set_mode(bridge, "long_short_mode")
    placed = await bridge.call("trade", {"symbol": "BTC_USDT.swap", "type": "sell", "price": -1, "amount": 1})
    assert "id" in placed["data"], placed
    assert held(sim) == [("BTC-USDT-SWAP", "isolated", "short", D(1))]
    assert (await bridge.call("setmarginlevel", {"symbol": "BTC_USDT.swap", "marginLevel": 4}))["data"] is True
    state = sim.state("okxsim-demo-key", False)
    assert state.lever("BTC-USDT-SWAP", "isolated", "short") == 4
    assert state.lever("BTC-USDT-SWAP", "cross", "") != 4
    position = (await bridge.call("positions", {"symbol": "BTC_USDT.swap"}))["data"][0]
    assert (position["margin_mode"], position["margin_level"]) == ("isolated", 4)
    # the call's own marginMode still wins
    await bridge.call("trade", {"symbol": "BTC_USDT.swap", "type": "sell", "price": -1, "amount": 1,
                                "marginMode": "cross"})
    assert held(sim) == [("BTC-USDT-SWAP", "cross", "short", D(1)), ("BTC-USDT-SWAP", "isolated", "short", D(1))]


@pytest_twisted.ensureDeferred
async def test_per_key_default_margin_mode(bridge_and_sim, tmp_path):
    config = tmp_path / "okxbridge.ini"
    config.write_text("[okxbridge]\nmargin-mode = cross\n\n[key okxsim-other-key]\nmargin-mode = isolated\n")
    bridge, sim = await bridge_and_sim("--config", str(config), accounts=[DEFAULT_ACCOUNT, OTHER])
    order = {"symbol": "ETH_USDT.swap", "type": "buy", "price": -1, "amount": 1}
    assert "id" in (await bridge.call("trade", order))["data"]
    assert "id" in (await bridge.call("trade", order, access_key=OTHER.api_key, secret_key=OTHER_SECRET))["data"]
    assert held(sim) == [("ETH-USDT-SWAP", "cross", "net", D(1))]
    assert held(sim, OTHER.api_key) == [("ETH-USDT-SWAP", "isolated", "net", D(1))]


# -- finding 2: net mode ---------------------------------------------------------------

@pytest_twisted.ensureDeferred
async def test_net_mode_reports_what_each_order_does(bridge_and_sim):
    seen = []
    observer = seen.append
    globalLogPublisher.addObserver(observer)
    try:
        bridge, sim = await bridge_and_sim()
        await set_mode(bridge, "net_mode")
        swap = "ETH_USDT.swap"
        buy = await bridge.call("trade", {"symbol": swap, "type": "buy", "price": -1, "amount": 3})
        sell = await bridge.call("trade", {"symbol": swap, "type": "sell", "price": -1, "amount": 2})
        assert sim.orders()[-1]["reduceOnly"] == "true"  # inside the long: a reduce-only close
        assert held(sim) == [("ETH-USDT-SWAP", "cross", "net", D(1))]
        flip = await bridge.call("trade", {"symbol": swap, "type": "sell", "price": -1, "amount": 3})
        assert sim.orders()[-1]["reduceOnly"] == "false"  # bigger than the long: it flips to short
        assert held(sim) == [("ETH-USDT-SWAP", "cross", "net", D(-2))]
        close = await bridge.call("trade", {"symbol": swap, "type": "closesell", "price": -1, "amount": 2})
        assert sim.orders()[-1]["reduceOnly"] == "true" and held(sim) == []
        offsets = [(await bridge.call("order", {"id": a["data"]["id"]}))["data"]["offset"]
                   for a in (buy, sell, flip, close)]
        assert offsets == ["open", "close", "open", "close"]
        before = len(sim.orders())
        nothing = await bridge.call("trade", {"symbol": swap, "type": "closebuy", "price": -1, "amount": 1})
        assert nothing["error"] == ("closebuy ETH-USDT-SWAP: no long position to close (net mode; "
                                    "positions held: none); nothing was sent")
        assert len(sim.orders()) == before
    finally:
        globalLogPublisher.removeObserver(observer)
    notes = [e for e in seen if "is in net mode" in e.get("log_format", "")]
    assert len(notes) == 1 and "okxsim-demo-secret" not in repr(notes[0])


# -- finding 3: contract units -----------------------------------------------------------

@pytest_twisted.ensureDeferred
async def test_contract_volume_counts_contracts(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    swap = await bridge.call("ticker", {"symbol": "BTC_USDT.swap"})
    raw = swap["raw"]["data"][0]
    assert swap["data"]["vol"] == float(raw["vol24h"]) and swap["data"]["vol_ccy"] == float(raw["volCcy24h"])
    spot = await bridge.call("ticker", {"symbol": "BTC_USDT"})
    assert spot["data"]["vol"] == float(spot["raw"]["data"][0]["vol24h"])
    records = await bridge.call("records", {"symbol": "BTC_USDT.swap", "period": 60, "limit": 5})
    raw_rows = {int(r[0]) // 1000: r for page in records["raw"] for r in page["data"]}
    assert [row[5] for row in records["data"]] == [float(raw_rows[row[0]][5]) for row in records["data"]]


# -- finding 4: ranges ---------------------------------------------------------------------

@pytest_twisted.ensureDeferred
async def test_orders_and_fundings_accept_ranges(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    low = {"type": "buy", "price": 1000, "amount": 1}
    for symbol in ("BTC_USDT.swap", "BTC_USD.swap", "BTC_USDT", "BTC_USDT.quarter"):
        assert "id" in (await bridge.call("trade", {"symbol": symbol, **low}))["data"]
    usdt_swaps = (await bridge.call("orders", {"symbol": "USDT.swap"}))["data"]
    assert [o["symbol"] for o in usdt_swaps] == ["BTC_USDT.swap"]
    assert [o["symbol"] for o in (await bridge.call("orders", {"symbol": "USD.swap"}))["data"]] == ["BTC_USD.swap"]
    assert ([o["symbol"] for o in (await bridge.call("orders", {"symbol": "USDT.futures"}))["data"]]
            == ["BTC_USDT.quarter"])
    fundings = await bridge.call("fundings", {})
    assert {f["symbol"] for f in fundings["data"]} == {"BTC_USDT.swap", "ETH_USDT.swap", "BTC_USD.swap"}
    assert sim.request_counts()["/api/v5/public/funding-rate"] == 1  # one instId=ANY request
    # issue 26 item 6: dated futures pay no funding — FMZ answers an empty list, not an error
    assert (await bridge.call("fundings", {"symbol": "USDT.futures"}))["data"] == []
    assert sim.request_counts()["/api/v5/public/funding-rate"] == 1  # nothing asked of OKX for it


# -- finding 5: rounding -------------------------------------------------------------------

@pytest_twisted.ensureDeferred
async def test_market_buy_cost_truncated_to_tick(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    placed = await bridge.call("trade", {"symbol": "BTC_USDT", "type": "buy", "price": -1, "amount": 123.456789123})
    assert "id" in placed["data"], placed
    sent = sim.orders()[-1]
    assert (sent["sz"], sent["tgtCcy"]) == ("123.4", "quote_ccy")  # BTC-USDT's tickSz is 0.1


# -- finding 6: balances -------------------------------------------------------------------

@pytest_twisted.ensureDeferred
async def test_balance_free_is_available_equity(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    await bridge.call("trade", {"symbol": "BTC_USDT.swap", "type": "buy", "price": 1000, "amount": 5})
    answer = await bridge.call("accounts", {})
    usdt = next(r for r in answer["data"] if r["currency"] == "USDT")
    detail = next(d for d in answer["raw"]["data"][0]["details"] if d["ccy"] == "USDT")
    assert D(str(usdt["free"])) == D(detail["availEq"])
    assert D(str(usdt["frozen"])) == D(detail["eq"]) - D(detail["availEq"]) > 0


# -- finding 7: records period unit -----------------------------------------------------

@pytest_twisted.ensureDeferred
async def test_records_period_in_minutes(bridge_and_sim):
    bridge, sim = await bridge_and_sim("--records-period-unit", "minutes")
    rows = (await bridge.call("records", {"symbol": "BTC_USDT", "period": 60, "limit": 3}))["data"]
    # neighbouring rows: rows[1:] is one shorter, so the lengths differ by design
    assert [b[0] - a[0] for a, b in zip(rows, rows[1:], strict=False)] == [3600, 3600]
    refused = await bridge.call("records", {"symbol": "BTC_USDT", "period": 86400})
    assert "--records-period-unit seconds" in refused["error"]


@pytest_twisted.ensureDeferred
async def test_records_period_in_seconds_names_the_option(bridge_and_sim):
    bridge, sim = await bridge_and_sim("--records-period-unit", "seconds")
    refused = await bridge.call("records", {"symbol": "BTC_USDT", "period": 1440})
    assert "--records-period-unit minutes" in refused["error"]


# -- finding 8: IO ------------------------------------------------------------------------

@pytest_twisted.ensureDeferred
async def test_io_array_bodies_and_errors(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    batch = [{"instId": "LTC-USDT", "tdMode": "cash", "side": "buy", "ordType": "limit", "px": "10", "sz": "1"},
             {"instId": "LTC-USDT", "tdMode": "cash", "side": "buy", "ordType": "limit", "px": "11", "sz": "1"}]
    placed = await bridge.call("_api/api/v5/trade/batch-orders", batch, headers=POST)
    assert [i["sCode"] for i in placed["data"]["data"]] == ["0", "0"], placed
    ids = [{"instId": "LTC-USDT", "ordId": i["ordId"]} for i in placed["data"]["data"]]
    canceled = await bridge.call("_api/api/v5/trade/cancel-batch-orders", ids, headers=POST)
    assert [i["sCode"] for i in canceled["data"]["data"]] == ["0", "0"]
    again = await bridge.call("_api/api/v5/trade/cancel-batch-orders", ids, headers=POST)
    assert (again["error"].startswith("OKX 51400: ")
            and again["error"].endswith("(POST /api/v5/trade/cancel-batch-orders)"))
    assert again["raw"]["code"] == "1" and len(again["raw"]["data"]) == 2
    unknown = await bridge.call("_api/api/v5/trade/no-such-endpoint", {})
    assert unknown["error"] == "OKX 404: Not Found (GET /api/v5/trade/no-such-endpoint)", unknown
    not_io = await bridge.call("ticker", [1, 2])
    assert "must be an object" in not_io["error"]


# -- finding 9: futures by expiry ----------------------------------------------------------

@pytest_twisted.ensureDeferred
async def test_futures_by_horizon_without_okx_alias(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    listed = await bridge.call("_api/api/v5/public/instruments", {"instType": "FUTURES"})
    assert {i["alias"] for i in listed["data"]["data"]} == {""}  # okxsim, like OKX after April 2026
    markets = (await bridge.call("markets"))["data"]
    by_horizon = {i.alias: i.inst_id for i in sim.instruments().values() if i.alias}
    for horizon in ("this_week", "next_week", "quarter", "next_quarter"):
        assert markets[f"BTC_USDT.{horizon}"]["instId"] == by_horizon[horizon]
    placed = await bridge.call("trade", {"symbol": "BTC_USDT.next_quarter", "type": "buy", "price": 1000, "amount": 1})
    assert placed["data"]["id"].startswith(by_horizon["next_quarter"] + ",")
    pending = (await bridge.call("orders", {}))["data"]
    assert [o["symbol"] for o in pending] == ["BTC_USDT.next_quarter"]


# -- options ---------------------------------------------------------------------------------

def test_margin_mode_options_and_key_sections(tmp_path):
    from twisted.python.usage import UsageError

    from okxbridge.options import Options

    config = tmp_path / "okxbridge.ini"
    config.write_text("[okxbridge]\nmargin_mode = isolated\nrecords_period_unit = minutes\n\n"
                      "[key k1]\nmargin-mode = cross\n\n[key k2]\nmargin_mode = ISOLATED\n")
    options = Options()
    options.parseOptions(["--config", str(config), "--key-margin-mode", "k2=cross"])
    assert (options["margin-mode"], options["records-period-unit"]) == ("isolated", "minutes")
    assert options.key_margin_modes == {"k1": "cross", "k2": "cross"}  # the command line wins
    for bad in (["--margin-mode", "hedge"], ["--key-margin-mode", "k1"], ["--records-period-unit", "hours"]):
        with pytest.raises(UsageError):
            Options().parseOptions(bad)
    config.write_text("[okxbridge]\n[key k1]\nleverage = 5\n")
    with pytest.raises(UsageError, match="margin-mode"):
        Options().parseOptions(["--config", str(config)])


# -- issue 26 item 1: minutes by default ---------------------------------------------------

@pytest_twisted.ensureDeferred
async def test_records_period_is_minutes_by_default(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    hourly = (await bridge.call("records", {"symbol": "BTC_USDT", "period": "60", "limit": 3}))["data"]
    assert [b[0] - a[0] for a, b in zip(hourly, hourly[1:], strict=False)] == [3600, 3600]
    minutes = (await bridge.call("records", {"symbol": "BTC_USDT", "period": "1", "limit": 3}))["data"]
    assert [b[0] - a[0] for a, b in zip(minutes, minutes[1:], strict=False)] == [60, 60]
    monthly = await bridge.call("records", {"symbol": "BTC_USDT", "period": 43200, "limit": 2})
    assert monthly["raw"][0]["data"] and "error" not in monthly
    refused = await bridge.call("records", {"symbol": "BTC_USDT", "period": 7})
    assert refused["error"].startswith("unsupported period 7min; supported periods (minutes): 1, 3, 5, 15, 30, 60")


@pytest_twisted.ensureDeferred
async def test_records_period_in_seconds_when_asked(bridge_and_sim):
    bridge, sim = await bridge_and_sim("--records-period-unit", "seconds")
    rows = (await bridge.call("records", {"symbol": "BTC_USDT", "period": "60", "limit": 3}))["data"]
    assert [b[0] - a[0] for a, b in zip(rows, rows[1:], strict=False)] == [60, 60]
    seconds = (await bridge.call("records", {"symbol": "BTC_USDT", "period": "1", "limit": 3}))["data"]
    assert [b[0] - a[0] for a, b in zip(seconds, seconds[1:], strict=False)] == [1, 1]


# -- issue 26 item 6: soft answers and FMZ's Market -------------------------------------------

@pytest_twisted.ensureDeferred
async def test_limits_above_okx_maximum_answer_okx_maximum(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    depth = await bridge.call("depth", {"symbol": "BTC_USDT", "limit": 1000})
    assert "error" not in depth and len(depth["data"]["asks"]) <= 400
    assert len(depth["data"]["asks"]) == len(depth["raw"]["data"][0]["asks"])
    trades = await bridge.call("trades", {"symbol": "BTC_USDT", "limit": 2000})
    assert "error" not in trades and 0 < len(trades["data"]) <= 500


@pytest_twisted.ensureDeferred
async def test_fundings_on_a_dated_future_answer_an_empty_list(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    assert (await bridge.call("fundings", {"symbol": "BTC_USDT.quarter"})) == {"data": []}
    assert "perpetual swaps" in (await bridge.call("fundings", {"symbol": "BTC_USDT"}))["error"]


@pytest_twisted.ensureDeferred
async def test_markets_rows_name_okx_instruments_and_raw_carries_okx_rows(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    answer = await bridge.call("markets")
    assert answer["data"]["BTC_USDT"]["symbol"] == "BTC-USDT"
    assert answer["data"]["BTC_USDT.swap"]["symbol"] == "BTC-USDT-SWAP"
    quarter = answer["data"]["BTC_USDT.quarter"]
    assert quarter["symbol"] == quarter["instId"] and quarter["symbol"].startswith("BTC-USDT-")
    listed = {row["instId"] for raw in answer["raw"] for row in raw["data"]}
    assert listed == {m["symbol"] for m in answer["data"].values()}
