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


def test_month_and_next_month_resolve_to_the_monthly_contracts():
    # 2026-12-04 (a Friday): the weeklies are 12-11 and 12-18, the quarter 12-25; the
    # monthlies are the last Fridays of January and February 2027
    now = 1796371200000  # 2026-12-04 08:00 UTC, this week's delivery just past
    rows = {day: Instrument.from_okx(dict(QUARTER, instId=f"BTC-USDT-{day}", expTime="", alias=""))
            for day in ("261211", "261218", "261225", "270129", "270226", "270326")}
    table = {i.inst_id: i for i in rows.values()}
    assert find_alias(table, parse_symbol("BTC_USDT.month"), now).inst_id == "BTC-USDT-270129"
    assert find_alias(table, parse_symbol("BTC_USDT.this_month"), now).inst_id == "BTC-USDT-270129"
    assert find_alias(table, parse_symbol("BTC_USDT.next_month"), now).inst_id == "BTC-USDT-270226"
    assert find_alias(table, parse_symbol("BTC_USDT.quarter"), now).inst_id == "BTC-USDT-261225"
