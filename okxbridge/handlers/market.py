# -*- test-case-name: tests.handlers.test_trade -*-
"""Market data: OKX ticker/books/trades/candles/instruments → FMZ's Ticker, Depth, Trade,
Record and Market."""

from __future__ import annotations

from ..convert.instruments import future_names
from ..convert.market import (
    depth_from_okx,
    market_from_instrument,
    ticker_from_okx,
    trades_from_okx,
)
from ..convert.records import (
    CANDLES_PAGE,
    DEFAULT_LIMIT,
    HISTORY_PAGE,
    UNIT_SECONDS,
    bar_seconds,
    merge_candle_pages,
    okx_bar,
    record_from_okx,
)
from ..convert.symbols import Symbol, parse_symbol
from ..fmz.answer import Answer
from ..fmz.envelope import Call
from ..fmz.params import int_param, text_param
from ..okx import paths
from ..okx.market_streams import BOOK_CHANNEL, TRADES_CHANNEL, Streamed
from ..okx.session import Session, first
from .deps import Market, gather

CONTRACT_TYPES = ("SWAP", "FUTURES")
#: the most OKX gives: books ``sz`` max 400, market/trades ``limit`` max 500 (spec okx-v5.md §4);
#: FMZ answers a larger ask softly with what the exchange has, so the bridge does too
DEPTH_MAX, TRADES_MAX = 400, 500


def capped_limit(call: Call, most: int, default: int) -> int:
    """``limit`` (0: ``default``), at most ``most``: above it is OKX's maximum, not an error."""
    return min(int_param(call.params, "limit", default=0) or default, most)

#: bars OKX lists on /market/history-candles only (docs: the bar values of "Get candlesticks")
HISTORY_ONLY_BARS = frozenset({"1s"})


async def target(deps: Market, call: Call, trace: list[str]) -> tuple[Symbol, Session, str]:
    """The call's symbol, its OKX session and the instId it names (aliases resolved)."""
    symbol = parse_symbol(text_param(call.params, "symbol"))
    session = deps.session(call, trace)
    return symbol, session, await deps.instruments.inst_id(session, symbol)


def _streamed(deps: Market, method: str, found: Streamed | None) -> Streamed | None:
    if deps.streams is not None:
        deps.streams.count(method, "stream" if found is not None else "rest")
    return found


async def ticker(deps: Market, call: Call, trace: list[str]) -> Answer:
    symbol, session, inst_id = await target(deps, call, trace)
    streams = deps.streams
    found = _streamed(deps, "ticker", streams.ticker(session.creds.simulated, inst_id) if streams else None)
    if found is not None:
        data = ticker_from_okx(found.data)
        raw = found.raw
    else:
        reply = await session.public(paths.TICKER, {"instId": inst_id})
        data, raw = ticker_from_okx(first(reply, f"ticker for {inst_id}")), reply.raw
        if streams is not None:
            streams.confirm(session.creds.simulated, "tickers", inst_id)
    data["symbol"] = symbol.fmz
    return Answer(data, raw)


async def depth(deps: Market, call: Call, trace: list[str]) -> Answer:
    limit = capped_limit(call, DEPTH_MAX, 20)
    symbol, session, inst_id = await target(deps, call, trace)
    streams = deps.streams
    found = _streamed(deps, "depth", streams.book(session.creds.simulated, inst_id) if streams else None)
    if found is not None:
        book = found.data.as_okx(limit)
        # the last push alone may be an increment: raw is its envelope with the levels served
        raw = {"arg": found.raw.get("arg"), "action": found.raw.get("action"),
               "data": [{**book, "seqId": found.data.seq_id}]}
        data = depth_from_okx(book, limit)
    else:
        reply = await session.public(paths.BOOKS, {"instId": inst_id, "sz": limit})
        data, raw = depth_from_okx(first(reply, f"order book for {inst_id}"), limit), reply.raw
        if streams is not None:
            public = Session(session.client, session.creds, []).public  # a trace of its own, not this call's
            streams.confirm(session.creds.simulated, BOOK_CHANNEL, inst_id, public)
    data["symbol"] = symbol.fmz
    return Answer(data, raw)


async def trades(deps: Market, call: Call, trace: list[str]) -> Answer:
    limit = capped_limit(call, TRADES_MAX, 100)
    symbol, session, inst_id = await target(deps, call, trace)
    streams, demo = deps.streams, session.creds.simulated
    found = _streamed(deps, "trades", streams.trades(demo, inst_id, limit) if streams else None)
    if found is not None:
        return Answer(trades_from_okx(found.data), found.raw)
    live = streams and streams.trades_entry(demo, inst_id)
    reply = await session.public(paths.TRADES, {"instId": inst_id, "limit": limit})
    if streams is not None and live:
        streams.seed_trades(demo, live, reply.data)  # asked while live: no hole between page and pushes
    elif streams is not None:
        streams.confirm(demo, TRADES_CHANNEL, inst_id)
    return Answer(trades_from_okx(reply.data), reply.raw)


async def records(deps: Market, call: Call, trace: list[str]) -> Answer:
    """Recent candles first; when ``limit`` is more than that page holds, older bars come
    from ``history-candles``, following ``after`` (the oldest bar's open time). While the
    candle stream is fresh and holds ``limit`` bars, they are answered locally."""
    unit = deps.records_period_unit
    period = int_param(call.params, "period", default=60 // UNIT_SECONDS[unit])
    bar = okx_bar(period, unit)
    seconds = bar_seconds(period, unit)
    limit = int_param(call.params, "limit", default=0, maximum=10_000) or DEFAULT_LIMIT
    symbol, session, inst_id = await target(deps, call, trace)
    streams, demo = deps.streams, session.creds.simulated
    if streams is not None and limit <= CANDLES_PAGE:
        found = _streamed(deps, "records", streams.candles(demo, bar, inst_id, limit, seconds))
        if found is not None:
            rows = [record_from_okx(row) for row in merge_candle_pages([found.data], limit)]
            return Answer(rows, found.raw)
    live = streams and limit <= CANDLES_PAGE and streams.candles_entry(demo, bar, inst_id)
    # OKX documents 1s bars on history-candles (and candle1s) only, not on /market/candles
    recent, page = (paths.HISTORY_CANDLES, HISTORY_PAGE) if bar in HISTORY_ONLY_BARS else (paths.CANDLES, CANDLES_PAGE)
    reply = await session.public(recent, {"instId": inst_id, "bar": bar, "limit": min(limit, page)})
    if streams is not None and live:
        streams.seed_candles(demo, live, reply.data)
    elif streams is not None and limit <= CANDLES_PAGE:
        streams.confirm(demo, "candle" + bar, inst_id)
    pages, raws = [reply.data], [reply.raw]
    got = len(reply.data)
    while got < limit and pages[-1]:
        oldest = pages[-1][-1][0]
        query = {"instId": inst_id, "bar": bar, "after": oldest, "limit": min(limit - got, HISTORY_PAGE)}
        reply = await session.public(paths.HISTORY_CANDLES, query)
        if not reply.data:
            break
        pages.append(reply.data)
        raws.append(reply.raw)
        got += len(reply.data)
    rows = [record_from_okx(row) for row in merge_candle_pages(pages, limit)]
    return Answer(rows, raws)


async def markets(deps: Market, call: Call, trace: list[str]) -> Answer:
    """Keyed by FMZ's symbol; each row's ``symbol`` is OKX's instId, since FMZ's Market.Symbol
    "records the original name of this trading symbol on the exchange" (syntax guide, Market),
    and ``raw`` is OKX's instrument lists, which FMZ shows as Market.Info."""
    session = deps.session(call, trace)
    kinds = ("SPOT", *CONTRACT_TYPES)
    tables = await gather(*(deps.instruments.instruments(session, kind) for kind in kinds))
    names = future_names(tables[-1], session.okx_now_ms())
    data = {}
    for table in tables:
        for inst in table.values():
            market = market_from_instrument(inst, names.get(inst.inst_id, ""))
            data[market["symbol"]] = {**market, "symbol": inst.inst_id}
    return Answer(data, [deps.instruments.raw_of(session, kind) for kind in kinds])


async def tickers(deps: Market, call: Call, trace: list[str]) -> Answer:
    """One ``/market/tickers`` call per instrument type (spot, swaps, futures), not one per
    symbol; dated futures are named by horizon from the cached instrument list."""
    session = deps.session(call, trace)
    kinds = ("SPOT", *CONTRACT_TYPES)
    *replies, futures = await gather(*(session.public(paths.TICKERS, {"instType": k}) for k in kinds),
                                     deps.instruments.instruments(session, "FUTURES"))
    names = future_names(futures, session.okx_now_ms())
    data = []
    for reply in replies:
        for t in reply.data:
            data.append(ticker_from_okx(t, names.get(t["instId"], "")))
    return Answer(data, [r.raw for r in replies])
