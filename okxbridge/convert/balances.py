# -*- test-case-name: tests.convert.test_balances -*-
"""OKX's trading and funding balances → FMZ's Account/Asset rows (pure)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .numbers import dec


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
            empty = {"currency": row["currency"], "free": Decimal(0), "frozen": Decimal(0)}
            into = merged.setdefault(row["currency"], empty)
            into["free"] += row["free"]
            into["frozen"] += row["frozen"]
    return list(merged.values())

