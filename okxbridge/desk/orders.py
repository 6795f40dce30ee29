# -*- test-case-name: tests.handlers.test_trade, tests.e2e.test_order_faults, tests.e2e.test_ledger -*-
"""Placing an order exactly once, whatever the network does.

Every order carries a ``clOrdId`` derived from the call's nonce and an ``expTime`` (the
write's deadline on OKX's clock). When the place-order request gets no clear answer
(timeout, reset, 5xx, or a code whose outcome is unknown: 50004 "endpoint timeout", 51149
"order timed out", 64007 … on either transport; :data:`okxbridge.okx.codes.OUTCOME_UNKNOWN`),
OKX may or may not have taken the order, so it is never blindly sent again: the order is
looked up by ``clOrdId`` (a read, retried; :mod:`.resolution`), and placed once more only
when OKX says it does not exist *after* that ``expTime`` (before it, the first request may
still be queued at OKX).

OKX refuses a repeated ``clOrdId`` only while the first order is live (spec "Verified for
the fidelity work" §1), so a filled market order would be placed again by a repeat: what
stops that is the order ledger (:mod:`.placement`). A call repeated with the same nonce and
the same order gets the first order's id — after a hang-up, a restart or on another
instance; with another order it is refused.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from twisted.logger import Logger

from ..convert.orders import order_id
from ..okx import codes, paths
from ..okx.errors import OkxError, OkxTransportError
from ..okx.retry import outcome_unknown
from ..okx.session import Session, first
from .claims import ORDER
from .desk import OrderDesk
from .placement import Outcome, exactly_once
from .resolution import find_order, resolve

log = Logger()


def account_mode_changed(error: OkxError) -> bool:
    """OKX refused the order for the account mode (51000 on ``tdMode``, 50072, 51010): the
    trader may have switched it since the bridge read it. The refusal happened before OKX
    acted, so the order may be sent once more, rebuilt for the mode read again."""
    return error.code in codes.ACCOUNT_MODE_REFUSALS or (error.code == "51000" and "tdmode" in error.msg.lower())


async def place_recorded(desk: OrderDesk, session: Session, nonce: int, inst_id: str, cl_ord_id: str,
                         content: str, body: Callable[[], Awaitable[dict[str, Any]]],
                         replan: Callable[[], Awaitable[dict[str, Any]]] | None = None) -> Outcome:
    """:func:`place_once` under the ledger's claim for this nonce (:mod:`.placement`);
    ``replan`` rebuilds the body after an account-mode refusal (:func:`account_mode_changed`)."""
    named = {"instId": inst_id, "clOrdId": cl_ord_id}

    async def send() -> Outcome:
        sent = await body()
        try:
            ord_id, raw = await place_once(desk, session, sent)
        except OkxError as e:
            if replan is None or not account_mode_changed(e):
                raise
            again = await replan()
            if again == sent:  # the mode is as read: the refusal is the answer
                raise
            log.info("order {clOrdId}: OKX refused it for the account mode ({error}); sending it once more as "
                     "{tdMode} after reading the mode again", clOrdId=cl_ord_id, error=str(e), tdMode=again["tdMode"])
            ord_id, raw = await place_once(desk, session, again)
        return order_id(inst_id, ord_id), raw

    async def look_up() -> str | None:
        found = await resolve(desk, session, named, OkxTransportError("unfinished", "claimed before a restart"),
                              "place")
        return order_id(inst_id, found["ordId"]) if found is not None else None

    return await exactly_once(desk, session.creds, ORDER, nonce, cl_ord_id, content, send, look_up)


async def place_once(desk: OrderDesk, session: Session, body: dict[str, Any]) -> tuple[str, Any]:
    placed_again = False
    while True:
        # the write's deadline (the client's clock, as its calls' are), sent as expTime: OKX
        # discards the order if it arrives later
        deadline = session.client.clock.seconds() + desk.request_deadline
        try:
            reply = await desk.transport.send(session, paths.ORDER, body, deadline)
            return first(reply, f"order id for {body['clOrdId']}")["ordId"], reply.raw
        except OkxError as e:
            if e.code in codes.DUPLICATE_ORDER:  # this clOrdId is already an order: ours, from a repeat
                return await existing_order(session, body, e), None
            if not outcome_unknown(e):
                raise
            log.warn("order {clOrdId} on {instId}: {error}; resolving by reading it back",
                     clOrdId=body["clOrdId"], instId=body["instId"], error=str(e))
            try:
                looked_from = session.client.clock.seconds()
                found = await resolve(desk, session, body, e, "place")
                if found is None and looked_from < deadline + desk.expiry_margin:
                    found = await after_expiry(desk, session, body, e, deadline)
            except OkxError:
                desk.count_uncertain("unknown")
                raise
            desk.count_uncertain("placed" if found is not None else "absent")
            if found is not None:
                return found["ordId"], None
            if placed_again:
                raise OkxError("uncertain", f"order {body['clOrdId']} could not be placed: {e}",
                               "POST", paths.ORDER) from None
            placed_again = True  # OKX confirmed it has no such order: placing it now cannot double it


async def after_expiry(desk: OrderDesk, session: Session, body: dict[str, Any], cause: OkxError,
                       deadline: float) -> dict[str, Any] | None:
    """"Not found" is conclusive only once the write's ``expTime`` has passed on OKX's clock
    (docs #overview-transaction-timeouts): before that the original request may still be
    queued at OKX and reach matching. So wait until then (plus ``desk.expiry_margin`` for the
    clock offset's error) and look once more. ``deadline`` is on our clock, as is expTime once
    the signer's offset is taken back out."""
    wait = deadline + desk.expiry_margin - session.client.clock.seconds()
    log.info("order {clOrdId}: not found before its expTime; looking again in {wait:.2f}s, once OKX "
             "can no longer take it", clOrdId=body["clOrdId"], wait=max(0.0, wait))
    return await resolve(desk, session, body, cause, "place", delays=(max(0.0, wait),))


async def existing_order(session: Session, body: dict[str, Any], duplicate: OkxError) -> str:
    """OKX said this ``clOrdId`` is taken (51016): the order exists, so its id is the answer.
    If reading it back fails or finds nothing, the call must not read as "no order": the
    error says the order may exist and how to look for it."""
    try:
        found = await find_order(session, body)
    except OkxError as e:
        found, why = None, f"reading it back failed: {e}"
    else:
        why = "reading it back found nothing yet"
    if found is not None and found.get("ordId"):
        return str(found["ordId"])
    cl_ord_id, inst_id = body["clOrdId"], body["instId"]
    raise OkxError(duplicate.code, f"OKX says an order with clOrdId {cl_ord_id} already exists on {inst_id} "
                   f"({duplicate.msg}), but {why}. The order may exist: check with exchange.GetOrders() or "
                   f"`okxbridge-call io GET {paths.ORDER} instId={inst_id} clOrdId={cl_ord_id}` before "
                   f"placing it again", "POST", paths.ORDER) from None
