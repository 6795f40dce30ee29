# -*- test-case-name: tests.desk.test_resolution, tests.fmz.test_app, tests.handlers.test_trade -*-
"""The protocol's method table: FMZ method names → the handlers, each bound to its view.

The names of the contract calls (GetPositions, SetMarginLevel, GetFundings) are not fixed
by FMZ's protocol text, so each accepts the spellings seen in FMZ's docs and samples;
lookups are case-insensitive. A handler gets the one view (:mod:`.deps`) its module needs.
"""

from __future__ import annotations

import sys
from functools import partial
from types import ModuleType
from typing import Any, Callable, Coroutine

import attrs
from twisted.internet.interfaces import IReactorTime

from ..convert.io_policy import IoPolicy
from ..desk.desk import OrderDesk
from ..desk.memory import MemoryLedger
from ..desk.store import LedgerStore
from ..desk.write_transport import WriteTransport
from ..fmz.answer import Answer
from ..fmz.app import MethodTable
from ..okx.accounts import Accounts
from ..okx.client import OkxClient
from ..okx.instruments import InstrumentCache
from ..okx.market_streams import MarketStreams
from . import account, amend, cancel, contracts, io, market, order_reads, trade
from .deps import Market, Raw, Reading, Trading, TradingDefaults

#: method name → its handler: ``async (view, call, trace) -> Answer``
HANDLERS: dict[str, Callable[..., Coroutine[Any, Any, Answer]]] = {
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
    "modifyorder": amend.modifyorder,
    "amend": amend.modifyorder,
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

#: shortcut → its positional parameters, in order; a trailing "?" marks an optional one.
SHORTCUTS: dict[str, tuple[str, ...]] = {
    "ticker": ("symbol",),
    "depth": ("symbol", "limit?"),
    "trades": ("symbol",),
    "records": ("symbol", "period?", "limit?"),
    "markets": (),
    "tickers": (),
    "accounts": (),
    "assets": (),
    "trade": ("symbol", "type", "price", "amount"),
    "orders": ("symbol?",),
    "order": ("id", "symbol?"),
    "cancel": ("id", "symbol?"),
    "modifyorder": ("id", "price", "amount", "symbol?"),
    "historyorders": ("symbol?", "since?", "limit?"),
    "positions": ("symbol?",),
    "setmarginlevel": ("symbol", "marginLevel"),
    "fundings": ("symbol?",),
}
#: calls that need no real key: the daemon reads them unsigned, so a placeholder key will do.
PUBLIC = {"ticker", "depth", "trades", "records", "markets", "tickers", "fundings"}


@attrs.frozen
class Views:
    """The views the handler areas take, built once by the composition root."""

    market: Market
    reading: Reading
    trading: Trading

    @classmethod
    def create(cls, client: OkxClient, clock: IReactorTime, *, instruments_ttl: float = 300.0,
               defaults: TradingDefaults | None = None, ledger: LedgerStore | None = None) -> "Views":
        """Views over fresh parts, for a client alone (the tests' in-memory daemon): no
        streams, an in-memory ledger. The daemon builds its own in :mod:`okxbridge.service`."""
        instruments = InstrumentCache(clock, instruments_ttl)
        accounts = Accounts(clock)
        desk = OrderDesk.for_client(clock, client, WriteTransport(accounts, instruments),
                                    ledger=ledger or MemoryLedger())
        return cls.over(client, instruments, accounts, desk, defaults=defaults or TradingDefaults())

    @classmethod
    def over(cls, client: OkxClient, instruments: InstrumentCache, accounts: Accounts, desk: OrderDesk, *,
             streams: MarketStreams | None = None, defaults: TradingDefaults,
             history_order: str = "oldest-first") -> "Views":
        """The three views over the same parts (the one place they are put together)."""
        return cls(Market(client, instruments, streams, defaults.records_period_unit),
                   Reading(client, instruments, accounts, history_order=history_order),
                   Trading(client, instruments, accounts, desk, defaults, history_order=history_order))

    def for_handler(self, handler: Any) -> Any:
        """The view ``handler`` (one of :data:`HANDLERS`) takes as its first argument."""
        return self.for_module(sys.modules[handler.__module__])

    @property
    def raw(self) -> Raw:
        return Raw(self.market.client)

    def for_module(self, module: ModuleType) -> Any:
        """The view a handler module's functions take as their first argument."""
        return {market: self.market, account: self.reading, order_reads: self.reading,
                trade: self.trading, cancel: self.trading, amend: self.trading,
                contracts: self.trading}[module]


def method_table(views: Views, io_policy: IoPolicy = io.DEFAULT_POLICY) -> MethodTable:
    return MethodTable({name: partial(h, views.for_handler(h)) for name, h in HANDLERS.items()},
                       io=partial(io.io, views.raw, policy=io_policy))
