"""Orders: open-order lists (every page), single orders, history, placing and cancelling."""

from __future__ import annotations

from ..fmz.answer import Answer
from ..fmz.envelope import Call
from ..fmz.params import text_param
from ..okx.paging import fetch_pages
from .context import Bridge
from .instruments import inst_type_of
from .orders import order_from_okx
from .symbols import parse_symbol

PENDING_PATH = "/api/v5/trade/orders-pending"


async def orders(bridge: Bridge, call: Call, trace: list[str]) -> Answer:
    """Open orders of one symbol, or of the whole account when ``symbol`` is empty."""
    session = bridge.session(call, trace)
    text = text_param(call.params, "symbol", required=False)
    params: dict[str, str] = {}
    alias = ""
    if text:
        symbol = parse_symbol(text)
        params = {"instType": inst_type_of(symbol), "instId": await bridge.instruments.inst_id(session, symbol)}
        alias = symbol.contract if not symbol.is_spot and not symbol.is_swap else ""
    pages = await fetch_pages(session.client, PENDING_PATH, params, session.creds, trace=trace)
    return Answer([order_from_okx(o, alias) for o in pages.items], pages.raws)
