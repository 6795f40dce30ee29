"""The protocol's method table: FMZ method names → the mapping's handlers."""

from __future__ import annotations

from functools import partial

from ..fmz.app import MethodTable
from . import account, market, trade
from .context import Bridge


def method_table(bridge: Bridge) -> MethodTable:
    handlers = {
        "ticker": market.ticker,
        "accounts": account.accounts,
        "orders": trade.orders,
    }
    return MethodTable({name: partial(h, bridge) for name, h in handlers.items()})
