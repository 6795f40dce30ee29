# -*- test-case-name: tests.e2e.test_hardening -*-
"""``--allow-key``: only the named OKX access keys may be used through this daemon.

A bridge reachable by more than one strategy host would otherwise sign for any key sent
to it. The check wraps each handler, so a refused call never reaches the exchange side,
and it reads only the protocol's ``access_key`` field — nothing of OKX.
"""

from __future__ import annotations

from typing import Iterable

from .answer import Answer
from .app import Handler, MethodTable
from .envelope import Call
from .errors import ProtocolError

REFUSED = "access key not allowed by this okxbridge (--allow-key)"


def parse_key_list(text: str) -> tuple[str, ...]:
    """``"k1, k2"`` → ``("k1", "k2")``; used for both ``--allow-key k1,k2`` and the config file."""
    return tuple(key.strip() for key in text.split(",") if key.strip())


def guarded(handler: Handler, allowed: frozenset[str]) -> Handler:
    async def handle(call: Call, trace: list[str]) -> Answer:
        if call.access_key not in allowed:
            raise ProtocolError(REFUSED)  # the refused key itself is not echoed back or logged
        return await handler(call, trace)
    return handle


def restrict_keys(table: MethodTable, keys: Iterable[str]) -> MethodTable:
    """The same table, every handler refusing keys not in ``keys`` (no keys: unchanged)."""
    allowed = frozenset(keys)
    if not allowed:
        return table
    return MethodTable({name: guarded(h, allowed) for name, h in table.handlers.items()},
                       None if table.io is None else guarded(table.io, allowed))
