"""Perpetual swaps and dated futures: positions, leverage, funding.

FMZ names position ranges by settlement and kind (``USDT.swap``, ``USD.swap``,
``USDT.futures``); OKX filters by ``instType`` and, for one symbol, ``instId``.
"""

from __future__ import annotations

from typing import Any

from ..fmz.answer import Answer
from ..fmz.envelope import Call
from ..fmz.errors import ProtocolError
from ..fmz.params import decimal_param, text_param
from .context import Bridge, gather
from ..convert.instruments import inst_type_of
from ..convert.intents import LONG_SHORT
from .margin import POSITIONS_PATH, asked_margin_mode, leverage_margin_mode
from ..convert.numbers import dec, millis
from ..convert.ranges import PositionRange, in_range, parse_position_range, parse_range
from ..convert.symbols import fmz_symbol, parse_symbol

LEVERAGE_PATH = "/api/v5/account/set-leverage"
FUNDING_PATH = "/api/v5/public/funding-rate"


def position_from_okx(p: dict[str, Any], alias: str = "") -> dict[str, Any] | None:
    """FMZ Position; None for an empty net position (OKX lists closed ones with ``pos`` 0).
    In net mode the sign of ``pos`` is the direction."""
    pos = dec(p.get("pos"))
    if pos == 0:
        return None
    side = p.get("posSide")
    if side not in ("long", "short"):
        side = "long" if pos > 0 else "short"
    amount = abs(pos)
    available = abs(dec(p.get("availPos"), amount))
    symbol = fmz_symbol(p["instId"], alias)
    return {
        "symbol": symbol,
        "margin_level": dec(p.get("lever")),
        "amount": amount,
        "frozen_amount": max(amount - available, dec(0)),
        "price": dec(p.get("avgPx")),
        "profit": dec(p.get("upl")),
        "type": side,
        "contract_type": symbol.partition(".")[2],
        "margin": dec(p.get("margin"), dec(p.get("imr"))),
        "margin_mode": p.get("mgnMode", ""),
    }


async def positions(bridge: Bridge, call: Call, trace: list[str]) -> Answer:
    session = bridge.session(call, trace)
    text = text_param(call.params, "symbol", required=False)
    rng = parse_position_range(text) if text else PositionRange(("SWAP", "FUTURES"))
    if rng is None:
        symbol = parse_symbol(text)
        if symbol.is_spot:
            raise ProtocolError(f"{symbol.fmz} is spot: positions exist for contracts such as {symbol.fmz}.swap")
        rng = PositionRange((inst_type_of(symbol),), inst_id=await bridge.instruments.inst_id(session, symbol))
    mirror = bridge.mirror(session, "positions", "positions")
    if mirror is not None:
        items = sorted((p for p in mirror.positions.values() if p.get("instType") in rng.inst_types
                        and (not rng.inst_id or p.get("instId") == rng.inst_id) and in_range(p.get("instId", ""), rng)),
                       key=lambda p: int(p.get("posId") or 0), reverse=True)
        names = await bridge.instruments.aliases(session, [p["instId"] for p in items])
        data = [pos for p in items if (pos := position_from_okx(p, names.get(p["instId"], ""))) is not None]
        return Answer(data, {"code": "0", "msg": "", "data": items, "source": "okx private websocket"})
    replies = await gather(*(session.get(POSITIONS_PATH, {"instType": kind, "instId": rng.inst_id or None})
                             for kind in rng.inst_types))
    bridge.answered(session)
    items = [p for reply in replies for p in reply.data if in_range(p.get("instId", ""), rng)]
    names = await bridge.instruments.aliases(session, [p["instId"] for p in items])
    data = [pos for p in items if (pos := position_from_okx(p, names.get(p["instId"], ""))) is not None]
    return Answer(data, [r.raw for r in replies])


async def setmarginlevel(bridge: Bridge, call: Call, trace: list[str]) -> Answer:
    """Leverage for a contract, in the margin mode in use (see :func:`.margin.leverage_margin_mode`).
    In long/short mode with isolated margin OKX keeps one leverage per side, so both are set."""
    session = bridge.session(call, trace)
    symbol = parse_symbol(text_param(call.params, "symbol"))
    if symbol.is_spot:
        raise ProtocolError(f"{symbol.fmz} is spot: leverage is set on contracts such as {symbol.fmz}.swap")
    level = decimal_param(call.params, "marginLevel", required=False)
    if level is None:
        level = decimal_param(call.params, "leverage")
    if level <= 0:
        raise ProtocolError(f"marginLevel must be positive, got {level}")
    asked = asked_margin_mode(call.params)
    if asked == "cash":
        raise ProtocolError("bad marginMode 'cash': leverage is set for cross or isolated")
    inst = await bridge.instruments.instrument(session, symbol)
    inst_id = inst.inst_id
    mode = await leverage_margin_mode(bridge, session, inst, asked)
    body = {"instId": inst_id, "lever": format(level, "f"), "mgnMode": mode}
    if mode == "isolated" and await bridge.position_mode(session) == LONG_SHORT:
        replies = await gather(*(session.post(LEVERAGE_PATH, {**body, "posSide": side}) for side in ("long", "short")))
        return Answer(True, [r.raw for r in replies])
    reply = await session.post(LEVERAGE_PATH, body)
    return Answer(True, reply.raw)


def funding_from_okx(f: dict[str, Any], alias: str = "") -> dict[str, Any]:
    """FMZ Funding: the current period's rate, when it is charged, and the period (ms)."""
    at, following = millis(f.get("fundingTime")), millis(f.get("nextFundingTime"))
    return {
        "symbol": fmz_symbol(f["instId"], alias),
        "rate": dec(f.get("fundingRate")),
        "time": at,
        "interval": following - at if following > at else 8 * 3_600_000,
        "next_time": following,
    }


async def fundings(bridge: Bridge, call: Call, trace: list[str]) -> Answer:
    """One swap's funding; with a range (``USDT.swap``) or no symbol, every swap's current
    rate in that range, from one request: OKX's ``instId=ANY`` answers for all perpetuals
    (docs #public-data-rest-api-get-funding-rate)."""
    session = bridge.session(call, trace)
    text = text_param(call.params, "symbol", required=False)
    rng = parse_range(text, ("swap",)) if text else PositionRange(("SWAP",))
    if rng is None:
        symbol = parse_symbol(text)
        if not symbol.is_swap:
            raise ProtocolError(f"{symbol.fmz}: funding rates exist for perpetual swaps such as "
                                f"{symbol.base}_{symbol.quote}.swap")
        reply = await session.public(FUNDING_PATH, {"instId": await bridge.instruments.inst_id(session, symbol)})
        return Answer([funding_from_okx(f) for f in reply.data], reply.raw)
    reply = await session.public(FUNDING_PATH, {"instId": "ANY"})
    rows = [funding_from_okx(f) for f in reply.data if f.get("instType", "SWAP") == "SWAP"
            and in_range(f.get("instId", ""), rng)]
    return Answer(rows, reply.raw)
