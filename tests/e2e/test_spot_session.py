"""A strategy's spot session, end to end: the daemon over real sockets against the emulator."""

from decimal import Decimal as D

import pytest_twisted

from tests.e2e.daemons import DEMO


def close_to(a, b):
    return abs(D(str(a)) - D(str(b))) <= D("1e-9")


@pytest_twisted.ensureDeferred
async def test_scripted_spot_session(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    ticker = (await bridge.call("ticker", {"symbol": "BTC_USDT"}))["data"]
    assert ticker["symbol"] == "BTC_USDT" and 0 < ticker["buy"] < ticker["sell"]
    depth = (await bridge.call("depth", {"symbol": "BTC_USDT", "limit": 5}))["data"]
    assert len(depth["asks"]) == 5 and len(depth["bids"]) == 5
    assert [a[0] for a in depth["asks"]] == sorted(a[0] for a in depth["asks"])
    assert [b[0] for b in depth["bids"]] == sorted((b[0] for b in depth["bids"]), reverse=True)
    assert all(isinstance(x, (int, float)) for level in depth["asks"] for x in level)

    before = {a["currency"]: a for a in (await bridge.call("accounts"))["data"]}
    # a passive buy: 2% under the bid, with a price off the 0.1 tick and an amount off the lot
    price = D(str(ticker["buy"])) * D("0.98") + D("0.037")
    placed = await bridge.call("trade", {"symbol": "BTC_USDT", "type": "buy", "price": str(price),
                                         "amount": "0.0100000042"})
    order_id = placed["data"]["id"]
    assert order_id.startswith("BTC-USDT,")
    sent = [o for o in sim.orders() if o["instId"] == "BTC-USDT"][-1]
    rounded = (price / D("0.1")).to_integral_value(rounding="ROUND_FLOOR") * D("0.1")
    assert D(sent["px"]) == rounded and D(sent["sz"]) == D("0.01")

    open_orders = (await bridge.call("orders", {"symbol": "BTC_USDT"}))["data"]
    assert [o["id"] for o in open_orders] == [order_id]
    assert open_orders[0]["status"] == "pending" and open_orders[0]["type"] == "buy"
    frozen = {a["currency"]: a for a in (await bridge.call("accounts"))["data"]}["USDT"]
    assert close_to(frozen["frozen"], rounded * D("0.01"))

    sim.set_price("BTC-USDT", rounded - 50)  # the market falls through the order
    filled = (await bridge.call("order", {"id": order_id}))["data"]
    assert filled["status"] == "filled" and close_to(filled["deal_amount"], "0.01")
    assert close_to(filled["avg_price"], rounded)
    history = (await bridge.call("historyorders", {"symbol": "BTC_USDT", "since": 0, "limit": 10}))["data"]
    assert history[0]["id"] == order_id and history[0]["status"] == "filled"
    assert (await bridge.call("orders", {"symbol": "BTC_USDT"}))["data"] == []

    after = {a["currency"]: a for a in (await bridge.call("accounts"))["data"]}
    fee = abs(D(sim.orders()[-1]["fee"]))  # maker fee, paid in BTC on a spot buy
    assert close_to(D(str(after["USDT"]["free"])), D(str(before["USDT"]["free"])) - rounded * D("0.01"))
    assert close_to(D(str(after["BTC"]["free"])), D(str(before["BTC"]["free"])) + D("0.01") - fee)


@pytest_twisted.ensureDeferred
async def test_market_buy_spends_quote_and_sell_uses_base(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    buy = await bridge.call("trade", {"symbol": "ETH_USDT", "type": "buy", "price": -1, "amount": 100})
    sent = sim.orders()[-1]
    assert sent["ordType"] == "market" and sent["tgtCcy"] == "quote_ccy" and D(sent["sz"]) == 100
    order = (await bridge.call("order", {"id": buy["data"]["id"]}))["data"]
    assert order["status"] == "filled" and order["deal_amount"] > 0
    await bridge.call("trade", {"symbol": "ETH_USDT", "type": "sell", "amount": "0.01"})
    assert sim.orders()[-1]["side"] == "sell" and D(sim.orders()[-1]["sz"]) == D("0.01")


@pytest_twisted.ensureDeferred
async def test_order_errors_name_the_reason(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    small = await bridge.call("trade", {"symbol": "BTC_USDT", "type": "buy", "price": 1000, "amount": "0.000001"})
    assert "minimum order size 0.00001" in small["error"] and "nothing was sent" in small["error"]
    assert sim.orders() == []
    poor = await bridge.call("trade", {"symbol": "BTC_USDT", "type": "buy", "price": 1000, "amount": 100000})
    assert poor["error"].startswith("OKX 51008")
    nope = await bridge.call("trade", {"symbol": "NOPE_USDT", "type": "buy", "price": 1, "amount": 1})
    assert nope["error"] == "symbol NOPE_USDT is not listed on OKX"
    bad = await bridge.call("trade", {"symbol": "BTC_USDT", "type": "closebuy", "price": 1, "amount": 1})
    assert "closes a contract position" in bad["error"]


@pytest_twisted.ensureDeferred
async def test_same_nonce_places_once(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    params = {"symbol": "LTC_USDT", "type": "buy", "price": 10, "amount": 1}
    first = await bridge.call("trade", params, nonce=1730275031047002000)
    again = await bridge.call("trade", params, nonce=1730275031047002000)
    assert first["data"]["id"] == again["data"]["id"]
    assert len([o for o in sim.orders() if o["clOrdId"] == "fmz1730275031047002000"]) == 1


@pytest_twisted.ensureDeferred
async def test_cancel_then_cancel_again_says_why(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    placed = await bridge.call("trade", {"symbol": "LTC_USDT", "type": "buy", "price": 10, "amount": 1})
    oid = placed["data"]["id"]
    assert (await bridge.call("cancel", {"id": oid}))["data"] is True
    again = await bridge.call("cancel", {"id": oid})
    assert again["error"].startswith("OKX 514") and f"order {oid} is already canceled" in again["error"]
    missing = await bridge.call("cancel", {"id": "LTC-USDT,123"})
    assert "order LTC-USDT,123 was not found" in missing["error"]
    order = (await bridge.call("order", {"id": oid.split(",")[1], "symbol": "LTC_USDT"}))["data"]
    assert order["status"] == "canceled"


@pytest_twisted.ensureDeferred
async def test_open_orders_span_pages(bridge_and_sim):
    bridge, sim = await bridge_and_sim("--timeout", "30", rate_limits=False)
    ids = set()
    for i in range(130):
        placed = await bridge.call("trade", {"symbol": "LTC_USDT", "type": "buy", "price": 10 + i * 0.01,
                                             "amount": 0.01})
        ids.add(placed["data"]["id"])
    answer = await bridge.call("orders", {"symbol": "LTC_USDT"})
    assert {o["id"] for o in answer["data"]} == ids and len(answer["raw"]) == 2
    everything = await bridge.call("orders", {})
    assert {o["id"] for o in everything["data"]} == ids


@pytest_twisted.ensureDeferred
async def test_records_page_into_history(bridge_and_sim):
    bridge, sim = await bridge_and_sim("--records-period-unit", "seconds")
    rows = (await bridge.call("records", {"symbol": "BTC_USDT", "period": 60, "limit": 500}))["data"]
    assert len(rows) == 500
    times = [r[0] for r in rows]
    assert times == sorted(times) and len(set(times)) == 500
    assert all(b - a == 60 for a, b in zip(times, times[1:], strict=False))  # neighbours: times[1:] is one shorter
    assert all(r[3] <= min(r[1], r[4]) and r[2] >= max(r[1], r[4]) for r in rows)
    hourly = (await bridge.call("records", {"symbol": "BTC_USDT", "period": "3600", "limit": 3}))["data"]
    assert len(hourly) == 3 and hourly[1][0] - hourly[0][0] == 3600
    bad = await bridge.call("records", {"symbol": "BTC_USDT", "period": 61})
    assert bad["error"].startswith("unsupported period 61s; supported periods (seconds): 1, 60, 180")


@pytest_twisted.ensureDeferred
async def test_markets_tickers_assets_trades(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    markets = (await bridge.call("markets"))["data"]
    btc = markets["BTC_USDT"]
    assert (btc["tickSize"], btc["amountSize"], btc["minQty"], btc["pricePrecision"],
            btc["amountPrecision"]) == (0.1, 1e-08, 1e-05, 1, 8)
    assert markets["BTC_USDT.swap"]["ctVal"] == 0.01 and markets["BTC_USD.swap"]["ctVal"] == 100
    assert {"BTC_USDT.this_week", "BTC_USDT.next_week", "BTC_USDT.quarter"} <= set(markets)
    tickers = (await bridge.call("tickers"))["data"]
    assert {"BTC_USDT", "ETH_USDT", "BTC_USDT.swap", "BTC_USDT.quarter"} <= {t["symbol"] for t in tickers}
    assets = {a["currency"]: a for a in (await bridge.call("assets"))["data"]}
    accounts = {a["currency"]: a for a in (await bridge.call("accounts"))["data"]}
    assert assets["USDT"]["free"] > accounts["USDT"]["free"]  # the funding account adds to it
    trades = (await bridge.call("trades", {"symbol": "ETH_USDT"}))["data"]
    assert trades and trades[0]["time"] <= trades[-1]["time"] and trades[0]["type"] in ("buy", "sell")


@pytest_twisted.ensureDeferred
async def test_io_raw_calls_and_refused_paths(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    config = await bridge.call("_api/api/v5/account/config", {})
    assert config["data"]["code"] == "0" and config["data"]["data"][0]["posMode"] in ("net_mode", "long_short_mode")
    tick = await bridge.call("__api_//api/v5/market/ticker", {"instId": "ETH-USDT"})
    assert tick["data"]["data"][0]["instId"] == "ETH-USDT"
    posted = await bridge.call("_api/api/v5/trade/order", {"instId": "LTC-USDT", "tdMode": "cash", "side": "buy",
                                                          "ordType": "limit", "px": "10", "sz": "1"},
                               headers={"Http-Method": "POST"})
    assert posted["data"]["data"][0]["sCode"] == "0"
    failed = await bridge.call("_api/api/v5/market/ticker", {"instId": "NOPE-USDT"})
    # issue 14: an OKX error is an error (FMZ's sample plugin), OKX's own answer kept in raw
    assert failed["error"] == "OKX 51001: Instrument ID does not exist (GET /api/v5/market/ticker)"
    assert failed["raw"]["code"] == "51001" and "data" not in failed
    for path in ("_api/https://evil.example/api/v5/x", "_api/api/v5/../../admin", "_api/api/v4/x",
                 "_api//api/v5/a?b=c"):
        refused = await bridge.call(path, {})
        assert refused["error"].startswith("IO path") and "refused" in refused["error"]


@pytest_twisted.ensureDeferred
async def test_io_post_with_numbers_in_the_body(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    answer = await bridge.call("_api/api/v5/account/set-leverage",
                               {"instId": "BTC-USDT-SWAP", "lever": 5, "mgnMode": "cross"},
                               headers={"Http-Method": "POST"})
    assert answer["data"]["code"] == "0", answer


@pytest_twisted.ensureDeferred
async def test_history_reaches_into_the_archive_after_seven_days(bridge_and_sim):
    bridge, sim = await bridge_and_sim("--history-order", "newest-first")
    old = [(await bridge.call("trade", {"symbol": "ETH_USDT", "type": "buy", "price": -1, "amount": 20}))["data"]["id"]
           for _ in range(2)]
    sim.clock_offset = 8 * 86400  # eight days on: the bridge's signatures are now stale, it must resync
    recent = (await bridge.call("trade", {"symbol": "ETH_USDT", "type": "buy", "price": -1,
                                          "amount": 20}))["data"]["id"]
    everything = (await bridge.call("historyorders", {"symbol": "ETH_USDT", "since": 0, "limit": 10}))["data"]
    assert [o["id"] for o in everything] == [recent, *reversed(old)]
    assert sim.request_counts().get("/api/v5/trade/orders-history-archive", 0) >= 1
    okx_now_ms = int(sim.now() * 1000)
    last_day = (await bridge.call("historyorders", {"symbol": "ETH_USDT", "since": okx_now_ms - 86_400_000}))["data"]
    assert [o["id"] for o in last_day] == [recent]
    two = (await bridge.call("historyorders", {"symbol": "ETH_USDT", "since": 0, "limit": 2}))["data"]
    assert [o["id"] for o in two] == [recent, old[1]]


@pytest_twisted.ensureDeferred
async def test_simulate_key_trades_on_the_demo_book(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    placed = await bridge.call("trade", {"symbol": "LTC_USDT", "type": "buy", "price": 10, "amount": 1}, **DEMO)
    assert [o["demo"] for o in sim.orders()] == [True]
    assert [o["id"] for o in (await bridge.call("orders", {}, **DEMO))["data"]] == [placed["data"]["id"]]
    assert (await bridge.call("orders", {}))["data"] == []  # the live book is another account state
    demo_usdt = {a["currency"]: a for a in (await bridge.call("accounts", {}, **DEMO))["data"]}["USDT"]
    live_usdt = {a["currency"]: a for a in (await bridge.call("accounts"))["data"]}["USDT"]
    assert demo_usdt["frozen"] == 10 and live_usdt["frozen"] == 0
    # the live key with ,simulate (or the demo key without) is refused as OKX refuses it: 50101
    wrong = await bridge.call("accounts", {}, secret_key="okxsim-demo-secret,okxsim-demo-pass,simulate")
    assert "50101" in wrong["error"], wrong
    wrong = await bridge.call("accounts", {}, access_key=DEMO["access_key"],
                              secret_key=DEMO["secret_key"].removesuffix(",simulate"))
    assert "50101" in wrong["error"], wrong


@pytest_twisted.ensureDeferred
async def test_input_mistakes_are_named(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    zero = await bridge.call("trade", {"symbol": "BTC_USDT", "type": "buy", "price": 0, "amount": 1})
    assert "give a positive price, or -1 for a market order" in zero["error"]
    margin = await bridge.call("trade", {"symbol": "BTC_USDT", "type": "buy", "price": 1, "amount": 1,
                                         "marginMode": "cross"})
    assert "spot margin trading is not supported" in margin["error"]
    lever = await bridge.call("setmarginlevel", {"symbol": "BTC_USDT.swap", "marginLevel": 0})
    assert lever["error"] == "marginLevel must be positive, got 0"
    assert sim.orders() == []


@pytest_twisted.ensureDeferred
async def test_history_since_answers_the_first_orders_at_or_after_it_oldest_first(bridge_and_sim):
    # issue 26 item 2: FMZ's GetHistoryOrders proceeds from since toward now
    bridge, sim = await bridge_and_sim()

    async def market_buys(n):
        return [(await bridge.call("trade", {"symbol": "ETH_USDT", "type": "buy", "price": -1,
                                             "amount": 20}))["data"]["id"] for _ in range(n)]

    first_batch = await market_buys(3)
    sim.clock_offset = 3600
    since = int(sim.now() * 1000)
    second_batch = await market_buys(4)
    sim.clock_offset = 7200
    third_batch = await market_buys(2)
    two = (await bridge.call("historyorders", {"symbol": "ETH_USDT", "since": since, "limit": 2}))["data"]
    assert [o["id"] for o in two] == second_batch[:2]
    rest = (await bridge.call("historyorders", {"symbol": "ETH_USDT", "since": since, "limit": 10}))["data"]
    assert [o["id"] for o in rest] == second_batch + third_batch
    latest = (await bridge.call("historyorders", {"symbol": "ETH_USDT", "limit": 3}))["data"]
    assert [o["id"] for o in latest] == second_batch[-1:] + third_batch
    everything = (await bridge.call("historyorders", {"symbol": "ETH_USDT", "since": 0, "limit": 100}))["data"]
    assert [o["id"] for o in everything] == first_batch + second_batch + third_batch


@pytest_twisted.ensureDeferred
async def test_history_since_pages_forward_past_a_full_page_and_into_the_archive(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    old = [(await bridge.call("trade", {"symbol": "ETH_USDT", "type": "buy", "price": -1,
                                        "amount": 20}))["data"]["id"] for _ in range(2)]
    sim.clock_offset = 8 * 86400
    since_old = int(sim.now() * 1000) - 9 * 86_400_000
    recent = [(await bridge.call("trade", {"symbol": "ETH_USDT", "type": "buy", "price": -1,
                                           "amount": 20}))["data"]["id"] for _ in range(103)]
    first = (await bridge.call("historyorders", {"symbol": "ETH_USDT", "since": since_old, "limit": 3}))["data"]
    assert [o["id"] for o in first] == [*old, recent[0]]
    assert sim.request_counts().get("/api/v5/trade/orders-history-archive", 0) >= 1
