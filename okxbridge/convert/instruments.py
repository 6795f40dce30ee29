# -*- test-case-name: tests.convert.test_instruments -*-
"""OKX's instruments as values: precision for orders, horizons for dated futures.

:class:`Instrument` is one row of ``GET /api/v5/public/instruments``; the functions name a
dated future by its horizon (``this_week`` …) from its expiry and OKX's delivery schedule.
The cache that fetches the list is :mod:`okxbridge.okx.instruments`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

from .expiries import name_futures
from .numbers import dec
from .symbols import Symbol


@attrs.frozen
class Instrument:
    inst_id: str
    inst_type: str
    base: str
    quote: str
    tick_size: Decimal
    lot_size: Decimal
    min_size: Decimal
    max_limit_size: Decimal
    max_market_size: Decimal
    max_limit_amount: Decimal
    ct_val: Decimal
    ct_val_ccy: str
    ct_type: str
    settle: str
    alias: str
    state: str
    exp_time: int
    #: OKX's numeric instrument code, which its WebSocket order operations take (okx-ws.md §6)
    inst_id_code: int | None = None

    @classmethod
    def from_okx(cls, d: dict[str, Any]) -> "Instrument":
        inst_id = d["instId"]
        parts = inst_id.split("-")
        base = d.get("baseCcy") or parts[0]
        quote = d.get("quoteCcy") or (parts[1] if len(parts) > 1 else "")
        return cls(
            inst_id=inst_id, inst_type=d.get("instType", ""), base=base, quote=quote,
            tick_size=dec(d.get("tickSz")), lot_size=dec(d.get("lotSz")), min_size=dec(d.get("minSz")),
            max_limit_size=dec(d.get("maxLmtSz")), max_market_size=dec(d.get("maxMktSz")),
            max_limit_amount=dec(d.get("maxLmtAmt")), ct_val=dec(d.get("ctVal")), ct_val_ccy=d.get("ctValCcy", ""),
            ct_type=d.get("ctType", ""), settle=d.get("settleCcy", ""), alias=d.get("alias", ""),
            state=d.get("state", ""), exp_time=int(d.get("expTime") or 0),
            inst_id_code=int(d["instIdCode"]) if str(d.get("instIdCode", "")).isdigit() else None,
        )


def inst_type_of(symbol: Symbol) -> str:
    if symbol.is_spot:
        return "SPOT"
    return "SWAP" if symbol.is_swap else "FUTURES"  # OKX's instId as contract type: its own shape


def future_names(instruments: dict[str, Instrument], now_ms: float) -> dict[str, str]:
    """instId → horizon (``this_week`` …) of the live dated futures, from their expiry and
    OKX's delivery schedule — not from OKX's deprecated ``alias`` field."""
    return name_futures(((i.inst_id, i.exp_time) for i in instruments.values()
                         if i.inst_type == "FUTURES" and i.state == "live"), now_ms)


def find_alias(instruments: dict[str, Instrument], symbol: Symbol, now_ms: float = 0) -> Instrument | None:
    """The live dated future of ``symbol``'s pair whose horizon is the symbol's contract
    type — never one already past its expiry, whatever a list fetched before it says."""
    pair = f"{symbol.base}-{symbol.quote}-"
    mine = {k: i for k, i in instruments.items() if k.startswith(pair) and k.count("-") == 2}
    for inst_id, name in future_names(mine, now_ms).items():
        if name == symbol.horizon:
            return instruments[inst_id]
    return None


def next_expiry(instruments: dict[str, Instrument], now_ms: float) -> int:
    """The earliest expiry still ahead (ms; 0 if none): when it passes, aliases move on."""
    return min((i.exp_time for i in instruments.values() if i.exp_time > now_ms), default=0)


def is_alias(symbol: Symbol) -> bool:
    """Whether the symbol names its contract by horizon, which needs the instrument list."""
    return bool(symbol.horizon)

