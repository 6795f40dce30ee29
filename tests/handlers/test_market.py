"""Pure market-data conversions, fed with OKX's recorded answers."""

from decimal import Decimal as D

import pytest

from tests.conftest import recorded
from okxbridge.fmz.errors import ProtocolError
from okxbridge.convert.instruments import Instrument, find_alias
from okxbridge.handlers.market import depth_from_okx, market_from_instrument, ticker_from_okx, trades_from_okx
from okxbridge.convert.records import merge_candle_pages, okx_bar, record_from_okx
from okxbridge.convert.symbols import parse_symbol


@pytest.mark.parametrize("period, bar", [(60, "1m"), (300, "5m"), (3600, "1H"), (14400, "4H"), (86400, "1Dutc"), (604800, "1Wutc"), (1, "1s")])
def test_period_to_bar(period, bar):
    assert okx_bar(period) == bar


@pytest.mark.parametrize("period", [0, 59, 61, 120, 5400, 2592000])
def test_unsupported_period_lists_supported(period):
    with pytest.raises(ProtocolError) as e:
        okx_bar(period)
    assert f"unsupported period {period}s" in str(e.value) and "86400" in str(e.value)


def test_recorded_candles_to_records():
    rows = recorded("fetchOHLCV")["httpResponse"]["data"]
    records = [record_from_okx(r, contract=False) for r in merge_candle_pages([rows], 10)]
    assert [r[0] for r in records] == sorted(int(r[0]) // 1000 for r in rows)
    newest = rows[0]
    assert records[-1] == [int(newest[0]) // 1000, D(newest[1]), D(newest[2]), D(newest[3]), D(newest[4]), D(newest[5])]


def test_contract_candle_volume_counts_contracts():
    # issue 14 reversed the old rule (contracts used volCcy): FMZ counts contract volume in contracts
    row = ["1700000000000", "1", "2", "0.5", "1.5", "120", "1.2", "1.8", "1"]
    assert record_from_okx(row, contract=True)[5] == D("120")
    assert record_from_okx(row, contract=False)[5] == D("120")


def test_merge_pages_dedupes_the_seam_and_limits():
    recent = [[str(t * 60000)] + ["1"] * 8 for t in (10, 9, 8)]
    older = [[str(t * 60000)] + ["1"] * 8 for t in (8, 7, 6, 5)]
    merged = merge_candle_pages([recent, older], 5)
    assert [int(r[0]) // 60000 for r in merged] == [6, 7, 8, 9, 10]


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


def test_alias_resolution_follows_the_list():
    table = {QUARTER["instId"]: Instrument.from_okx(QUARTER)}
    assert find_alias(table, parse_symbol("BTC_USDT.quarter")).inst_id == "BTC-USDT-261225"
    assert find_alias(table, parse_symbol("BTC_USDT.next_quarter")) is None
    assert find_alias(table, parse_symbol("ETH_USDT.quarter")) is None
    rolled = dict(QUARTER, instId="BTC-USDT-270326")
    assert find_alias({rolled["instId"]: Instrument.from_okx(rolled)}, parse_symbol("BTC_USDT.quarter")).inst_id == "BTC-USDT-270326"


@pytest.mark.parametrize("period, unit, bar", [
    (60, "seconds", "1m"), (86400, "seconds", "1Dutc"), (1, "seconds", "1s"),
    (60, "minutes", "1H"), (1440, "minutes", "1Dutc"), (1, "minutes", "1m"), (10080, "minutes", "1Wutc"),
])
def test_period_in_either_unit(period, unit, bar):
    assert okx_bar(period, unit) == bar


@pytest.mark.parametrize("period, unit, other", [(1440, "seconds", "minutes"), (86400, "minutes", "seconds"),
                                                 (900, "minutes", "seconds")])
def test_period_valid_only_in_the_other_unit_names_the_option(period, unit, other):
    with pytest.raises(ProtocolError) as e:
        okx_bar(period, unit)
    assert f"--records-period-unit {other}" in str(e.value)
