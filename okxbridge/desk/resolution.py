# -*- test-case-name: tests.desk.test_resolution -*-
"""Reading an order back when a write's outcome is unknown.

OKX may still be processing a write that went unanswered (a timeout, a reset, a 5xx), and
"not found" too early could lead to placing an order twice: so the order is looked up by
its ``ordId`` or ``clOrdId`` after each of the desk's delays until OKX answers clearly —
the order, or None when OKX has none, or a refusal of the credential itself (a wrong secret:
then the write, signed the same way, placed nothing either). Listed on ``/status`` (``orders_resolving``) meanwhile.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.task import deferLater

from ..okx import codes, paths
from ..okx.errors import OkxError, OkxTransportError
from ..okx.session import Session
from .desk import OrderDesk

#: the write whose outcome a look-up resolves → the request it was
WRITE_PATHS = {"place": paths.ORDER, "cancel": paths.CANCEL_ORDER, "amend": paths.AMEND_ORDER}


async def find_order(session: Session, body: dict[str, Any]) -> dict[str, Any] | None:
    """The order named by ``body``'s ``ordId`` or ``clOrdId``, or None when OKX has none."""
    ref = {"ordId": body["ordId"]} if "ordId" in body else {"clOrdId": body["clOrdId"]}
    try:
        reply = await session.get(paths.ORDER, {"instId": body["instId"], **ref})
    except OkxError as e:
        if e.code == codes.ORDER_NOT_FOUND:
            return None
        raise
    return reply.data[0] if reply.data else None


async def resolve(desk: OrderDesk, session: Session, body: dict[str, Any], cause: OkxError,
                  write: str, delays: tuple[float, ...] | None = None) -> dict[str, Any] | None:
    """Look the order up until OKX answers clearly: the order, or None when it does not exist.
    ``delays`` before each look-up: the desk's unless given (one, after an ``expTime``)."""
    last: OkxError = cause
    with desk.resolving.track(session.creds.fingerprint, body, write, cause) as shown:
        for delay in desk.resolve_delays if delays is None else delays + desk.resolve_delays[1:]:
            await deferLater(desk.clock, delay, lambda: None)
            shown.lookups += 1
            try:
                return await find_order(session, body)
            except OkxError as e:
                if e.code in codes.CREDENTIAL_NEVER_VALID:
                    raise  # the write was signed the same way: OKX refused it too, nothing placed
                last = e
                shown.last_error = str(e)[:200]
    name = body.get("ordId") or body.get("clOrdId")
    raise OkxError("uncertain", f"the outcome for order {name} on {body['instId']} is unknown "
                   f"(OKX did not answer: {last}); check open orders before acting again", "POST", WRITE_PATHS[write])


async def state_after_unknown_write(desk: OrderDesk, session: Session, body: dict[str, Any]) -> str:
    """The state of an order after a write whose outcome is unknown ("not_found" if none)."""
    found = await resolve(desk, session, body, OkxTransportError("timeout", "no answer"), "cancel")
    return found.get("state", "") if found is not None else "not_found"
