# -*- test-case-name: tests.test_registries -*-
"""Every OKX v5 REST path the bridge calls, named once (``okx-v5.md``; OKX's API docs).

Handlers, the order desk, the account streams' snapshots and the rate-limit table all
import these names, so a path OKX moves is changed in one line. The emulator keeps its own
routes (``okxbridge.sim``): it stands for OKX, and must not follow the bridge by import.
"""

from __future__ import annotations

# public market data
TICKER = "/api/v5/market/ticker"
TICKERS = "/api/v5/market/tickers"
BOOKS = "/api/v5/market/books"
TRADES = "/api/v5/market/trades"
CANDLES = "/api/v5/market/candles"
HISTORY_CANDLES = "/api/v5/market/history-candles"
INSTRUMENTS = "/api/v5/public/instruments"
FUNDING_RATE = "/api/v5/public/funding-rate"
TIME = "/api/v5/public/time"

# the account
ACCOUNT_CONFIG = "/api/v5/account/config"
BALANCE = "/api/v5/account/balance"
FUNDING_BALANCES = "/api/v5/asset/balances"
POSITIONS = "/api/v5/account/positions"
SET_LEVERAGE = "/api/v5/account/set-leverage"

# orders: one path both places (POST) and reads (GET) an order
ORDER = "/api/v5/trade/order"
CANCEL_ORDER = "/api/v5/trade/cancel-order"
AMEND_ORDER = "/api/v5/trade/amend-order"
ORDERS_PENDING = "/api/v5/trade/orders-pending"
ORDERS_HISTORY = "/api/v5/trade/orders-history"
ORDERS_HISTORY_ARCHIVE = "/api/v5/trade/orders-history-archive"

#: the order writes OKX also takes as private WebSocket operations (okx-ws.md §6)
WS_OPERATIONS = {ORDER: "order", CANCEL_ORDER: "cancel-order", AMEND_ORDER: "amend-order"}
#: the writes that carry OKX's ``expTime`` (docs #overview-transaction-timeouts: place and amend
#: orders, single or batch; the bridge places and amends single orders)
EXP_TIME_PATHS = frozenset({ORDER, AMEND_ORDER})
