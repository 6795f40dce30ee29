"""okxbridge/convert/instruments.py: a dated-future alias resolved against the instrument list."""

from okxbridge.convert.instruments import Instrument, find_alias
from okxbridge.convert.symbols import parse_symbol
from tests.convert.test_market import QUARTER


def test_alias_resolution_follows_the_list():
    table = {QUARTER["instId"]: Instrument.from_okx(QUARTER)}
    assert find_alias(table, parse_symbol("BTC_USDT.quarter")).inst_id == "BTC-USDT-261225"
    assert find_alias(table, parse_symbol("BTC_USDT.next_quarter")) is None
    assert find_alias(table, parse_symbol("ETH_USDT.quarter")) is None
    rolled = dict(QUARTER, instId="BTC-USDT-270326")
    assert find_alias({rolled["instId"]: Instrument.from_okx(rolled)},
                      parse_symbol("BTC_USDT.quarter")).inst_id == "BTC-USDT-270326"
