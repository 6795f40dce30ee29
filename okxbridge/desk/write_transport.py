# -*- test-case-name: tests.desk.test_write_transport -*-
"""How an order write travels: REST (``POST /trade/order``, ``/trade/cancel-order``) or, with
``--trade-over ws``, OKX's private WebSocket operations ``order``/``cancel-order``.

Only the transport changes: the caller (the trade and cancel handlers) has claimed the write
in the ledger before calling, reads an answer the same way (an :class:`OkxReply`, or the
:class:`OkxError` of the item's ``sCode``), and treats no answer — a timeout, the connection
lost — as an unknown outcome resolved by reading the order back by ``clOrdId`` over REST.
The WebSocket is used only while the key's private stream is logged in; otherwise REST.
The instrument goes as ``instIdCode``: OKX ignores ``instId`` in WebSocket order operations
since March 2026 (okx-v5.md §10, okx-ws.md §6) and lists the code as ``null`` when it has not
generated one, so an instrument without a code is written over REST — the same write, under
the claim the caller already holds, so it still goes out once.
"""

from __future__ import annotations

from typing import Any

import attrs
from twisted.logger import Logger

from ..okx.accounts import Accounts
from ..okx.call import OkxCall
from ..okx.client import OkxReply
from ..okx.instruments import InstrumentCache
from ..okx.paths import EXP_TIME_PATHS, WS_OPERATIONS
from ..okx.session import Session

log = Logger()


@attrs.define(eq=False)
class WriteTransport:
    accounts: Accounts
    instruments: InstrumentCache
    #: "rest", or "ws" (the private stream's operations)
    trade_over: str = "rest"
    #: writes sent over REST although the stream was ready: their instrument had no instIdCode
    over_rest: int = 0

    async def send(self, session: Session, path: str, body: dict[str, Any], deadline: float | None = None) -> OkxReply:
        """``deadline`` (our clock): the write's, sent to OKX as ``expTime`` on placements."""
        account = self.accounts.of(session.creds)
        stream = account.operations() if self.trade_over == "ws" else None
        code = None if stream is None else await self.instruments.inst_id_code(session, body["instId"])
        if stream is None or code is None:
            if stream is not None:  # no instIdCode: OKX would refuse it over the WebSocket
                self.over_rest += 1
                log.info("okx {path} for {inst_id} over REST: OKX lists no instIdCode for it", path=path,
                         inst_id=body["instId"])
            reply = await session.post(path, body, deadline=deadline)
            if self.trade_over == "ws":
                account.answered(session)  # OKX took a write signed with it: the stream may open
            return reply
        args = {k: v for k, v in body.items() if k != "instId"}
        args["instIdCode"] = code
        op = WS_OPERATIONS[path]
        client = session.client

        def operate(call: OkxCall) -> Any:
            # docs #order-book-trading-trade-ws-place-order: expTime is a top-level field
            exp_time = client.signer.okx_ms(call.deadline) if path in EXP_TIME_PATHS else None
            # the answer is awaited for what is left of the call's deadline (a rate-limit wait
            # may have spent some), at most one try's timeout, as over REST
            left = call.deadline - client.clock.seconds()
            return stream.operate(op, [args], max(0.0, min(client.timeout, left)), exp_time)
        return await client.paced("POST", path, body, session.creds, operate, trace=session.trace,
                                  label=f"WS {op}", deadline=deadline)
