"""Independent clients against the emulator over real sockets: OKX's SDK and ccxt.

Both clients are synchronous, so they run in a thread (deferToThread) while the
reactor in this process serves the emulator.
"""

from decimal import Decimal

import ccxt
import okx.Account
import okx.MarketData
import okx.PublicData
import okx.Trade
import pytest_twisted
from twisted.internet import threads

from okxbridge.sim import DEFAULT_ACCOUNT, DEFAULT_DEMO_ACCOUNT
from okxbridge.sim.testing import start_emulator

KEY = (DEFAULT_ACCOUNT.api_key, DEFAULT_ACCOUNT.secret, DEFAULT_ACCOUNT.passphrase)
#: python-okx's flag "1" is demo trading: okxsim's default demo key, as a demo key is on OKX
DEMO_KEY = (DEFAULT_DEMO_ACCOUNT.api_key, DEFAULT_DEMO_ACCOUNT.secret, DEFAULT_DEMO_ACCOUNT.passphrase)


async def in_thread(reactor, scenario, **emulator_kwargs):
    """Run ``scenario(url, emulator)`` in a thread against a fresh emulator."""
    running = await start_emulator(reactor, seed=5, **emulator_kwargs)
    try:
        return await threads.deferToThread(scenario, running.url, running.emulator)
    finally:
        await running.stop()


def sdk(module, cls, url, key=DEMO_KEY, flag="1"):
    api_key, secret, passphrase = key
    return getattr(module, cls)(api_key=api_key, api_secret_key=secret, passphrase=passphrase,
                                flag=flag, domain=url, debug=False)


# -- python-okx -----------------------------------------------------------------

@pytest_twisted.ensureDeferred
async def test_python_okx_market_data(reactor):
    def scenario(url, emu):
        market = okx.MarketData.MarketAPI(flag="1", domain=url, debug=False)
        public = okx.PublicData.PublicAPI(flag="1", domain=url, debug=False)
        spot = public.get_instruments("SPOT")["data"]
        assert {i["instId"] for i in spot} == {"BTC-USDT", "ETH-USDT", "LTC-USDT", "OKB-USDT"}
        btc = next(i for i in spot if i["instId"] == "BTC-USDT")
        assert (btc["tickSz"], btc["lotSz"], btc["minSz"]) == ("0.1", "0.00000001", "0.00001")
        futures = public.get_instruments("FUTURES")["data"]
        # OKX deprecated alias: okxsim sends it empty, clients name contracts by expTime
        assert [f["alias"] for f in futures] == ["", "", "", ""] and all(f["expTime"] for f in futures)
        # options need an underlying, as on OKX; okxsim lists a few BTC-USD ones
        assert public.get_instruments("OPTION")["code"] == "50015"
        options = public.get_instruments("OPTION", uly="BTC-USD")["data"]
        assert options and {o["optType"] for o in options} == {"C", "P"} and all(o["stk"] for o in options)
        ticker = market.get_ticker("BTC-USDT")["data"][0]
        assert Decimal(ticker["bidPx"]) < Decimal(ticker["askPx"])
        book = market.get_orderbook("ETH-USDT-SWAP", sz="5")["data"][0]
        assert len(book["asks"]) == len(book["bids"]) == 5
        candles = market.get_candlesticks("BTC-USDT", bar="1m", limit="10")["data"]
        assert len(candles) == 10 and candles[0][8] == "0" and candles[1][8] == "1"
        older = market.get_history_candlesticks("BTC-USDT", bar="1D", after=candles[-1][0], limit="300")["data"]
        assert len(older) == 300 and int(older[0][0]) < int(candles[-1][0])
        assert market.get_candlesticks("BTC-USDT", bar="9m")["code"] == "51000"
        assert public.get_funding_rate("BTC-USDT-SWAP")["data"][0]["instId"] == "BTC-USDT-SWAP"
        return True

    assert await in_thread(reactor, scenario)


@pytest_twisted.ensureDeferred
async def test_python_okx_limit_order_lifecycle_and_balance(reactor):
    def scenario(url, emu):
        trade = sdk(okx.Trade, "TradeAPI", url)
        account = sdk(okx.Account, "AccountAPI", url)
        placed = trade.place_order("BTC-USDT", "cash", "buy", "limit", "0.01", px="20000", clOrdId="sdk1")
        assert placed["code"] == "0" and placed["data"][0]["sCode"] == "0"
        ord_id = placed["data"][0]["ordId"]
        usdt = account.get_account_balance("USDT")["data"][0]["details"][0]
        assert (usdt["ccy"], usdt["ordFrozen"], usdt["availBal"]) == ("USDT", "200", "99800")
        by_client_id = trade.get_order("BTC-USDT", clOrdId="sdk1")["data"][0]
        assert by_client_id["ordId"] == ord_id and by_client_id["state"] == "live"
        dup = trade.place_order("BTC-USDT", "cash", "buy", "limit", "0.01", px="20000", clOrdId="sdk1")
        assert dup["code"] == "1" and dup["data"][0]["sCode"] == "51016"
        assert trade.cancel_order("BTC-USDT", ordId=ord_id)["data"][0]["sCode"] == "0"
        again = trade.cancel_order("BTC-USDT", ordId=ord_id)
        assert again["code"] == "1" and again["data"][0]["sCode"] == "51400"
        assert trade.get_order("BTC-USDT", ordId="123")["code"] == "51603"
        market = trade.place_order("ETH-USDT", "cash", "sell", "market", "1")
        assert market["code"] == "0"
        filled = trade.get_order("ETH-USDT", ordId=market["data"][0]["ordId"])["data"][0]
        assert filled["state"] == "filled" and filled["accFillSz"] == "1" and filled["fee"].startswith("-")
        # python-okx sends x-simulated-trading: 1, so all this happened in the demo book
        assert [o["demo"] for o in emu.orders()] == [True, True]
        assert emu.state(DEFAULT_ACCOUNT.api_key, False).ledger.cash["ETH"] == 100  # the live key's account
        # each key in its own environment only: OKX's 50101
        for key, flag in ((KEY, "1"), (DEMO_KEY, "0")):
            wrong = sdk(okx.Account, "AccountAPI", url, key=key, flag=flag).get_account_balance()
            assert (wrong["code"], wrong["msg"]) == ("50101", "APIKey does not match current environment.")
        return True

    assert await in_thread(reactor, scenario)


@pytest_twisted.ensureDeferred
async def test_python_okx_open_orders_page_past_100(reactor):
    def scenario(url, emu):
        trade = sdk(okx.Trade, "TradeAPI", url)
        batch = [{"instId": "LTC-USDT", "tdMode": "cash", "side": "buy", "ordType": "limit",
                  "px": str(10 + i), "sz": "1"} for i in range(20)]
        for _ in range(6):
            result = trade.place_multiple_orders(batch)
            assert result["code"] == "0", result
        first = trade.get_order_list(instId="LTC-USDT")["data"]
        second = trade.get_order_list(instId="LTC-USDT", after=first[-1]["ordId"])["data"]
        assert (len(first), len(second)) == (100, 20)
        ids = [int(o["ordId"]) for o in first + second]
        assert ids == sorted(ids, reverse=True) and len(set(ids)) == 120
        return True

    assert await in_thread(reactor, scenario, rate_limits=False)


@pytest_twisted.ensureDeferred
async def test_python_okx_swap_positions_and_leverage(reactor):
    def scenario(url, emu):
        account = sdk(okx.Account, "AccountAPI", url)
        trade = sdk(okx.Trade, "TradeAPI", url)
        assert account.get_account_config()["data"][0]["posMode"] == "net_mode"
        assert account.set_leverage("5", "cross", instId="BTC-USDT-SWAP")["data"][0]["lever"] == "5"
        assert account.get_leverage("cross", instId="BTC-USDT-SWAP")["data"][0]["lever"] == "5"
        assert trade.place_order("BTC-USDT-SWAP", "cross", "buy", "market", "2")["code"] == "0"
        position = account.get_positions("SWAP")["data"][0]
        assert (position["instId"], position["pos"], position["posSide"], position["lever"]) == (
            "BTC-USDT-SWAP", "2", "net", "5")
        usdt = account.get_account_balance("USDT")["data"][0]["details"][0]
        margin = Decimal(2) * Decimal("0.01") * Decimal(position["avgPx"]) / 5
        assert Decimal(usdt["frozenBal"]) == margin.quantize(Decimal(usdt["frozenBal"]))
        busy = account.set_position_mode("long_short_mode")
        assert busy["code"] == "59000"
        assert trade.place_order("BTC-USDT-SWAP", "cross", "sell", "market", "2")["code"] == "0"
        assert account.get_positions("SWAP")["data"] == []
        assert account.set_position_mode("long_short_mode")["code"] == "0"
        no_side = trade.place_order("BTC-USDT-SWAP", "cross", "buy", "market", "1")
        assert no_side["data"][0]["sCode"] == "51000"
        return True

    assert await in_thread(reactor, scenario)


@pytest_twisted.ensureDeferred
async def test_python_okx_wrong_secret_is_rejected_with_50113(reactor):
    def scenario(url, emu):
        account = sdk(okx.Account, "AccountAPI", url, key=(DEMO_KEY[0], "not-the-secret", DEMO_KEY[2]))
        return account.get_account_balance()

    assert await in_thread(reactor, scenario) == {"code": "50113", "msg": "Invalid signature.", "data": []}


# -- ccxt -------------------------------------------------------------------------

def ccxt_okx(url, secret=KEY[1]):
    exchange = ccxt.okx({"apiKey": KEY[0], "secret": secret, "password": KEY[2], "enableRateLimit": False})
    exchange.urls["api"]["rest"] = url
    return exchange


@pytest_twisted.ensureDeferred
async def test_ccxt_markets_ticker_book_ohlcv_balance(reactor):
    def scenario(url, emu):
        exchange = ccxt_okx(url)
        markets = exchange.load_markets()
        assert {"BTC/USDT", "ETH/USDT:USDT", "BTC/USD:BTC"} <= set(markets)
        assert markets["BTC/USD:BTC"]["inverse"] and markets["BTC/USD:BTC"]["contractSize"] == 100
        assert sum(1 for m in markets.values() if m["future"]) == 4  # two weeklies, two quarterlies
        ticker = exchange.fetch_ticker("BTC/USDT")
        assert ticker["bid"] < ticker["ask"]
        book = exchange.fetch_order_book("BTC/USDT:USDT", 5)
        assert len(book["bids"]) == 5 and book["bids"][0][0] < book["asks"][0][0]
        ohlcv = exchange.fetch_ohlcv("ETH/USDT", "1h", limit=24)
        assert len(ohlcv) == 24 and ohlcv[0][0] < ohlcv[-1][0]
        balance = exchange.fetch_balance()
        assert balance["USDT"]["free"] == 100000 and balance["BTC"]["total"] == 10
        funding = exchange.fetch_balance({"type": "funding"})
        assert funding["USDT"]["total"] == 1000
        return True

    assert await in_thread(reactor, scenario)


@pytest_twisted.ensureDeferred
async def test_ccxt_orders_and_positions(reactor):
    def scenario(url, emu):
        exchange = ccxt_okx(url)
        exchange.load_markets()
        order = exchange.create_order("LTC/USDT", "limit", "buy", 1, 5)
        fetched = exchange.fetch_order(order["id"], "LTC/USDT")
        assert fetched["status"] == "open" and fetched["price"] == 5
        assert [o["id"] for o in exchange.fetch_open_orders("LTC/USDT")] == [order["id"]]
        exchange.cancel_order(order["id"], "LTC/USDT")
        assert exchange.fetch_order(order["id"], "LTC/USDT")["status"] == "canceled"
        bought = exchange.create_order("ETH/USDT:USDT", "market", "buy", 3)
        assert exchange.fetch_order(bought["id"], "ETH/USDT:USDT")["status"] == "closed"
        exchange.set_leverage(3, "ETH/USDT:USDT", {"marginMode": "cross"})
        positions = exchange.fetch_positions(["ETH/USDT:USDT"])
        assert len(positions) == 1 and positions[0]["contracts"] == 3 and positions[0]["side"] == "long"
        return True

    assert await in_thread(reactor, scenario)


@pytest_twisted.ensureDeferred
async def test_ccxt_wrong_secret_is_rejected(reactor):
    def scenario(url, emu):
        try:
            ccxt_okx(url, secret="wrong").fetch_balance()
        except ccxt.AuthenticationError as error:
            return str(error)
        return "accepted"

    assert "50113" in await in_thread(reactor, scenario)
