"""The REST snapshot a private account mirror starts from: balance, positions, open orders.

Asked over REST because OKX's private channels push changes, not the state before them;
stamped with OKX's clock (``as_of``) so a push older than the snapshot is not applied over
it, and with our clock (``asked_at``) so writes made before it are known to be in it.
"""

from __future__ import annotations

from typing import Any

import attrs
from twisted.internet.interfaces import IReactorTime

from .paging import fetch_pages
from .signer import Credentials

BALANCE_PATH = "/api/v5/account/balance"
POSITIONS_PATH = "/api/v5/account/positions"
PENDING_PATH = "/api/v5/trade/orders-pending"


@attrs.frozen
class AccountSnapshot:
    balance: dict[str, Any]
    positions: list[Any]
    open_orders: list[Any]
    as_of: int  # OKX's clock, milliseconds
    asked_at: float  # our clock


async def fetch_snapshot(client: Any, clock: IReactorTime, creds: Credentials) -> AccountSnapshot:
    """Raises :class:`.errors.OkxError` when any part of it could not be read."""
    as_of = int(client.signer.now() * 1000)
    asked_at = clock.seconds()
    balance = await client.get(BALANCE_PATH, None, creds)
    positions = await client.get(POSITIONS_PATH, None, creds)
    pending = await fetch_pages(client, PENDING_PATH, {}, creds)
    return AccountSnapshot(balance.data[0] if balance.data else {}, positions.data, pending.items, as_of, asked_at)
