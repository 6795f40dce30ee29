"""How an order write travels: REST (``POST /trade/order``, ``/trade/cancel-order``) or, with
``--trade-over ws``, OKX's private WebSocket operations ``order``/``cancel-order``.

Only the transport changes: the caller (:mod:`.trade`, :mod:`.cancel`) has claimed the write
in the ledger before calling, reads an answer the same way (an :class:`OkxReply`, or the
:class:`OkxError` of the item's ``sCode``), and treats no answer — a timeout, the connection
lost — as an unknown outcome resolved by reading the order back by ``clOrdId`` over REST.
The WebSocket is used only while the key's private stream is logged in; otherwise REST.
The instrument goes as ``instIdCode`` (OKX deprecated ``instId`` there in 2026; okx-ws.md
§6), ``instId`` only when the instrument list gave no code.
"""

from __future__ import annotations

from typing import Any

from ..okx.client import OkxReply
from ..handlers.context import Bridge, Session

PLACE_PATH = "/api/v5/trade/order"
CANCEL_PATH = "/api/v5/trade/cancel-order"
OPS = {PLACE_PATH: "order", CANCEL_PATH: "cancel-order"}


async def send_write(bridge: Bridge, session: Session, path: str, body: dict[str, Any]) -> OkxReply:
    account = None
    if bridge.trade_over == "ws" and bridge.private is not None:
        account = bridge.private.account(session.creds)
    if account is None or not account.stream.is_ready:
        reply = await session.post(path, body)
        if bridge.trade_over == "ws" and bridge.private is not None:
            bridge.private.confirm(session.creds)  # OKX took a write signed with it: the stream may open
        return reply
    args = dict(body)
    code = await bridge.instruments.inst_id_code(session, body["instId"])
    if code is not None:
        del args["instId"]
        args["instIdCode"] = code
    op = OPS[path]
    client = session.client
    return await client.paced("POST", path, body, session.creds, lambda: account.operate(op, [args], client.timeout),
                              trace=session.trace, label=f"WS {op}")
