"""Instruments, candles and paging rules, on a task.Clock."""

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from okxbridge.sim.candles import UnknownBar, bar_open, bar_step, candles, parse_bar
from okxbridge.sim.instruments import futures_expiries
from tests.sim.simsupport import START, clocked_emulator

UTC = datetime.timezone.utc


def test_dated_futures_expire_on_fridays_at_0800_utc_and_are_named_by_date():
    emu, _ = clocked_emulator()
    futures = [i for i in emu.instruments().values() if i.inst_type == "FUTURES"]
    assert [f.alias for f in futures] == ["this_week", "next_week", "quarter", "next_quarter"]
    assert {f.to_okx()["alias"] for f in futures} == {""}  # deprecated by OKX: not on the wire
    for future in futures:
        expiry = datetime.datetime.fromtimestamp(future.exp_time / 1000, UTC)
        assert (expiry.weekday(), expiry.hour, expiry.minute) == (4, 8, 0)
        assert future.inst_id == "BTC-USDT-" + expiry.strftime("%y%m%d")
    assert futures[1].exp_time - futures[0].exp_time == 7 * 86400 * 1000


def test_this_week_rolls_at_delivery():
    friday_0800 = datetime.datetime(2025, 6, 20, 8, tzinfo=UTC).timestamp()
    assert futures_expiries(friday_0800 - 1)["this_week"] == friday_0800
    assert futures_expiries(friday_0800)["this_week"] == friday_0800 + 7 * 86400


@pytest.mark.parametrize("bar, opens_at", [
    ("1H", "2025-06-15T15:00:00"),
    ("4H", "2025-06-15T12:00:00"),
    ("1D", "2025-06-14T16:00:00"),   # Hong Kong midnight
    ("1Dutc", "2025-06-15T00:00:00"),
    ("1W", "2025-06-08T16:00:00"),   # Monday 00:00 in Hong Kong
    ("1M", "2025-05-31T16:00:00"),
    ("3Mutc", "2025-04-01T00:00:00"),
])
def test_bar_boundaries(bar, opens_at):
    opened = datetime.datetime.fromtimestamp(bar_open(START, bar), UTC).isoformat()
    assert opened == opens_at + "+00:00"


def test_unknown_bars_are_rejected():
    for bar in ("1h", "7m", "1Hutc", ""):
        with pytest.raises(UnknownBar):
            parse_bar(bar)


@settings(max_examples=40, deadline=None)
@given(bar=st.sampled_from(["1m", "15m", "1H", "6H", "1D", "1W", "1M", "3Mutc"]), back=st.integers(0, 50))
def test_bar_steps_round_trip(bar, back):
    start = bar_open(START, bar)
    older = bar_step(start, bar, -back)
    assert bar_step(older, bar, back) == start
    assert bar_open(older, bar) == older


def test_candles_page_with_after_and_before_without_gaps():
    emu, _ = clocked_emulator()
    inst = emu.instrument("BTC-USDT")
    first = candles(emu.walk, inst, "1m", emu.now(), limit=300)
    second = candles(emu.walk, inst, "1m", emu.now(), after=int(first[-1][0]), limit=300)
    assert int(second[0][0]) == int(first[-1][0]) - 60000
    assert first[0][8] == "0" and all(row[8] == "1" for row in first[1:] + second)
    newer = candles(emu.walk, inst, "1m", emu.now(), before=int(first[5][0]))
    assert [row[0] for row in newer] == [row[0] for row in first[:5]]
    recent = candles(emu.walk, inst, "1m", emu.now(), after=int(first[0][0]) - 1439 * 60000, limit=300)
    assert recent == []  # /market/candles keeps 1440 bars; history-candles goes further
    history = candles(emu.walk, inst, "1m", emu.now(), after=int(first[0][0]) - 1439 * 60000, limit=300, history=True)
    assert len(history) == 300


def test_candles_are_consistent_ohlc_and_deterministic():
    emu, _ = clocked_emulator()
    inst = emu.instrument("ETH-USDT-SWAP")
    rows = candles(emu.walk, inst, "1H", emu.now(), limit=48)
    assert rows == candles(emu.walk, inst, "1H", emu.now(), limit=48)
    for _ts, o, h, low, c, *_ in rows:
        assert float(low) <= min(float(o), float(c)) <= max(float(o), float(c)) <= float(h)
    assert all(rows[i][1] == rows[i + 1][4] for i in range(len(rows) - 1))  # open = previous close
