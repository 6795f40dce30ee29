"""The protocol's method table: FMZ method names → the mapping's handlers.

The names of the contract calls (GetPositions, SetMarginLevel, GetFundings) are not fixed
by FMZ's protocol text, so each accepts the spellings seen in FMZ's docs and samples;
lookups are case-insensitive.
"""

from __future__ import annotations

from functools import partial

from ..fmz.app import MethodTable
from . import account, cancel, contracts, io, market, order_reads, trade
from .context import Bridge
from ..convert.io_policy import IoPolicy

HANDLERS = {
    "ticker": market.ticker,
    "depth": market.depth,
    "trades": market.trades,
    "records": market.records,
    "markets": market.markets,
    "tickers": market.tickers,
    "accounts": account.accounts,
    "assets": account.assets,
    "trade": trade.trade,
    "order": order_reads.order,
    "orders": order_reads.orders,
    "historyorders": order_reads.historyorders,
    "cancel": cancel.cancel,
    "positions": contracts.positions,
    "getpositions": contracts.positions,
    "position": contracts.positions,
    "getposition": contracts.positions,
    "setmarginlevel": contracts.setmarginlevel,
    "marginlevel": contracts.setmarginlevel,
    "setleverage": contracts.setmarginlevel,
    "fundings": contracts.fundings,
    "getfundings": contracts.fundings,
    "funding": contracts.fundings,
}


def method_table(bridge: Bridge, io_policy: IoPolicy = io.DEFAULT_POLICY) -> MethodTable:
    return MethodTable({name: partial(h, bridge) for name, h in HANDLERS.items()},
                       io=partial(io.io, bridge, policy=io_policy))
