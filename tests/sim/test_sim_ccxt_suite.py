"""okxsim measured by ccxt's own exchange tests (``ccxt/test/exchange/sync`` in the ccxt
package): the checks ccxt runs against live OKX, run against okxsim over a real socket.

Each test is ccxt's function as shipped, called with ccxt's okx class pointed at okxsim;
none is edited or wrapped to pass. The account first trades a little so the history
endpoints (fills, bills, closed orders) have something to show.
"""

import importlib

import ccxt
import pytest_twisted
from twisted.internet import threads

from okxbridge.sim import DEFAULT_ACCOUNT
from okxbridge.sim.testing import start_emulator

KEY = (DEFAULT_ACCOUNT.api_key, DEFAULT_ACCOUNT.secret, DEFAULT_ACCOUNT.passphrase)

#: (ccxt test module, extra arguments after (exchange, skipped_properties), skipped properties)
#: Skipped properties are ccxt's own mechanism for checks an exchange cannot meet; each one
#: here would fail against live OKX too (the reason is beside it). Left out: test_fetch_markets
#: (this ccxt version's test wants a dict while its okx.fetch_markets returns a list) and
#: test_fetch_orders (ccxt's okx has no fetchOrders); test_load_markets checks the markets.
CASES = [
    ("test_load_markets", (), {}),
    ("test_fetch_currencies", (), {}),
    ("test_fetch_status", (), {}),
    ("test_fetch_ticker", ("BTC/USDT",), {}),
    ("test_fetch_ticker", ("BTC/USDT:USDT",), {}),
    # fetchTickers() without symbols asks OKX for one instType (spot), not every active market
    ("test_fetch_tickers", ("BTC/USDT",), {"checkActiveSymbols": True}),
    ("test_fetch_order_book", ("BTC/USDT",), {}),
    ("test_fetch_l2_order_book", ("ETH/USDT:USDT",), {}),
    ("test_fetch_trades", ("BTC/USDT",), {}),
    ("test_fetch_ohlcv", ("BTC/USDT",), {}),
    ("test_fetch_funding_rate_history", ("BTC/USDT:USDT",), {}),
    ("test_fetch_balance", (), {}),
    ("test_fetch_open_orders", ("LTC/USDT",), {}),
    ("test_fetch_closed_orders", ("ETH/USDT",), {}),
    ("test_fetch_my_trades", ("ETH/USDT",), {}),
    ("test_fetch_positions", ("ETH/USDT:USDT",), {}),
    # ccxt's okx.parse_ledger_entry always sets account None, and its amount is OKX's signed
    # balChg (negative for money out: see the examples in ccxt's own okx.py)
    ("test_fetch_ledger", ("USDT",), {"account": True, "amount": True}),
]


def okx_client(url):
    exchange = ccxt.okx({"apiKey": KEY[0], "secret": KEY[1], "password": KEY[2], "enableRateLimit": False})
    exchange.urls["api"]["rest"] = url
    return exchange


def run_suite(url, emu):
    exchange = okx_client(url)
    exchange.load_markets()
    exchange.create_order("LTC/USDT", "limit", "buy", 1, 5)            # stays open
    exchange.create_order("ETH/USDT", "market", "buy", 0.5)            # fills: a trade, bills
    exchange.create_order("ETH/USDT:USDT", "market", "buy", 2)         # a position
    outcome = {}
    for name, args, skipped in CASES:
        module = importlib.import_module(f"ccxt.test.exchange.sync.{name}")
        try:
            getattr(module, name)(exchange, dict(skipped), *args)
            outcome[(name, args)] = "ok"
        except Exception as error:  # noqa: BLE001 - each ccxt check is measured, not stopped at
            outcome[(name, args)] = f"{type(error).__name__}: {str(error)[:300]}"
    return outcome


@pytest_twisted.ensureDeferred
async def test_ccxt_exchange_tests_pass_against_okxsim(reactor):
    running = await start_emulator(reactor, seed=5, rate_limits=False)
    try:
        outcome = await threads.deferToThread(run_suite, running.url, running.emulator)
    finally:
        await running.stop()
    failed = {f"{name}{args}": result for (name, args), result in outcome.items() if result != "ok"}
    assert failed == {}
    assert len(outcome) == len(CASES)


def unknown_endpoint(url, emu):
    exchange = okx_client(url)
    try:
        exchange.fetch2("public/no-such-endpoint", "public", "GET", {})
    except ccxt.BaseError as error:
        return error
    return None


@pytest_twisted.ensureDeferred
async def test_unknown_endpoint_is_not_an_outage(reactor):
    """An unknown path answers HTTP 404 with OKX's gateway body; ccxt raises ExchangeError,
    not ExchangeNotAvailable (an outage, which it would report and retry)."""
    running = await start_emulator(reactor, seed=5)
    try:
        error = await threads.deferToThread(unknown_endpoint, running.url, running.emulator)
    finally:
        await running.stop()
    assert isinstance(error, ccxt.ExchangeError) and not isinstance(error, ccxt.ExchangeNotAvailable), error
    assert "Not Found" in str(error)
