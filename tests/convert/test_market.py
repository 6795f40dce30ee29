"""okxbridge/convert/market.py: market-data conversions (books, trades, tickers, markets), fed with
OKX's recorded answers."""

from decimal import Decimal as D

from okxbridge.convert.instruments import Instrument
from okxbridge.convert.market import depth_from_okx, market_from_instrument, ticker_from_okx, trades_from_okx
from tests.conftest import recorded


def test_recorded_books():
    entry = recorded("fetchOrderBook", 1)
    depth = depth_from_okx(entry["httpResponse"]["data"][0], 1)
    book = entry["httpResponse"]["data"][0]
    assert depth == {"time": int(book["ts"]), "asks": [[D(book["asks"][0][0]), D(book["asks"][0][1])]],
                     "bids": [[D(book["bids"][0][0]), D(book["bids"][0][1])]]}


def test_recorded_trades():
    t = recorded("fetchTrades")["httpResponse"]["data"][0]
    assert trades_from_okx([t]) == [{"id": t["tradeId"], "time": int(t["ts"]), "price": D(t["px"]),
                                     "amount": D(t["sz"]), "type": "sell"}]


def test_trades_newest_last():
    trades = trades_from_okx([{"tradeId": "2", "ts": "20"}, {"tradeId": "1", "ts": "10"}])
    assert [t["id"] for t in trades] == ["1", "2"]


def test_contract_ticker_volumes():
    t = {"instId": "BTC-USDT-SWAP", "vol24h": "2000", "volCcy24h": "20", "last": "1", "ts": "1"}
    ticker = ticker_from_okx(t)
    # issue 14: contract volume counts contracts (vol24h), the coin volume is vol_ccy
    assert ticker["symbol"] == "BTC_USDT.swap" and ticker["vol"] == 2000 and ticker["vol_ccy"] == 20
    assert ticker["vol_contracts"] == 2000


SPOT = {"instType": "SPOT", "instId": "OKB-USDT", "baseCcy": "OKB", "quoteCcy": "USDT", "tickSz": "0.001",
        "lotSz": "0.000001", "minSz": "0.01", "maxLmtSz": "10000000", "maxMktSz": "1000000", "maxLmtAmt": "20000000",
        "ctVal": "", "state": "live"}
QUARTER = {"instType": "FUTURES", "instId": "BTC-USDT-261225", "tickSz": "0.1", "lotSz": "1", "minSz": "1",
           "ctVal": "0.01", "ctValCcy": "BTC", "alias": "quarter", "state": "live", "settleCcy": "USDT"}


def test_market_fields():
    market = market_from_instrument(Instrument.from_okx(SPOT))
    assert market["symbol"] == "OKB_USDT" and market["pricePrecision"] == 3 and market["amountPrecision"] == 6
    assert market["minQty"] == D("0.01") and market["ctVal"] == 1 and market["maxNotional"] == D("20000000")
    future = market_from_instrument(Instrument.from_okx(QUARTER), "quarter")
    assert future["symbol"] == "BTC_USDT.quarter" and future["ctVal"] == D("0.01") and future["baseAsset"] == "BTC"
