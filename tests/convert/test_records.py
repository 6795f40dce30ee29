"""okxbridge/convert/records.py: candle periods to OKX bars, candles to FMZ records, fed with recorded answers."""

from decimal import Decimal as D

import pytest

from okxbridge.convert.records import bar_seconds, merge_candle_pages, okx_bar, record_from_okx
from okxbridge.fmz.errors import ProtocolError
from tests.conftest import recorded


@pytest.mark.parametrize("period, bar", [(60, "1m"), (300, "5m"), (3600, "1H"), (14400, "4H"), (86400, "1Dutc"),
                                         (604800, "1Wutc"), (1, "1s")])
def test_period_to_bar(period, bar):
    assert okx_bar(period, "seconds") == bar


@pytest.mark.parametrize("period", [0, 59, 61, 120, 5400, 2592000])
def test_unsupported_period_lists_supported(period):
    with pytest.raises(ProtocolError) as e:
        okx_bar(period, "seconds")
    assert f"unsupported period {period}s" in str(e.value) and "86400" in str(e.value)


def test_recorded_candles_to_records():
    rows = recorded("fetchOHLCV")["httpResponse"]["data"]
    records = [record_from_okx(r) for r in merge_candle_pages([rows], 10)]
    assert [r[0] for r in records] == sorted(int(r[0]) // 1000 for r in rows)
    newest = rows[0]
    assert records[-1] == [int(newest[0]) // 1000, D(newest[1]), D(newest[2]), D(newest[3]), D(newest[4]), D(newest[5])]


def test_contract_candle_volume_counts_contracts():
    # issue 14 reversed the old rule (contracts used volCcy): FMZ counts contract volume in contracts
    row = ["1700000000000", "1", "2", "0.5", "1.5", "120", "1.2", "1.8", "1"]
    assert record_from_okx(row)[5] == D("120")  # spot and contracts alike: OKX's vol


def test_merge_pages_dedupes_the_seam_and_limits():
    recent = [[str(t * 60000)] + ["1"] * 8 for t in (10, 9, 8)]
    older = [[str(t * 60000)] + ["1"] * 8 for t in (8, 7, 6, 5)]
    merged = merge_candle_pages([recent, older], 5)
    assert [int(r[0]) // 60000 for r in merged] == [6, 7, 8, 9, 10]


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


def test_minutes_is_the_default_unit():
    assert okx_bar(60) == "1H" and okx_bar(1) == "1m" and okx_bar(1440) == "1Dutc"


@pytest.mark.parametrize("minutes, bar", [(1, "1m"), (3, "3m"), (5, "5m"), (15, "15m"), (30, "30m"), (60, "1H"),
                                          (120, "2H"), (240, "4H"), (360, "6Hutc"), (720, "12Hutc"),
                                          (1440, "1Dutc"), (2880, "2Dutc"), (4320, "3Dutc"), (10080, "1Wutc"),
                                          (43200, "1Mutc")])
def test_every_okx_bar_from_a_minute_to_a_month_by_minute_count(minutes, bar):
    assert okx_bar(minutes, "minutes") == bar


def test_unsupported_minutes_list_the_supported_minutes():
    with pytest.raises(ProtocolError) as e:
        okx_bar(7, "minutes")
    assert str(e.value).startswith("unsupported period 7min; supported periods (minutes): 1, 3, 5, 15, 30, 60, 120, "
                                   "240, 360, 720, 1440, 2880, 4320, 10080, 43200")


def test_bar_seconds_in_either_unit():
    assert bar_seconds(60) == 3600 and bar_seconds(60, "seconds") == 60 and bar_seconds(43200) == 2592000
