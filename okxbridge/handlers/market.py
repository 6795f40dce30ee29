"""Market data: OKX ticker/books/trades/candles/instruments → FMZ's Ticker, Depth, Trade,
Record and Market."""

from __future__ import annotations

from typing import Any

from ..fmz.answer import Answer
from ..fmz.envelope import Call
from ..fmz.params import int_param, text_param
from .context import Bridge, Session, first, gather
from ..okx.market_streams import BOOK_CHANNEL, Streamed
from ..convert.instruments import Instrument, future_names
from ..okx.instruments import okx_now_ms
from ..convert.numbers import dec, millis
from ..convert.precision import decimals
from ..convert.records import (CANDLES_PAGE, DEFAULT_LIMIT, HISTORY_PAGE, UNIT_SECONDS, merge_candle_pages, okx_bar,
                      record_from_okx)
from ..convert.symbols import Symbol, fmz_symbol, inst_type, parse_symbol

CONTRACT_TYPES = ("SWAP", "FUTURES")


def ticker_from_okx(t: dict[str, Any], alias: str = "") -> dict[str, Any]:
    """FMZ Ticker. ``vol`` is OKX's ``vol24h`` as FMZ counts volume: base currency for spot,
    **contracts** for swaps and futures (as depth, trades, positions and orders count them).
    Spot adds ``quote_vol`` (``volCcy24h``, quote currency); contracts add ``vol_ccy``
    (``volCcy24h``, the base currency) and ``vol_contracts`` (= ``vol``, kept for old readers)."""
    inst_id = t["instId"]
    contract = inst_type(inst_id) != "SPOT"
    ticker = {
        "symbol": fmz_symbol(inst_id, alias),
        "buy": dec(t.get("bidPx")),
        "sell": dec(t.get("askPx")),
        "high": dec(t.get("high24h")),
        "low": dec(t.get("low24h")),
        "open": dec(t.get("open24h")),
        "last": dec(t.get("last")),
        "vol": dec(t.get("vol24h")),
        "time": millis(t.get("ts")),
    }
    if contract:
        ticker["vol_ccy"] = dec(t.get("volCcy24h"))
        ticker["vol_contracts"] = ticker["vol"]
    else:
        ticker["quote_vol"] = dec(t.get("volCcy24h"))
    return ticker


def depth_from_okx(book: dict[str, Any], limit: int) -> dict[str, Any]:
    """FMZ Depth: OKX already sorts asks ascending and bids descending."""
    return {
        "time": millis(book.get("ts")),
        "asks": [[dec(level[0]), dec(level[1])] for level in book.get("asks", [])[:limit]],
        "bids": [[dec(level[0]), dec(level[1])] for level in book.get("bids", [])[:limit]],
    }


def trades_from_okx(trades: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """FMZ Trades, newest last (OKX lists newest first); ``type`` is the taker's side."""
    return [{"id": t.get("tradeId", ""), "time": millis(t.get("ts")), "price": dec(t.get("px")),
             "amount": dec(t.get("sz")), "type": t.get("side", "")} for t in reversed(trades)]


def market_from_instrument(inst: Instrument, horizon: str = "") -> dict[str, Any]:
    """FMZ Market. OKX sets no minimum notional for orders, so ``minNotional`` is 0; a spot
    unit is one base coin, so spot ``ctVal`` is 1. ``horizon`` names a dated future."""
    contract = inst.inst_type != "SPOT"
    return {
        "symbol": fmz_symbol(inst.inst_id, horizon),
        "baseAsset": inst.base,
        "quoteAsset": inst.quote,
        "tickSize": inst.tick_size,
        "amountSize": inst.lot_size,
        "pricePrecision": decimals(inst.tick_size),
        "amountPrecision": decimals(inst.lot_size),
        "minQty": inst.min_size,
        "maxQty": inst.max_limit_size,
        "minNotional": 0,
        "maxNotional": inst.max_limit_amount,
        "ctVal": inst.ct_val if contract else 1,
        "ctValCcy": inst.ct_val_ccy if contract else inst.base,
        "instId": inst.inst_id,
        "state": inst.state,
    }


async def target(bridge: Bridge, call: Call, trace: list[str]) -> tuple[Symbol, Session, str]:
    """The call's symbol, its OKX session and the instId it names (aliases resolved)."""
    symbol = parse_symbol(text_param(call.params, "symbol"))
    session = bridge.session(call, trace)
    return symbol, session, await bridge.instruments.inst_id(session, symbol)


def _streamed(bridge: Bridge, method: str, found: Streamed | None) -> Streamed | None:
    if bridge.streams is not None:
        bridge.streams.count(method, "stream" if found is not None else "rest")
    return found


async def ticker(bridge: Bridge, call: Call, trace: list[str]) -> Answer:
    symbol, session, inst_id = await target(bridge, call, trace)
    streams = bridge.streams
    found = _streamed(bridge, "ticker", streams and streams.ticker(session.creds.simulated, inst_id))
    if found is not None:
        data = ticker_from_okx(found.data)
        raw = found.raw
    else:
        reply = await session.public("/api/v5/market/ticker", {"instId": inst_id})
        data, raw = ticker_from_okx(first(reply, f"ticker for {inst_id}")), reply.raw
        if streams is not None:
            streams.confirm(session.creds.simulated, "tickers", inst_id)
    data["symbol"] = symbol.fmz
    return Answer(data, raw)


async def depth(bridge: Bridge, call: Call, trace: list[str]) -> Answer:
    limit = int_param(call.params, "limit", default=0, maximum=400) or 20
    symbol, session, inst_id = await target(bridge, call, trace)
    streams = bridge.streams
    found = _streamed(bridge, "depth", streams and streams.book(session.creds.simulated, inst_id))
    if found is not None:
        book = found.data.as_okx(limit)
        # the last push alone may be an increment: raw is its envelope with the levels served
        raw = {"arg": found.raw.get("arg"), "action": found.raw.get("action"),
               "data": [{**book, "seqId": found.data.seq_id}]}
        data = depth_from_okx(book, limit)
    else:
        reply = await session.public("/api/v5/market/books", {"instId": inst_id, "sz": limit})
        data, raw = depth_from_okx(first(reply, f"order book for {inst_id}"), limit), reply.raw
        if streams is not None:
            streams.confirm(session.creds.simulated, BOOK_CHANNEL, inst_id)
    data["symbol"] = symbol.fmz
    return Answer(data, raw)


async def trades(bridge: Bridge, call: Call, trace: list[str]) -> Answer:
    limit = int_param(call.params, "limit", default=0, maximum=500) or 100
    symbol, session, inst_id = await target(bridge, call, trace)
    streams, demo = bridge.streams, session.creds.simulated
    found = _streamed(bridge, "trades", streams and streams.trades(demo, inst_id, limit))
    if found is not None:
        return Answer(trades_from_okx(found.data), found.raw)
    live = streams and streams.trades_entry(demo, inst_id)
    reply = await session.public("/api/v5/market/trades", {"instId": inst_id, "limit": limit})
    if live:
        streams.seed_trades(demo, live, reply.data)  # asked while live: no hole between page and pushes
    elif streams is not None:
        streams.confirm(demo, "trades", inst_id)
    return Answer(trades_from_okx(reply.data), reply.raw)


async def records(bridge: Bridge, call: Call, trace: list[str]) -> Answer:
    """Recent candles first; when ``limit`` is more than that page holds, older bars come
    from ``history-candles``, following ``after`` (the oldest bar's open time). While the
    candle stream is fresh and holds ``limit`` bars, they are answered locally."""
    unit = bridge.defaults.records_period_unit
    period = int_param(call.params, "period", default=60 // UNIT_SECONDS[unit])
    bar = okx_bar(period, unit)
    bar_seconds = period * UNIT_SECONDS[unit]
    limit = int_param(call.params, "limit", default=0, maximum=10_000) or DEFAULT_LIMIT
    symbol, session, inst_id = await target(bridge, call, trace)
    streams, demo = bridge.streams, session.creds.simulated
    if streams is not None and limit <= CANDLES_PAGE:
        found = _streamed(bridge, "records", streams.candles(demo, bar, inst_id, limit, bar_seconds))
        if found is not None:
            rows = [record_from_okx(row, not symbol.is_spot) for row in merge_candle_pages([found.data], limit)]
            return Answer(rows, found.raw)
    live = streams and limit <= CANDLES_PAGE and streams.candles_entry(demo, bar, inst_id)
    query = {"instId": inst_id, "bar": bar, "limit": min(limit, CANDLES_PAGE)}
    reply = await session.public("/api/v5/market/candles", query)
    if live:
        streams.seed_candles(demo, live, reply.data)
    elif streams is not None and limit <= CANDLES_PAGE:
        streams.confirm(demo, "candle" + bar, inst_id)
    pages, raws = [reply.data], [reply.raw]
    got = len(reply.data)
    while got < limit and pages[-1]:
        oldest = pages[-1][-1][0]
        query = {"instId": inst_id, "bar": bar, "after": oldest, "limit": min(limit - got, HISTORY_PAGE)}
        reply = await session.public("/api/v5/market/history-candles", query)
        if not reply.data:
            break
        pages.append(reply.data)
        raws.append(reply.raw)
        got += len(reply.data)
    contract = not symbol.is_spot
    rows = [record_from_okx(row, contract) for row in merge_candle_pages(pages, limit)]
    return Answer(rows, raws)


async def markets(bridge: Bridge, call: Call, trace: list[str]) -> Answer:
    session = bridge.session(call, trace)
    tables = await gather(*(bridge.instruments.instruments(session, kind) for kind in ("SPOT", *CONTRACT_TYPES)))
    names = future_names(tables[-1], okx_now_ms(session))
    data = {}
    for table in tables:
        for inst in table.values():
            market = market_from_instrument(inst, names.get(inst.inst_id, ""))
            data[market["symbol"]] = market
    return Answer(data)


async def tickers(bridge: Bridge, call: Call, trace: list[str]) -> Answer:
    """One ``/market/tickers`` call per instrument type (spot, swaps, futures), not one per
    symbol; dated futures are named by horizon from the cached instrument list."""
    session = bridge.session(call, trace)
    kinds = ("SPOT", *CONTRACT_TYPES)
    *replies, futures = await gather(*(session.public("/api/v5/market/tickers", {"instType": k}) for k in kinds),
                                     bridge.instruments.instruments(session, "FUTURES"))
    names = future_names(futures, okx_now_ms(session))
    data = []
    for reply in replies:
        for t in reply.data:
            data.append(ticker_from_okx(t, names.get(t["instId"], "")))
    return Answer(data, [r.raw for r in replies])
