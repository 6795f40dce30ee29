# -*- test-case-name: tests.desk.test_write_transport -*-
"""How an order write travels: REST (``POST /trade/order``, ``/trade/cancel-order``) or, with
``--trade-over ws``, OKX's private WebSocket operations ``order``/``cancel-order``.

Only the transport changes: the caller (the trade and cancel handlers) has claimed the write
in the ledger before calling, reads an answer the same way (an :class:`OkxReply`, or the
:class:`OkxError` of the item's ``sCode``), and treats no answer — a timeout, the connection
lost — as an unknown outcome resolved by reading the order back by ``clOrdId`` over REST.
The WebSocket is used only while the key's private stream is logged in; otherwise REST.
The instrument goes as ``instIdCode`` (OKX deprecated ``instId`` there in 2026; okx-ws.md
§6), ``instId`` only when the instrument list gave no code.
"""

from __future__ import annotations

from typing import Any

import attrs

from ..okx.accounts import Accounts
from ..okx.call import OkxCall
from ..okx.client import OkxReply
from ..okx.instruments import InstrumentCache
from ..okx.paths import EXP_TIME_PATHS, WS_OPERATIONS
from ..okx.session import Session


@attrs.frozen
class WriteTransport:
    accounts: Accounts
    instruments: InstrumentCache
    #: "rest", or "ws" (the private stream's operations)
    trade_over: str = "rest"

    async def send(self, session: Session, path: str, body: dict[str, Any], deadline: float | None = None) -> OkxReply:
        """``deadline`` (our clock): the write's, sent to OKX as ``expTime`` on placements."""
        account = self.accounts.of(session.creds)
        stream = account.operations() if self.trade_over == "ws" else None
        if stream is None:
            reply = await session.post(path, body, deadline=deadline)
            if self.trade_over == "ws":
                account.answered()  # OKX took a write signed with it: the stream may open
            return reply
        args = dict(body)
        code = await self.instruments.inst_id_code(session, body["instId"])
        if code is not None:
            del args["instId"]
            args["instIdCode"] = code
        op = WS_OPERATIONS[path]
        client = session.client

        def operate(call: OkxCall) -> Any:
            # docs #order-book-trading-trade-ws-place-order: expTime is a top-level field
            exp_time = client.signer.okx_ms(call.deadline) if path in EXP_TIME_PATHS else None
            return stream.operate(op, [args], client.timeout, exp_time)
        return await client.paced("POST", path, body, session.creds, operate, trace=session.trace,
                                  label=f"WS {op}", deadline=deadline)
