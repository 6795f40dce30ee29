# -*- test-case-name: tests.convert.test_market -*-
"""OKX's market data → FMZ's Ticker, Depth, Trade and Market (pure)."""

from __future__ import annotations

from typing import Any

from .instruments import Instrument
from .numbers import dec, millis
from .precision import decimals
from .symbols import fmz_symbol, inst_type


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

