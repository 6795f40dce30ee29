"""FMZ symbols ⇄ OKX instIds."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from okxbridge.convert.symbols import Symbol, called_names, fmz_symbol, inst_type, okx_inst_id, parse_symbol
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


# -- issue 26 item 3: FMZ's contract codes for OKX -----------------------------------------

@pytest.mark.parametrize("text, contract, inst_id", [
    ("BTC_USDT.BTC-USDT-261225", "BTC-USDT-261225", "BTC-USDT-261225"),
    ("hmstr_usdt.hmstr-usdt-250207", "HMSTR-USDT-250207", "HMSTR-USDT-250207"),
    ("BTC_USDT.BTC-USDT-SWAP", "BTC-USDT-SWAP", "BTC-USDT-SWAP"),
])
def test_okx_inst_id_as_contract_type(text, contract, inst_id):
    symbol = parse_symbol(text)
    assert symbol.contract == contract and okx_inst_id(symbol) == inst_id and not symbol.is_spot
    assert symbol.fmz == f"{symbol.base}_{symbol.quote}.{contract}"
    assert called_names(symbol, inst_id) == {inst_id: contract}
    assert fmz_symbol(inst_id, contract) == symbol.fmz


def test_okx_inst_id_of_a_swap_is_a_swap_and_a_dated_one_is_not():
    assert parse_symbol("BTC_USDT.BTC-USDT-SWAP").is_swap
    assert not parse_symbol("BTC_USDT.BTC-USDT-261225").is_swap


@pytest.mark.parametrize("text", ["BTC_USDT.ETH-USDT-261225", "BTC_USDT.BTC-USD-SWAP", "BTC_USDT.BTC-USDT-2612"])
def test_okx_inst_id_of_another_pair_is_refused(text):
    with pytest.raises(ProtocolError, match="contract type"):
        parse_symbol(text)


def test_month_is_fmz_code_for_the_monthly_contract():
    symbol = parse_symbol("BTC_USDT.month")
    assert symbol.contract == "month" and symbol.horizon == "this_month" and symbol.fmz == "BTC_USDT.month"
    assert parse_symbol("BTC_USDT.next_month").horizon == "next_month"
    assert called_names(symbol, "BTC-USDT-270129") == {"BTC-USDT-270129": "month"}
    assert fmz_symbol("BTC-USDT-270129", "month") == "BTC_USDT.month"
    assert called_names(parse_symbol("BTC_USDT.quarter"), "BTC-USDT-261225") == {}
