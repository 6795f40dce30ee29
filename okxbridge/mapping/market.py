"""Market data: OKX ticker/books/trades/candles → FMZ's Ticker, Depth, Trade, Record."""

from __future__ import annotations

from typing import Any

from ..fmz.answer import Answer
from ..fmz.envelope import Call
from ..fmz.params import text_param
from .context import Bridge
from .numbers import dec, millis
from .symbols import fmz_symbol, inst_type, parse_symbol


def ticker_from_okx(t: dict[str, Any], alias: str = "") -> dict[str, Any]:
    """FMZ Ticker. ``vol`` is always in the base currency: spot's ``vol24h`` is base already,
    a contract's ``vol24h`` counts contracts and its ``volCcy24h`` is base, so contracts also
    carry ``vol_contracts``."""
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
        "vol": dec(t.get("volCcy24h") if contract else t.get("vol24h")),
        "time": millis(t.get("ts")),
    }
    if contract:
        ticker["vol_contracts"] = dec(t.get("vol24h"))
    else:
        ticker["quote_vol"] = dec(t.get("volCcy24h"))
    return ticker


async def ticker(bridge: Bridge, call: Call, trace: list[str]) -> Answer:
    symbol = parse_symbol(text_param(call.params, "symbol"))
    session = bridge.session(call, trace)
    inst_id = await bridge.instruments.inst_id(session, symbol)
    reply = await session.public("/api/v5/market/ticker", {"instId": inst_id})
    data = ticker_from_okx(reply.data[0], symbol.contract if not symbol.is_spot else "")
    data["symbol"] = symbol.fmz
    return Answer(data, reply.raw)
