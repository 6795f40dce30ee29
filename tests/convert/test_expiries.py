"""Dated futures named by horizon from expTime and OKX's delivery schedule (no ``alias``)."""

import datetime

import pytest

from okxbridge.convert.expiries import coming_friday, expiry_of, horizons, name_futures

UTC = datetime.timezone.utc


def ms(text):
    return int(datetime.datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def at8(day):
    return ms(day + "T08:00:00")


# Wednesday 2026-06-10: coming Friday 06-12, next 06-19; June's last Friday 06-26 (quarter-end)
WED = ms("2026-06-10T12:00:00")


@pytest.mark.parametrize("now, expiries, expected", [
    # the usual listing: two weeklies, this quarter, next quarter
    (WED, ["2026-06-12", "2026-06-19", "2026-06-26", "2026-09-25"],
     {"2026-06-12": "this_week", "2026-06-19": "next_week", "2026-06-26": "quarter", "2026-09-25": "next_quarter"}),
    # monthlies that are not quarter ends, and a third quarter
    (WED, ["2026-06-12", "2026-07-31", "2026-08-28", "2026-09-25", "2026-12-25", "2027-03-26"],
     {"2026-06-12": "this_week", "2026-07-31": "this_month", "2026-08-28": "next_month",
      "2026-09-25": "quarter", "2026-12-25": "next_quarter", "2027-03-26": "third_quarter"}),
    # the quarter contract delivering within two weeks is a weekly, the next quarter is "quarter"
    (ms("2026-06-20T00:00:00"), ["2026-06-26", "2026-07-03", "2026-09-25", "2026-12-25"],
     {"2026-06-26": "this_week", "2026-07-03": "next_week", "2026-09-25": "quarter", "2026-12-25": "next_quarter"}),
    # delivered contracts and irregular dates get no horizon
    (WED, ["2026-06-05", "2026-06-16"], {}),
])
def test_horizons_table(now, expiries, expected):
    named = horizons([at8(d) for d in expiries], now)
    assert {datetime.datetime.fromtimestamp(e / 1000, UTC).date().isoformat(): n for e, n in named.items()} == expected


def test_friday_delivery_moves_on_at_0800_utc():
    assert coming_friday(ms("2026-06-12T07:59:59")).isoformat() == "2026-06-12"
    assert coming_friday(ms("2026-06-12T08:00:00")).isoformat() == "2026-06-19"


def test_expiry_from_the_instid_when_exptime_is_missing():
    assert expiry_of("BTC-USDT-260626") == at8("2026-06-26")
    assert expiry_of("BTC-USDT-260626", 5) == 5
    assert expiry_of("BTC-USDT-SWAP") == 0


def test_each_pair_named_apart():
    names = name_futures([("BTC-USDT-260612", 0), ("BTC-USD-260619", 0), ("BTC-USD-260612", at8("2026-06-12"))], WED)
    assert names == {"BTC-USDT-260612": "this_week", "BTC-USD-260619": "next_week", "BTC-USD-260612": "this_week"}
