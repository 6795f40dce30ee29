# -*- test-case-name: tests.e2e.test_contract_session, tests.e2e.test_fidelity -*-
"""Perpetual swaps and dated futures: positions, leverage, funding.

FMZ names position ranges by settlement and kind (``USDT.swap``, ``USD.swap``,
``USDT.futures``); OKX filters by ``instType`` and, for one symbol, ``instId``.
"""

from __future__ import annotations

from ..convert.instruments import inst_type_of
from ..convert.intents import LONG_SHORT, SPOT_MODE
from ..convert.positions import funding_from_okx, position_from_okx
from ..convert.ranges import PositionRange, in_range, parse_range
from ..convert.symbols import called_names, parse_symbol
from ..fmz.answer import Answer
from ..fmz.envelope import Call
from ..fmz.errors import ProtocolError
from ..fmz.params import decimal_param, text_param
from ..okx import paths
from ..okx.account_mirror import mirrored
from ..okx.session import Session
from .deps import Trading, gather
from .margin import asked_margin_mode, leverage_margin_mode


async def refuse_in_spot_mode(deps: Trading, session: Session, method: str) -> None:
    """A Spot-mode account has no contracts (OKX answers 51010): say so, and what to do."""
    if await deps.accounts.of(session.creds).account_mode(session) == SPOT_MODE:
        raise ProtocolError(f"{method}: the OKX account is in Spot mode, which has no contracts, positions or "
                            "leverage; switch it to Futures, Multi-currency margin or Portfolio margin mode on OKX "
                            "to trade contracts")


async def positions(deps: Trading, call: Call, trace: list[str]) -> Answer:
    session = deps.session(call, trace)
    text = text_param(call.params, "symbol", required=False)
    rng = parse_range(text) if text else PositionRange(("SWAP", "FUTURES"))
    called: dict[str, str] = {}
    if rng is None:
        symbol = parse_symbol(text)
        if symbol.is_spot:
            raise ProtocolError(f"{symbol.fmz} is spot: positions exist for contracts such as {symbol.fmz}.swap")
        rng = PositionRange((inst_type_of(symbol),), inst_id=await deps.instruments.inst_id(session, symbol))
        called = called_names(symbol, rng.inst_id)
    account = deps.accounts.of(session.creds)
    await refuse_in_spot_mode(deps, session, "positions")
    mirror = account.mirror("positions", "positions")
    if mirror is not None:
        items = sorted((p for p in mirror.positions.values() if p.get("instType") in rng.inst_types
                        and (not rng.inst_id or p.get("instId") == rng.inst_id) and in_range(p.get("instId", ""), rng)),
                       key=lambda p: int(p.get("posId") or 0), reverse=True)
        names = {**await deps.instruments.aliases(session, [p["instId"] for p in items]), **called}
        data = [pos for p in items if (pos := position_from_okx(p, names.get(p["instId"], ""))) is not None]
        return Answer(data, mirrored(items))
    replies = await gather(*(session.get(paths.POSITIONS, {"instType": kind, "instId": rng.inst_id or None})
                             for kind in rng.inst_types))
    account.answered(session)  # and its UID learnt, once
    items = [p for reply in replies for p in reply.data if in_range(p.get("instId", ""), rng)]
    names = {**await deps.instruments.aliases(session, [p["instId"] for p in items]), **called}
    data = [pos for p in items if (pos := position_from_okx(p, names.get(p["instId"], ""))) is not None]
    return Answer(data, [r.raw for r in replies])


async def setmarginlevel(deps: Trading, call: Call, trace: list[str]) -> Answer:
    """Leverage for a contract, in the margin mode in use (see :func:`.margin.leverage_margin_mode`).
    In long/short mode with isolated margin OKX keeps one leverage per side, so both are set."""
    session = deps.session(call, trace)
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
    await refuse_in_spot_mode(deps, session, "setmarginlevel")
    inst = await deps.instruments.instrument(session, symbol)
    inst_id = inst.inst_id
    mode = await leverage_margin_mode(deps, session, inst, asked)
    body = {"instId": inst_id, "lever": format(level, "f"), "mgnMode": mode}
    if mode == "isolated" and await deps.accounts.of(session.creds).position_mode(session) == LONG_SHORT:
        replies = await gather(*(session.post(paths.SET_LEVERAGE, {**body, "posSide": side})
                                 for side in ("long", "short")))
        return Answer(True, [r.raw for r in replies])
    reply = await session.post(paths.SET_LEVERAGE, body)
    return Answer(True, reply.raw)


async def fundings(deps: Trading, call: Call, trace: list[str]) -> Answer:
    """One swap's funding; with a range (``USDT.swap``) or no symbol, every swap's current
    rate in that range, from one request: OKX's ``instId=ANY`` answers for all perpetuals
    (docs #public-data-rest-api-get-funding-rate). Dated futures pay no funding: FMZ answers
    an empty list for one (``BTC_USDT.quarter``) or a range of them (``USDT.futures``), not an
    error — nothing is asked of OKX; spot stays an error, since no contract is meant."""
    session = deps.session(call, trace)
    text = text_param(call.params, "symbol", required=False)
    rng = parse_range(text) if text else PositionRange(("SWAP",))
    if rng is not None and "SWAP" not in rng.inst_types:
        return Answer([])
    if rng is None:
        symbol = parse_symbol(text)
        if symbol.is_spot:
            raise ProtocolError(f"{symbol.fmz}: funding rates exist for perpetual swaps such as "
                                f"{symbol.base}_{symbol.quote}.swap")
        if not symbol.is_swap:
            return Answer([])
        inst_id = await deps.instruments.inst_id(session, symbol)
        reply = await session.public(paths.FUNDING_RATE, {"instId": inst_id})
        named = called_names(symbol, inst_id).get(inst_id, "")
        return Answer([funding_from_okx(f, named) for f in reply.data], reply.raw)
    reply = await session.public(paths.FUNDING_RATE, {"instId": "ANY"})
    rows = [funding_from_okx(f) for f in reply.data if f.get("instType", "SWAP") == "SWAP"
            and in_range(f.get("instId", ""), rng)]
    return Answer(rows, reply.raw)
