# -*- test-case-name: tests.handlers.test_trade, tests.e2e.test_order_faults -*-
"""Cancelling an order: sent once more only when a look-up shows it still open (a cancel
cannot double), and every refusal explained from the order's state in words."""

from __future__ import annotations

from ..okx import codes, paths
from ..okx.client import OkxReply
from ..okx.errors import OkxError
from ..okx.retry import outcome_unknown
from ..okx.session import Session
from .desk import OrderDesk
from .resolution import find_order, state_after_unknown_write

#: an order state → why a cancel of it was refused
REFUSALS = {"filled": "is already filled", "canceled": "is already canceled", "mmp_canceled": "is already canceled",
            "not_found": "was not found"}


async def cancel_once(desk: OrderDesk, session: Session, body: dict[str, str]) -> OkxReply | None:
    """OKX's answer to the cancel (None: the look-up found it canceled), or why not."""
    inst_id, ord_id = body["instId"], body["ordId"]
    try:
        return await desk.transport.send(session, paths.CANCEL_ORDER, body)
    except OkxError as e:
        if outcome_unknown(e):
            state = await state_after_unknown_write(desk, session, body)
            if state == "canceled":
                return None
            if state in codes.OPEN_STATES:
                return await desk.transport.send(session, paths.CANCEL_ORDER, body)  # once more: cannot double
            raise cancel_refused(inst_id, ord_id, state, e) from None
        if e.code in codes.CANCEL_REFUSED:
            state = await order_state(session, body)
            raise cancel_refused(inst_id, ord_id, state, e) from None
        raise


async def order_state(session: Session, body: dict[str, str]) -> str:
    found = await find_order(session, body)
    return found.get("state", "") if found is not None else "not_found"


def cancel_refused(inst_id: str, ord_id: str, state: str, cause: OkxError) -> OkxError:
    reason = REFUSALS.get(state, f"could not be canceled ({cause.msg})")
    return OkxError(cause.code, f"order {inst_id},{ord_id} {reason}", cause.verb or "POST",
                    cause.path or paths.CANCEL_ORDER)
