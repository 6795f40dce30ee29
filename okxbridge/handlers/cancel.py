# -*- test-case-name: tests.handlers.test_trade -*-
"""Cancelling: ``true``, or why not in words (already filled, already canceled, not found).

A cancel is claimed in the order ledger like an order (:mod:`okxbridge.desk.placement`): a
call repeated with the same nonce — after a hang-up or a restart — answers ``true`` again
instead of "already canceled", and the same nonce naming another order is refused.
"""

from __future__ import annotations

from ..desk.cancels import cancel_once
from ..desk.claims import CANCEL, content_fingerprint
from ..desk.placement import Outcome, exactly_once, shielded
from ..fmz.answer import Answer
from ..fmz.envelope import Call
from .deps import Trading
from .order_reads import order_inst_id


async def cancel(deps: Trading, call: Call, trace: list[str]) -> Answer:
    """``true``, or why not in words: already filled, already canceled, not found."""
    session = deps.session(call, trace)
    inst_id, ord_id = await order_inst_id(deps, session, call)
    body = {"instId": inst_id, "ordId": ord_id}
    content = content_fingerprint(body)
    desk = deps.desk

    async def send() -> Outcome:
        reply = await cancel_once(desk, session, body)
        return "true", reply.raw if reply is not None else None

    async def look_up() -> str | None:
        return None  # a cancel cannot double: sending it again is the way to find out

    _, raw = await shielded(desk, (session.creds.identity, CANCEL, call.nonce, content),
                            lambda: exactly_once(desk, session.creds, CANCEL, call.nonce, "", content, send, look_up))
    deps.accounts.of(session.creds).wrote(ord_id, final=True)
    return Answer(True, raw)
