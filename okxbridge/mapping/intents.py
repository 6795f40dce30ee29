"""What a strategy's ``trade`` call means for OKX, as pure functions.

FMZ says ``buy``/``sell`` (open, or plain spot) and ``closebuy``/``closesell`` (close a
long / close a short). OKX says ``side`` plus, for contracts, ``posSide`` in long/short
mode or ``reduceOnly`` in net mode (docs: #order-book-trading-trade-post-place-order).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

from ..fmz.errors import ProtocolError
from .instruments import Instrument
from .precision import okx_number, round_price, round_size

LONG_SHORT = "long_short_mode"
NET = "net_mode"
ORDER_TYPES = ("limit", "post_only", "ioc", "fok")
MARKET_PRICE = -1  # FMZ's price for a market order (or no price at all)


@attrs.frozen
class Intent:
    side: str    # buy / sell
    offset: str  # open / close ("" for spot)


def parse_intent(kind: str, contract: bool) -> Intent:
    kind = kind.strip().lower()
    if kind in ("buy", "sell"):
        return Intent(kind, "open" if contract else "")
    if kind in ("closebuy", "closesell"):
        if not contract:
            raise ProtocolError(f"type {kind!r} closes a contract position; spot orders are buy or sell")
        return Intent("sell" if kind == "closebuy" else "buy", "close")
    allowed = "buy, sell, closebuy, closesell" if contract else "buy, sell"
    raise ProtocolError(f"bad order type {kind[:20]!r}: use {allowed}")


def position_fields(intent: Intent, pos_mode: str) -> dict[str, Any]:
    """``posSide``/``reduceOnly`` for a contract order in the account's position mode."""
    if pos_mode == LONG_SHORT:
        long_side = (intent.side == "buy") == (intent.offset == "open")
        return {"posSide": "long" if long_side else "short"}
    fields: dict[str, Any] = {"posSide": "net"}
    if intent.offset == "close":
        fields["reduceOnly"] = True
    return fields


def client_order_id(nonce: int) -> str:
    """OKX wants 1–32 letters/digits; the nonce (ns, unique per call) makes a repeated call
    recognisable as the same order."""
    return f"fmz{nonce}"[:32]


def order_body(inst: Instrument, intent: Intent, price: Decimal | None, amount: Decimal, *,
               cl_ord_id: str, td_mode: str = "", pos_mode: str = NET, ord_type: str = "limit") -> dict[str, Any]:
    """The place-order body, rounded to the instrument's grid and checked against its
    minimum before anything is sent. ``price`` None or -1 is a market order; a spot
    market buy spends ``amount`` of the quote currency, as FMZ's built-in exchanges do."""
    spot = inst.inst_type == "SPOT"
    market = price is None or price == MARKET_PRICE
    if not market and price <= 0:
        # a computed price of 0 is a strategy bug, not a wish to trade at any price
        raise ProtocolError(f"price {price} is not a price: give a positive price, or -1 for a market order")
    body: dict[str, Any] = {"instId": inst.inst_id, "tdMode": td_mode or ("cash" if spot else "cross"),
                            "side": intent.side, "clOrdId": cl_ord_id}
    if market:
        body["ordType"] = "market"
        if spot and intent.side == "buy":
            if amount <= 0:
                raise ProtocolError(f"amount must be positive: a market buy of {inst.inst_id} spends that much {inst.quote}")
            body["tgtCcy"] = "quote_ccy"
            body["sz"] = okx_number(amount)
            return body
        if spot:
            body["tgtCcy"] = "base_ccy"
    else:
        if ord_type not in ORDER_TYPES:
            raise ProtocolError(f"bad order kind {ord_type[:20]!r}: use one of {', '.join(ORDER_TYPES)}")
        body["ordType"] = ord_type
        rounded = round_price(price, inst.tick_size, intent.side)
        if rounded <= 0:
            raise ProtocolError(f"price {price} rounds to {rounded} on {inst.inst_id}'s tick size {inst.tick_size}")
        body["px"] = okx_number(rounded)
    size = round_size(amount, inst.lot_size)
    unit = "contracts" if not spot else inst.base
    if size <= 0 or size < inst.min_size:
        raise ProtocolError(f"amount {amount} {unit} is below {inst.inst_id}'s minimum order size "
                            f"{okx_number(inst.min_size)} (lot size {okx_number(inst.lot_size)}); nothing was sent")
    body["sz"] = okx_number(size)
    if not spot:
        body.update(position_fields(intent, pos_mode))
    return body
