# -*- test-case-name: tests.convert.test_orders -*-
"""OKX order objects → FMZ's Order, and FMZ's order ids ⇄ OKX's (pure)."""

from __future__ import annotations

from typing import Any

from ..fmz.errors import ProtocolError
from .numbers import dec, millis
from .symbols import fmz_symbol, inst_type

#: OKX ``state`` → FMZ ``status`` (a canceled order with fills is FMZ's partial-canceled).
STATUS = {
    "live": "pending",
    "partially_filled": "partial-filled",
    "filled": "filled",
    "canceled": "canceled",
    "mmp_canceled": "canceled",
}


def fmz_status(state: str, filled: Any) -> str:
    status = STATUS.get(state, state)
    if status == "canceled" and dec(filled) > 0:
        return "partial-canceled"
    return status


def order_id(inst_id: str, ord_id: str) -> str:
    return f"{inst_id},{ord_id}"


def split_order_id(text: str) -> tuple[str, str]:
    """``INSTID,ORDID`` → (instId, ordId); a bare ordId gives instId "" (symbol needed)."""
    inst_id, sep, ord_id = text.strip().rpartition(",")
    if not ord_id:
        raise ProtocolError(f"bad order id {text[:60]!r}: expected INSTID,ORDID such as ETH-USDT,123456")
    return inst_id.strip().upper(), ord_id.strip()


def order_from_okx(o: dict[str, Any], alias: str = "") -> dict[str, Any]:
    """FMZ Order. ``amount`` is OKX's ``sz`` as sent: base currency, contracts, or — for a
    spot market buy placed in quote currency (``tgtCcy=quote_ccy``) — the quote spent."""
    inst_id = o["instId"]
    order = {
        "id": order_id(inst_id, o["ordId"]),
        "symbol": fmz_symbol(inst_id, alias),
        "amount": dec(o.get("sz")),
        "price": dec(o.get("px")),
        "deal_amount": dec(o.get("accFillSz")),
        "avg_price": dec(o.get("avgPx")),
        "type": o.get("side", ""),
        "status": fmz_status(o.get("state", ""), o.get("accFillSz")),
        "time": millis(o.get("cTime")),
        "order_type": o.get("ordType", ""),
        "client_id": o.get("clOrdId", ""),
    }
    if inst_type(inst_id) != "SPOT":
        order["offset"] = contract_offset(o)
        order["contract_type"] = order["symbol"].partition(".")[2]
    return order


def contract_offset(o: dict[str, Any]) -> str:
    """Open or close: explicit with long/short positions; in net mode only reduceOnly tells."""
    side, pos_side = o.get("side"), o.get("posSide")
    if pos_side == "long":
        return "open" if side == "buy" else "close"
    if pos_side == "short":
        return "open" if side == "sell" else "close"
    return "close" if str(o.get("reduceOnly")).lower() == "true" else "open"
