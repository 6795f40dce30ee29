"""FMZ symbols ⇄ OKX instIds."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from okxbridge.convert.symbols import Symbol, fmz_symbol, inst_type, okx_inst_id, parse_symbol
from okxbridge.fmz.errors import ProtocolError


@pytest.mark.parametrize("text, inst_id", [
    ("ETH_USDT", "ETH-USDT"),
    ("eth_usdt", "ETH-USDT"),
    (" Btc_Usdt ", "BTC-USDT"),
    ("BTC_USDT.swap", "BTC-USDT-SWAP"),
    ("btc_usd.SWAP", "BTC-USD-SWAP"),
    ("BTC_USDT.250328", "BTC-USDT-250328"),
    ("1INCH_USDT", "1INCH-USDT"),
])
def test_symbol_to_inst_id(text, inst_id):
    assert okx_inst_id(parse_symbol(text)) == inst_id


@pytest.mark.parametrize("inst_id, alias, text", [
    ("ETH-USDT", "", "ETH_USDT"),
    ("BTC-USDT-SWAP", "", "BTC_USDT.swap"),
    ("BTC-USD-SWAP", "", "BTC_USD.swap"),
    ("BTC-USDT-250328", "quarter", "BTC_USDT.quarter"),
    ("BTC-USDT-250328", "", "BTC_USDT.250328"),
])
def test_inst_id_to_symbol(inst_id, alias, text):
    assert fmz_symbol(inst_id, alias) == text


@pytest.mark.parametrize("text", ["USDT", "BTC_", "_USDT", "BTC-USDT", "BTC_USDT.perp", "", "BTC_US DT",
                                  "BTC_USDT.12345"])
def test_bad_symbols_name_the_symbol(text):
    with pytest.raises(ProtocolError, match="symbol|contract type"):
        parse_symbol(text)


def test_alias_needs_the_instrument_list():
    with pytest.raises(ValueError):
        okx_inst_id(parse_symbol("BTC_USDT.quarter"))


@pytest.mark.parametrize("inst_id, kind", [("BTC-USDT", "SPOT"), ("BTC-USDT-SWAP", "SWAP"),
                                           ("BTC-USD-251226", "FUTURES"), ("BTC-USD-251226-90000-C", "OPTION")])
def test_inst_type(inst_id, kind):
    assert inst_type(inst_id) == kind


ccy = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=8)


@given(ccy, ccy, st.sampled_from(["", "swap", "240628"]))
def test_round_trip(base, quote, contract):
    symbol = Symbol(base, quote, contract)
    assert fmz_symbol(okx_inst_id(symbol)) == symbol.fmz
    assert parse_symbol(symbol.fmz.lower()) == symbol
