# -*- test-case-name: tests.okx.test_private_account -*-
"""The REST snapshot a private account mirror starts from: balance, positions, open orders.

Asked over REST because OKX's private channels push changes, not the state before them;
stamped with OKX's clock (``as_of``) so a push older than the snapshot is not applied over
it, and with our clock (``asked_at``) so writes made before it are known to be in it.
"""

from __future__ import annotations

from typing import Any

import attrs
from twisted.internet.interfaces import IReactorTime

from . import paths
from .paging import fetch_pages
from .signer import Credentials


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
    balance = await client.get(paths.BALANCE, None, creds)
    positions = await client.get(paths.POSITIONS, None, creds)
    pending = await fetch_pages(client, paths.ORDERS_PENDING, {}, creds)
    return AccountSnapshot(balance.data[0] if balance.data else {}, positions.data, pending.items, as_of, asked_at)
