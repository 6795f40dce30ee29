# -*- test-case-name: tests.sim.test_sim_markets -*-
"""Ticker and funding rates: the market summaries built on the price walk."""

from decimal import Decimal

from okxbridge.sim.candles import bar_open
from okxbridge.sim.numbers import fmt, ms_text, round_to
from okxbridge.sim.prices import _level_size, quote, unit

FUNDING_INTERVAL = 8 * 3600
FUNDING_KEPT = 92 * 86400


def ticker(walk, inst, seconds):
    """GET /market/ticker data[0] (docs #order-book-trading-market-data-get-ticker)."""
    top = quote(walk, inst, seconds)
    tick = inst.tick_sz
    samples = [walk.price(inst, seconds - 86400 + i * 900) for i in range(97)]
    high = round_to(Decimal(repr(max(samples))), tick)
    low = round_to(Decimal(repr(min(samples))), tick)
    open24 = round_to(Decimal(repr(samples[0])), tick)
    per_second = 0.05 if inst.is_spot else 20.0
    vol = Decimal(int(86400 * per_second * (0.5 + unit(walk.seed, inst.inst_id, "v24", int(seconds) // 60))))
    if inst.is_spot:
        vol_ccy = vol * top.last
    elif inst.is_inverse:
        vol_ccy = vol * inst.ct_val / top.last
    else:
        vol_ccy = vol * inst.ct_val
    utc0 = bar_open(seconds, "1Dutc")
    utc8 = bar_open(seconds, "1D")
    return {
        "instType": inst.inst_type,
        "instId": inst.inst_id,
        "last": fmt(top.last),
        "lastSz": fmt(inst.min_sz),
        "askPx": fmt(top.ask),
        "askSz": fmt(_level_size(walk.seed, inst, seconds, "ask", 0)),
        "bidPx": fmt(top.bid),
        "bidSz": fmt(_level_size(walk.seed, inst, seconds, "bid", 0)),
        "open24h": fmt(open24),
        "high24h": fmt(max(high, top.last, open24)),
        "low24h": fmt(min(low, top.last, open24)),
        "volCcy24h": fmt(round(vol_ccy, 8)),
        "vol24h": fmt(vol),
        "ts": ms_text(seconds),
        "sodUtc0": fmt(round_to(Decimal(repr(walk.price(inst, utc0))), tick)),
        "sodUtc8": fmt(round_to(Decimal(repr(walk.price(inst, utc8))), tick)),
    }


def funding_rate_at(seed, inst, funding_time):
    """The rate settled at ``funding_time`` (seconds): small, seeded, mostly positive."""
    u = unit(seed, inst.inst_id, "funding", funding_time)
    return (Decimal(int((u - 0.3) * 2000)) / Decimal(10_000_000)).quantize(Decimal("0.0000001"))


def next_funding_time(seconds):
    return (int(seconds) // FUNDING_INTERVAL + 1) * FUNDING_INTERVAL


def funding_rate(seed, inst, seconds):
    """GET /public/funding-rate row (docs #public-data-rest-api-get-funding-rate)."""
    funding_time = next_funding_time(seconds)
    rate = funding_rate_at(seed, inst, funding_time)
    return {
        "formulaType": "withRate",
        "fundingRate": fmt(rate),
        "fundingTime": str(funding_time * 1000),
        "impactValue": "",
        "instId": inst.inst_id,
        "instType": inst.inst_type,
        "interestRate": "0.0001",
        "maxFundingRate": "0.0075",
        "method": "current_period",
        "minFundingRate": "-0.0075",
        "nextFundingRate": "",
        "nextFundingTime": str((funding_time + FUNDING_INTERVAL) * 1000),
        "premium": fmt(rate - Decimal("0.0001")),
        "settFundingRate": fmt(funding_rate_at(seed, inst, funding_time - FUNDING_INTERVAL)),
        "settState": "settled",
        "ts": ms_text(seconds),
    }


def funding_history(seed, inst, seconds, after=None, before=None, limit=400):
    """GET /public/funding-rate-history: settled rates, newest first, 3 months kept."""
    newest = next_funding_time(seconds) - FUNDING_INTERVAL
    oldest = max(newest - FUNDING_KEPT, inst.list_time // 1000)
    current = newest
    if after is not None:
        current = min(current, (after // 1000 - 1) // FUNDING_INTERVAL * FUNDING_INTERVAL)
    rows = []
    while current >= oldest and len(rows) < limit:
        if before is not None and current * 1000 <= before:
            break
        rate = fmt(funding_rate_at(seed, inst, current))
        rows.append({
            "formulaType": "withRate",
            "fundingRate": rate,
            "fundingTime": str(current * 1000),
            "instId": inst.inst_id,
            "instType": inst.inst_type,
            "method": "current_period",
            "realizedRate": rate,
        })
        current -= FUNDING_INTERVAL
    return rows
