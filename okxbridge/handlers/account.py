"""Balances: OKX's trading account (and funding account) → FMZ's Account/Asset rows."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..fmz.answer import Answer
from ..fmz.envelope import Call
from .context import Bridge, gather
from ..convert.numbers import dec


def balance_row(d: dict[str, Any]) -> dict[str, Any]:
    """One currency of ``/account/balance``'s ``details`` as FMZ's free/frozen.

    OKX fills ``availEq`` (available equity) only in its margin account modes (Futures,
    Multi-currency, Portfolio; "" in Spot mode), docs #trading-account-rest-api-get-balance.
    There ``free`` is ``availEq`` and ``frozen`` is ``eq - availEq``, what the account cannot
    use now (order and position margin, unrealised loss) — so free + frozen = equity, as ccxt
    reads it. In Spot mode ``free`` is ``availBal`` and ``frozen`` ``frozenBal``; ``frozenBal``
    also counts what trading bots hold, which is frozen for a strategy too."""
    avail_eq = d.get("availEq")
    if avail_eq not in (None, ""):
        free = dec(avail_eq)
        eq = d.get("eq")
        frozen = dec(eq) - free if eq not in (None, "") else dec(d.get("frozenBal"))
    else:
        frozen = dec(d.get("frozenBal"))
        free = dec(d.get("availBal"), dec(d.get("cashBal")) - frozen)
    return {"currency": d["ccy"], "free": free, "frozen": frozen}


def balances_from_trading(balance: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows from ``/account/balance``'s ``details`` (see :func:`balance_row`)."""
    return [balance_row(d) for d in balance.get("details", [])]


def balances_from_funding(data: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows from ``/asset/balances``."""
    return [{"currency": d["ccy"], "free": dec(d.get("availBal")), "frozen": dec(d.get("frozenBal"))} for d in data]


def merge_balances(*tables: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per currency, free and frozen summed, in first-seen order."""
    merged: dict[str, dict[str, Any]] = {}
    for rows in tables:
        for row in rows:
            into = merged.setdefault(row["currency"], {"currency": row["currency"], "free": Decimal(0), "frozen": Decimal(0)})
            into["free"] += row["free"]
            into["frozen"] += row["frozen"]
    return list(merged.values())


def mirrored(data: list[Any]) -> dict[str, Any]:
    """The REST envelope an answer from the account mirror stands for (FMZ's ``raw``)."""
    return {"code": "0", "msg": "", "data": data, "source": "okx private websocket"}


async def accounts(bridge: Bridge, call: Call, trace: list[str]) -> Answer:
    session = bridge.session(call, trace)
    mirror = bridge.mirror(session, "balance", "accounts")
    if mirror is not None:
        balance = mirror.balance()
        return Answer(balances_from_trading(balance), mirrored([balance]))
    reply = await session.get("/api/v5/account/balance")
    bridge.answered(session)
    rows = balances_from_trading(reply.data[0]) if reply.data else []
    return Answer(rows, reply.raw)


async def assets(bridge: Bridge, call: Call, trace: list[str]) -> Answer:
    """Trading and funding accounts together, one row per currency."""
    session = bridge.session(call, trace)
    mirror = bridge.mirror(session, "balance", "assets")
    if mirror is not None:  # the funding account is not on the stream: REST
        balance = mirror.balance()
        funding = await session.get("/api/v5/asset/balances")
        rows = merge_balances(balances_from_trading(balance), balances_from_funding(funding.data))
        return Answer(rows, [mirrored([balance]), funding.raw])
    trading, funding = await gather(session.get("/api/v5/account/balance"), session.get("/api/v5/asset/balances"))
    bridge.answered(session)
    rows = merge_balances(balances_from_trading(trading.data[0]) if trading.data else [],
                          balances_from_funding(funding.data))
    return Answer(rows, [trading.raw, funding.raw])
