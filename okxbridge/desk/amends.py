# -*- test-case-name: tests.desk.test_amends, tests.e2e.test_amend -*-
"""Amending an order exactly once per nonce: the ledger's claim, then ``amend-order``.

An amendment sets absolute values (``newPx``, ``newSz``), carries a ``reqId`` derived from the
nonce and ``cxlOnFail`` off (a failed amendment leaves the order as it was; the bridge never
cancels what the strategy only asked to change). When the request gets no clear answer, the
order is read back: its ``px``/``sz`` equal to the asked values means OKX took it (or nothing
was left to change) and it is not sent again; otherwise it is sent once more only after the
first request's ``expTime`` has passed (docs #overview-transaction-timeouts: OKX does not
process it later), so one nonce never amends twice. A repeat of the nonce is answered from the
ledger (claim kind ``amend``).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Awaitable, Callable

from twisted.logger import Logger

from ..convert.orders import order_id
from ..okx import codes, paths
from ..okx.errors import OkxError, OkxTransportError
from ..okx.retry import outcome_unknown
from ..okx.session import Session
from .claims import AMEND
from .desk import OrderDesk
from .placement import Outcome, exactly_once
from .resolution import find_order, resolve

log = Logger()

#: an order state → why an amendment of it was refused
REFUSALS = {"filled": "is already filled", "canceled": "is already canceled", "mmp_canceled": "is already canceled",
            "not_found": "was not found"}


def request_id(nonce: int) -> str:
    """OKX's ``reqId``: up to 32 letters and digits; from the nonce, as clOrdId is."""
    return f"amd{nonce}"[:32]


def _same(held: Any, wanted: Any) -> bool:
    try:
        return Decimal(str(held)) == Decimal(str(wanted))
    except (InvalidOperation, ValueError):
        return False


def applied(found: dict[str, Any], body: dict[str, Any]) -> bool:
    """The order as read shows what the amendment asked for (or OKX's push names its reqId)."""
    if found.get("reqId") and found.get("reqId") == body.get("reqId"):
        return True
    return (("newPx" not in body or _same(found.get("px"), body["newPx"]))
            and ("newSz" not in body or _same(found.get("sz"), body["newSz"])))


async def amend_recorded(desk: OrderDesk, session: Session, nonce: int, inst_id: str, ord_id: str, content: str,
                         body: Callable[[], Awaitable[dict[str, Any]]]) -> Outcome:
    """:func:`amend_once` under the ledger's ``amend`` claim for this nonce; answers the
    order's FMZ id (OKX keeps the ordId through an amendment)."""
    fmz_id = order_id(inst_id, ord_id)

    async def send() -> Outcome:
        return fmz_id, await amend_once(desk, session, await body())

    async def look_up() -> str | None:
        sent = await body()
        found = await resolve(desk, session, sent, OkxTransportError("unfinished", "claimed before a restart"),
                              "amend")
        return fmz_id if found is not None and applied(found, sent) else None

    return await exactly_once(desk, session.creds, AMEND, nonce, request_id(nonce), content, send, look_up)


async def amend_once(desk: OrderDesk, session: Session, body: dict[str, Any]) -> Any:
    """OKX's raw answer (None when settled by reading the order back), or why not."""
    deadline = session.client.clock.seconds() + desk.request_deadline
    cause: OkxError
    try:
        return (await desk.transport.send(session, paths.AMEND_ORDER, body, deadline)).raw
    except OkxError as e:
        cause = e
        if e.code in codes.AMEND_REFUSED:
            raise amend_refused(body, await order_state(session, body), e) from None
        if not outcome_unknown(e):
            raise
        log.warn("amendment {reqId} of {ordId} on {instId}: {error}; resolving by reading the order",
                 reqId=body["reqId"], ordId=body["ordId"], instId=body["instId"], error=str(e))
        found = await settled(desk, session, body, e, deadline)
    desk.count_uncertain("placed" if found is not None and applied(found, body) else "absent")
    if found is None or found.get("state") not in codes.OPEN_STATES:
        if found is not None and applied(found, body):
            return None
        raise amend_refused(body, found.get("state", "") if found else "not_found", cause)
    if applied(found, body):
        return None
    # after its expTime OKX no longer takes the first request: sending it again cannot amend twice
    return (await desk.transport.send(session, paths.AMEND_ORDER, body,
                                      session.client.clock.seconds() + desk.request_deadline)).raw


async def settled(desk: OrderDesk, session: Session, body: dict[str, Any], cause: OkxError,
                  deadline: float) -> dict[str, Any] | None:
    """The order once the amendment shows in it, or once its ``expTime`` has passed (before
    that an unamended order proves nothing: the request may still be queued at OKX)."""
    try:
        found = await resolve(desk, session, body, cause, "amend")
        if found is not None and applied(found, body):
            return found
        wait = max(0.0, deadline + desk.expiry_margin - session.client.clock.seconds())
        return await resolve(desk, session, body, cause, "amend", delays=(wait,))
    except OkxError:
        desk.count_uncertain("unknown")
        raise


async def order_state(session: Session, body: dict[str, Any]) -> str:
    found = await find_order(session, body)
    return found.get("state", "") if found is not None else "not_found"


def amend_refused(body: dict[str, Any], state: str, cause: OkxError) -> OkxError:
    reason = REFUSALS.get(state, f"could not be amended ({cause.msg})")
    return OkxError(cause.code, f"order {body['instId']},{body['ordId']} {reason}; nothing was amended",
                    cause.verb or "POST", cause.path or paths.AMEND_ORDER)
